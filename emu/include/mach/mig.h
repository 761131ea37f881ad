/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/mig.h> -- the types MIG-generated code and hand-written MIG-style
 * servers use. */
#ifndef MACHEMU_MACH_MIG_H
#define MACHEMU_MACH_MIG_H

#include <stdint.h>
#include <mach/port.h>
#include <mach/message.h>
#include <mach/vm_types.h>

#ifndef __MigTypeCheck
#define __MigTypeCheck 1
#endif
#define __MigPackStructs 1

typedef void (*mig_stub_routine_t)(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP);
typedef mig_stub_routine_t mig_routine_t;
typedef mig_routine_t (*mig_server_routine_t)(mach_msg_header_t *InHeadP);
typedef kern_return_t (*mig_impl_routine_t)(void);

typedef mach_msg_type_descriptor_t routine_arg_descriptor;
typedef mach_msg_type_descriptor_t *routine_arg_descriptor_t;
typedef mach_msg_type_descriptor_t *mig_routine_arg_descriptor_t;
#define MIG_ROUTINE_ARG_DESCRIPTOR_NULL ((mig_routine_arg_descriptor_t)0)

struct routine_descriptor {
    mig_impl_routine_t impl_routine;
    mig_stub_routine_t stub_routine;
    unsigned int argc;
    unsigned int descr_count;
    routine_arg_descriptor_t arg_descr;
    unsigned int max_reply_msg;
};
typedef struct routine_descriptor *routine_descriptor_t;
typedef struct routine_descriptor mig_routine_descriptor;
typedef mig_routine_descriptor *mig_routine_descriptor_t;
#define MIG_ROUTINE_DESCRIPTOR_NULL ((mig_routine_descriptor_t)0)

/* A server's demux table: ids [start, end) map to routine[id - start]. */
typedef struct mig_subsystem {
    mig_server_routine_t server;
    mach_msg_id_t start;
    mach_msg_id_t end;
    mach_msg_size_t maxsize;
    vm_address_t reserved;
    mig_routine_descriptor routine[1];
} *mig_subsystem_t;
#define MIG_SUBSYSTEM_NULL ((mig_subsystem_t)0)

typedef struct mig_symtab {
    char *ms_routine_name;
    int ms_routine_number;
    void (*ms_routine)(void);
} mig_symtab_t;

#if defined(__has_attribute)
#if __has_attribute(mig_server_routine)
#define MIG_SERVER_ROUTINE __attribute__((mig_server_routine))
#endif
#endif
#ifndef MIG_SERVER_ROUTINE
#define MIG_SERVER_ROUTINE
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The calling thread's MIG reply port (a receive right the library owns and reuses). */
extern mach_port_t mig_get_reply_port(void);
/* Destroys the thread's reply port after a failed exchange; the next get makes a new one. */
extern void mig_dealloc_reply_port(mach_port_t reply_port);
/* Hands the reply port back after a successful exchange. */
extern void mig_put_reply_port(mach_port_t reply_port);

/* Copies at most len - 1 bytes of src and a NUL; returns the bytes written including the
 * NUL, or len when src was cut short. 0 when len <= 0. */
extern int mig_strncpy(char *dest, const char *src, int len);
/* As mig_strncpy, and zeroes the rest of dest's len bytes. A null src gives len zero bytes
 * and 0; a null dest or len <= 0 gives 0. */
extern int mig_strncpy_zerofill(char *dest, const char *src, int len);

/* vm_allocate(ANYWHERE) for out-of-line data MIG returns; *address is 0 on failure. */
extern void mig_allocate(vm_address_t *address, vm_size_t size);
extern void mig_deallocate(vm_address_t address, vm_size_t size);

#ifdef __cplusplus
}
#endif

#endif /* MACHEMU_MACH_MIG_H */
