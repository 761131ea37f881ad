// SPDX-License-Identifier: BSL-1.0
// audit_token_to_*: the fields of XNU's audit token (bsd/kern/kern_prot.c layout).
#include <bsm/libbsm.h>

extern "C" {
uid_t audit_token_to_auid(audit_token_t t) { return t.val[0]; }
uid_t audit_token_to_euid(audit_token_t t) { return t.val[1]; }
gid_t audit_token_to_egid(audit_token_t t) { return t.val[2]; }
uid_t audit_token_to_ruid(audit_token_t t) { return t.val[3]; }
gid_t audit_token_to_rgid(audit_token_t t) { return t.val[4]; }
pid_t audit_token_to_pid(audit_token_t t) { return static_cast<pid_t>(t.val[5]); }
au_asid_t audit_token_to_asid(audit_token_t t) { return static_cast<au_asid_t>(t.val[6]); }
int audit_token_to_pidversion(audit_token_t t) { return static_cast<int>(t.val[7]); }
void audit_token_to_au32(audit_token_t t, uid_t* auidp, uid_t* euidp, gid_t* egidp, uid_t* ruidp,
                         gid_t* rgidp, pid_t* pidp, au_asid_t* asidp, au_tid_t* tidp) {
  if (auidp) *auidp = t.val[0];
  if (euidp) *euidp = t.val[1];
  if (egidp) *egidp = t.val[2];
  if (ruidp) *ruidp = t.val[3];
  if (rgidp) *rgidp = t.val[4];
  if (pidp) *pidp = static_cast<pid_t>(t.val[5]);
  if (asidp) *asidp = static_cast<au_asid_t>(t.val[6]);
  if (tidp) *tidp = au_tid_t{};
}
}
