// SPDX-License-Identifier: BSL-1.0
// machio/mig/checks.hpp — the checks MIG's stubs make on a message before reading it.
//
// A MIG server checks every request before calling the routine (its generated
// __MIG_check__Request__*), and a MIG client checks every reply before reading it
// (__MIG_check__Reply__*). machio makes the same checks, in the same order, with the same
// codes, so a malformed message gets the answer a MIG stub would give:
//
//   request (server side)                              code
//   1. COMPLEX bit, descriptor count, msgh_size         MIG_BAD_ARGUMENTS
//      (exactly the struct's size, or within [all variable fields empty, all full])
//   2. each descriptor's type, and a port's right       MIG_TYPE_ERROR
//      (not checked for mig::polymorphic, nor for
//      array[*:N] of ports)
//   3. each variable field: Cnt <= its maximum, and     MIG_BAD_ARGUMENTS
//      msgh_size adds up with _WALIGN_(Cnt * element)
//      (a samecount array has the Cnt before it);
//      array[*:N] of ports: Cnt <= N
//   4. out-of-line: size / element == Cnt,              MIG_TYPE_ERROR
//      port arrays: count == Cnt
//   5. each c_string has its NUL within min(N, bytes    MIG_BAD_ARGUMENTS
//      left in the message)
//   6. with trailer arguments: trailer format 0 and     MIG_TRAILER_ERROR
//      large enough (detail::check_trailer; made by
//      decode_request)
//
//   reply (client side)                                 code
//   1. msgh_id: the request's + 100                     MIG_SERVER_DIED when it is
//                                                       MACH_NOTIFY_SEND_ONCE, else
//                                                       MIG_REPLY_MISMATCH
//   2. COMPLEX bit, descriptor count, msgh_size; a      MIG_TYPE_ERROR
//      simple 36-byte error reply with a non-zero code
//      passes
//   3. no reply port (msgh_remote_port null)            MIG_TYPE_ERROR
//   4. an error reply's return code                     that code
//   5. descriptors, variable fields, out-of-line sizes  MIG_TYPE_ERROR
//      as for a request (an in-line port array's Cnt
//      above N: MIG_ARRAY_TOO_LARGE)
//   6. trailer, as for a request                        MIG_TRAILER_ERROR
//
// The checks only read: a message that fails one still owns every right and region it
// carries, and MIG's rule is that its receiver destroys them (machio's received_message
// does when it goes).
#ifndef MACHIO_MIG_CHECKS_HPP
#define MACHIO_MIG_CHECKS_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/message_view.hpp>
#include <machio/mig/layout.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <tuple>

namespace machio::mig {

//! What a checked message holds, for reading it without further checks: for each field
//! of the layout, its Cnt word and where its in-line data starts on the wire.
template <std::size_t Fields>
struct checked_fields {
  //! KERN_SUCCESS, or the code MIG's stub answers (see the table above). For a reply, an
  //! error reply's own return code.
  kern_return_t code = KERN_SUCCESS;
  //! Per field: its Cnt word (variable and out-of-line arrays; a c_string[*:N]'s counts
  //! its NUL); the element count otherwise.
  std::array<std::size_t, Fields> count{};
  //! Per field: the wire offset of its in-line data (npos when it has none).
  std::array<std::size_t, Fields> data_offset{};
};

namespace detail {

inline std::uint32_t load_u32(std::span<const std::byte> bytes, std::size_t offset) noexcept {
  std::uint32_t v = 0;
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

// Every descriptor kind keeps its type in the byte after its disposition, at the same
// place (the top byte of its third 32-bit word): MIG reads it there before it knows which
// descriptor it is looking at, and so does this.
inline constexpr std::size_t descriptor_disposition_byte = 10;
inline constexpr std::size_t descriptor_type_byte = 11;
inline constexpr std::size_t descriptor_size_word = 12;  // OOL size, OOL ports count

template <std::size_t Fields>
bool size_in_range(const message_layout<Fields>& m, std::size_t size) noexcept {
  return m.variable_room == 0 ? size == m.max_size : size >= m.min_size() && size <= m.max_size;
}

// Steps 2-5 of either side. The codes differ: a wrong Cnt or size is the server's
// MIG_BAD_ARGUMENTS and the client's MIG_TYPE_ERROR, an in-line port array's Cnt above its
// N the server's MIG_BAD_ARGUMENTS and the client's MIG_ARRAY_TOO_LARGE; only the server
// looks for the strings' NULs.
template <std::size_t Fields>
void check_body(const message_layout<Fields>& m, const message_view& v, bool request,
                checked_fields<Fields>& out) noexcept {
  const kern_return_t bad_size = request ? MIG_BAD_ARGUMENTS : MIG_TYPE_ERROR;
  const kern_return_t too_many_ports = request ? MIG_BAD_ARGUMENTS : MIG_ARRAY_TOO_LARGE;
  const std::span<const std::byte> bytes = v.bytes();
  const std::size_t msgh_size = v.size();

  for (const field_layout& f : m.fields) {
    for (std::size_t k = 0; k < f.shape.descriptors; ++k) {
      const std::byte* d = bytes.data() + f.descriptor_offset + k * (f.shape.descriptor_size / f.shape.descriptors);
      const auto type = static_cast<mach_msg_descriptor_type_t>(d[descriptor_type_byte]);
      const auto disposition = static_cast<mach_msg_type_name_t>(d[descriptor_disposition_byte]);
      if (type != f.shape.descriptor_type || (f.shape.received_as != 0 && disposition != f.shape.received_as)) {
        out.code = MIG_TYPE_ERROR;
        return;
      }
    }
  }

  // Variable fields move everything after them; `counts` holds theirs so far, in order.
  std::array<std::size_t, Fields> counts{};
  std::size_t variables = 0, remaining = msgh_size;
  const std::size_t last_variable = m.variable_count();
  for (std::size_t i = 0; i < Fields; ++i) {
    const field_layout& f = m.fields[i];
    const std::span<const std::size_t> so_far(counts.data(), variables);
    out.count[i] = f.shape.max_count;
    if (f.count_word != npos)
      out.count[i] = load_u32(bytes, m.wire_offset(i, f.count_word, so_far));
    else if (f.shape.same_count)
      out.count[i] = out.count[i - 1];
    if (f.data_offset != npos) out.data_offset[i] = m.wire_offset(i, f.data_offset, so_far);
    else out.data_offset[i] = npos;
    // array[*:N] of ports: N descriptors, Cnt of them used. MIG's server does not check
    // Cnt (and reads past its N); machio answers MIG_BAD_ARGUMENTS. MIG's client answers
    // MIG_ARRAY_TOO_LARGE.
    if (f.shape.inline_ports && out.count[i] > f.shape.descriptors) {
      out.code = too_many_ports;
      return;
    }
    if (!f.shape.variable) continue;
    const std::size_t cnt = out.count[i];
    if (cnt > f.shape.max_count) {
      out.code = bad_size;
      return;
    }
    const std::size_t delta = walign(cnt * f.shape.element_size);
    const bool last = variables + 1 == last_variable;
    if ((remaining - m.min_size()) / f.shape.element_size < cnt ||
        (last ? remaining != m.min_size() + delta : remaining < m.min_size() + delta)) {
      out.code = bad_size;
      return;
    }
    if (!last) remaining -= delta;
    counts[variables++] = cnt;
  }

  for (std::size_t i = 0; i < Fields; ++i) {
    const field_layout& f = m.fields[i];
    if (f.shape.descriptor_type != MACH_MSG_OOL_DESCRIPTOR && f.shape.descriptor_type != MACH_MSG_OOL_PORTS_DESCRIPTOR)
      continue;
    const std::uint32_t word = load_u32(bytes, f.descriptor_offset + descriptor_size_word);
    const bool matches = f.shape.descriptor_type == MACH_MSG_OOL_DESCRIPTOR
                             ? word / f.shape.ool_element_size == out.count[i]
                             : word == out.count[i];
    if (!matches) {
      out.code = MIG_TYPE_ERROR;
      return;
    }
  }

  if (!request) return;
  for (std::size_t i = 0; i < Fields; ++i) {
    const field_layout& f = m.fields[i];
    if (!f.shape.string) continue;
    const std::size_t at = out.data_offset[i];
    const std::size_t limit = std::min(msgh_size > at ? msgh_size - at : 0, f.shape.max_count);
    if (std::memchr(bytes.data() + at, 0, limit) == nullptr) {
      out.code = MIG_BAD_ARGUMENTS;
      return;
    }
  }
}

template <std::size_t Fields>
checked_fields<Fields> check_request(const message_layout<Fields>& m, const message_view& v) noexcept {
  checked_fields<Fields> out;
  const bool complex = v.is_complex();
  const bool head_ok = m.complex ? complex && v.descriptor_count() == m.descriptor_count &&
                                       size_in_range(m, v.size())
                                 : !complex && size_in_range(m, v.size());
  if (!head_ok) {
    out.code = MIG_BAD_ARGUMENTS;
    return out;
  }
  check_body(m, v, /*request=*/true, out);
  return out;
}

template <std::size_t Fields>
checked_fields<Fields> check_reply(const message_layout<Fields>& m, const message_view& v,
                                   mach_msg_id_t request_id) noexcept {
  checked_fields<Fields> out;
  const mach_msg_header_t h = v.header();
  if (h.msgh_id != request_id + 100) {
    out.code = h.msgh_id == MACH_NOTIFY_SEND_ONCE ? MIG_SERVER_DIED : MIG_REPLY_MISMATCH;
    return out;
  }
  const std::size_t size = v.size();
  const bool simple = !v.is_complex();
  // A simple reply of mig_reply_error_t's size carrying a failure passes the size checks:
  // it is the server's error answer.
  const auto error_reply = [&] {
    return simple && size == sizeof(mig_reply_error_t) &&
           load_u32(v.bytes(), offsetof(mig_reply_error_t, RetCode)) != KERN_SUCCESS;
  };
  bool bad = false;
  if (!m.complex) {
    bad = !simple || (Fields == 0 ? size != m.max_size : !size_in_range(m, size) && !error_reply());
  } else {
    bad = (simple || v.descriptor_count() != m.descriptor_count || !size_in_range(m, size)) &&
          !error_reply();
  }
  if (bad || h.msgh_remote_port != MACH_PORT_NULL) {
    out.code = MIG_TYPE_ERROR;
    return out;
  }
  if (simple && (Fields == 0 || !m.complex || size == sizeof(mig_reply_error_t))) {
    const auto ret = static_cast<kern_return_t>(load_u32(v.bytes(), offsetof(mig_reply_error_t, RetCode)));
    if (ret != KERN_SUCCESS || Fields == 0) {
      out.code = ret;
      return out;
    }
  }
  check_body(m, v, /*request=*/false, out);
  return out;
}

// MIG's trailer check, made after the body's when the message's receiver gets trailer
// arguments (migcom's WriteCheckTrailerHead/WriteCheckTrailerSize): the trailer must be
// MACH_MSG_TRAILER_FORMAT_0, and for each trailer argument in order its field's size is
// taken from msgh_trailer_size, failing when not that much is left. MIG compares sizes,
// not field offsets, and msgh_trailer_size counts the trailer's own 8-byte head: a
// MsgSeqno passes with a bare 8-byte trailer (and MIG reads past it), an audit token
// needs 32 bytes, which only the audit trailer (52) and larger give.
template <class... Kinds>
kern_return_t check_trailer(std::tuple<Kinds...>*, const trailer_view& t) noexcept {
  constexpr std::size_t needed = (std::size_t{0} + ... + kind_traits<Kinds>::shape.trailer_bytes);
  if constexpr (needed == 0) {
    return KERN_SUCCESS;
  } else {
    if (t.size() == 0 || t.format() != MACH_MSG_TRAILER_FORMAT_0 || t.size() < needed) return MIG_TRAILER_ERROR;
    return KERN_SUCCESS;
  }
}

}  // namespace detail

//! Checks \p request as MIG's server stub for \p Routine does (see the table above) and
//! says where its fields are. Reads only; the request keeps its rights and regions.
//! \p request must be a routine's request with Routine's id (the demultiplexer answers
//! MIG_BAD_ID otherwise).
template <class Routine>
checked_fields<request_layout<Routine>.fields.size()> check_request_fields(const message_view& request) noexcept {
  return detail::check_request(request_layout<Routine>, request);
}

//! The code MIG's server stub for \p Routine answers \p request with: KERN_SUCCESS when
//! it would call the routine.
template <class Routine>
kern_return_t check_request(const message_view& request) noexcept {
  return check_request_fields<Routine>(request).code;
}

//! Checks \p reply as MIG's client stub for \p Routine does and says where its fields
//! are. Reads only; a reply that fails still owns what it carries.
template <class Routine>
checked_fields<reply_layout<Routine>.fields.size()> check_reply_fields(const message_view& reply) noexcept {
  return detail::check_reply(reply_layout<Routine>, reply, Routine::id);
}

//! The code MIG's client stub for \p Routine returns for \p reply before reading it:
//! KERN_SUCCESS, a MIG_* code, or the server's own error code.
template <class Routine>
kern_return_t check_reply(const message_view& reply) noexcept {
  return check_reply_fields<Routine>(reply).code;
}

}  // namespace machio::mig

#endif  // MACHIO_MIG_CHECKS_HPP
