// SPDX-License-Identifier: BSL-1.0
// libFuzzer target: sequences of IOKit routines with arbitrary arguments against a fresh
// kernel core and IOKit host, as machd runs what a client sends (emu/iokit/host.hpp).
// Nothing may crash; when the task and then the host are gone, the core holds no port but
// its own and no CF object is left.
//
// Input: records of
//   u8 call (modulo the IOKit calls), u8 x3 target selectors, u32 x3 raw arguments,
//   u16 length, that many bytes of `in`.
// A selector below 0x80 picks one of the task's names (its receive right, what the calls
// so far handed out), so that the calls reach the objects; one below 0xc0 a registry id
// near the first ones (what publish, terminate and message take); otherwise the raw
// argument goes as is.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "iokit/host.hpp"
#include "kernel/kernel.hpp"
#include "lib/port_call.hpp"
#include "machemu_cf_testing.h"

namespace {

class input {
 public:
  explicit input(std::span<const std::uint8_t> b) : b_(b) {}
  bool empty() const noexcept { return b_.empty(); }
  template <class T>
  T take() {
    T v{};
    const std::size_t n = b_.size() < sizeof v ? b_.size() : sizeof v;
    std::memcpy(&v, b_.data(), n);
    b_ = b_.subspan(n);
    return v;
  }
  std::span<const std::uint8_t> bytes(std::size_t n) {
    n = n < b_.size() ? n : b_.size();
    const auto out = b_.first(n);
    b_ = b_.subspan(n);
    return out;
  }

 private:
  std::span<const std::uint8_t> b_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace lib = machemu::lib;
  const CFIndex cf = machemu_cf_live_objects();
  machemu::kern::kernel k;
  k.destroy_task(k.create_task({}));  // makes the kernel's own ports
  const std::size_t kernel_ports = k.port_count();
  {
    machemu::iokit::host host(k);
    machemu::kern::task* t = k.create_task({});
    mach_port_name_t wake = MACH_PORT_NULL;
    (void)k.port_allocate(*t, MACH_PORT_RIGHT_RECEIVE, &wake);
    input in(std::span(data, size));
    constexpr auto first = static_cast<std::uint32_t>(lib::call::iokit_first);
    constexpr auto count = static_cast<std::uint32_t>(lib::call::last) - first + 1;
    for (int calls = 0; !in.empty() && calls < 64; ++calls) {
      lib::port_call c;
      c.what = static_cast<lib::call>(first + in.take<std::uint8_t>() % count);
      std::uint8_t selector[3];
      for (auto& s : selector) s = in.take<std::uint8_t>();
      std::vector<mach_port_name_t> names;
      std::vector<mach_port_type_t> types;
      (void)k.port_names(*t, names, types);
      for (int i = 0; i < 3; ++i) {
        const auto raw = in.take<std::uint32_t>();
        if (selector[i] < 0x80 && !names.empty())
          c.a[i] = names[selector[i] % names.size()];
        else if (selector[i] < 0xc0)
          c.a[i] = 0x100000100u + raw % 64;
        else
          c.a[i] = raw;
      }
      const auto length = in.take<std::uint16_t>();
      const auto bytes = in.bytes(length);
      c.in.assign(reinterpret_cast<const std::byte*>(bytes.data()),
                  reinterpret_cast<const std::byte*>(bytes.data()) + bytes.size());
      lib::port_result r;
      host.execute(*t, c, r);
    }
    k.destroy_task(t);
  }
  if (k.port_count() != kernel_ports || machemu_cf_live_objects() != cf) std::abort();
  return 0;
}
