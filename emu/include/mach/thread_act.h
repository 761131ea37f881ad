/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/thread_act.h> -- calls on a thread port. */
#ifndef MACHEMU_MACH_THREAD_ACT_H
#define MACHEMU_MACH_THREAD_ACT_H

#include <mach/mach_types.h>
#include <mach/thread_policy.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Checks the policy as XNU's thread_policy_set does (flavour, count, a time constraint's
 * computation within its constraint) and accepts it; nothing is applied on Linux.
 * `thread` MACH_PORT_NULL: MACH_SEND_INVALID_DEST, as a MIG call to no port. */
kern_return_t thread_policy_set(thread_act_t thread, thread_policy_flavor_t flavor,
                                thread_policy_t policy_info,
                                mach_msg_type_number_t policy_infoCnt);

#ifdef __cplusplus
}
#endif

#endif /* MACHEMU_MACH_THREAD_ACT_H */
