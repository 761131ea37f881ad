#include "machd/wire.hpp"

namespace machemu::wire {

header_check check(const header& h) noexcept {
  if (h.magic != magic) return header_check::bad_magic;
  if (h.version != version) return header_check::bad_version;
  if (h.op < static_cast<std::uint16_t>(op::hello) ||
      h.op > static_cast<std::uint16_t>(op::counts))
    return header_check::bad_op;
  if (h.length > max_payload) return header_check::too_long;
  const bool fds_allowed = h.op == static_cast<std::uint16_t>(op::kq_create);
  if (h.nfds > (fds_allowed ? 2u : 0u)) return header_check::bad_fds;
  return header_check::ok;
}

bool decode(std::span<const std::byte> p, hello_request& r) noexcept {
  reader rd(p);
  return rd.u32(r.max_names) && rd.done();
}

void encode(writer& w, const hello_request& r) { w.u32(r.max_names); }

bool decode(std::span<const std::byte> p, msg_request& r) {
  reader rd(p);
  std::uint32_t n = 0;
  if (!(rd.u32(r.option) && rd.u32(r.send_size) && rd.u32(r.rcv_size) && rd.u32(r.rcv_name) &&
        rd.u32(r.timeout) && rd.u32(r.separate_rcv) && r.separate_rcv <= 1 &&
        rd.bytes(r.message, max_payload) && r.message.size() == r.send_size &&
        rd.bytes(r.rcv_prefix, 4096) && rd.u32(n)))
    return false;
  // Each region needs at least 12 bytes of payload: the count cannot promise more.
  if (n > max_regions || n > rd.left() / 12) return false;
  r.regions.resize(n);
  for (region& g : r.regions)
    if (!rd.u64(g.address) || !rd.bytes(g.data, max_payload)) return false;
  return rd.done();
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
