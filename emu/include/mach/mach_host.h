/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/mach_host.h> -- calls on the host port. */
#ifndef MACHEMU_MACH_MACH_HOST_H
#define MACHEMU_MACH_MACH_HOST_H

#include <mach/host_info.h>
#include <mach/mach_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* HOST_BASIC_INFO about this machine, as XNU's host_info: KERN_FAILURE when
 * *host_info_outCnt is below the old (5-word) layout, the old layout only when it is below
 * HOST_BASIC_INFO_COUNT; *host_info_outCnt is set to the words written. `host` must be a
 * send right from mach_host_self() (else KERN_INVALID_ARGUMENT; MACH_PORT_NULL:
 * MACH_SEND_INVALID_DEST, as a MIG call to no port). Other flavours: KERN_INVALID_ARGUMENT. */
kern_return_t host_info(host_t host, host_flavor_t flavor, host_info_t host_info_out,
                        mach_msg_type_number_t *host_info_outCnt);

#ifdef __cplusplus
}
#endif

#endif /* MACHEMU_MACH_MACH_HOST_H */
