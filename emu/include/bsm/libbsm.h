/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <bsm/libbsm.h> -- reading the fields of an audit token (message trailers
 * with MACH_RCV_TRAILER_AUDIT and above). */
#ifndef MACHEMU_BSM_LIBBSM_H
#define MACHEMU_BSM_LIBBSM_H

#include <sys/types.h>
#include <bsm/audit.h>
#include <mach/message.h>

#ifdef __cplusplus
extern "C" {
#endif

uid_t audit_token_to_auid(audit_token_t atoken);
uid_t audit_token_to_euid(audit_token_t atoken);
gid_t audit_token_to_egid(audit_token_t atoken);
uid_t audit_token_to_ruid(audit_token_t atoken);
gid_t audit_token_to_rgid(audit_token_t atoken);
pid_t audit_token_to_pid(audit_token_t atoken);
au_asid_t audit_token_to_asid(audit_token_t atoken);
/* Tells apart processes that reused a pid. */
int audit_token_to_pidversion(audit_token_t atoken);

/* All fields at once; any output pointer may be NULL. */
void audit_token_to_au32(audit_token_t atoken, uid_t *auidp, uid_t *euidp, gid_t *egidp,
                         uid_t *ruidp, gid_t *rgidp, pid_t *pidp, au_asid_t *asidp,
                         au_tid_t *tidp);

#ifdef __cplusplus
}
#endif

#endif /* MACHEMU_BSM_LIBBSM_H */
