/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/notify.h> -- kernel notification ids and their message layouts. */
#ifndef MACHEMU_MACH_NOTIFY_H
#define MACHEMU_MACH_NOTIFY_H

#include <mach/port.h>
#include <mach/message.h>
#include <mach/ndr.h>

/* Ids are octal in XNU: FIRST is 0100 == 64. 67 and 68 (ownership/receive rights)
 * no longer exist. */
#define MACH_NOTIFY_FIRST          0100
#define MACH_NOTIFY_PORT_DELETED   (MACH_NOTIFY_FIRST + 001) /* 65 */
#define MACH_NOTIFY_SEND_POSSIBLE  (MACH_NOTIFY_FIRST + 002) /* 66 */
#define MACH_NOTIFY_PORT_DESTROYED (MACH_NOTIFY_FIRST + 005) /* 69 */
#define MACH_NOTIFY_NO_SENDERS     (MACH_NOTIFY_FIRST + 006) /* 70 */
#define MACH_NOTIFY_SEND_ONCE      (MACH_NOTIFY_FIRST + 007) /* 71 */
#define MACH_NOTIFY_DEAD_NAME      (MACH_NOTIFY_FIRST + 010) /* 72 */
#define MACH_NOTIFY_LAST           (MACH_NOTIFY_FIRST + 015) /* 77 */

typedef mach_port_t notify_port_t;

/* Receive-side layouts. Each ends with the 20-byte format-0 trailer, which the kernel
 * writes after msgh_size bytes only if the receiver requested that much trailer;
 * msgh_size itself excludes it (36, 24 or 40 bytes). */

typedef struct {
    mach_msg_header_t not_header;
    NDR_record_t NDR;
    mach_port_name_t not_port; /* the name the cancelled request was on */
    mach_msg_format_0_trailer_t trailer;
} mach_port_deleted_notification_t;

typedef struct {
    mach_msg_header_t not_header;
    NDR_record_t NDR;
    mach_port_name_t not_port;
    mach_msg_format_0_trailer_t trailer;
} mach_send_possible_notification_t;

/* Complex: the receive right comes back in the descriptor (disposition PORT_RECEIVE). */
typedef struct {
    mach_msg_header_t not_header;
    mach_msg_body_t not_body;
    mach_msg_port_descriptor_t not_port;
    mach_msg_format_0_trailer_t trailer;
} mach_port_destroyed_notification_t;

typedef struct {
    mach_msg_header_t not_header;
    NDR_record_t NDR;
    mach_msg_type_number_t not_count; /* the make-send count when the last sender went */
    mach_msg_format_0_trailer_t trailer;
} mach_no_senders_notification_t;

typedef struct {
    mach_msg_header_t not_header;
    mach_msg_format_0_trailer_t trailer;
} mach_send_once_notification_t;

/* not_port carries an extra dead-name uref: deallocate it once more. */
typedef struct {
    mach_msg_header_t not_header;
    NDR_record_t NDR;
    mach_port_name_t not_port;
    mach_msg_format_0_trailer_t trailer;
} mach_dead_name_notification_t;

#endif /* MACHEMU_MACH_NOTIFY_H */
