/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/mig_errors.h> -- MIG return codes and the error-reply layout. */
#ifndef MACHEMU_MACH_MIG_ERRORS_H
#define MACHEMU_MACH_MIG_ERRORS_H

#include <mach/mig.h>
#include <mach/ndr.h>
#include <mach/message.h>
#include <mach/kern_return.h>

#define MIG_TYPE_ERROR      -300 /* reply has the wrong size or bits */
#define MIG_REPLY_MISMATCH  -301 /* reply id is not request id + 100 */
#define MIG_REMOTE_ERROR    -302
#define MIG_BAD_ID          -303 /* server: unknown request id */
#define MIG_BAD_ARGUMENTS   -304 /* server: request failed its type check */
#define MIG_NO_REPLY        -305 /* server routine: keep everything, send no reply */
#define MIG_EXCEPTION       -306
#define MIG_ARRAY_TOO_LARGE -307
#define MIG_SERVER_DIED     -308 /* reply was a send-once notification */
#define MIG_TRAILER_ERROR   -309

/* A simple 36-byte reply whose RetCode is not KERN_SUCCESS. */
#pragma pack(push, 4)
typedef struct {
    mach_msg_header_t Head;
    NDR_record_t NDR;
    kern_return_t RetCode;
} mig_reply_error_t;
#pragma pack(pop)

#endif /* MACHEMU_MACH_MIG_ERRORS_H */
