/* SPDX-License-Identifier: BSL-1.0 */
/* Every mach-emu Darwin header must compile as strict C11 (-Wpedantic -Werror), alone
 * and included twice, the way Darwin C programs include them. The checks below make a
 * C compiler agree with the C++ layout test on the layouts C programs build by hand. */

#include <bootstrap.h>
#include <bsm/audit.h>
#include <bsm/libbsm.h>
#include <mach/boolean.h>
#include <mach/error.h>
#include <mach/kern_return.h>
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <mach/mach_init.h>
#include <mach/mach_port.h>
#include <mach/mach_types.h>
#include <mach/mach_vm.h>
#include <mach/host_info.h>
#include <mach/mach_host.h>
#include <mach/mach_time.h>
#include <mach/machine.h>
#include <mach/thread_act.h>
#include <mach/thread_policy.h>
#include <mach/vm_param.h>
#include <mach/machine/boolean.h>
#include <mach/machine/kern_return.h>
#include <mach/machine/vm_types.h>
#include <mach/message.h>
#include <mach/mig.h>
#include <mach/mig_errors.h>
#include <mach/mig_strncpy_zerofill_support.h>
#include <mach/ndr.h>
#include <mach/notify.h>
#include <mach/port.h>
#include <mach/std_types.h>
#include <mach/task.h>
#include <mach/task_special_ports.h>
#include <mach/vm_map.h>
#include <mach/vm_prot.h>
#include <mach/vm_statistics.h>
#include <mach/vm_types.h>
#include <servers/bootstrap.h>
#include <sys/event.h>

/* Second round: include guards must make these no-ops. */
#include <bootstrap.h>
#include <bsm/audit.h>
#include <bsm/libbsm.h>
#include <mach/boolean.h>
#include <mach/error.h>
#include <mach/kern_return.h>
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <mach/mach_init.h>
#include <mach/mach_port.h>
#include <mach/mach_types.h>
#include <mach/mach_vm.h>
#include <mach/host_info.h>
#include <mach/mach_host.h>
#include <mach/mach_time.h>
#include <mach/machine.h>
#include <mach/thread_act.h>
#include <mach/thread_policy.h>
#include <mach/vm_param.h>
#include <mach/machine/boolean.h>
#include <mach/machine/kern_return.h>
#include <mach/machine/vm_types.h>
#include <mach/message.h>
#include <mach/mig.h>
#include <mach/mig_errors.h>
#include <mach/mig_strncpy_zerofill_support.h>
#include <mach/ndr.h>
#include <mach/notify.h>
#include <mach/port.h>
#include <mach/std_types.h>
#include <mach/task.h>
#include <mach/task_special_ports.h>
#include <mach/vm_map.h>
#include <mach/vm_prot.h>
#include <mach/vm_statistics.h>
#include <mach/vm_types.h>
#include <servers/bootstrap.h>
#include <sys/event.h>

#include <stddef.h>
#include <string.h>

_Static_assert(sizeof(mach_msg_header_t) == 24, "header");
_Static_assert(sizeof(mach_msg_base_t) == 28, "base");
_Static_assert(sizeof(mach_msg_port_descriptor_t) == 12, "port descriptor");
_Static_assert(sizeof(mach_msg_ool_descriptor_t) == 16, "OOL descriptor");
_Static_assert(sizeof(mach_msg_ool_ports_descriptor_t) == 16, "OOL ports descriptor");
_Static_assert(sizeof(mach_msg_guarded_port_descriptor_t) == 16, "guarded port descriptor");
_Static_assert(offsetof(mach_msg_guarded_port_descriptor_t, name) == 12, "guarded name");
_Static_assert(sizeof(mach_msg_max_trailer_t) == 68, "max trailer");
_Static_assert(offsetof(mach_msg_context_trailer_t, msgh_context) == 52, "context trailer");
_Static_assert(sizeof(audit_token_t) == 32, "audit token");
_Static_assert(sizeof(mach_port_options_t) == 24, "port options");
_Static_assert(sizeof(mig_reply_error_t) == 36, "MIG error reply");
_Static_assert(sizeof(mach_dead_name_notification_t) == 56, "dead-name notification");
_Static_assert(sizeof(struct kevent64_s) == 48, "kevent64_s");
_Static_assert(sizeof(name_t) == BOOTSTRAP_MAX_NAME_LEN, "name_t");

/* A complex message carrying one port right, as C clients declare it. */
typedef struct {
    mach_msg_header_t header;
    mach_msg_body_t body;
    mach_msg_port_descriptor_t port;
    NDR_record_t ndr;
    int payload;
} port_message;
_Static_assert(sizeof(port_message) == 52, "port message");

int main(void) {
    port_message msg;
    memset(&msg, 0, sizeof msg);
    msg.header.msgh_bits =
        MACH_MSGH_BITS_SET(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE, 0, MACH_MSGH_BITS_COMPLEX);
    msg.header.msgh_size = (mach_msg_size_t)sizeof msg;
    msg.header.msgh_remote_port = MACH_PORT_NULL;
    msg.header.msgh_id = 1000;
    msg.body.msgh_descriptor_count = 1;
    msg.port.name = MACH_PORT_DEAD;
    msg.port.disposition = MACH_MSG_TYPE_MOVE_SEND;
    msg.port.type = MACH_MSG_PORT_DESCRIPTOR;

    unsigned char raw[sizeof msg];
    memcpy(raw, &msg, sizeof msg);
    if (raw[24 + 4 + 10] != MACH_MSG_TYPE_MOVE_SEND || raw[24 + 4 + 11] != MACH_MSG_PORT_DESCRIPTOR) {
        return 1;
    }
    if (!MACH_MSGH_BITS_IS_COMPLEX(msg.header.msgh_bits) ||
        MACH_MSGH_BITS_LOCAL(msg.header.msgh_bits) != MACH_MSG_TYPE_MAKE_SEND_ONCE) {
        return 2;
    }

    struct kevent64_s ev;
    EV_SET64(&ev, msg.port.name, EVFILT_MACHPORT, EV_ADD | EV_CLEAR, MACH_RCV_MSG, 0, 0, 0, 0);
    if (ev.filter != -8 || ev.flags != 0x21) {
        return 3;
    }

    mach_msg_option_t options = MACH_RCV_MSG | MACH_RCV_TIMEOUT |
                                MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
                                MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT);
    if (REQUESTED_TRAILER_SIZE(options) != sizeof(mach_msg_audit_trailer_t)) {
        return 4;
    }
    if (err_get_system(MACH_SEND_INVALID_DEST) != 4 || MACH_NOTIFY_DEAD_NAME != 72 ||
        BOOTSTRAP_UNKNOWN_SERVICE != 1102 || KERN_INVALID_NAME != 15) {
        return 5;
    }

    mach_port_options_t port_options;
    memset(&port_options, 0, sizeof port_options);
    port_options.flags = MPO_INSERT_SEND_RIGHT | MPO_QLIMIT;
    port_options.mpl.mpl_qlimit = MACH_PORT_QLIMIT_LARGE;
    port_options.reserved[0] = 0;
    return port_options.flags == 0x12 ? 0 : 6;
}
