// SPDX-License-Identifier: BSL-1.0
// Pins mach-emu's Darwin headers to the macOS SDK: sizes, offsets, byte positions of
// bit-fields, types and constant values. A message built on Linux must be byte-for-byte
// what a Mac expects, and a return code must mean the same thing, so every number here
// is the SDK's (the same lists compile against the zig-bundled macOS 13 SDK).

#include <bsm/libbsm.h>
#include <mach/mach.h>
#include <mach/mach_vm.h>
#include <mach/notify.h>
#include <servers/bootstrap.h>
#include <sys/event.h>

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace {

// ---- sizes and offsets (name, expression, SDK value) ------------------------------
// MACHEMU-SDK-LAYOUT-BEGIN
#define MACHEMU_LAYOUT(X)                                                              \
    X(sizeof(mach_port_t), 4)                                                          \
    X(sizeof(mach_port_name_t), 4)                                                     \
    X(sizeof(natural_t), 4)                                                            \
    X(sizeof(integer_t), 4)                                                            \
    X(sizeof(boolean_t), 4)                                                            \
    X(sizeof(kern_return_t), 4)                                                        \
    X(sizeof(mach_msg_option_t), 4)                                                    \
    X(sizeof(mach_port_context_t), 8)                                                  \
    X(sizeof(mach_vm_address_t), 8)                                                    \
    X(sizeof(mach_vm_size_t), 8)                                                       \
    X(sizeof(vm_address_t), sizeof(void*))                                             \
    X(sizeof(vm_size_t), sizeof(void*))                                                \
    X(sizeof(mach_msg_header_t), 24)                                                   \
    X(offsetof(mach_msg_header_t, msgh_bits), 0)                                       \
    X(offsetof(mach_msg_header_t, msgh_size), 4)                                       \
    X(offsetof(mach_msg_header_t, msgh_remote_port), 8)                                \
    X(offsetof(mach_msg_header_t, msgh_local_port), 12)                                \
    X(offsetof(mach_msg_header_t, msgh_voucher_port), 16)                              \
    X(offsetof(mach_msg_header_t, msgh_id), 20)                                        \
    X(sizeof(mach_msg_body_t), 4)                                                      \
    X(sizeof(mach_msg_base_t), 28)                                                     \
    X(offsetof(mach_msg_base_t, body), 24)                                             \
    X(sizeof(mach_msg_type_descriptor_t), 12)                                          \
    X(sizeof(mach_msg_port_descriptor_t), 12)                                          \
    X(offsetof(mach_msg_port_descriptor_t, name), 0)                                   \
    X(sizeof(mach_msg_ool_descriptor_t), 16)                                           \
    X(offsetof(mach_msg_ool_descriptor_t, address), 0)                                 \
    X(offsetof(mach_msg_ool_descriptor_t, size), 12)                                   \
    X(sizeof(mach_msg_ool_descriptor32_t), 12)                                         \
    X(sizeof(mach_msg_ool_descriptor64_t), 16)                                         \
    X(offsetof(mach_msg_ool_descriptor64_t, size), 12)                                 \
    X(sizeof(mach_msg_ool_ports_descriptor_t), 16)                                     \
    X(offsetof(mach_msg_ool_ports_descriptor_t, address), 0)                           \
    X(offsetof(mach_msg_ool_ports_descriptor_t, count), 12)                            \
    X(sizeof(mach_msg_ool_ports_descriptor32_t), 12)                                   \
    X(sizeof(mach_msg_ool_ports_descriptor64_t), 16)                                   \
    X(sizeof(mach_msg_guarded_port_descriptor_t), 16)                                  \
    X(offsetof(mach_msg_guarded_port_descriptor_t, context), 0)                        \
    X(offsetof(mach_msg_guarded_port_descriptor_t, name), 12)                          \
    X(sizeof(mach_msg_guarded_port_descriptor32_t), 12)                                \
    X(sizeof(mach_msg_guarded_port_descriptor64_t), 16)                                \
    X(sizeof(mach_msg_descriptor_t), 16)                                               \
    X(alignof(mach_msg_ool_descriptor_t), 4)                                           \
    X(alignof(mach_msg_guarded_port_descriptor_t), 4)                                  \
    X(sizeof(security_token_t), 8)                                                     \
    X(sizeof(audit_token_t), 32)                                                       \
    X(sizeof(mach_msg_trailer_t), 8)                                                   \
    X(offsetof(mach_msg_trailer_t, msgh_trailer_type), 0)                              \
    X(offsetof(mach_msg_trailer_t, msgh_trailer_size), 4)                              \
    X(sizeof(mach_msg_seqno_trailer_t), 12)                                            \
    X(offsetof(mach_msg_seqno_trailer_t, msgh_seqno), 8)                               \
    X(sizeof(mach_msg_security_trailer_t), 20)                                         \
    X(offsetof(mach_msg_security_trailer_t, msgh_sender), 12)                          \
    X(sizeof(mach_msg_format_0_trailer_t), 20)                                         \
    X(sizeof(mach_msg_audit_trailer_t), 52)                                            \
    X(offsetof(mach_msg_audit_trailer_t, msgh_audit), 20)                              \
    X(sizeof(mach_msg_context_trailer_t), 60)                                          \
    X(offsetof(mach_msg_context_trailer_t, msgh_context), 52)                          \
    X(sizeof(mach_msg_mac_trailer_t), 68)                                              \
    X(offsetof(mach_msg_mac_trailer_t, msgh_context), 52)                              \
    X(offsetof(mach_msg_mac_trailer_t, msgh_ad), 60)                                   \
    X(offsetof(mach_msg_mac_trailer_t, msgh_labels), 64)                               \
    X(sizeof(mach_msg_max_trailer_t), 68)                                              \
    X(MAX_TRAILER_SIZE, 68)                                                            \
    X(MACH_MSG_TRAILER_MINIMUM_SIZE, 8)                                                \
    X(sizeof(mach_msg_empty_rcv_t), 32)                                                \
    X(sizeof(mach_port_status_t), 40)                                                  \
    X(offsetof(mach_port_status_t, mps_seqno), 4)                                      \
    X(offsetof(mach_port_status_t, mps_qlimit), 12)                                    \
    X(offsetof(mach_port_status_t, mps_msgcount), 16)                                  \
    X(offsetof(mach_port_status_t, mps_srights), 24)                                   \
    X(offsetof(mach_port_status_t, mps_flags), 36)                                     \
    X(sizeof(mach_port_limits_t), 4)                                                   \
    X(sizeof(mach_port_info_ext_t), 68)                                                \
    X(sizeof(mach_port_guard_info_t), 8)                                               \
    X(sizeof(mach_port_qos_t), 8)                                                      \
    X(sizeof(mach_port_options_t), 24)                                                 \
    X(offsetof(mach_port_options_t, flags), 0)                                         \
    X(offsetof(mach_port_options_t, mpl), 4)                                           \
    X(offsetof(mach_port_options_t, reserved), 8)                                      \
    X(MACH_PORT_LIMITS_INFO_COUNT, 1)                                                  \
    X(MACH_PORT_RECEIVE_STATUS_COUNT, 10)                                              \
    X(MACH_PORT_INFO_EXT_COUNT, 17)                                                    \
    X(MACH_PORT_GUARD_INFO_COUNT, 2)                                                   \
    X(sizeof(NDR_record_t), 8)                                                         \
    X(offsetof(NDR_record_t, int_rep), 4)                                              \
    X(sizeof(mig_reply_error_t), 36)                                                   \
    X(offsetof(mig_reply_error_t, NDR), 24)                                            \
    X(offsetof(mig_reply_error_t, RetCode), 32)                                        \
    X(sizeof(mach_port_deleted_notification_t), 56)                                    \
    X(offsetof(mach_port_deleted_notification_t, not_port), 32)                        \
    X(offsetof(mach_port_deleted_notification_t, trailer), 36)                         \
    X(sizeof(mach_send_possible_notification_t), 56)                                   \
    X(offsetof(mach_send_possible_notification_t, not_port), 32)                       \
    X(sizeof(mach_port_destroyed_notification_t), 60)                                  \
    X(offsetof(mach_port_destroyed_notification_t, not_body), 24)                      \
    X(offsetof(mach_port_destroyed_notification_t, not_port), 28)                      \
    X(offsetof(mach_port_destroyed_notification_t, trailer), 40)                       \
    X(sizeof(mach_no_senders_notification_t), 56)                                      \
    X(offsetof(mach_no_senders_notification_t, not_count), 32)                         \
    X(sizeof(mach_send_once_notification_t), 44)                                       \
    X(offsetof(mach_send_once_notification_t, trailer), 24)                            \
    X(sizeof(mach_dead_name_notification_t), 56)                                       \
    X(offsetof(mach_dead_name_notification_t, NDR), 24)                                \
    X(offsetof(mach_dead_name_notification_t, not_port), 32)                           \
    X(offsetof(mach_dead_name_notification_t, trailer), 36)                            \
    X(sizeof(struct kevent64_s), 48)                                                   \
    X(offsetof(struct kevent64_s, ident), 0)                                           \
    X(offsetof(struct kevent64_s, filter), 8)                                          \
    X(offsetof(struct kevent64_s, flags), 10)                                          \
    X(offsetof(struct kevent64_s, fflags), 12)                                         \
    X(offsetof(struct kevent64_s, data), 16)                                           \
    X(offsetof(struct kevent64_s, udata), 24)                                          \
    X(offsetof(struct kevent64_s, ext), 32)                                            \
    X(sizeof(struct kevent), 32)                                                       \
    X(offsetof(struct kevent, data), 16)                                               \
    X(offsetof(struct kevent, udata), 24)
// MACHEMU-SDK-LAYOUT-END

// ---- constant values (name, SDK value) --------------------------------------------
// MACHEMU-SDK-CONSTANTS-BEGIN
#define MACHEMU_CONSTANTS(X)                                                           \
    X(KERN_SUCCESS, 0)                                                                 \
    X(KERN_INVALID_ADDRESS, 1)                                                         \
    X(KERN_PROTECTION_FAILURE, 2)                                                      \
    X(KERN_NO_SPACE, 3)                                                                \
    X(KERN_INVALID_ARGUMENT, 4)                                                        \
    X(KERN_FAILURE, 5)                                                                 \
    X(KERN_RESOURCE_SHORTAGE, 6)                                                       \
    X(KERN_NOT_RECEIVER, 7)                                                            \
    X(KERN_NO_ACCESS, 8)                                                               \
    X(KERN_MEMORY_FAILURE, 9)                                                          \
    X(KERN_MEMORY_ERROR, 10)                                                           \
    X(KERN_ALREADY_IN_SET, 11)                                                         \
    X(KERN_NOT_IN_SET, 12)                                                             \
    X(KERN_NAME_EXISTS, 13)                                                            \
    X(KERN_ABORTED, 14)                                                                \
    X(KERN_INVALID_NAME, 15)                                                           \
    X(KERN_INVALID_TASK, 16)                                                           \
    X(KERN_INVALID_RIGHT, 17)                                                          \
    X(KERN_INVALID_VALUE, 18)                                                          \
    X(KERN_UREFS_OVERFLOW, 19)                                                         \
    X(KERN_INVALID_CAPABILITY, 20)                                                     \
    X(KERN_RIGHT_EXISTS, 21)                                                           \
    X(KERN_INVALID_HOST, 22)                                                           \
    X(KERN_MEMORY_PRESENT, 23)                                                         \
    X(KERN_OPERATION_TIMED_OUT, 49)                                                    \
    X(KERN_NOT_SUPPORTED, 46)                                                          \
    X(KERN_TERMINATED, 37)                                                             \
    X(KERN_DENIED, 53)                                                                 \
    X(KERN_NOT_FOUND, 56)                                                              \
    X(KERN_RETURN_MAX, 0x100)                                                          \
    X(MACH_PORT_NULL, 0)                                                               \
    X(MACH_PORT_DEAD, 0xFFFFFFFFu)                                                     \
    X(MACH_PORT_INDEX(0x1307u), 0x13)                                                  \
    X(MACH_PORT_GEN(0x1307u), 0x07000000u)                                             \
    X(MACH_PORT_MAKE(0x13u, 0x07000000u), 0x1307u)                                     \
    X(MACH_PORT_RIGHT_SEND, 0)                                                         \
    X(MACH_PORT_RIGHT_RECEIVE, 1)                                                      \
    X(MACH_PORT_RIGHT_SEND_ONCE, 2)                                                    \
    X(MACH_PORT_RIGHT_PORT_SET, 3)                                                     \
    X(MACH_PORT_RIGHT_DEAD_NAME, 4)                                                    \
    X(MACH_PORT_RIGHT_LABELH, 5)                                                       \
    X(MACH_PORT_RIGHT_NUMBER, 6)                                                       \
    X(MACH_PORT_TYPE_NONE, 0)                                                          \
    X(MACH_PORT_TYPE_SEND, 0x00010000u)                                                \
    X(MACH_PORT_TYPE_RECEIVE, 0x00020000u)                                             \
    X(MACH_PORT_TYPE_SEND_ONCE, 0x00040000u)                                           \
    X(MACH_PORT_TYPE_PORT_SET, 0x00080000u)                                            \
    X(MACH_PORT_TYPE_DEAD_NAME, 0x00100000u)                                           \
    X(MACH_PORT_TYPE_LABELH, 0x00200000u)                                              \
    X(MACH_PORT_TYPE_SEND_RECEIVE, 0x30000u)                                           \
    X(MACH_PORT_TYPE_SEND_RIGHTS, 0x50000u)                                            \
    X(MACH_PORT_TYPE_PORT_RIGHTS, 0x70000u)                                            \
    X(MACH_PORT_TYPE_PORT_OR_DEAD, 0x170000u)                                          \
    X(MACH_PORT_TYPE_ALL_RIGHTS, 0x1F0000u)                                            \
    X(MACH_PORT_TYPE_DNREQUEST, 0x80000000u)                                           \
    X(MACH_PORT_TYPE_SPREQUEST, 0x40000000u)                                           \
    X(MACH_PORT_TYPE_SPREQUEST_DELAYED, 0x20000000u)                                   \
    X(MACH_PORT_SRIGHTS_NONE, 0)                                                       \
    X(MACH_PORT_SRIGHTS_PRESENT, 1)                                                    \
    X(MACH_PORT_QLIMIT_ZERO, 0)                                                        \
    X(MACH_PORT_QLIMIT_BASIC, 5)                                                       \
    X(MACH_PORT_QLIMIT_SMALL, 16)                                                      \
    X(MACH_PORT_QLIMIT_LARGE, 1024)                                                    \
    X(MACH_PORT_QLIMIT_KERNEL, 65534)                                                  \
    X(MACH_PORT_QLIMIT_DEFAULT, 5)                                                     \
    X(MACH_PORT_QLIMIT_MAX, 1024)                                                      \
    X(MACH_PORT_STATUS_FLAG_TEMPOWNER, 0x01)                                           \
    X(MACH_PORT_STATUS_FLAG_GUARDED, 0x02)                                             \
    X(MACH_PORT_STATUS_FLAG_STRICT_GUARD, 0x04)                                        \
    X(MACH_PORT_STATUS_FLAG_IMP_DONATION, 0x08)                                        \
    X(MACH_PORT_STATUS_FLAG_REVIVE, 0x10)                                              \
    X(MACH_PORT_STATUS_FLAG_TASKPTR, 0x20)                                             \
    X(MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE, 0x40)                             \
    X(MACH_PORT_STATUS_FLAG_NO_GRANT, 0x80)                                            \
    X(MACH_PORT_LIMITS_INFO, 1)                                                        \
    X(MACH_PORT_RECEIVE_STATUS, 2)                                                     \
    X(MACH_PORT_DNREQUESTS_SIZE, 3)                                                    \
    X(MACH_PORT_TEMPOWNER, 4)                                                          \
    X(MACH_PORT_IMPORTANCE_RECEIVER, 5)                                                \
    X(MACH_PORT_DENAP_RECEIVER, 6)                                                     \
    X(MACH_PORT_INFO_EXT, 7)                                                           \
    X(MACH_PORT_GUARD_INFO, 8)                                                         \
    X(MACH_PORT_DNREQUESTS_SIZE_COUNT, 1)                                              \
    X(MPO_CONTEXT_AS_GUARD, 0x01)                                                      \
    X(MPO_QLIMIT, 0x02)                                                                \
    X(MPO_TEMPOWNER, 0x04)                                                             \
    X(MPO_IMPORTANCE_RECEIVER, 0x08)                                                   \
    X(MPO_INSERT_SEND_RIGHT, 0x10)                                                     \
    X(MPO_STRICT, 0x20)                                                                \
    X(MPO_DENAP_RECEIVER, 0x40)                                                        \
    X(MPO_IMMOVABLE_RECEIVE, 0x80)                                                     \
    X(MPO_FILTER_MSG, 0x100)                                                           \
    X(MPO_TG_BLOCK_TRACKING, 0x200)                                                    \
    X(MPO_SERVICE_PORT, 0x400)                                                         \
    X(MPO_CONNECTION_PORT, 0x800)                                                      \
    X(MPO_REPLY_PORT, 0x1000)                                                          \
    X(MPO_ENFORCE_REPLY_PORT_SEMANTICS, 0x2000)                                        \
    X(MPO_PROVISIONAL_REPLY_PORT, 0x4000)                                              \
    X(MPG_STRICT, 0x01)                                                                \
    X(MPG_IMMOVABLE_RECEIVE, 0x02)                                                     \
    X(MPG_FLAGS_NONE, 0)                                                               \
    X(MPG_FLAGS_STRICT_REPLY_MASK, 0xff00000000000000ull)                              \
    X(MPG_FLAGS_MOD_REFS_PINNED_COPYIN, 0x0400000000000000ull)                         \
    X(GUARD_TYPE_MACH_PORT, 1)                                                         \
    X(kGUARD_EXC_DESTROY, 1)                                                           \
    X(kGUARD_EXC_MOD_REFS, 2)                                                          \
    X(kGUARD_EXC_INVALID_OPTIONS, 3)                                                   \
    X(kGUARD_EXC_SET_CONTEXT, 4)                                                       \
    X(kGUARD_EXC_THREAD_SET_STATE, 5)                                                  \
    X(kGUARD_EXC_UNGUARDED, 8)                                                         \
    X(kGUARD_EXC_INCORRECT_GUARD, 16)                                                  \
    X(kGUARD_EXC_IMMOVABLE, 32)                                                        \
    X(kGUARD_EXC_STRICT_REPLY, 64)                                                     \
    X(kGUARD_EXC_MSG_FILTERED, 128)                                                    \
    X(kGUARD_EXC_INVALID_RIGHT, 256)                                                   \
    X(kGUARD_EXC_INVALID_NAME, 512)                                                    \
    X(kGUARD_EXC_INVALID_VALUE, 1024)                                                  \
    X(kGUARD_EXC_INVALID_ARGUMENT, 2048)                                               \
    X(kGUARD_EXC_RIGHT_EXISTS, 4096)                                                   \
    X(kGUARD_EXC_KERN_NO_SPACE, 8192)                                                  \
    X(kGUARD_EXC_KERN_FAILURE, 16384)                                                  \
    X(kGUARD_EXC_KERN_RESOURCE, 32768)                                                 \
    X(kGUARD_EXC_SEND_INVALID_REPLY, 1 << 16)                                          \
    X(kGUARD_EXC_SEND_INVALID_VOUCHER, 1 << 17)                                        \
    X(kGUARD_EXC_SEND_INVALID_RIGHT, 1 << 18)                                          \
    X(kGUARD_EXC_RCV_INVALID_NAME, 1 << 19)                                            \
    X(kGUARD_EXC_RCV_GUARDED_DESC, 0x100000)                                           \
    X(kGUARD_EXC_MOD_REFS_NON_FATAL, 1 << 21)                                          \
    X(kGUARD_EXC_IMMOVABLE_NON_FATAL, 1 << 22)                                         \
    X(kGUARD_EXC_REQUIRE_REPLY_PORT_SEMANTICS, 1 << 23)                                \
    X(MAX_FATAL_kGUARD_EXC_CODE, 128)                                                  \
    X(MAX_OPTIONAL_kGUARD_EXC_CODE, 1 << 19)                                           \
    X(MACH_MSG_TIMEOUT_NONE, 0)                                                        \
    X(MACH_MSGH_BITS_ZERO, 0)                                                          \
    X(MACH_MSGH_BITS_REMOTE_MASK, 0x1f)                                                \
    X(MACH_MSGH_BITS_LOCAL_MASK, 0x1f00)                                               \
    X(MACH_MSGH_BITS_VOUCHER_MASK, 0x1f0000)                                           \
    X(MACH_MSGH_BITS_PORTS_MASK, 0x1f1f1f)                                             \
    X(MACH_MSGH_BITS_COMPLEX, 0x80000000u)                                             \
    X(MACH_MSGH_BITS_USER, 0x801f1f1fu)                                                \
    X(MACH_MSGH_BITS_RAISEIMP, 0x20000000u)                                            \
    X(MACH_MSGH_BITS_IMPHOLDASRT, 0x10000000u)                                         \
    X(MACH_MSGH_BITS_CIRCULAR, 0x10000000u)                                            \
    X(MACH_MSGH_BITS_USED, 0xb01f1f1fu)                                                \
    X(MACH_MSGH_BITS(19, 21), 0x1513)                                                  \
    X(MACH_MSGH_BITS_SET(17, 18, 19, 0x80000000u), 0x80131211u)                        \
    X(MACH_MSGH_BITS_SET_PORTS(0xff, 0xff, 0xff), 0x1f1f1f)                            \
    X(MACH_MSGH_BITS_REMOTE(0x80131211u), 17)                                          \
    X(MACH_MSGH_BITS_LOCAL(0x80131211u), 18)                                           \
    X(MACH_MSGH_BITS_VOUCHER(0x80131211u), 19)                                         \
    X(MACH_MSGH_BITS_OTHER(0x80131211u), 0x80000000u)                                  \
    X(MACH_MSGH_BITS_IS_COMPLEX(0x80131211u), 1)                                       \
    X(MACH_MSG_TYPE_MOVE_RECEIVE, 16)                                                  \
    X(MACH_MSG_TYPE_MOVE_SEND, 17)                                                     \
    X(MACH_MSG_TYPE_MOVE_SEND_ONCE, 18)                                                \
    X(MACH_MSG_TYPE_COPY_SEND, 19)                                                     \
    X(MACH_MSG_TYPE_MAKE_SEND, 20)                                                     \
    X(MACH_MSG_TYPE_MAKE_SEND_ONCE, 21)                                                \
    X(MACH_MSG_TYPE_COPY_RECEIVE, 22)                                                  \
    X(MACH_MSG_TYPE_DISPOSE_RECEIVE, 24)                                               \
    X(MACH_MSG_TYPE_DISPOSE_SEND, 25)                                                  \
    X(MACH_MSG_TYPE_DISPOSE_SEND_ONCE, 26)                                             \
    X(MACH_MSG_TYPE_PORT_NONE, 0)                                                      \
    X(MACH_MSG_TYPE_PORT_NAME, 15)                                                     \
    X(MACH_MSG_TYPE_PORT_RECEIVE, 16)                                                  \
    X(MACH_MSG_TYPE_PORT_SEND, 17)                                                     \
    X(MACH_MSG_TYPE_PORT_SEND_ONCE, 18)                                                \
    X(MACH_MSG_TYPE_LAST, 22)                                                          \
    X(MACH_MSG_TYPE_POLYMORPHIC, 0xFFFFFFFFu)                                          \
    X(MACH_MSG_TYPE_PORT_ANY(16), 1)                                                   \
    X(MACH_MSG_TYPE_PORT_ANY(22), 0)                                                   \
    X(MACH_MSG_TYPE_PORT_ANY_SEND(16), 0)                                              \
    X(MACH_MSG_TYPE_PORT_ANY_RIGHT(19), 0)                                             \
    X(MACH_MSG_PHYSICAL_COPY, 0)                                                       \
    X(MACH_MSG_VIRTUAL_COPY, 1)                                                        \
    X(MACH_MSG_ALLOCATE, 2)                                                            \
    X(MACH_MSG_OVERWRITE, 3)                                                           \
    X(MACH_MSG_GUARD_FLAGS_NONE, 0)                                                    \
    X(MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE, 1)                                       \
    X(MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND, 2)                                       \
    X(MACH_MSG_GUARD_FLAGS_MASK, 3)                                                    \
    X(MACH_MSG_PORT_DESCRIPTOR, 0)                                                     \
    X(MACH_MSG_OOL_DESCRIPTOR, 1)                                                      \
    X(MACH_MSG_OOL_PORTS_DESCRIPTOR, 2)                                                \
    X(MACH_MSG_OOL_VOLATILE_DESCRIPTOR, 3)                                             \
    X(MACH_MSG_GUARDED_PORT_DESCRIPTOR, 4)                                             \
    X(MACH_MSG_DESCRIPTOR_MAX, 4)                                                      \
    X(MACH_MSG_TRAILER_FORMAT_0, 0)                                                    \
    X(MACH_MSG_TRAILER_FORMAT_0_SIZE, 20)                                              \
    X(MACH_MSG_SIZE_MAX, 0xFFFFFFFFu)                                                  \
    X(MACH_MSG_PRIORITY_UNSPECIFIED, 0)                                                \
    X(MACH_MSGH_KIND_NORMAL, 0)                                                        \
    X(MACH_MSGH_KIND_NOTIFICATION, 1)                                                  \
    X(round_msg(25), 28)                                                               \
    X(MACH_MSG_OPTION_NONE, 0)                                                         \
    X(MACH_SEND_MSG, 0x1)                                                              \
    X(MACH_RCV_MSG, 0x2)                                                               \
    X(MACH_RCV_LARGE, 0x4)                                                             \
    X(MACH_RCV_LARGE_IDENTITY, 0x8)                                                    \
    X(MACH_SEND_TIMEOUT, 0x10)                                                         \
    X(MACH_SEND_OVERRIDE, 0x20)                                                        \
    X(MACH_SEND_INTERRUPT, 0x40)                                                       \
    X(MACH_SEND_NOTIFY, 0x80)                                                          \
    X(MACH_RCV_TIMEOUT, 0x100)                                                         \
    X(MACH_MSG_STRICT_REPLY, 0x200)                                                    \
    X(MACH_RCV_NOTIFY, 0)                                                              \
    X(MACH_RCV_INTERRUPT, 0x400)                                                       \
    X(MACH_RCV_VOUCHER, 0x800)                                                         \
    X(MACH_RCV_OVERWRITE, 0)                                                           \
    X(MACH_RCV_GUARDED_DESC, 0x1000)                                                   \
    X(MACH_RCV_SYNC_WAIT, 0x4000)                                                      \
    X(MACH_RCV_SYNC_PEEK, 0x8000)                                                      \
    X(MACH_SEND_ALWAYS, 0x10000)                                                       \
    X(MACH_SEND_FILTER_NONFATAL, 0x10000)                                              \
    X(MACH_SEND_TRAILER, 0x20000)                                                      \
    X(MACH_SEND_NOIMPORTANCE, 0x40000)                                                 \
    X(MACH_SEND_NODENAP, 0x40000)                                                      \
    X(MACH_SEND_IMPORTANCE, 0x80000)                                                   \
    X(MACH_SEND_SYNC_OVERRIDE, 0x100000)                                               \
    X(MACH_SEND_PROPAGATE_QOS, 0x200000)                                               \
    X(MACH_SEND_SYNC_USE_THRPRI, 0x200000)                                             \
    X(MACH_SEND_KERNEL, 0x400000)                                                      \
    X(MACH_SEND_SYNC_BOOTSTRAP_CHECKIN, 0x800000)                                      \
    X(MACH_RCV_TRAILER_NULL, 0)                                                        \
    X(MACH_RCV_TRAILER_SEQNO, 1)                                                       \
    X(MACH_RCV_TRAILER_SENDER, 2)                                                      \
    X(MACH_RCV_TRAILER_AUDIT, 3)                                                       \
    X(MACH_RCV_TRAILER_CTX, 4)                                                         \
    X(MACH_RCV_TRAILER_AV, 7)                                                          \
    X(MACH_RCV_TRAILER_LABELS, 8)                                                      \
    X(MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0), 0)                             \
    X(MACH_RCV_TRAILER_TYPE(1), 0x10000000)                                            \
    X(MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT), 0x03000000)                   \
    X(MACH_RCV_TRAILER_MASK, 0x0f000000)                                               \
    X(GET_RCV_ELEMENTS(0x04000102), 4)                                                 \
    X(REQUESTED_TRAILER_SIZE(0), 8)                                                    \
    X(REQUESTED_TRAILER_SIZE(MACH_RCV_TRAILER_ELEMENTS(1)), 12)                        \
    X(REQUESTED_TRAILER_SIZE(MACH_RCV_TRAILER_ELEMENTS(2)), 20)                        \
    X(REQUESTED_TRAILER_SIZE(MACH_RCV_TRAILER_ELEMENTS(3)), 52)                        \
    X(REQUESTED_TRAILER_SIZE(MACH_RCV_TRAILER_ELEMENTS(4)), 60)                        \
    X(REQUESTED_TRAILER_SIZE(MACH_RCV_TRAILER_ELEMENTS(5)), 68)                        \
    X(REQUESTED_TRAILER_SIZE(MACH_RCV_TRAILER_ELEMENTS(6)), 68)                        \
    X(REQUESTED_TRAILER_SIZE(MACH_RCV_TRAILER_ELEMENTS(7)), 68)                        \
    X(REQUESTED_TRAILER_SIZE(MACH_RCV_TRAILER_ELEMENTS(8)), 68)                        \
    X(REQUESTED_TRAILER_SIZE(MACH_RCV_TRAILER_ELEMENTS(15)), 68)                       \
    X(MACH_MSG_SUCCESS, 0)                                                             \
    X(MACH_MSG_MASK, 0x3e00)                                                           \
    X(MACH_MSG_IPC_SPACE, 0x2000)                                                      \
    X(MACH_MSG_VM_SPACE, 0x1000)                                                       \
    X(MACH_MSG_IPC_KERNEL, 0x800)                                                      \
    X(MACH_MSG_VM_KERNEL, 0x400)                                                       \
    X(MACH_SEND_IN_PROGRESS, 0x10000001)                                               \
    X(MACH_SEND_INVALID_DATA, 0x10000002)                                              \
    X(MACH_SEND_INVALID_DEST, 0x10000003)                                              \
    X(MACH_SEND_TIMED_OUT, 0x10000004)                                                 \
    X(MACH_SEND_INVALID_VOUCHER, 0x10000005)                                           \
    X(MACH_SEND_INTERRUPTED, 0x10000007)                                               \
    X(MACH_SEND_MSG_TOO_SMALL, 0x10000008)                                             \
    X(MACH_SEND_INVALID_REPLY, 0x10000009)                                             \
    X(MACH_SEND_INVALID_RIGHT, 0x1000000a)                                             \
    X(MACH_SEND_INVALID_NOTIFY, 0x1000000b)                                            \
    X(MACH_SEND_INVALID_MEMORY, 0x1000000c)                                            \
    X(MACH_SEND_NO_BUFFER, 0x1000000d)                                                 \
    X(MACH_SEND_TOO_LARGE, 0x1000000e)                                                 \
    X(MACH_SEND_INVALID_TYPE, 0x1000000f)                                              \
    X(MACH_SEND_INVALID_HEADER, 0x10000010)                                            \
    X(MACH_SEND_INVALID_TRAILER, 0x10000011)                                           \
    X(MACH_SEND_INVALID_CONTEXT, 0x10000012)                                           \
    X(MACH_SEND_INVALID_OPTIONS, 0x10000013)                                           \
    X(MACH_SEND_INVALID_RT_OOL_SIZE, 0x10000015)                                       \
    X(MACH_SEND_NO_GRANT_DEST, 0x10000016)                                             \
    X(MACH_SEND_MSG_FILTERED, 0x10000017)                                              \
    X(MACH_SEND_AUX_TOO_SMALL, 0x10000018)                                             \
    X(MACH_SEND_AUX_TOO_LARGE, 0x10000019)                                             \
    X(MACH_RCV_IN_PROGRESS, 0x10004001)                                                \
    X(MACH_RCV_INVALID_NAME, 0x10004002)                                               \
    X(MACH_RCV_TIMED_OUT, 0x10004003)                                                  \
    X(MACH_RCV_TOO_LARGE, 0x10004004)                                                  \
    X(MACH_RCV_INTERRUPTED, 0x10004005)                                                \
    X(MACH_RCV_PORT_CHANGED, 0x10004006)                                               \
    X(MACH_RCV_INVALID_NOTIFY, 0x10004007)                                             \
    X(MACH_RCV_INVALID_DATA, 0x10004008)                                               \
    X(MACH_RCV_PORT_DIED, 0x10004009)                                                  \
    X(MACH_RCV_IN_SET, 0x1000400a)                                                     \
    X(MACH_RCV_HEADER_ERROR, 0x1000400b)                                               \
    X(MACH_RCV_BODY_ERROR, 0x1000400c)                                                 \
    X(MACH_RCV_INVALID_TYPE, 0x1000400d)                                               \
    X(MACH_RCV_SCATTER_SMALL, 0x1000400e)                                              \
    X(MACH_RCV_INVALID_TRAILER, 0x1000400f)                                            \
    X(MACH_RCV_IN_PROGRESS_TIMED, 0x10004011)                                          \
    X(MACH_RCV_INVALID_REPLY, 0x10004012)                                              \
    X(MACH_RCV_INVALID_ARGUMENTS, 0x10004013)                                          \
    X(MACH_NOTIFY_FIRST, 64)                                                           \
    X(MACH_NOTIFY_PORT_DELETED, 65)                                                    \
    X(MACH_NOTIFY_SEND_POSSIBLE, 66)                                                   \
    X(MACH_NOTIFY_PORT_DESTROYED, 69)                                                  \
    X(MACH_NOTIFY_NO_SENDERS, 70)                                                      \
    X(MACH_NOTIFY_SEND_ONCE, 71)                                                       \
    X(MACH_NOTIFY_DEAD_NAME, 72)                                                       \
    X(MACH_NOTIFY_LAST, 77)                                                            \
    X(NDR_PROTOCOL_2_0, 0)                                                             \
    X(NDR_INT_BIG_ENDIAN, 0)                                                           \
    X(NDR_INT_LITTLE_ENDIAN, 1)                                                        \
    X(NDR_FLOAT_IEEE, 0)                                                               \
    X(NDR_CHAR_ASCII, 0)                                                               \
    X(MIG_TYPE_ERROR, -300)                                                            \
    X(MIG_REPLY_MISMATCH, -301)                                                        \
    X(MIG_REMOTE_ERROR, -302)                                                          \
    X(MIG_BAD_ID, -303)                                                                \
    X(MIG_BAD_ARGUMENTS, -304)                                                         \
    X(MIG_NO_REPLY, -305)                                                              \
    X(MIG_EXCEPTION, -306)                                                             \
    X(MIG_ARRAY_TOO_LARGE, -307)                                                       \
    X(MIG_SERVER_DIED, -308)                                                           \
    X(MIG_TRAILER_ERROR, -309)                                                         \
    X(err_kern, 0)                                                                     \
    X(err_us, 0x04000000)                                                              \
    X(err_server, 0x08000000)                                                          \
    X(err_ipc, 0x0c000000)                                                             \
    X(err_mach_ipc, 0x10000000)                                                        \
    X(err_local, static_cast<int>(0xf8000000u))                                        \
    X(err_ipc_compat, static_cast<int>(0xfc000000u))                                   \
    X(err_max_system, 0x3f)                                                            \
    X(err_sub(1), 0x4000)                                                              \
    X(err_get_system(MACH_RCV_TIMED_OUT), 4)                                           \
    X(err_get_sub(MACH_RCV_TIMED_OUT), 1)                                              \
    X(err_get_code(MACH_RCV_TIMED_OUT), 3)                                             \
    X(system_emask, static_cast<int>(0xfc000000u))                                     \
    X(sub_emask, 0x03ffc000)                                                           \
    X(code_emask, 0x3fff)                                                              \
    X(unix_err(2), 0xc002)                                                             \
    X(TASK_KERNEL_PORT, 1)                                                             \
    X(TASK_HOST_PORT, 2)                                                               \
    X(TASK_NAME_PORT, 3)                                                               \
    X(TASK_BOOTSTRAP_PORT, 4)                                                          \
    X(VM_FLAGS_FIXED, 0)                                                               \
    X(VM_FLAGS_ANYWHERE, 1)                                                            \
    X(VM_PROT_NONE, 0)                                                                 \
    X(VM_PROT_READ, 1)                                                                 \
    X(VM_PROT_WRITE, 2)                                                                \
    X(VM_PROT_EXECUTE, 4)                                                              \
    X(VM_PROT_DEFAULT, 3)                                                              \
    X(VM_PROT_ALL, 7)                                                                  \
    X(EVFILT_READ, -1)                                                                 \
    X(EVFILT_WRITE, -2)                                                                \
    X(EVFILT_AIO, -3)                                                                  \
    X(EVFILT_VNODE, -4)                                                                \
    X(EVFILT_PROC, -5)                                                                 \
    X(EVFILT_SIGNAL, -6)                                                               \
    X(EVFILT_TIMER, -7)                                                                \
    X(EVFILT_MACHPORT, -8)                                                             \
    X(EVFILT_FS, -9)                                                                   \
    X(EVFILT_USER, -10)                                                                \
    X(EVFILT_VM, -12)                                                                  \
    X(EVFILT_EXCEPT, -15)                                                              \
    X(EVFILT_SYSCOUNT, 17)                                                             \
    X(EV_ADD, 0x1)                                                                     \
    X(EV_DELETE, 0x2)                                                                  \
    X(EV_ENABLE, 0x4)                                                                  \
    X(EV_DISABLE, 0x8)                                                                 \
    X(EV_ONESHOT, 0x10)                                                                \
    X(EV_CLEAR, 0x20)                                                                  \
    X(EV_RECEIPT, 0x40)                                                                \
    X(EV_DISPATCH, 0x80)                                                               \
    X(EV_UDATA_SPECIFIC, 0x100)                                                        \
    X(EV_DISPATCH2, 0x180)                                                             \
    X(EV_VANISHED, 0x200)                                                              \
    X(EV_SYSFLAGS, 0xF000)                                                             \
    X(EV_FLAG0, 0x1000)                                                                \
    X(EV_FLAG1, 0x2000)                                                                \
    X(EV_ERROR, 0x4000)                                                                \
    X(EV_EOF, 0x8000)                                                                  \
    X(KEVENT_FLAG_NONE, 0)                                                             \
    X(KEVENT_FLAG_IMMEDIATE, 1)                                                        \
    X(KEVENT_FLAG_ERROR_EVENTS, 2)
// MACHEMU-SDK-CONSTANTS-END

// Values newer than the macOS 13 SDK, or from launchd's bootstrap.h (which the zig SDK
// lacks): checked here against mach-semantics.md, not against SDK headers.
#define MACHEMU_NEWER_CONSTANTS(X)                                                     \
    X(MPO_EXCEPTION_PORT, 0x8000)                                                      \
    X(MACH_PORT_SERVICE_THROTTLED, 9)                                                  \
    X(kGUARD_EXC_EXCEPTION_BEHAVIOR_ENFORCE, 6)                                        \
    X(kGUARD_EXC_SERVICE_PORT_VIOLATION_FATAL, 7)                                      \
    X(kGUARD_EXC_SERVICE_PORT_VIOLATION_NON_FATAL, 0x100001)                           \
    X(kGUARD_EXC_PROVISIONAL_REPLY_PORT, 0x100002)                                     \
    X(BOOTSTRAP_MAX_NAME_LEN, 128)                                                     \
    X(BOOTSTRAP_MAX_CMD_LEN, 512)                                                      \
    X(BOOTSTRAP_MAX_LOOKUP_COUNT, 20)                                                  \
    X(sizeof(name_t), 128)                                                             \
    X(sizeof(cmd_t), 512)                                                              \
    X(BOOTSTRAP_SUCCESS, 0)                                                            \
    X(BOOTSTRAP_NOT_PRIVILEGED, 1100)                                                  \
    X(BOOTSTRAP_NAME_IN_USE, 1101)                                                     \
    X(BOOTSTRAP_UNKNOWN_SERVICE, 1102)                                                 \
    X(BOOTSTRAP_SERVICE_ACTIVE, 1103)                                                  \
    X(BOOTSTRAP_BAD_COUNT, 1104)                                                       \
    X(BOOTSTRAP_NO_MEMORY, 1105)                                                       \
    X(BOOTSTRAP_NO_CHILDREN, 1106)                                                     \
    X(BOOTSTRAP_STATUS_INACTIVE, 0)                                                    \
    X(BOOTSTRAP_STATUS_ACTIVE, 1)                                                      \
    X(BOOTSTRAP_STATUS_ON_DEMAND, 2)

#define MACHEMU_STATIC_CHECK(expr, value) static_assert((expr) == (value), #expr);
MACHEMU_LAYOUT(MACHEMU_STATIC_CHECK)
MACHEMU_CONSTANTS(MACHEMU_STATIC_CHECK)
MACHEMU_NEWER_CONSTANTS(MACHEMU_STATIC_CHECK)
#undef MACHEMU_STATIC_CHECK

// ---- types whose signedness callers depend on (formatting, comparisons) -----------
// MACHEMU-SDK-TYPES-BEGIN
static_assert(std::is_same_v<mach_port_name_t, unsigned int>);
static_assert(std::is_same_v<mach_port_t, unsigned int>);
static_assert(std::is_same_v<natural_t, unsigned int>);
static_assert(std::is_same_v<integer_t, int>);
static_assert(std::is_same_v<kern_return_t, int>);
static_assert(std::is_same_v<mach_msg_return_t, int>);
static_assert(std::is_same_v<mach_error_t, int>);
static_assert(std::is_same_v<mach_msg_option_t, int>);
static_assert(std::is_same_v<mach_msg_id_t, int>);
static_assert(std::is_same_v<mach_msg_size_t, unsigned int>);
static_assert(std::is_same_v<mach_msg_bits_t, unsigned int>);
static_assert(std::is_same_v<mach_msg_timeout_t, unsigned int>);
static_assert(std::is_same_v<mach_msg_type_name_t, unsigned int>);
static_assert(std::is_same_v<mach_msg_type_number_t, unsigned int>);
static_assert(std::is_same_v<mach_port_right_t, unsigned int>);
static_assert(std::is_same_v<mach_port_type_t, unsigned int>);
static_assert(std::is_same_v<mach_port_urefs_t, unsigned int>);
static_assert(std::is_same_v<mach_port_delta_t, int>);
static_assert(std::is_same_v<mach_port_flavor_t, int>);
static_assert(std::is_same_v<mach_port_info_t, int*>);
static_assert(std::is_same_v<task_t, mach_port_t>);
static_assert(std::is_same_v<ipc_space_t, mach_port_t>);
static_assert(std::is_same_v<vm_map_t, mach_port_t>);
static_assert(std::is_same_v<vm_prot_t, int>);
static_assert(std::is_same_v<decltype(kevent64_s::filter), std::int16_t>);
static_assert(std::is_same_v<decltype(kevent64_s::flags), std::uint16_t>);
static_assert(std::is_same_v<decltype(kevent64_s::data), std::int64_t>);
static_assert(std::is_same_v<decltype(&mach_msg),
                             mach_msg_return_t (*)(mach_msg_header_t*, mach_msg_option_t,
                                                   mach_msg_size_t, mach_msg_size_t,
                                                   mach_port_name_t, mach_msg_timeout_t,
                                                   mach_port_name_t)>);
static_assert(std::is_same_v<decltype(&mach_port_request_notification),
                             kern_return_t (*)(ipc_space_t, mach_port_name_t, mach_msg_id_t,
                                               mach_port_mscount_t, mach_port_t,
                                               mach_msg_type_name_t, mach_port_t*)>);
static_assert(std::is_same_v<decltype(&mach_port_construct),
                             kern_return_t (*)(ipc_space_t, mach_port_options_ptr_t,
                                               mach_port_context_t, mach_port_name_t*)>);
static_assert(std::is_same_v<decltype(&kevent64),
                             int (*)(int, const kevent64_s*, int, kevent64_s*, int, unsigned int,
                                     const timespec*)>);
// MACHEMU-SDK-TYPES-END


struct named_value {
    const char* name;
    long long actual;
    long long expected;
};

#define MACHEMU_ROW(expr, value) named_value{#expr, static_cast<long long>(expr), static_cast<long long>(value)},
constexpr named_value all_values[] = {
    MACHEMU_LAYOUT(MACHEMU_ROW) MACHEMU_CONSTANTS(MACHEMU_ROW) MACHEMU_NEWER_CONSTANTS(MACHEMU_ROW)};
#undef MACHEMU_ROW

// offsetof cannot name a bit-field, so the tests below check byte positions through
// raw bytes, in both directions (both Darwin targets are little-endian).
template <class T>
std::array<unsigned char, sizeof(T)> to_bytes(const T& value) {
    std::array<unsigned char, sizeof(T)> raw{};
    std::memcpy(raw.data(), &value, sizeof(T));
    return raw;
}

template <class T, std::size_t N>
T from_bytes(const unsigned char (&raw)[N]) {
    static_assert(sizeof(T) == N);
    T value;
    std::memcpy(&value, raw, N);
    return value;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(darwin_headers)

BOOST_AUTO_TEST_CASE(sizes_offsets_and_values_match_the_sdk) {
    for (const auto& row : all_values) {
        BOOST_TEST_CONTEXT(row.name) { BOOST_TEST(row.actual == row.expected); }
    }
}

BOOST_AUTO_TEST_CASE(descriptor_bit_fields_are_read_from_the_sdk_byte_positions) {
    const unsigned char port_raw[12] = {0x03, 0x13, 0, 0, 0, 0, 0, 0, 0, 0, 21, 0};
    const auto port = from_bytes<mach_msg_port_descriptor_t>(port_raw);
    BOOST_TEST(port.name == 0x1303u);
    BOOST_TEST(static_cast<unsigned>(port.disposition) == unsigned{MACH_MSG_TYPE_MAKE_SEND_ONCE});
    BOOST_TEST(static_cast<unsigned>(port.type) == unsigned{MACH_MSG_PORT_DESCRIPTOR});

    const unsigned char ool_raw[16] = {0, 0x10, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0x00, 0x20, 0, 0};
    const auto ool = from_bytes<mach_msg_ool_descriptor_t>(ool_raw);
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(ool.address) == 0x1000u);
    BOOST_TEST(static_cast<unsigned>(ool.deallocate) == 1u);
    BOOST_TEST(static_cast<unsigned>(ool.copy) == unsigned{MACH_MSG_VIRTUAL_COPY});
    BOOST_TEST(static_cast<unsigned>(ool.type) == unsigned{MACH_MSG_OOL_DESCRIPTOR});
    BOOST_TEST(ool.size == 0x2000u);

    const unsigned char ool_ports_raw[16] = {0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 17, 2, 3, 0, 0, 0};
    const auto ool_ports = from_bytes<mach_msg_ool_ports_descriptor_t>(ool_ports_raw);
    BOOST_TEST(static_cast<unsigned>(ool_ports.disposition) == unsigned{MACH_MSG_TYPE_PORT_SEND});
    BOOST_TEST(static_cast<unsigned>(ool_ports.type) == unsigned{MACH_MSG_OOL_PORTS_DESCRIPTOR});
    BOOST_TEST(ool_ports.count == 3u);

    const unsigned char guarded_raw[16] = {0xef, 0xbe, 0, 0, 0, 0, 0, 0, 1, 0, 16, 4, 0x07, 0x13, 0, 0};
    const auto guarded = from_bytes<mach_msg_guarded_port_descriptor_t>(guarded_raw);
    BOOST_TEST(guarded.context == 0xbeefu);
    BOOST_TEST(static_cast<unsigned>(guarded.flags) == unsigned{MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE});
    BOOST_TEST(static_cast<unsigned>(guarded.disposition) == unsigned{MACH_MSG_TYPE_MOVE_RECEIVE});
    BOOST_TEST(static_cast<unsigned>(guarded.type) == unsigned{MACH_MSG_GUARDED_PORT_DESCRIPTOR});
    BOOST_TEST(guarded.name == 0x1307u);

    // The type byte is readable before the descriptor kind is known.
    mach_msg_descriptor_t any{};
    std::memcpy(&any, guarded_raw, sizeof guarded_raw);
    BOOST_TEST(static_cast<unsigned>(any.type.type) == unsigned{MACH_MSG_GUARDED_PORT_DESCRIPTOR});
}

BOOST_AUTO_TEST_CASE(descriptor_bit_fields_are_written_at_the_sdk_byte_positions) {
    mach_msg_port_descriptor_t port{};
    port.name = 0x01020304;
    port.disposition = MACH_MSG_TYPE_MAKE_SEND;
    port.type = 0x40;
    const auto port_raw = to_bytes(port);
    BOOST_TEST(port_raw[0] == 0x04);
    BOOST_TEST(port_raw[3] == 0x01);
    BOOST_TEST(port_raw[10] == MACH_MSG_TYPE_MAKE_SEND);
    BOOST_TEST(port_raw[11] == 0x40);

    mach_msg_ool_descriptor64_t ool{};
    ool.address = 0x1122334455667788ull;
    ool.deallocate = 1;
    ool.copy = 0x21;
    ool.type = MACH_MSG_OOL_DESCRIPTOR;
    ool.size = 0xa0b0c0d0u;
    const auto ool_raw = to_bytes(ool);
    BOOST_TEST(ool_raw[0] == 0x88);
    BOOST_TEST(ool_raw[7] == 0x11);
    BOOST_TEST(ool_raw[8] == 1);
    BOOST_TEST(ool_raw[9] == 0x21);
    BOOST_TEST(ool_raw[10] == 0);
    BOOST_TEST(ool_raw[11] == MACH_MSG_OOL_DESCRIPTOR);
    BOOST_TEST(ool_raw[12] == 0xd0);
    BOOST_TEST(ool_raw[15] == 0xa0);

    mach_msg_ool_ports_descriptor64_t ool_ports{};
    ool_ports.deallocate = 1;
    ool_ports.copy = MACH_MSG_VIRTUAL_COPY;
    ool_ports.disposition = MACH_MSG_TYPE_COPY_SEND;
    ool_ports.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
    ool_ports.count = 7;
    const auto ool_ports_raw = to_bytes(ool_ports);
    BOOST_TEST(ool_ports_raw[8] == 1);
    BOOST_TEST(ool_ports_raw[9] == MACH_MSG_VIRTUAL_COPY);
    BOOST_TEST(ool_ports_raw[10] == MACH_MSG_TYPE_COPY_SEND);
    BOOST_TEST(ool_ports_raw[11] == MACH_MSG_OOL_PORTS_DESCRIPTOR);
    BOOST_TEST(ool_ports_raw[12] == 7);

    mach_msg_guarded_port_descriptor64_t guarded{};
    guarded.context = 0x1122334455667788ull;
    guarded.flags = 0x0302;
    guarded.disposition = MACH_MSG_TYPE_MOVE_RECEIVE;
    guarded.type = MACH_MSG_GUARDED_PORT_DESCRIPTOR;
    guarded.name = 0x1307;
    const auto guarded_raw = to_bytes(guarded);
    BOOST_TEST(guarded_raw[0] == 0x88);
    BOOST_TEST(guarded_raw[8] == 0x02);
    BOOST_TEST(guarded_raw[9] == 0x03);
    BOOST_TEST(guarded_raw[10] == MACH_MSG_TYPE_MOVE_RECEIVE);
    BOOST_TEST(guarded_raw[11] == MACH_MSG_GUARDED_PORT_DESCRIPTOR);
    BOOST_TEST(guarded_raw[12] == 0x07);
    BOOST_TEST(guarded_raw[13] == 0x13);
}

BOOST_AUTO_TEST_CASE(macros_build_the_sdk_bit_patterns) {
    mach_msg_header_t header{};
    header.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE, 0,
                                          MACH_MSGH_BITS_COMPLEX);
    BOOST_TEST(header.msgh_bits == 0x80001513u);
    BOOST_TEST(MACH_MSGH_BITS_IS_COMPLEX(header.msgh_bits));
    BOOST_TEST(MACH_MSGH_BITS_REMOTE(header.msgh_bits) == unsigned{MACH_MSG_TYPE_COPY_SEND});
    BOOST_TEST(MACH_MSGH_BITS_LOCAL(header.msgh_bits) == unsigned{MACH_MSG_TYPE_MAKE_SEND_ONCE});
    BOOST_TEST(!MACH_MSGH_BITS_HAS_VOUCHER(header.msgh_bits));

    struct kevent64_s ev{};
    EV_SET64(&ev, 0x1307u, EVFILT_MACHPORT, EV_ADD | EV_DISPATCH, MACH_RCV_MSG, 0, 42u, 0x1000u, 64u);
    BOOST_TEST(ev.ident == 0x1307u);
    BOOST_TEST(ev.filter == EVFILT_MACHPORT);
    BOOST_TEST(ev.flags == (EV_ADD | EV_DISPATCH));
    BOOST_TEST(ev.fflags == unsigned{MACH_RCV_MSG});
    BOOST_TEST(ev.udata == 42u);
    BOOST_TEST(ev.ext[0] == 0x1000u);
    BOOST_TEST(ev.ext[1] == 64u);

    BOOST_TEST(MACH_PORT_VALID(0x103u));
    BOOST_TEST(!MACH_PORT_VALID(MACH_PORT_NULL));
    BOOST_TEST(!MACH_PORT_VALID(MACH_PORT_DEAD));
}

BOOST_AUTO_TEST_SUITE_END()
