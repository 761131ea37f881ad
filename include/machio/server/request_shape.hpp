// SPDX-License-Identifier: BSL-1.0
// machio/server/request_shape.hpp — what a typed request must look like before its handler runs.
#ifndef MACHIO_SERVER_REQUEST_SHAPE_HPP
#define MACHIO_SERVER_REQUEST_SHAPE_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/received_message.hpp>

#include <cstddef>
#include <vector>

namespace machio {

//! One descriptor a request must carry: its kind and, for port descriptors, the right it
//! must arrive as (MACH_MSG_TYPE_PORT_SEND, _SEND_ONCE, _RECEIVE; 0 accepts any).
struct descriptor_shape {
  //! The descriptor's type: MACH_MSG_PORT_DESCRIPTOR, _OOL_PORTS_DESCRIPTOR, or
  //! _OOL_DESCRIPTOR (which a volatile OOL descriptor also matches).
  mach_msg_descriptor_type_t type = MACH_MSG_PORT_DESCRIPTOR;
  //! The right it must carry as it arrives (MACH_MSG_TYPE_PORT_SEND, _SEND_ONCE,
  //! _RECEIVE); 0 accepts any, and is what memory descriptors use.
  mach_msg_type_name_t disposition = 0;
};

//! The checks MIG's server stubs make before calling the routine, as data: the server
//! makes them on every request for a typed handler, and answers MIG_BAD_ARGUMENTS when one
//! fails, so the handler never sees bytes its struct does not describe.
struct request_shape {
  //! Smallest msgh_size accepted; 0 means "exactly the struct's size". Set it for a
  //! struct whose last field is a variable-length array (MIG's `c_string[*:N]`,
  //! `array[*:N]`): the bytes after msgh_size then read as zero.
  mach_msg_size_t min_size{0};
  //! The descriptors, in order. Empty: the request must be simple (not complex). Not
  //! empty: it must be complex with exactly these descriptors.
  std::vector<descriptor_shape> descriptors{};
};

//! A port descriptor carrying a send right (what MAKE_SEND, COPY_SEND and MOVE_SEND arrive as).
inline descriptor_shape port_send() noexcept { return {MACH_MSG_PORT_DESCRIPTOR, MACH_MSG_TYPE_PORT_SEND}; }
//! A port descriptor carrying a send-once right.
inline descriptor_shape port_send_once() noexcept {
  return {MACH_MSG_PORT_DESCRIPTOR, MACH_MSG_TYPE_PORT_SEND_ONCE};
}
//! A port descriptor carrying a receive right.
inline descriptor_shape port_receive() noexcept {
  return {MACH_MSG_PORT_DESCRIPTOR, MACH_MSG_TYPE_PORT_RECEIVE};
}
//! An out-of-line memory descriptor (volatile ones are accepted too).
inline descriptor_shape ool_memory() noexcept { return {MACH_MSG_OOL_DESCRIPTOR, 0}; }

//! True when \p request matches \p shape for a struct of \p struct_size bytes: msgh_size
//! in [min_size or struct_size, struct_size], complex exactly when descriptors are
//! expected, and each descriptor of the expected kind and right. Reads only the
//! bounds-checked view; borrows \p request.
inline bool matches(const received_message& request, const request_shape& shape,
                    std::size_t struct_size) noexcept {
  const message_view& v = request.view();
  const std::size_t min = shape.min_size ? shape.min_size : struct_size;
  if (v.size() < min || v.size() > struct_size) return false;
  if (v.is_complex() != !shape.descriptors.empty()) return false;
  if (v.descriptor_count() != shape.descriptors.size()) return false;
  for (std::size_t i = 0; i < shape.descriptors.size(); ++i) {
    boost::system::error_code ec;
    const descriptor_view d = v.descriptor(i, ec);
    if (ec) return false;
    const descriptor_shape& want = shape.descriptors[i];
    if (want.type == MACH_MSG_OOL_DESCRIPTOR ? !d.is_ool() : d.type() != want.type) return false;
    if (want.disposition != 0 && d.disposition() != want.disposition) return false;
  }
  return true;
}

}  // namespace machio

#endif  // MACHIO_SERVER_REQUEST_SHAPE_HPP
