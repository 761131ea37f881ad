// SPDX-License-Identifier: BSL-1.0
// machio/mig/decode.hpp — a routine's request or reply, checked and read as MIG reads it.
//
// decode_request and decode_reply make MIG's checks (machio/mig/checks.hpp), then move
// each argument out of the message into the value machio/mig/values.hpp names for its
// kind: rights and out-of-line regions become the caller's, in-line data is copied. On
// any failure nothing is taken: the message still owns everything, and destroying it
// releases it (MIG's rule for a request or reply that fails its checks).
//
// Trailer arguments are read from the trailer after MIG's trailer check (format 0, and
// large enough: else MIG_TRAILER_ERROR).
//
// A port descriptor that arrives MACH_PORT_NULL, or MACH_PORT_DEAD (the right died in
// flight), gives an empty right.
#ifndef MACHIO_MIG_DECODE_HPP
#define MACHIO_MIG_DECODE_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/mig/checks.hpp>
#include <machio/mig/layout.hpp>
#include <machio/mig/values.hpp>
#include <machio/received_message.hpp>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace machio::mig {
namespace detail {

template <class Tuple>
struct received_tuple;
template <class... Kinds>
struct received_tuple<std::tuple<Kinds...>> {
  using type = std::tuple<received_t<Kinds>...>;
};

// Where one field is, for its decoder.
struct field_source {
  received_message& message;
  const std::byte* data;    // its in-line data (null when it has none)
  std::size_t available;    // bytes from `data` to the end of the message (msgh_size)
  std::size_t count;        // its Cnt word, or its element count
  std::size_t descriptor;   // the index of its descriptor
};

template <class Kind>
struct decoder;

template <class T>
struct decoder<scalar<T>> {
  static bool read(const field_source& s, T& out) noexcept {
    std::memcpy(&out, s.data, sizeof(T));
    return true;
  }
};
template <class T, std::size_t N>
struct decoder<array<T, N>> {
  static bool read(const field_source& s, std::array<T, N>& out) noexcept {
    std::memcpy(out.data(), s.data, N * sizeof(T));
    return true;
  }
};
template <class T, std::size_t N>
struct decoder<bounded_array<T, N>> {
  static bool read(const field_source& s, bounded<T, N>& out) noexcept {
    out.resize(s.count);
    if (out.size()) std::memcpy(out.data(), s.data, out.size() * sizeof(T));
    return true;
  }
};
// The text before the NUL, looked for within N bytes and the message (a server's checks
// have found one; a client's do not look, so a reply's text may fill the field).
template <std::size_t N>
struct string_decoder {
  static bool read(const field_source& s, string<N>& out) noexcept {
    const std::size_t limit = std::min(N, s.available);
    const void* nul = std::memchr(s.data, 0, limit);
    const std::size_t length = nul ? static_cast<std::size_t>(static_cast<const std::byte*>(nul) - s.data) : limit;
    out.resize(length);
    std::memcpy(out.data(), s.data, out.size());
    return true;
  }
};
template <std::size_t N>
struct decoder<c_string<N>> : string_decoder<N> {};
template <std::size_t N>
struct decoder<bounded_c_string<N>> : string_decoder<N> {};

template <class T>
struct decoder<ool_array<T>> {
  static bool read(const field_source& s, ool_data<T>& out) noexcept {
    boost::system::error_code ec;
    out.region = s.message.take_ool(s.descriptor, ec);
    out.count = s.count;
    return !ec;
  }
};

// Takes the right of port descriptor \p index as \p Right, empty when null or dead.
template <class Right>
bool take_port(received_message& m, std::size_t index, Right& out) noexcept {
  boost::system::error_code ec;
  const descriptor_view d = m.descriptor(index, ec);
  if (ec) return false;
  if (d.name() == MACH_PORT_NULL || d.name() == MACH_PORT_DEAD) return true;
  if constexpr (std::is_same_v<Right, send_right>)
    out = m.take_send_right(index, ec);
  else if constexpr (std::is_same_v<Right, send_once_right>)
    out = m.take_send_once_right(index, ec);
  else
    out = m.take_receive_right(index, ec);
  return !ec;
}

// Takes the right of port descriptor \p index, whichever the sender chose.
inline bool take_any_port(received_message& m, std::size_t index, any_right& out) noexcept {
  boost::system::error_code ec;
  const descriptor_view d = m.descriptor(index, ec);
  if (ec) return false;
  switch (d.disposition()) {
    case MACH_MSG_TYPE_PORT_SEND:
      return take_port(m, index, out.emplace<send_right>());
    case MACH_MSG_TYPE_PORT_SEND_ONCE:
      return take_port(m, index, out.emplace<send_once_right>());
    case MACH_MSG_TYPE_PORT_RECEIVE:
      return take_port(m, index, out.emplace<receive_right>());
    default:
      return d.name() == MACH_PORT_NULL || d.name() == MACH_PORT_DEAD;
  }
}

// Port descriptor \p index into \p out, as a port<D> argument receives it.
template <mach_msg_type_name_t D>
bool take_port_as(received_message& m, std::size_t index, received_t<port<D>>& out) noexcept {
  if constexpr (D == polymorphic)
    return take_any_port(m, index, out);
  else
    return take_port(m, index, out);
}

template <mach_msg_type_name_t D>
struct decoder<port<D>> {
  static bool read(const field_source& s, received_t<port<D>>& out) noexcept {
    return take_port_as<D>(s.message, s.descriptor, out);
  }
};

template <mach_msg_type_name_t D, std::size_t N>
struct decoder<port_array<D, N>> {
  static bool read(const field_source& s, received_t<port_array<D, N>>& out) noexcept {
    bool ok = true;
    for (std::size_t k = 0; k < N; ++k) ok = ok && take_port_as<D>(s.message, s.descriptor + k, out[k]);
    return ok;
  }
};

// The first Cnt descriptors; the rest (null when the sender is MIG or machio) stay in the
// message and go with it.
template <mach_msg_type_name_t D, std::size_t N>
struct decoder<bounded_port_array<D, N>> {
  static bool read(const field_source& s, received_t<bounded_port_array<D, N>>& out) {
    out.resize(s.count);
    bool ok = true;
    for (std::size_t k = 0; k < s.count; ++k) ok = ok && take_port_as<D>(s.message, s.descriptor + k, out[k]);
    return ok;
  }
};

template <class K>
struct decoder<same_count<K>> : decoder<K> {};

// The rights of OOL ports descriptor \p index as \p Right.
template <mach_msg_type_name_t Right, class Vector>
bool take_ool_ports(received_message& m, std::size_t index, Vector& out) {
  boost::system::error_code ec;
  if constexpr (Right == MACH_MSG_TYPE_PORT_SEND)
    out = m.take_ool_send_rights(index, ec);
  else if constexpr (Right == MACH_MSG_TYPE_PORT_SEND_ONCE)
    out = m.take_ool_send_once_rights(index, ec);
  else
    out = m.take_ool_receive_rights(index, ec);
  return !ec;
}

template <mach_msg_type_name_t D>
struct decoder<ool_port_array<D>> {
  static bool read(const field_source& s, received_t<ool_port_array<D>>& out) {
    if constexpr (D != polymorphic) {
      return take_ool_ports<received_right(D)>(s.message, s.descriptor, out);
    } else {
      boost::system::error_code ec;
      const descriptor_view d = s.message.descriptor(s.descriptor, ec);
      if (ec) return false;
      switch (d.disposition()) {
        case MACH_MSG_TYPE_PORT_SEND:
          return take_ool_ports<MACH_MSG_TYPE_PORT_SEND>(s.message, s.descriptor, out.template emplace<0>());
        case MACH_MSG_TYPE_PORT_SEND_ONCE:
          return take_ool_ports<MACH_MSG_TYPE_PORT_SEND_ONCE>(s.message, s.descriptor, out.template emplace<1>());
        case MACH_MSG_TYPE_PORT_RECEIVE:
          return take_ool_ports<MACH_MSG_TYPE_PORT_RECEIVE>(s.message, s.descriptor, out.template emplace<2>());
        default:
          return d.count() == 0;  // an empty array: no right to name its kind
      }
    }
  }
};

// A trailer argument's value: its field of \p t, zero when the trailer is too short to
// hold it (MIG's check compares sizes only; see checks.hpp).
template <class Kind>
received_t<Kind> trailer_value(const trailer_view& t) noexcept {
  if constexpr (std::is_same_v<Kind, trailer_seqno>) {
    return t.seqno().value_or(0);
  } else if constexpr (std::is_same_v<Kind, trailer_sec_token>) {
    return t.sender().value_or(security_token_t{});
  } else if constexpr (std::is_same_v<Kind, trailer_audit_token>) {
    const std::optional<audit_token> token = t.audit();
    return token ? token->raw() : audit_token_t{};
  } else {
    static_assert(std::is_same_v<Kind, trailer_context>);
    return t.context().value_or(0);
  }
}

// Reads the values of \p Kinds (the message's receiver's: body fields of \p m, in order,
// and trailer arguments among them) into \p out.
template <std::size_t F, class... Kinds>
kern_return_t decode(const message_layout<F>& m, std::tuple<Kinds...>* kinds, received_message& message,
                     const checked_fields<F>& checked, std::tuple<received_t<Kinds>...>& out) {
  if (checked.code != KERN_SUCCESS) return checked.code;
  if (const kern_return_t kr = check_trailer(kinds, message.trailer()); kr != KERN_SUCCESS) return kr;
  const std::span<const std::byte> bytes = message.view().bytes();
  const std::size_t msgh_size = message.view().size();
  const trailer_view trailer = message.trailer();
  bool ok = true;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    [[maybe_unused]] std::size_t descriptor = 0, field = 0;
    (
        [&] {
          using kind = std::tuple_element_t<I, std::tuple<Kinds...>>;
          if constexpr (is_trailer_kind<kind>) {
            std::get<I>(out) = trailer_value<kind>(trailer);
          } else {
            const std::size_t w = field++;
            const field_layout& f = m.fields[w];
            const std::size_t at = checked.data_offset[w];
            const field_source s{message, at == npos ? nullptr : bytes.data() + at,
                                 at == npos ? 0 : msgh_size - at, checked.count[w], descriptor};
            descriptor += f.shape.descriptors;
            ok = ok && decoder<kind>::read(s, std::get<I>(out));
          }
        }(),
        ...);
  }(std::index_sequence_for<Kinds...>{});
  // A take that failed after the checks passed (a receive right the task cannot guard,
  // say): what was taken is released with `out`; the rest with the message.
  if (!ok) {
    out = std::tuple<received_t<Kinds>...>{};
    return MIG_TYPE_ERROR;
  }
  return KERN_SUCCESS;
}

// The largest of the trailers \p Kinds' fields need (none for body kinds).
template <class... Kinds>
constexpr trailer_elements largest_trailer(std::tuple<Kinds...>*) noexcept {
  int elements = MACH_RCV_TRAILER_NULL;
  ((elements = std::max(elements, kind_traits<Kinds>::shape.trailer_needs)), ...);
  return static_cast<trailer_elements>(elements);
}

}  // namespace detail

//! The trailer a receiver of \p Routine's requests must ask for (receive_options::trailer)
//! for its trailer arguments to be there; basic_server::handle<Routine> raises the server's
//! to it.
template <class Routine>
inline constexpr trailer_elements request_trailer = detail::largest_trailer(
    static_cast<typename detail::routine_layouts<Routine>::request_received_kinds*>(nullptr));
//! The trailer a receiver of \p Routine's replies must ask for (mig::async_call asks for
//! every field).
template <class Routine>
inline constexpr trailer_elements reply_trailer = detail::largest_trailer(
    static_cast<typename detail::routine_layouts<Routine>::reply_received_kinds*>(nullptr));

//! The values of \p Routine's in and inout arguments, in order, as a server receives them
//! (the request's trailer arguments among them).
template <class Routine>
using request_values =
    typename detail::received_tuple<typename detail::routine_layouts<Routine>::request_received_kinds>::type;
//! The values of \p Routine's out and inout arguments, in order, as a client receives them
//! (the reply's trailer arguments among them).
template <class Routine>
using reply_values =
    typename detail::received_tuple<typename detail::routine_layouts<Routine>::reply_received_kinds>::type;

//! Checks \p request as MIG's server stub for \p Routine does, then moves its arguments
//! into \p values. Returns KERN_SUCCESS, or the code to answer the client with; then
//! nothing has been taken from \p request.
template <class Routine>
kern_return_t decode_request(received_message& request, request_values<Routine>& values) {
  using kinds = typename detail::routine_layouts<Routine>::request_received_kinds;
  return detail::decode(request_layout<Routine>, static_cast<kinds*>(nullptr), request,
                        check_request_fields<Routine>(request.view()), values);
}

//! Checks \p reply as MIG's client stub for \p Routine does, then moves its results into
//! \p values. Returns KERN_SUCCESS, a MIG_* code, or the server's error code; then nothing
//! has been taken from \p reply.
template <class Routine>
kern_return_t decode_reply(received_message& reply, reply_values<Routine>& values) {
  using kinds = typename detail::routine_layouts<Routine>::reply_received_kinds;
  return detail::decode(reply_layout<Routine>, static_cast<kinds*>(nullptr), reply,
                        check_reply_fields<Routine>(reply.view()), values);
}

}  // namespace machio::mig

#endif  // MACHIO_MIG_DECODE_HPP
