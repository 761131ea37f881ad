/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/mach.h> -- the Mach IPC API in one include, plus the message helpers
 * the SDK declares here rather than in <mach/message.h>. */
#ifndef MACHEMU_MACH_MACH_H
#define MACHEMU_MACH_MACH_H

#define __MACH30__
#define MACH_IPC_FLAVOR UNTYPED

#include <mach/std_types.h>
#include <mach/mach_types.h>
#include <mach/mach_port.h>
#include <mach/mach_init.h>
#include <mach/mach_host.h>
#include <mach/task.h>
#include <mach/thread_act.h>
#include <mach/vm_map.h>
#include <mach/mig.h>
#include <mach/mig_errors.h>
#include <mach/mach_error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Releases everything a message holds: remote and voucher rights per their
 * dispositions (MOVE_* and received PORT_* values drop the right), every right in
 * port and OOL-ports descriptors, and OOL memory whose descriptor says deallocate.
 * msgh_local_port is left alone. */
extern void mach_msg_destroy(mach_msg_header_t *msg);

/* mach_msg(msg, MACH_RCV_MSG, 0, msg->msgh_size, msg->msgh_local_port, 0, 0). */
extern mach_msg_return_t mach_msg_receive(mach_msg_header_t *msg);

/* mach_msg(msg, MACH_SEND_MSG, msg->msgh_size, 0, MACH_PORT_NULL, 0, 0). */
extern mach_msg_return_t mach_msg_send(mach_msg_header_t *msg);

/* The generic MIG server loops (a demux routine such as MIG's <subsystem>_server answers
 * each request). max_size bounds request and reply; options may add receive options
 * (trailer, MACH_RCV_LARGE to grow the buffer, MACH_RCV_TIMEOUT to return
 * MACH_RCV_TIMED_OUT once the queue is empty) and send options for the replies.
 * A reply that cannot be delivered is destroyed with its rights. */
extern mach_msg_return_t mach_msg_server_once(boolean_t (*demux)(mach_msg_header_t *, mach_msg_header_t *),
                                              mach_msg_size_t max_size, mach_port_t rcv_name,
                                              mach_msg_options_t options);
extern mach_msg_return_t mach_msg_server(boolean_t (*demux)(mach_msg_header_t *, mach_msg_header_t *),
                                         mach_msg_size_t max_size, mach_port_t rcv_name,
                                         mach_msg_options_t options);
/* As mach_msg_server; importance boosts are not modelled. */
extern mach_msg_return_t mach_msg_server_importance(boolean_t (*demux)(mach_msg_header_t *, mach_msg_header_t *),
                                                    mach_msg_size_t max_size, mach_port_t rcv_name,
                                                    mach_msg_options_t options);

#ifdef __cplusplus
}
#endif

#endif /* MACHEMU_MACH_MACH_H */
