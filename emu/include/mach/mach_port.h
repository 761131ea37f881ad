/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/mach_port.h> -- the mach_port_* calls on a task's IPC space.
 * Signatures as in the macOS SDK (there MIG-generated); `task` is mach_task_self()
 * unless a test created other tasks. Every call returns KERN_INVALID_TASK for a task
 * that does not exist, KERN_INVALID_NAME for a name the space does not hold and
 * KERN_INVALID_RIGHT for a name that lacks the right the call needs. */
#ifndef MACHEMU_MACH_MACH_PORT_H
#define MACHEMU_MACH_MACH_PORT_H

#include <stdint.h>
#include <mach/boolean.h>
#include <mach/kern_return.h>
#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/ndr.h>
#include <mach/notify.h>
#include <mach/port.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every name in the space and its type bits, as two arrays the caller owns and must
 * vm_deallocate (count * 4 bytes each). */
kern_return_t mach_port_names(ipc_space_t task, mach_port_name_array_t *names,
                              mach_msg_type_number_t *namesCnt, mach_port_type_array_t *types,
                              mach_msg_type_number_t *typesCnt);

kern_return_t mach_port_type(ipc_space_t task, mach_port_name_t name, mach_port_type_t *ptype);

/* Creates a receive right, an empty port set or a dead name (1 uref) under a new name
 * (allocate) or the caller's `name` (allocate_name, which needs (name & 3) == 3). */
kern_return_t mach_port_allocate(ipc_space_t task, mach_port_right_t right, mach_port_name_t *name);
kern_return_t mach_port_allocate_name(ipc_space_t task, mach_port_right_t right, mach_port_name_t name);

/* Removes every right under `name` (refused for a receive right guarded with a nonzero
 * guard). NULL and DEAD are no-ops. */
kern_return_t mach_port_destroy(ipc_space_t task, mach_port_name_t name);

/* Drops one uref of a send, send-once or dead-name right, or destroys a port set. */
kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name);

kern_return_t mach_port_get_refs(ipc_space_t task, mach_port_name_t name, mach_port_right_t right,
                                 mach_port_urefs_t *refs);
/* Adds `delta` urefs of `right`; reaching zero releases the right. */
kern_return_t mach_port_mod_refs(ipc_space_t task, mach_port_name_t name, mach_port_right_t right,
                                 mach_port_delta_t delta);

/* Looks at a queued message without dequeuing it. *msg_sizep is the kernel's size,
 * msgh_size + 8 (an XNU quirk that callers rely on). */
kern_return_t mach_port_peek(ipc_space_t task, mach_port_name_t name,
                             mach_msg_trailer_type_t trailer_type, mach_port_seqno_t *request_seqnop,
                             mach_msg_size_t *msg_sizep, mach_msg_id_t *msg_idp,
                             mach_msg_trailer_info_t trailer_infop,
                             mach_msg_type_number_t *trailer_infopCnt);

kern_return_t mach_port_set_mscount(ipc_space_t task, mach_port_name_t name, mach_port_mscount_t mscount);

/* The member names of a port set, as an array the caller must vm_deallocate. */
kern_return_t mach_port_get_set_status(ipc_space_read_t task, mach_port_name_t name,
                                       mach_port_name_array_t *members,
                                       mach_msg_type_number_t *membersCnt);

/* Puts `member` in set `after` and takes it out of every other set; `after` NULL only
 * takes it out. */
kern_return_t mach_port_move_member(ipc_space_t task, mach_port_name_t member, mach_port_name_t after);

/* Registers `notify` (a send-once right made or moved per notifyPoly, consumed on
 * success) for notification `msgid` on `name`; a replaced registration comes back in
 * *previous as a send-once right the caller owns. */
kern_return_t mach_port_request_notification(ipc_space_t task, mach_port_name_t name,
                                             mach_msg_id_t msgid, mach_port_mscount_t sync,
                                             mach_port_t notify, mach_msg_type_name_t notifyPoly,
                                             mach_port_t *previous);

/* Gives the caller the right `poly` would carry in a message with disposition
 * `polyPoly`, under `name`. */
kern_return_t mach_port_insert_right(ipc_space_t task, mach_port_name_t name, mach_port_t poly,
                                     mach_msg_type_name_t polyPoly);

/* Takes a right out of `name` as a message with disposition `msgt_name` would, and
 * gives it back to the caller: *poly names it, *polyPoly is its PORT_* type. */
kern_return_t mach_port_extract_right(ipc_space_t task, mach_port_name_t name,
                                      mach_msg_type_name_t msgt_name, mach_port_t *poly,
                                      mach_msg_type_name_t *polyPoly);

kern_return_t mach_port_set_seqno(ipc_space_t task, mach_port_name_t name, mach_port_seqno_t seqno);

/* `port_info_out` holds *port_info_outCnt natural_t words on entry; the count of words
 * written on return. */
kern_return_t mach_port_get_attributes(ipc_space_read_t task, mach_port_name_t name,
                                       mach_port_flavor_t flavor, mach_port_info_t port_info_out,
                                       mach_msg_type_number_t *port_info_outCnt);
kern_return_t mach_port_set_attributes(ipc_space_t task, mach_port_name_t name,
                                       mach_port_flavor_t flavor, mach_port_info_t port_info,
                                       mach_msg_type_number_t port_infoCnt);

/* The number of send rights to the port, anywhere. */
kern_return_t mach_port_get_srights(ipc_space_t task, mach_port_name_t name, mach_port_rights_t *srights);

kern_return_t mach_port_insert_member(ipc_space_t task, mach_port_name_t name, mach_port_name_t pset);
kern_return_t mach_port_extract_member(ipc_space_t task, mach_port_name_t name, mach_port_name_t pset);

/* The receive right's context; 0 for a strictly guarded port. */
kern_return_t mach_port_get_context(ipc_space_read_t task, mach_port_name_t name,
                                    mach_port_context_t *context);
kern_return_t mach_port_set_context(ipc_space_t task, mach_port_name_t name, mach_port_context_t context);

/* Creates a receive right configured by `options` (MPO_*); `context` is its guard
 * with MPO_CONTEXT_AS_GUARD, else its plain context. */
kern_return_t mach_port_construct(ipc_space_t task, mach_port_options_ptr_t options,
                                  mach_port_context_t context, mach_port_name_t *name);

/* Adds `srdelta` (<= 0) send urefs, then destroys the receive right; `guard` must match
 * a guarded port's guard. */
kern_return_t mach_port_destruct(ipc_space_t task, mach_port_name_t name, mach_port_delta_t srdelta,
                                 mach_port_context_t guard);

kern_return_t mach_port_guard(ipc_space_t task, mach_port_name_t name, mach_port_context_t guard,
                              boolean_t strict);
kern_return_t mach_port_unguard(ipc_space_t task, mach_port_name_t name, mach_port_context_t guard);
/* `flags` are MPG_STRICT / MPG_IMMOVABLE_RECEIVE. */
kern_return_t mach_port_guard_with_flags(ipc_space_t task, mach_port_name_t name,
                                         mach_port_context_t guard, uint64_t flags);
kern_return_t mach_port_swap_guard(ipc_space_t task, mach_port_name_t name,
                                   mach_port_context_t old_guard, mach_port_context_t new_guard);

#ifdef __cplusplus
}
#endif

#endif /* MACHEMU_MACH_MACH_PORT_H */
