// SPDX-License-Identifier: BSL-1.0
#include "machd/wire.hpp"

namespace machemu::wire {

header_check check(const header& h) noexcept {
  if (h.magic != magic) return header_check::bad_magic;
  if (h.version != version) return header_check::bad_version;
  if (h.op < static_cast<std::uint16_t>(op::hello) ||
      h.op > static_cast<std::uint16_t>(op::counts))
    return header_check::bad_op;
  if (h.length > max_payload) return header_check::too_long;
  std::uint32_t fds_allowed = 0;
  if (h.op == static_cast<std::uint16_t>(op::kq_create)) fds_allowed = 2;
  // msg requests, and the replies of msg and kq_event, carry memfd regions.
  if (h.op == static_cast<std::uint16_t>(op::msg) ||
      h.op == static_cast<std::uint16_t>(op::kq_event))
    fds_allowed = max_frame_fds;
  if (h.nfds > fds_allowed) return header_check::bad_fds;
  return header_check::ok;
}

bool decode(std::span<const std::byte> p, hello_request& r) noexcept {
  reader rd(p);
  return rd.u32(r.max_names) && rd.u64(r.image) && rd.done() && r.image != 0;
}

void encode(writer& w, const hello_request& r) {
  w.u32(r.max_names);
  w.u64(r.image);
}

// A region: its address (or token), a kind (0 inline, 1 fd), then the bytes (inline) or
// the size (fd).
void encode(writer& w, const region& g) {
  w.u64(g.address);
  w.u32(g.in_fd ? 1 : 0);
  if (g.in_fd)
    w.u64(g.size);
  else
    w.bytes(g.data);
}

bool decode(reader& rd, region& g, std::uint32_t& fds) noexcept {
  std::uint32_t kind = 0;
  if (!rd.u64(g.address) || !rd.u32(kind) || kind > 1) return false;
  g.in_fd = kind == 1;
  if (!g.in_fd) {
    if (!rd.bytes(g.data, max_payload)) return false;
    g.size = g.data.size();
    return true;
  }
  g.data = {};
  if (!rd.u64(g.size) || g.size < min_fd_region || g.size > max_fd_region) return false;
  ++fds;
  return true;
}

bool decode_regions(reader& rd, std::vector<region>& out, std::uint32_t& fds) {
  std::uint32_t n = 0;
  if (!rd.u32(n)) return false;
  // Each region needs at least 16 bytes of payload: the count cannot promise more.
  if (n > max_regions || n > rd.left() / 16) return false;
  out.resize(n);
  for (region& g : out)
    if (!decode(rd, g, fds)) return false;
  return true;
}

bool decode(std::span<const std::byte> p, msg_request& r, std::uint32_t nfds) {
  reader rd(p);
  std::uint32_t fds = 0;
  if (!(rd.u32(r.option) && rd.u32(r.send_size) && rd.u32(r.rcv_size) && rd.u32(r.rcv_name) &&
        rd.u32(r.timeout) && rd.u32(r.separate_rcv) && r.separate_rcv <= 1 && rd.u64(r.rcv_address) &&
        rd.bytes(r.message, max_payload) && r.message.size() == r.send_size &&
        rd.bytes(r.rcv_prefix, 4096) && decode_regions(rd, r.regions, fds)))
    return false;
  return fds == nfds && rd.done();
}

bool decode(std::span<const std::byte> p, kevent_request& r) noexcept {
  reader rd(p);
  if (!(rd.u64(r.kq) && rd.u32(r.nevents) && rd.u32(r.flags) && rd.u32(r.has_timeout) &&
        rd.u64(r.timeout_ns) && rd.bytes(r.changes, max_kevents * 48)))
    return false;
  if (r.nevents > max_kevents || r.changes.size() % 48 != 0 || r.has_timeout > 1) return false;
  return rd.done();
}

bool decode(std::span<const std::byte> p, port_call_request& r) noexcept {
  reader rd(p);
  if (!rd.u32(r.call)) return false;
  for (auto& a : r.a)
    if (!rd.u64(a)) return false;
  return rd.bytes(r.in, max_call_input) && rd.done();
}

}  // namespace machemu::wire
