// SPDX-License-Identifier: BSL-1.0
// libFuzzer target: mach-emu's CF property decoder (emu/corefoundation/serialize.hpp) on
// arbitrary bytes, as machd will decode properties a client sends. A value decoded must
// encode again, that encoding must decode whole, and when they are gone no CF object is
// left.
#include "machemu_cf_testing.h"
#include "serialize.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const CFIndex before = machemu_cf_live_objects();
  std::size_t used = 0;
  const std::span<const std::byte> in(reinterpret_cast<const std::byte*>(data), size);
  if (CFTypeRef v = machemu::cf::deserialize(in, used)) {
    if (used == 0 || used > size) std::abort();
    std::vector<std::byte> again;
    // Everything the decoder makes can be encoded (strings valid, depth bounded) ...
    if (!machemu::cf::serialize(v, again)) std::abort();
    std::size_t used_again = 0;
    CFTypeRef w = machemu::cf::deserialize(again, used_again);
    // ... and decodes again, every byte of it.
    if (w == nullptr || used_again != again.size()) std::abort();
    CFRelease(w);
    CFRelease(v);
  }
  if (machemu_cf_live_objects() != before) {
    std::fprintf(stderr, "CF objects leaked\n");
    std::abort();
  }
  return 0;
}
