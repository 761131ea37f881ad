// libFuzzer target: machd's frame decoder on arbitrary bytes, and every decoded port call
// run against a fresh kernel core, as the daemon does for a client.
//
// Input layout: the first 16 bytes are a frame header, the rest its payload (the header's
// length field is replaced by the real remaining size half of the time, steered by its
// low bit, so that both lying and honest lengths reach the decoders). A header that passes
// the check is decoded with the request decoder of its op. A decoded port call runs on a
// task of its own; afterwards the task is destroyed and the core must hold no port.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>

#include "kernel/kernel.hpp"
#include "lib/port_call.hpp"
#include "machd/wire.hpp"

namespace wire = machemu::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < sizeof(wire::header)) return 0;
  wire::header h;
  std::memcpy(&h, data, sizeof h);
  const std::span<const std::byte> payload(reinterpret_cast<const std::byte*>(data) + sizeof h,
                                           size - sizeof h);
  if (h.length & 1) h.length = static_cast<std::uint32_t>(payload.size());
  if (wire::check(h) != wire::header_check::ok) return 0;
  if (h.length != payload.size()) return 0;  // the daemon waits for the rest
  switch (static_cast<wire::op>(h.op)) {
    case wire::op::hello: {
      wire::hello_request r;
      (void)wire::decode(payload, r);
      break;
    }
    case wire::op::msg: {
      wire::msg_request r;
      if (wire::decode(payload, r)) {
        // Every view must lie inside the payload.
        for (const wire::region& g : r.regions)
          if (g.data.data() < payload.data() ||
              g.data.data() + g.data.size() > payload.data() + payload.size())
            std::abort();
      }
      break;
    }
    case wire::op::kq_event: {
      wire::kevent_request r;
      (void)wire::decode(payload, r);
      break;
    }
    case wire::op::port_call: {
      wire::port_call_request r;
      if (!wire::decode(payload, r)) break;
      if (r.call == 0 || r.call > static_cast<std::uint32_t>(machemu::lib::call::last)) break;
      machemu::kern::kernel k;
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
      if (c.what < machemu::lib::call::bootstrap_check_in && k.port_count() != 0) {
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
