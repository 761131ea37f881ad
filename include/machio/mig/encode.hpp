// SPDX-License-Identifier: BSL-1.0
// machio/mig/encode.hpp — a routine's request or reply, packed as MIG packs it.
//
// What a sender passes for each kind (one value per argument the message carries, in
// argument order):
//
//   kind                       value passed                          rights / memory
//   scalar<T>                  T
//   array<T, N>                std::span<const T, N> (std::array ...)
//   bounded_array<T, N>        std::span<const T>, at most N          MIG_ARRAY_TOO_LARGE
//   c_string<N>,               std::string_view, shorter than N       MIG_ARRAY_TOO_LARGE
//   bounded_c_string<N>        (the text up to a NUL it holds)
//   ool_array<T>               std::span<const T>                    borrowed, copied
//                              (std::span<const std::byte> too, for 1-byte T)
//                              mig::ool_data<T>&&                     the region leaves
//   port<MOVE_SEND>            send_right&&                           consumed
//   port<COPY_SEND>            const send_right&                      borrowed
//   port<MAKE_SEND>,           const receive_right&                   borrowed
//   port<MAKE_SEND_ONCE>
//   port<MOVE_SEND_ONCE>       send_once_right&&                      consumed
//   port<MOVE_RECEIVE>         receive_right&&                        consumed
//   port<polymorphic>          send_right&& (MOVE_SEND), const send_right& (COPY_SEND),
//                              send_once_right&&, receive_right&& (MOVE_RECEIVE)
//   ool_port_array<MOVE_SEND>  std::vector<send_right>&&              consumed
//   ool_port_array<COPY_SEND>  std::span<const send_right>            borrowed
//   ool_port_array<MOVE_SEND_ONCE>, <MOVE_RECEIVE>: std::vector of that right, consumed
//   ool_port_array<polymorphic> any of the four above (the array's one disposition)
//   port_array<D, N>,          as ool_port_array<D>, and for MAKE_SEND and MAKE_SEND_ONCE
//   bounded_port_array<D, N>   std::span<const receive_right> (borrowed); at most N
//                              (MIG_ARRAY_TOO_LARGE), the rest of the N descriptors null
//   same_count<K>              as K, with as many elements as the    KERN_INVALID_ARGUMENT
//                              array before it
//
// Every size is checked before anything is consumed: a value that does not fit fails with
// MIG_ARRAY_TOO_LARGE, as MIG's user stub does for an array, and leaves every right and
// region with the caller. (MIG's stub truncates a c_string that does not fit with
// mig_strncpy; machio refuses it instead of sending other text than it was given.)
//
// The message is exactly what MIG's stub sends: descriptors in argument order, the NDR
// record, (a simple reply's) return code, then each field at MIG's offset with variable
// fields shortened to _WALIGN_(count * element), msgh_size that packed size.
#ifndef MACHIO_MIG_ENCODE_HPP
#define MACHIO_MIG_ENCODE_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/message_builder.hpp>
#include <machio/mig.hpp>
#include <machio/mig/layout.hpp>
#include <machio/mig/values.hpp>

#include <array>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <span>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace machio::mig {
namespace detail {

template <class Arg, class T>
concept span_of = std::is_convertible_v<Arg, std::span<const T>>;

// A string's length as mig_strncpy counts it: up to its first NUL.
inline std::size_t c_length(std::string_view s) noexcept {
  const std::size_t nul = s.find('\0');
  return nul == std::string_view::npos ? s.size() : nul;
}

//! How one kind is encoded: its element count, its in-line bytes, its descriptor.
template <class Kind>
struct encoder;

template <class T>
struct encoder<scalar<T>> {
  static std::size_t count(const T&) noexcept { return 1; }
  static void write(std::byte* at, const T& v) noexcept { std::memcpy(at, &v, sizeof(T)); }
};

template <class T, std::size_t N>
struct encoder<array<T, N>> {
  static std::size_t count(std::span<const T, N>) noexcept { return N; }
  static void write(std::byte* at, std::span<const T, N> v) noexcept { std::memcpy(at, v.data(), N * sizeof(T)); }
};

template <class T, std::size_t N>
struct encoder<bounded_array<T, N>> {
  static std::size_t count(std::span<const T> v) noexcept { return v.size(); }
  static void write(std::byte* at, std::span<const T> v) noexcept {
    if (!v.empty()) std::memcpy(at, v.data(), v.size() * sizeof(T));
  }
};

// Both string kinds: Cnt (for c_string[*:N]) counts the NUL.
template <std::size_t N>
struct string_encoder {
  static std::size_t count(std::string_view s) noexcept { return c_length(s) + 1; }
  static void write(std::byte* at, std::string_view s) noexcept { std::memcpy(at, s.data(), c_length(s)); }
};
template <std::size_t N>
struct encoder<c_string<N>> : string_encoder<N> {};
template <std::size_t N>
struct encoder<bounded_c_string<N>> : string_encoder<N> {};

template <class T>
struct encoder<ool_array<T>> {
  static std::size_t count(std::span<const T> v) noexcept { return v.size(); }
  static std::size_t count(const ool_data<T>& v) noexcept { return v.count; }
  static void describe(message_builder& b, std::span<const T> v) {
    b.add_ool(std::as_bytes(v), ool_copy::virtual_copy);
  }
  static void describe(message_builder& b, ool_data<T>&& v) { b.add_ool(std::move(v.region)); }
  // An array of one-byte elements (MACH_MSG_TYPE_BYTE, pointer_t) also takes raw bytes.
  static std::size_t count(std::span<const std::byte> v) noexcept
    requires(sizeof(T) == 1 && !std::is_same_v<T, std::byte>)
  {
    return v.size();
  }
  static void describe(message_builder& b, std::span<const std::byte> v)
    requires(sizeof(T) == 1 && !std::is_same_v<T, std::byte>)
  {
    b.add_ool(v, ool_copy::virtual_copy);
  }
};

template <mach_msg_type_name_t D>
struct port_encoder;
template <>
struct port_encoder<MACH_MSG_TYPE_MOVE_SEND> {
  static void describe(message_builder& b, send_right&& r) { b.add_port(std::move(r)); }
};
template <>
struct port_encoder<MACH_MSG_TYPE_COPY_SEND> {
  static void describe(message_builder& b, const send_right& r) { b.add_port(r); }
};
template <>
struct port_encoder<MACH_MSG_TYPE_MAKE_SEND> {
  static void describe(message_builder& b, const receive_right& r) { b.add_port(r, make_send); }
};
template <>
struct port_encoder<MACH_MSG_TYPE_MAKE_SEND_ONCE> {
  static void describe(message_builder& b, const receive_right& r) { b.add_port(r, make_send_once); }
};
template <>
struct port_encoder<MACH_MSG_TYPE_MOVE_SEND_ONCE> {
  static void describe(message_builder& b, send_once_right&& r) { b.add_port(std::move(r)); }
};
template <>
struct port_encoder<MACH_MSG_TYPE_MOVE_RECEIVE> {
  static void describe(message_builder& b, receive_right&& r) { b.add_port(std::move(r)); }
};
template <>
struct port_encoder<polymorphic> {
  static void describe(message_builder& b, send_right&& r) { b.add_port(std::move(r)); }
  static void describe(message_builder& b, const send_right& r) { b.add_port(r); }
  static void describe(message_builder& b, send_once_right&& r) { b.add_port(std::move(r)); }
  static void describe(message_builder& b, receive_right&& r) { b.add_port(std::move(r)); }
};
template <mach_msg_type_name_t D>
struct encoder<port<D>> : port_encoder<D> {};

template <mach_msg_type_name_t D>
struct port_array_encoder;
template <>
struct port_array_encoder<MACH_MSG_TYPE_MOVE_SEND> {
  static std::size_t count(const std::vector<send_right>& v) noexcept { return v.size(); }
  static void describe(message_builder& b, std::vector<send_right>&& v) { b.add_ool_ports(std::move(v)); }
};
template <>
struct port_array_encoder<MACH_MSG_TYPE_COPY_SEND> {
  static std::size_t count(std::span<const send_right> v) noexcept { return v.size(); }
  static void describe(message_builder& b, std::span<const send_right> v) { b.add_ool_ports(v); }
};
template <>
struct port_array_encoder<MACH_MSG_TYPE_MOVE_SEND_ONCE> {
  static std::size_t count(const std::vector<send_once_right>& v) noexcept { return v.size(); }
  static void describe(message_builder& b, std::vector<send_once_right>&& v) { b.add_ool_ports(std::move(v)); }
};
template <>
struct port_array_encoder<MACH_MSG_TYPE_MOVE_RECEIVE> {
  static std::size_t count(const std::vector<receive_right>& v) noexcept { return v.size(); }
  static void describe(message_builder& b, std::vector<receive_right>&& v) { b.add_ool_ports(std::move(v)); }
};
template <>
struct port_array_encoder<polymorphic> : port_array_encoder<MACH_MSG_TYPE_MOVE_SEND>,
                                          port_array_encoder<MACH_MSG_TYPE_COPY_SEND>,
                                          port_array_encoder<MACH_MSG_TYPE_MOVE_SEND_ONCE>,
                                          port_array_encoder<MACH_MSG_TYPE_MOVE_RECEIVE> {
  using port_array_encoder<MACH_MSG_TYPE_MOVE_SEND>::count;
  using port_array_encoder<MACH_MSG_TYPE_MOVE_SEND>::describe;
  using port_array_encoder<MACH_MSG_TYPE_COPY_SEND>::count;
  using port_array_encoder<MACH_MSG_TYPE_COPY_SEND>::describe;
  using port_array_encoder<MACH_MSG_TYPE_MOVE_SEND_ONCE>::count;
  using port_array_encoder<MACH_MSG_TYPE_MOVE_SEND_ONCE>::describe;
  using port_array_encoder<MACH_MSG_TYPE_MOVE_RECEIVE>::count;
  using port_array_encoder<MACH_MSG_TYPE_MOVE_RECEIVE>::describe;
};
template <mach_msg_type_name_t D>
struct encoder<ool_port_array<D>> : port_array_encoder<D> {};

// In-line port arrays: one port descriptor per element, then null ones with the same
// disposition up to N, as MIG's user stub fills them.
template <std::size_t N>
struct inline_ports {
  template <class Range>
    requires requires(const Range& r) { std::size(r); }
  static std::size_t count(const Range& r) noexcept {
    return std::size(r);
  }

  template <class Right>
  static void describe(message_builder& b, std::vector<Right>&& v, mach_msg_type_name_t disposition) {
    for (Right& r : v) b.add_port(std::move(r));
    pad(b, v.size(), disposition);
    v.clear();
  }
  static void describe(message_builder& b, std::span<const send_right> v) {
    for (const send_right& r : v) b.add_port(r);
    pad(b, v.size(), MACH_MSG_TYPE_COPY_SEND);
  }
  template <class Make>
  static void describe(message_builder& b, std::span<const receive_right> v, Make how, mach_msg_type_name_t disposition) {
    for (const receive_right& r : v) b.add_port(r, how);
    pad(b, v.size(), disposition);
  }
  static void pad(message_builder& b, std::size_t used, mach_msg_type_name_t disposition) {
    for (std::size_t k = used; k < N; ++k) b.add_null_port(disposition);
  }
};

template <mach_msg_type_name_t D, std::size_t N>
struct inline_port_array_encoder;
template <std::size_t N>
struct inline_port_array_encoder<MACH_MSG_TYPE_MOVE_SEND, N> : inline_ports<N> {
  using inline_ports<N>::count;
  static void describe(message_builder& b, std::vector<send_right>&& v) {
    inline_ports<N>::describe(b, std::move(v), MACH_MSG_TYPE_MOVE_SEND);
  }
};
template <std::size_t N>
struct inline_port_array_encoder<MACH_MSG_TYPE_COPY_SEND, N> : inline_ports<N> {
  using inline_ports<N>::count;
  static void describe(message_builder& b, std::span<const send_right> v) { inline_ports<N>::describe(b, v); }
};
template <std::size_t N>
struct inline_port_array_encoder<MACH_MSG_TYPE_MAKE_SEND, N> : inline_ports<N> {
  using inline_ports<N>::count;
  static void describe(message_builder& b, std::span<const receive_right> v) {
    inline_ports<N>::describe(b, v, make_send, MACH_MSG_TYPE_MAKE_SEND);
  }
};
template <std::size_t N>
struct inline_port_array_encoder<MACH_MSG_TYPE_MAKE_SEND_ONCE, N> : inline_ports<N> {
  using inline_ports<N>::count;
  static void describe(message_builder& b, std::span<const receive_right> v) {
    inline_ports<N>::describe(b, v, make_send_once, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  }
};
template <std::size_t N>
struct inline_port_array_encoder<MACH_MSG_TYPE_MOVE_SEND_ONCE, N> : inline_ports<N> {
  using inline_ports<N>::count;
  static void describe(message_builder& b, std::vector<send_once_right>&& v) {
    inline_ports<N>::describe(b, std::move(v), MACH_MSG_TYPE_MOVE_SEND_ONCE);
  }
};
template <std::size_t N>
struct inline_port_array_encoder<MACH_MSG_TYPE_MOVE_RECEIVE, N> : inline_ports<N> {
  using inline_ports<N>::count;
  static void describe(message_builder& b, std::vector<receive_right>&& v) {
    inline_ports<N>::describe(b, std::move(v), MACH_MSG_TYPE_MOVE_RECEIVE);
  }
};
template <std::size_t N>
struct inline_port_array_encoder<polymorphic, N> : inline_ports<N> {
  using inline_ports<N>::count;
  static void describe(message_builder& b, std::vector<send_right>&& v) {
    inline_ports<N>::describe(b, std::move(v), MACH_MSG_TYPE_MOVE_SEND);
  }
  static void describe(message_builder& b, std::span<const send_right> v) { inline_ports<N>::describe(b, v); }
  static void describe(message_builder& b, std::vector<send_once_right>&& v) {
    inline_ports<N>::describe(b, std::move(v), MACH_MSG_TYPE_MOVE_SEND_ONCE);
  }
  static void describe(message_builder& b, std::vector<receive_right>&& v) {
    inline_ports<N>::describe(b, std::move(v), MACH_MSG_TYPE_MOVE_RECEIVE);
  }
};
template <mach_msg_type_name_t D, std::size_t N>
struct encoder<port_array<D, N>> : inline_port_array_encoder<D, N> {};
template <mach_msg_type_name_t D, std::size_t N>
struct encoder<bounded_port_array<D, N>> : inline_port_array_encoder<D, N> {};

template <class K>
struct encoder<same_count<K>> : encoder<K> {};

// \p Value is what a sender may pass for \p Kind (the table above).
template <class Kind, class Value>
concept encodable = requires(message_builder& b, std::byte* at, Value&& v) {
  encoder<Kind>::describe(b, std::forward<Value>(v));
} || requires(std::byte* at, const std::remove_reference_t<Value>& v) { encoder<Kind>::write(at, v); };

inline void store_u32(std::byte* at, std::size_t v) noexcept {
  const auto word = static_cast<std::uint32_t>(v);
  std::memcpy(at, &word, sizeof word);
}

// Packs \p values (one per field of \p m, kinds Kinds...) into \p b after its header.
template <std::size_t F, class... Kinds, class... Values>
kern_return_t encode(const message_layout<F>& m, std::tuple<Kinds...>*, message_builder& b, Values&&... values) {
  static_assert(sizeof...(Kinds) == F && sizeof...(Values) == F,
                "pass one value per argument the message carries, in argument order");
  static_assert((encodable<Kinds, Values> && ...),
                "a value does not match its argument's kind (see machio/mig/encode.hpp); rights "
                "a MOVE_ disposition consumes are passed as rvalues");
  // 1. Counts, checked before anything is consumed.
  [[maybe_unused]] std::array<std::size_t, F + 1> count{};  // +1: a message without fields
  std::array<std::size_t, F + 1> variable_counts{};
  {
    [[maybe_unused]] std::size_t i = 0, v = 0;
    bool fits = true, same = true;
    (
        [&] {
          const field_layout& f = m.fields[i];
          if constexpr (requires { encoder<Kinds>::count(values); }) count[i] = encoder<Kinds>::count(values);
          if (f.shape.element_size && count[i] > f.shape.max_count) fits = false;
          if (f.shape.inline_ports && count[i] > f.shape.descriptors) fits = false;
          if (f.shape.same_count && count[i] != count[i - 1]) same = false;
          if (f.shape.variable) variable_counts[v++] = count[i];
          ++i;
        }(),
        ...);
    if (!fits) return MIG_ARRAY_TOO_LARGE;
    if (!same) return KERN_INVALID_ARGUMENT;
  }
  const std::span<const std::size_t> counts(variable_counts.data(), m.variable_count());

  // 2. Descriptors, in argument order: rights and regions move into the message now.
  (
      [&] {
        if constexpr (requires { encoder<Kinds>::describe(b, std::forward<Values>(values)); })
          encoder<Kinds>::describe(b, std::forward<Values>(values));
      }(),
      ...);

  // 3. The in-line part, at MIG's wire offsets.
  if (!m.has_ndr) return KERN_SUCCESS;
  const std::size_t start = m.ndr_offset;
  std::vector<std::byte> body(m.wire_size(counts) - start);
  std::memcpy(body.data(), &ndr_record, sizeof ndr_record);
  if (m.has_ret_code) store_u32(body.data() + (m.ret_code_offset - start), KERN_SUCCESS);
  {
    [[maybe_unused]] std::size_t i = 0;
    (
        [&] {
          const field_layout& f = m.fields[i];
          if (f.offset_word != npos) store_u32(body.data() + (m.wire_offset(i, f.offset_word, counts) - start), 0);
          if (f.count_word != npos)
            store_u32(body.data() + (m.wire_offset(i, f.count_word, counts) - start), count[i]);
          if constexpr (requires { encoder<Kinds>::write(body.data(), values); })
            encoder<Kinds>::write(body.data() + (m.wire_offset(i, f.data_offset, counts) - start), values);
          ++i;
        }(),
        ...);
  }
  b.append(std::span<const std::byte>(body));
  return KERN_SUCCESS;
}

}  // namespace detail

//! Packs \p Routine's request with \p inputs (one per in and inout argument, as the table
//! above says) into \p request, whose header (id, destination, reply port) the caller
//! sets. Fails with MIG_ARRAY_TOO_LARGE, consuming nothing, when an input does not fit.
template <class Routine, class... Inputs>
kern_return_t encode_request(message_builder& request, Inputs&&... inputs) {
  using kinds = typename detail::routine_layouts<Routine>::request_kinds;
  request.id(Routine::id);
  return detail::encode(request_layout<Routine>, static_cast<kinds*>(nullptr), request,
                        std::forward<Inputs>(inputs)...);
}

//! Packs \p Routine's successful reply with \p outputs (one per out and inout argument)
//! into \p reply, whose destination (the request's reply right) the caller sets: a simple
//! reply with KERN_SUCCESS as its return code, or a complex one. Fails with
//! MIG_ARRAY_TOO_LARGE, consuming nothing, when an output does not fit (MIG's server stub
//! answers the client with that code).
template <class Routine, class... Outputs>
kern_return_t encode_reply(message_builder& reply, Outputs&&... outputs) {
  using kinds = typename detail::routine_layouts<Routine>::reply_kinds;
  reply.id(mig::reply_id(Routine::id));
  return detail::encode(reply_layout<Routine>, static_cast<kinds*>(nullptr), reply,
                        std::forward<Outputs>(outputs)...);
}

}  // namespace machio::mig

#endif  // MACHIO_MIG_ENCODE_HPP
