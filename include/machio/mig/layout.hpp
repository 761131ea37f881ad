// SPDX-License-Identifier: BSL-1.0
// machio/mig/layout.hpp — where MIG puts every argument of a routine's request and reply.
//
// The rules, as MIG's generated structs show them (each is #pragma pack(4)):
// - the header; then, when any argument of that message is a port or out-of-line, the
//   body (descriptor count) and one descriptor per such argument, in argument order: the
//   message is complex;
// - the NDR record, when any in-line data follows it; a reply that is not complex always
//   has it, followed by the return code (MIG's mig_reply_error_t prefix). A complex reply
//   has no return code: errors travel as a simple reply (header, NDR, code);
// - trailer arguments (mig::trailer_audit_token ...) are not in the message at all;
// - the in-line data in argument order: a scalar or array[N] as its bytes; array[*:N] as
//   a Cnt word and N elements' room; c_string[*:N] as an Offset word, a Cnt word and N
//   bytes' room; an out-of-line argument, or array[*:N] of ports (N port descriptors),
//   as its Cnt word; a samecount array as its elements' room, without a Cnt. Every in-line field's room is
//   padded to a multiple of 4 (migcom's machine_padding: a uint16_t or an array[3] of
//   uint16_t is followed by a `Pad` member), so every member starts 4-aligned.
// A variable field is sent with _WALIGN_(Cnt * element size) bytes of data, so every
// field after it moves by that minus its room: msgh_size = sizeof(struct) - (the rooms of
// every variable field) + (their aligned sizes).
#ifndef MACHIO_MIG_LAYOUT_HPP
#define MACHIO_MIG_LAYOUT_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/mig/routine.hpp>

#include <array>
#include <cstddef>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>

namespace machio::mig {

//! An offset a message does not have.
inline constexpr std::size_t npos = static_cast<std::size_t>(-1);

//! MIG's _WALIGN_: \p n rounded up to a multiple of 4.
constexpr std::size_t walign(std::size_t n) noexcept { return (n + 3) & ~std::size_t{3}; }

//! One argument's place in one message. Offsets are those of MIG's struct, in which every
//! variable field has its full room; wire_offset() gives them for actual counts.
struct field_layout {
  std::size_t argument = 0;  //!< its index in the routine's argument list
  //! What its kind needs, wherever it is: descriptors, Offset and Cnt words, in-line data.
  detail::kind_shape shape{};
  //! Its descriptor's offset (npos: it has none).
  std::size_t descriptor_offset = npos;
  std::size_t offset_word = npos;  //!< c_string[*:N]'s Offset
  std::size_t count_word = npos;   //!< the Cnt of a variable or out-of-line array
  std::size_t data_offset = npos;  //!< in-line data
  std::size_t data_room = 0;       //!< bytes the struct reserves for the data
};

//! One message of a routine (its request or its reply), laid out as MIG lays it out.
template <std::size_t Fields>
struct message_layout {
  //! The message carries descriptors (a port or out-of-line argument): it is complex.
  bool complex = false;
  //! The NDR record follows the header and descriptors: there is in-line data or a
  //! return code.
  bool has_ndr = false;
  //! A return code follows the NDR record: only in a reply that is not complex.
  bool has_ret_code = false;
  //! The body's descriptor count (an in-line port array counts N).
  std::size_t descriptor_count = 0;
  //! The NDR record's offset (npos: none).
  std::size_t ndr_offset = npos;
  //! The return code's offset (npos: none).
  std::size_t ret_code_offset = npos;
  //! The arguments this message's body carries, in argument order (not trailer arguments).
  std::array<field_layout, Fields> fields{};
  //! sizeof MIG's struct: the message with every variable field full.
  std::size_t max_size = 0;
  //! The rooms of the variable fields: max_size - variable_room is the message with all
  //! of them empty, the smallest msgh_size MIG's server accepts.
  std::size_t variable_room = 0;

  //! The size with every variable field empty: the smallest msgh_size MIG's server accepts.
  constexpr std::size_t min_size() const noexcept { return max_size - variable_room; }

  //! The number of variable fields (the counts wire_size() and wire_offset() take).
  constexpr std::size_t variable_count() const noexcept {
    std::size_t n = 0;
    for (const field_layout& f : fields) n += f.shape.variable ? 1 : 0;
    return n;
  }

  //! The size of the message whose variable fields hold \p counts elements (in field
  //! order; a c_string's count includes its NUL), as MIG's stubs compute msgh_size.
  constexpr std::size_t wire_size(std::span<const std::size_t> counts) const noexcept {
    std::size_t size = min_size(), i = 0;
    for (const field_layout& f : fields)
      if (f.shape.variable) size += walign(counts[i++] * f.shape.element_size);
    return size;
  }

  //! How far every field after field \p index moves from its struct offset when the
  //! variable fields before it (and it, if variable) hold \p counts elements.
  constexpr std::ptrdiff_t shift_after(std::size_t index,
                                       std::span<const std::size_t> counts) const noexcept {
    std::ptrdiff_t shift = 0;
    std::size_t i = 0;
    for (std::size_t k = 0; k <= index && k < Fields; ++k) {
      const field_layout& f = fields[k];
      if (!f.shape.variable) continue;
      shift += static_cast<std::ptrdiff_t>(walign(counts[i++] * f.shape.element_size)) -
               static_cast<std::ptrdiff_t>(f.data_room);
    }
    return shift;
  }

  //! \p struct_offset (an offset of field \p index: its Offset, Cnt or data) in the
  //! message whose variable fields hold \p counts.
  constexpr std::size_t wire_offset(std::size_t index, std::size_t struct_offset,
                                    std::span<const std::size_t> counts) const noexcept {
    return static_cast<std::size_t>(static_cast<std::ptrdiff_t>(struct_offset) +
                                    (index == 0 ? 0 : shift_after(index - 1, counts)));
  }
};

namespace detail {

constexpr std::size_t align_to(std::size_t n, std::size_t a) noexcept { return (n + a - 1) / a * a; }

// Whether \p Argument belongs to the request's side (Reply false) or the reply's: what
// that message's receiver gets, trailer arguments included.
template <bool Reply, class Argument>
inline constexpr bool received_with =
    Reply ? Argument::direction_v != direction::in : Argument::direction_v != direction::out;

// Whether \p Argument is in that message's body (trailer arguments are not).
template <bool Reply, class Argument>
inline constexpr bool travels_in = received_with<Reply, Argument> && !is_trailer_kind<typename Argument::kind>;

template <bool Reply, class... Arguments>
constexpr auto make_layout() {
  constexpr std::size_t count = (std::size_t{0} + ... + (travels_in<Reply, Arguments> ? 1 : 0));
  message_layout<count> m{};
  {
    [[maybe_unused]] std::size_t i = 0, index = 0;  // unused by a routine without arguments
    (
        [&] {
          if constexpr (travels_in<Reply, Arguments>) {
            m.fields[i].argument = index;
            m.fields[i].shape = kind_traits<typename Arguments::kind>::shape;
            ++i;
          }
          ++index;
        }(),
        ...);
  }
  std::size_t off = sizeof(mach_msg_header_t);
  bool in_line = false;
  for (std::size_t k = 0; k < count; ++k) {
    const field_layout& f = m.fields[k];
    // A samecount array counts what the variable array before it in this message holds
    // (migcom ignores the flag otherwise, with a warning; machio refuses to compile).
    if (f.shape.same_count && (k == 0 || !m.fields[k - 1].shape.counted()))
      throw "mig::same_count must follow a variable array of the same message";
    m.descriptor_count += f.shape.descriptors;
    in_line = in_line || f.shape.offset_word || f.shape.count_word || f.shape.element_size;
  }
  m.complex = m.descriptor_count != 0;
  if (m.complex) {
    off += sizeof(mach_msg_body_t);
    for (field_layout& f : m.fields) {
      if (!f.shape.descriptor_size) continue;
      f.descriptor_offset = off;
      off += f.shape.descriptor_size;
    }
  }
  m.has_ret_code = Reply && !m.complex;
  m.has_ndr = in_line || m.has_ret_code;
  if (m.has_ndr) {
    m.ndr_offset = off;
    off += sizeof(NDR_record_t);
  }
  if (m.has_ret_code) {
    m.ret_code_offset = off;
    off += sizeof(kern_return_t);
  }
  for (field_layout& f : m.fields) {
    if (f.shape.offset_word) {
      f.offset_word = off = align_to(off, 4);
      off += sizeof(mach_msg_type_number_t);
    }
    if (f.shape.count_word) {
      f.count_word = off = align_to(off, 4);
      off += sizeof(mach_msg_type_number_t);
    }
    if (f.shape.element_size) {
      f.data_offset = off = align_to(off, f.shape.element_align);
      f.data_room = walign(f.shape.element_size * f.shape.max_count);
      off += f.data_room;
      if (f.shape.variable) m.variable_room += f.data_room;
    }
  }
  m.max_size = align_to(off, 4);
  return m;
}

// The kinds of the arguments one message carries, in order: a std::tuple of kinds.
template <bool Reply, class... Arguments>
using message_kinds = decltype(std::tuple_cat(
    std::declval<std::conditional_t<travels_in<Reply, Arguments>, std::tuple<typename Arguments::kind>,
                                    std::tuple<>>>()...));

// The kinds its receiver gets, in order: message_kinds with the trailer arguments.
template <bool Reply, class... Arguments>
using received_kinds = decltype(std::tuple_cat(
    std::declval<std::conditional_t<received_with<Reply, Arguments>, std::tuple<typename Arguments::kind>,
                                    std::tuple<>>>()...));

template <class Routine>
struct routine_layouts;

template <mach_msg_id_t Id, class... Arguments>
struct routine_layouts<routine<Id, Arguments...>> {
  static constexpr auto request = make_layout<false, Arguments...>();
  static constexpr auto reply = make_layout<true, Arguments...>();
  using request_kinds = message_kinds<false, Arguments...>;
  using reply_kinds = message_kinds<true, Arguments...>;
  using request_received_kinds = received_kinds<false, Arguments...>;
  using reply_received_kinds = received_kinds<true, Arguments...>;
};

template <mach_msg_id_t Id, class... Arguments>
struct routine_layouts<simpleroutine<Id, Arguments...>> {
  static constexpr auto request = make_layout<false, Arguments...>();
  using request_kinds = message_kinds<false, Arguments...>;
  using request_received_kinds = received_kinds<false, Arguments...>;
};

}  // namespace detail

//! The layout of \p Routine's request.
template <class Routine>
inline constexpr auto request_layout = detail::routine_layouts<Routine>::request;

//! The layout of \p Routine's reply (routines only; a simpleroutine has none).
template <class Routine>
inline constexpr auto reply_layout = detail::routine_layouts<Routine>::reply;

}  // namespace machio::mig

#endif  // MACHIO_MIG_LAYOUT_HPP
