/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <servers/bootstrap.h> -- the launchd bootstrap name service, client side.
 * Names, types and values as in launchd's public bootstrap.h (installed under this
 * path on macOS; the zig-bundled SDK omits it). */
#ifndef MACHEMU_SERVERS_BOOTSTRAP_H
#define MACHEMU_SERVERS_BOOTSTRAP_H

#include <stdbool.h>
#include <sys/types.h>
#include <mach/std_types.h>
#include <mach/message.h>

#define BOOTSTRAP_MAX_NAME_LEN     128
#define BOOTSTRAP_MAX_CMD_LEN      512
#define BOOTSTRAP_MAX_LOOKUP_COUNT 20

/* Service names are NUL-terminated and at most BOOTSTRAP_MAX_NAME_LEN bytes with it. */
typedef char name_t[BOOTSTRAP_MAX_NAME_LEN];
typedef char cmd_t[BOOTSTRAP_MAX_CMD_LEN];
typedef name_t *name_array_t;
typedef int bootstrap_status_t;
typedef bootstrap_status_t *bootstrap_status_array_t;
typedef unsigned int bootstrap_property_t;
typedef bootstrap_property_t *bootstrap_property_array_t;
typedef boolean_t *bool_array_t;

#define BOOTSTRAP_SUCCESS           0
#define BOOTSTRAP_NOT_PRIVILEGED    1100
#define BOOTSTRAP_NAME_IN_USE       1101
#define BOOTSTRAP_UNKNOWN_SERVICE   1102
#define BOOTSTRAP_SERVICE_ACTIVE    1103 /* check_in on a checked-in name, register on a live one */
#define BOOTSTRAP_BAD_COUNT         1104
#define BOOTSTRAP_NO_MEMORY         1105
#define BOOTSTRAP_NO_CHILDREN       1106

#define BOOTSTRAP_STATUS_INACTIVE  0
#define BOOTSTRAP_STATUS_ACTIVE    1
#define BOOTSTRAP_STATUS_ON_DEMAND 2

#ifdef __cplusplus
extern "C" {
#endif

/* A send right to the bootstrap server (TASK_BOOTSTRAP_PORT), set up before main(). */
extern mach_port_t bootstrap_port;

/* Takes the receive right of the service `service_name` declared for the caller; *sp
 * names it and the caller owns it. When the caller destroys it (or exits) it goes back
 * to the server, which keeps answering look-ups. */
kern_return_t bootstrap_check_in(mach_port_t bp, const name_t service_name, mach_port_t *sp);

/* Gives the caller a send right (one uref, coalesced with any it already has) to the
 * service; BOOTSTRAP_UNKNOWN_SERVICE if nothing is registered under the name. */
kern_return_t bootstrap_look_up(mach_port_t bp, const name_t service_name, mach_port_t *sp);

/* Registers a send right to `sp` (copied, the caller keeps its own) under the name;
 * MACH_PORT_NULL unregisters the caller's entry. Deprecated since macOS 10.5, as on
 * the SDK, but still implemented by launchd. */
__attribute__((deprecated))
kern_return_t bootstrap_register(mach_port_t bp, name_t service_name, mach_port_t sp);

/* A static description of a BOOTSTRAP_* code, or mach_error_string() for any other. */
const char *bootstrap_strerror(kern_return_t r);

#ifdef __cplusplus
}
#endif

#endif /* MACHEMU_SERVERS_BOOTSTRAP_H */
