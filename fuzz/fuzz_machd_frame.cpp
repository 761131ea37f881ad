// SPDX-License-Identifier: BSL-1.0
// libFuzzer target: machd's frame decoder on arbitrary bytes, and every decoded port call
// run against a fresh kernel core, as the daemon does for a client.
//
// Input layout: the first 16 bytes are a frame header, the rest its payload (the header's
// length field is replaced by the real remaining size half of the time, steered by its
// low bit, so that both lying and honest lengths reach the decoders). The version field is
// always the current wire version, so that the seeds in fuzz/corpus keep reaching the
// decoders after a version bump (check() refuses any other version before decoding). A
// header that passes the check is decoded with the request decoder of its op (msg and kq_event payloads also
// as a reply's region list); the header's descriptor count stands for the descriptors
// that came with the frame. A decoded port call runs on a task of its own; afterwards the
// task is destroyed and the core must hold no port but its own (the bootstrap port it
// hands every task lives as long as the kernel).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "kernel/kernel.hpp"
#include "lib/port_call.hpp"
#include "machd/wire.hpp"

namespace wire = machemu::wire;

namespace {

// Every inline region's view lies inside the payload and says its size; every memfd
// region has no bytes and a size the wire allows. Returns the number of memfd regions.
std::uint32_t check_regions(const std::vector<wire::region>& regions,
                            std::span<const std::byte> payload) {
  std::uint32_t fds = 0;
  for (const wire::region& g : regions) {
    if (g.in_fd) {
      if (!g.data.empty() || g.size < wire::min_fd_region || g.size > wire::max_fd_region)
        std::abort();
      ++fds;
    } else if (g.data.size() != g.size ||
               (!g.data.empty() && (g.data.data() < payload.data() ||
                                    g.data.data() + g.data.size() >
                                        payload.data() + payload.size()))) {
      std::abort();
    }
  }
  return fds;
}

// The payload read as a reply's region list: the count the decoder reports is the count
// of memfd regions it returned.
void check_reply_regions(std::span<const std::byte> payload) {
  wire::reader rd(payload);
  std::vector<wire::region> regions;
  std::uint32_t fds = 0;
  if (wire::decode_regions(rd, regions, fds) && check_regions(regions, payload) != fds)
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < sizeof(wire::header)) return 0;
  wire::header h;
  std::memcpy(&h, data, sizeof h);
  const std::span<const std::byte> payload(reinterpret_cast<const std::byte*>(data) + sizeof h,
                                           size - sizeof h);
  if (h.length & 1) h.length = static_cast<std::uint32_t>(payload.size());
  h.version = wire::version;
  if (wire::check(h) != wire::header_check::ok) return 0;
  if (h.length != payload.size()) return 0;  // the daemon waits for the rest
  switch (static_cast<wire::op>(h.op)) {
    case wire::op::hello: {
      wire::hello_request r;
      (void)wire::decode(payload, r);
      break;
    }
    case wire::op::msg: {
      // The frame came with as many descriptors as its header announces (the daemon
      // refuses one whose count differs from what arrived); the request must name exactly
      // that many memfd regions.
      wire::msg_request r;
      if (wire::decode(payload, r, h.nfds) && check_regions(r.regions, payload) != h.nfds)
        std::abort();
      // A msg reply's regions (decoded by the client with the same code).
      check_reply_regions(payload);
      break;
    }
    case wire::op::kq_event: {
      wire::kevent_request r;
      (void)wire::decode(payload, r);
      check_reply_regions(payload);
      break;
    }
    case wire::op::port_call: {
      wire::port_call_request r;
      if (!wire::decode(payload, r)) break;
      if (r.call == 0 || r.call > static_cast<std::uint32_t>(machemu::lib::call::last)) break;
      machemu::kern::kernel k;
      k.destroy_task(k.create_task({}));  // makes the kernel's own ports
      const std::size_t kernel_ports = k.port_count();
      machemu::kern::task* t = k.create_task({});
      machemu::lib::port_call c;
      c.what = static_cast<machemu::lib::call>(r.call);
      std::memcpy(c.a, r.a, sizeof c.a);
      // Half the time name the task's own port, as every real caller does.
      if (!(c.a[5] & 1)) c.a[0] = t->self_name;
      c.in.assign(r.in.begin(), r.in.end());
      machemu::lib::port_result res;
      machemu::lib::execute(k, *t, c, res);
      k.destroy_task(t);
      // Bootstrap services keep their port while the name service holds it; the kernel
      // releases those on destruction, so only task-owned ports are checked here.
      if (c.what < machemu::lib::call::bootstrap_check_in && k.port_count() != kernel_ports) {
        std::fprintf(stderr, "port leaked by call %u\n", r.call);
        std::abort();
      }
      break;
    }
    default:
      break;
  }
  return 0;
}
