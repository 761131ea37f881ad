/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <bsm/audit.h> -- the few audit types <bsm/libbsm.h> needs. */
#ifndef MACHEMU_BSM_AUDIT_H
#define MACHEMU_BSM_AUDIT_H

#include <stdint.h>
#include <sys/types.h>

typedef uid_t au_id_t;
typedef pid_t au_asid_t;
typedef uint16_t au_event_t;
typedef uint16_t au_emod_t;
typedef uint32_t au_class_t;

/* Layout differs from macOS, where dev_t is 32 bits; only the field names match. */
struct au_tid {
    dev_t port;
    uint32_t machine;
};
typedef struct au_tid au_tid_t;

#endif /* MACHEMU_BSM_AUDIT_H */
