/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/error.h> -- how a Mach error code splits into system, subsystem and
 * code: [31:26] system, [25:14] subsystem, [13:0] code. */
#ifndef MACHEMU_MACH_ERROR_H
#define MACHEMU_MACH_ERROR_H

#include <mach/kern_return.h>

#define err_none        (mach_error_t)0
#define ERR_SUCCESS     (mach_error_t)0
#define ERR_ROUTINE_NIL (mach_error_fn_t)0

#define err_system(x)       ((signed)((((unsigned)(x)) & 0x3f) << 26))
#define err_sub(x)          (((x) & 0xfff) << 14)
#define err_get_system(err) (((err) >> 26) & 0x3f)
#define err_get_sub(err)    (((err) >> 14) & 0xfff)
#define err_get_code(err)   ((err) & 0x3fff)

#define system_emask (err_system(0x3f))
#define sub_emask    (err_sub(0xfff))
#define code_emask   (0x3fff)

#define err_kern       err_system(0x0)
#define err_us         err_system(0x1)
#define err_server     err_system(0x2)
#define err_ipc        err_system(0x3)
#define err_mach_ipc   err_system(0x4) /* MACH_SEND_* / MACH_RCV_* live here */
#define err_dipc       err_system(0x7)
#define err_local      err_system(0x3e)
#define err_ipc_compat err_system(0x3f)
#define err_max_system 0x3f

#define unix_err(errno) (err_kern | err_sub(3) | errno)

typedef kern_return_t mach_error_t;
typedef mach_error_t (*mach_error_fn_t)(void);

#endif /* MACHEMU_MACH_ERROR_H */
