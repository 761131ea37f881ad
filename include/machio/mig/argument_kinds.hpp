// SPDX-License-Identifier: BSL-1.0
// machio/mig/argument_kinds.hpp — the kinds of argument a MIG routine can carry, as types.
//
// Each kind names one shape of a .defs type and says where MIG puts it in a message:
// in the kernel-processed part (a descriptor) and/or in the in-line data after the NDR
// record (a value, an array, its Offset and Cnt words). The names follow MIG's language:
//
//   .defs type                         machio::mig kind
//   int32_t, uint64_t, a struct ...    scalar<T>
//   array[N] of T                      array<T, N>
//   array[*:N] of T                    bounded_array<T, N>
//   c_string[N]                        c_string<N>
//   c_string[*:N]                      bounded_c_string<N>
//   array[] of T (out of line)         ool_array<T>
//   mach_port_move_send_t ...          port<MACH_MSG_TYPE_MOVE_SEND> ...
//   mach_port_poly_t                   port<polymorphic>
//   array[] of mach_port_move_send_t   ool_port_array<MACH_MSG_TYPE_MOVE_SEND>
//   array[N] of mach_port_copy_send_t  port_array<MACH_MSG_TYPE_COPY_SEND, N>
//   array[*:N] of mach_port_copy_send_t bounded_port_array<MACH_MSG_TYPE_COPY_SEND, N>
//   b : T, samecount (T array[*:N])    same_count<bounded_array<E, N>>
//
// Trailer arguments are not in the message body: the receiver reads them from the
// trailer the kernel appended. Their direction says whose trailer, as MIG's keywords do:
//
//   .defs argument                     machio::mig argument
//   MsgSeqno seqno : mach_port_seqno_t in<trailer_seqno>
//   ServerSecToken t : security_token_t in<trailer_sec_token>    (the request's)
//   UserSecToken t : security_token_t  out<trailer_sec_token>    (the reply's)
//   SecToken t : security_token_t      inout<trailer_sec_token>  (both)
//   ServerAuditToken t : audit_token_t in<trailer_audit_token>   (and out, inout likewise)
//   ServerContextToken c : ...         in<trailer_context>
#ifndef MACHIO_MIG_ARGUMENT_KINDS_HPP
#define MACHIO_MIG_ARGUMENT_KINDS_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/detail/darwin.hpp>

#include <cstddef>
#include <type_traits>

namespace machio::mig {

//! The disposition of a `mach_port_poly_t` argument: chosen by the caller per message.
inline constexpr mach_msg_type_name_t polymorphic = 0;

//! A value of type T, copied in line (MIG: any non-array, non-port type).
template <class T>
struct scalar {
  static_assert(std::is_trivially_copyable_v<T>, "a MIG scalar travels as its bytes");
  //! T, the value's type.
  using value_type = T;
};

//! Exactly N elements of T in line (MIG: `array[N] of T`).
template <class T, std::size_t N>
struct array {
  static_assert(std::is_trivially_copyable_v<T> && N > 0);
  //! T, the element type.
  using value_type = T;
  //! N: the array always has this many elements.
  static constexpr std::size_t max_count = N;
};

//! Up to N elements of T in line, preceded by their count (MIG: `array[*:N] of T`).
template <class T, std::size_t N>
struct bounded_array {
  static_assert(std::is_trivially_copyable_v<T> && N > 0);
  //! T, the element type.
  using value_type = T;
  //! N, the most elements the array holds.
  static constexpr std::size_t max_count = N;
};

//! A NUL-terminated string in a fixed N-byte field (MIG: `c_string[N]`).
template <std::size_t N>
struct c_string {
  static_assert(N > 0);
  //! char.
  using value_type = char;
  //! N, the field's size in bytes (the terminator included).
  static constexpr std::size_t max_count = N;
};

//! A NUL-terminated string of at most N bytes with its terminator, preceded by an Offset
//! word MIG never reads and a Cnt word that counts the terminator (MIG: `c_string[*:N]`).
template <std::size_t N>
struct bounded_c_string {
  static_assert(N > 0);
  //! char.
  using value_type = char;
  //! N, the most bytes the string has (the terminator included).
  static constexpr std::size_t max_count = N;
};

//! Elements of T out of line: an OOL memory descriptor, and a Cnt word in line that
//! counts elements (MIG: `array[] of T`, and `array[*:N] of T` above MIG's in-line limit).
template <class T>
struct ool_array {
  static_assert(std::is_trivially_copyable_v<T>);
  //! T, the element type.
  using value_type = T;
};

//! True for a disposition a sender can name: MACH_MSG_TYPE_MOVE_RECEIVE ...
//! _MAKE_SEND_ONCE, or mig::polymorphic.
constexpr bool sendable_disposition(mach_msg_type_name_t d) noexcept {
  return d == polymorphic || (d >= MACH_MSG_TYPE_MOVE_RECEIVE && d <= MACH_MSG_TYPE_MAKE_SEND_ONCE);
}

//! One port right, as a port descriptor sent with \p Disposition (MACH_MSG_TYPE_MOVE_SEND,
//! _COPY_SEND, _MAKE_SEND, _MOVE_SEND_ONCE, _MAKE_SEND_ONCE, _MOVE_RECEIVE, or
//! mig::polymorphic).
template <mach_msg_type_name_t Disposition>
struct port {
  static_assert(sendable_disposition(Disposition),
                "a port argument is sent with a MACH_MSG_TYPE_MOVE_/COPY_/MAKE_ disposition");
  //! \p Disposition, what the descriptor's disposition says.
  static constexpr mach_msg_type_name_t disposition = Disposition;
};

//! Port rights out of line: an OOL ports descriptor, and a Cnt word in line.
template <mach_msg_type_name_t Disposition>
struct ool_port_array {
  static_assert(sendable_disposition(Disposition));
  //! \p Disposition, the one all the rights are sent with.
  static constexpr mach_msg_type_name_t disposition = Disposition;
};

//! The request's sequence number on its port (MIG: `MsgSeqno`), a mach_port_seqno_t.
struct trailer_seqno {};
//! The sender's security token (MIG: `ServerSecToken`, `UserSecToken`, `SecToken`).
struct trailer_sec_token {};
//! The sender's audit token (MIG: `ServerAuditToken`, `UserAuditToken`, `AuditToken`).
struct trailer_audit_token {};
//! The receiving port's context (MIG: `ServerContextToken`), a mach_port_context_t.
struct trailer_context {};

//! N port rights in line: N port descriptors, all sent with \p Disposition (MIG:
//! `array[N] of` a port type).
template <mach_msg_type_name_t Disposition, std::size_t N>
struct port_array {
  static_assert(N > 0 && sendable_disposition(Disposition));
  //! \p Disposition, the one all the rights are sent with.
  static constexpr mach_msg_type_name_t disposition = Disposition;
  //! N: the array always has this many rights (port descriptors).
  static constexpr std::size_t max_count = N;
};

//! Up to N port rights in line (MIG: `array[*:N] of` a port type): always N port
//! descriptors, the unused ones MACH_PORT_NULL, and a Cnt word in line saying how many
//! are used. MIG's checks look at the descriptors' types only, not their dispositions.
template <mach_msg_type_name_t Disposition, std::size_t N>
struct bounded_port_array {
  static_assert(N > 0 && sendable_disposition(Disposition));
  //! \p Disposition, the one the used rights are sent with.
  static constexpr mach_msg_type_name_t disposition = Disposition;
  //! N, the most rights the array holds, and how many port descriptors it always has.
  static constexpr std::size_t max_count = N;
};

//! A variable in-line array that has no Cnt word of its own: it holds as many elements
//! as the argument before it in the same message, a variable array too, or another
//! samecount one (MIG: the `samecount` flag). The data, or the port descriptors, are as
//! for \p Kind, sized by that count.
template <class Kind>
struct same_count {
  static_assert(!sizeof(Kind*), "samecount applies to a variable in-line array, mig::bounded_array");
};
//! Up to N elements of T in line, as many as the argument before it has (MIG:
//! `array[*:N] of T, SameCount`).
template <class T, std::size_t N>
struct same_count<bounded_array<T, N>> {
  //! The kind whose data the argument carries, without its Cnt word.
  using kind = bounded_array<T, N>;
};
//! Up to N port rights in line, as many as the argument before it has (MIG: as XNU's
//! task_get_exception_ports' handlers, `array[*:N] of mach_port_t, SameCount`).
template <mach_msg_type_name_t D, std::size_t N>
struct same_count<bounded_port_array<D, N>> {
  //! The kind whose port descriptors the argument carries, without its Cnt word.
  using kind = bounded_port_array<D, N>;
};

namespace detail {

//! Where one kind lives in a message, independent of its position.
struct kind_shape {
  std::size_t descriptor_size = 0;  //!< the bytes of its descriptors (0: none)
  std::size_t descriptors = 0;      //!< how many (N for an in-line port array)
  bool offset_word = false;         //!< a c_string[*:N]'s Offset word
  bool count_word = false;          //!< a Cnt word (variable and out-of-line arrays)
  std::size_t element_size = 0;     //!< in-line data: bytes per element (0: no data)
  std::size_t element_align = 1;    //!< in-line data alignment under #pragma pack(4)
  std::size_t max_count = 0;        //!< in-line data: elements reserved
  bool variable = false;            //!< the data on the wire is _WALIGN_(count * element)
  bool string = false;              //!< a c_string: NUL-terminated within its bytes
  std::size_t ool_element_size = 0; //!< out of line: bytes per counted element
  //! The descriptor's type (MACH_MSG_PORT_DESCRIPTOR, _OOL_, _OOL_PORTS_), when it has one.
  mach_msg_descriptor_type_t descriptor_type = 0;
  //! A port or port array: the right the receiver is given (MACH_MSG_TYPE_PORT_SEND,
  //! _SEND_ONCE, _RECEIVE), which MIG's checks compare the descriptor's disposition with;
  //! 0 for mig::polymorphic, whose disposition MIG does not check.
  mach_msg_type_name_t received_as = 0;
  //! A trailer argument: the bytes MIG's trailer check requires of the trailer for it (its
  //! field's size; see checks.hpp), and the MACH_RCV_TRAILER_* elements a receiver must
  //! ask for to have the field. A trailer argument has nothing in the message body.
  std::size_t trailer_bytes = 0;
  int trailer_needs = MACH_RCV_TRAILER_NULL;
  //! A samecount array: no Cnt word; its count is the previous field's.
  bool same_count = false;
  //! An in-line port array: `descriptors` port descriptors, one per element.
  bool inline_ports = false;

  //! Whether its element count varies per message (what a samecount array can borrow).
  constexpr bool counted() const noexcept { return variable || (inline_ports && (count_word || same_count)); }
};

//! The right a port sent with \p disposition arrives as (0 for mig::polymorphic).
constexpr mach_msg_type_name_t received_right(mach_msg_type_name_t disposition) noexcept {
  switch (disposition) {
    case MACH_MSG_TYPE_MOVE_SEND:
    case MACH_MSG_TYPE_COPY_SEND:
    case MACH_MSG_TYPE_MAKE_SEND:
      return MACH_MSG_TYPE_PORT_SEND;
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
    case MACH_MSG_TYPE_MAKE_SEND_ONCE:
      return MACH_MSG_TYPE_PORT_SEND_ONCE;
    case MACH_MSG_TYPE_MOVE_RECEIVE:
      return MACH_MSG_TYPE_PORT_RECEIVE;
    default:
      return 0;
  }
}

// MIG's structs are #pragma pack(4): no member is aligned more than 4.
template <class T>
inline constexpr std::size_t pack4_align = alignof(T) < 4 ? alignof(T) : 4;

template <class K>
struct kind_traits;

template <class T>
struct kind_traits<scalar<T>> {
  static constexpr kind_shape shape{
      .element_size = sizeof(T), .element_align = pack4_align<T>, .max_count = 1};
};
template <class T, std::size_t N>
struct kind_traits<array<T, N>> {
  static constexpr kind_shape shape{
      .element_size = sizeof(T), .element_align = pack4_align<T>, .max_count = N};
};
template <class T, std::size_t N>
struct kind_traits<bounded_array<T, N>> {
  static constexpr kind_shape shape{.count_word = true,
                                    .element_size = sizeof(T),
                                    .element_align = pack4_align<T>,
                                    .max_count = N,
                                    .variable = true};
};
template <std::size_t N>
struct kind_traits<c_string<N>> {
  static constexpr kind_shape shape{.element_size = 1, .max_count = N, .string = true};
};
template <std::size_t N>
struct kind_traits<bounded_c_string<N>> {
  static constexpr kind_shape shape{.offset_word = true,
                                    .count_word = true,
                                    .element_size = 1,
                                    .max_count = N,
                                    .variable = true,
                                    .string = true};
};
template <class T>
struct kind_traits<ool_array<T>> {
  static constexpr kind_shape shape{.descriptor_size = sizeof(mach_msg_ool_descriptor_t),
                                    .descriptors = 1,
                                    .count_word = true,
                                    .ool_element_size = sizeof(T),
                                    .descriptor_type = MACH_MSG_OOL_DESCRIPTOR};
};
template <mach_msg_type_name_t D>
struct kind_traits<port<D>> {
  static constexpr kind_shape shape{.descriptor_size = sizeof(mach_msg_port_descriptor_t),
                                    .descriptors = 1,
                                    .descriptor_type = MACH_MSG_PORT_DESCRIPTOR,
                                    .received_as = received_right(D)};
};
template <mach_msg_type_name_t D, std::size_t N>
struct kind_traits<port_array<D, N>> {
  static constexpr kind_shape shape{.descriptor_size = N * sizeof(mach_msg_port_descriptor_t),
                                    .descriptors = N,
                                    .descriptor_type = MACH_MSG_PORT_DESCRIPTOR,
                                    .received_as = received_right(D),
                                    .inline_ports = true};
};
template <mach_msg_type_name_t D, std::size_t N>
struct kind_traits<bounded_port_array<D, N>> {
  static constexpr kind_shape shape{.descriptor_size = N * sizeof(mach_msg_port_descriptor_t),
                                    .descriptors = N,
                                    .count_word = true,
                                    .descriptor_type = MACH_MSG_PORT_DESCRIPTOR,
                                    .inline_ports = true};
};
template <class K>
struct kind_traits<same_count<K>> {
  static constexpr kind_shape shape = [] {
    kind_shape s = kind_traits<typename same_count<K>::kind>::shape;
    s.count_word = false;
    s.same_count = true;
    return s;
  }();
};
template <mach_msg_type_name_t D>
struct kind_traits<ool_port_array<D>> {
  static constexpr kind_shape shape{.descriptor_size = sizeof(mach_msg_ool_ports_descriptor_t),
                                    .descriptors = 1,
                                    .count_word = true,
                                    .ool_element_size = sizeof(mach_port_t),
                                    .descriptor_type = MACH_MSG_OOL_PORTS_DESCRIPTOR,
                                    .received_as = received_right(D)};
};

template <>
struct kind_traits<trailer_seqno> {
  static constexpr kind_shape shape{.trailer_bytes = sizeof(mach_port_seqno_t),
                                    .trailer_needs = MACH_RCV_TRAILER_SEQNO};
};
template <>
struct kind_traits<trailer_sec_token> {
  static constexpr kind_shape shape{.trailer_bytes = sizeof(security_token_t),
                                    .trailer_needs = MACH_RCV_TRAILER_SENDER};
};
template <>
struct kind_traits<trailer_audit_token> {
  static constexpr kind_shape shape{.trailer_bytes = sizeof(audit_token_t),
                                    .trailer_needs = MACH_RCV_TRAILER_AUDIT};
};
// MIG's check counts a context as a mach_vm_address_t, the size of mach_port_context_t.
template <>
struct kind_traits<trailer_context> {
  static constexpr kind_shape shape{.trailer_bytes = sizeof(mach_vm_address_t),
                                    .trailer_needs = MACH_RCV_TRAILER_CTX};
};

//! True for the trailer kinds, which are not in the message body.
template <class Kind>
inline constexpr bool is_trailer_kind = kind_traits<Kind>::shape.trailer_bytes != 0;

}  // namespace detail
}  // namespace machio::mig

#endif  // MACHIO_MIG_ARGUMENT_KINDS_HPP
