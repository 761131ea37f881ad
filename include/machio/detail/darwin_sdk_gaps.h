/* SPDX-License-Identifier: BSL-1.0 */
/* machio/detail/darwin_sdk_gaps.h — the few Darwin declarations some SDKs lack.
 *
 * The macOS SDK bundled with the zig cross-compiler has no <servers/bootstrap.h>, although
 * every Mac has it and libSystem exports the functions. When the header is missing, this
 * file declares the prototypes, types and codes machio uses, with the SDK's names and
 * values, so the cross build compiles and links against the real libSystem symbols. This is
 * the only conditional compilation machio's code does on the platform. */
#ifndef MACHIO_DETAIL_DARWIN_SDK_GAPS_H
#define MACHIO_DETAIL_DARWIN_SDK_GAPS_H

#include <mach/mach.h>

#if __has_include(<servers/bootstrap.h>)
#include <servers/bootstrap.h>
#else

#ifdef __cplusplus
extern "C" {
#endif

#define BOOTSTRAP_MAX_NAME_LEN 128
#define BOOTSTRAP_SUCCESS 0
#define BOOTSTRAP_NOT_PRIVILEGED 1100
#define BOOTSTRAP_NAME_IN_USE 1101
#define BOOTSTRAP_UNKNOWN_SERVICE 1102
#define BOOTSTRAP_SERVICE_ACTIVE 1103
#define BOOTSTRAP_BAD_COUNT 1104
#define BOOTSTRAP_NO_MEMORY 1105
#define BOOTSTRAP_NO_CHILDREN 1106

typedef char name_t[BOOTSTRAP_MAX_NAME_LEN];

/* A send right to the bootstrap server, set up by libSystem at process start. */
extern mach_port_t bootstrap_port;

kern_return_t bootstrap_look_up(mach_port_t bp, const name_t service_name, mach_port_t *sp);
kern_return_t bootstrap_check_in(mach_port_t bp, const name_t service_name, mach_port_t *sp);
kern_return_t bootstrap_register(mach_port_t bp, name_t service_name, mach_port_t sp);
const char *bootstrap_strerror(kern_return_t r);

#ifdef __cplusplus
}
#endif

#endif /* __has_include(<servers/bootstrap.h>) */

#endif /* MACHIO_DETAIL_DARWIN_SDK_GAPS_H */
