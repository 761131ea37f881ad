// SPDX-License-Identifier: BSL-1.0
// Guard values for receive rights: unpredictable, never zero, never repeated in a process.
#include <machio/detail/guard.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>

namespace machio::detail {
namespace {

std::uint64_t mix(std::uint64_t x) noexcept {
  // splitmix64's finaliser: a bijection, so distinct counters give distinct guards.
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::uint64_t process_secret() noexcept {
  // Without an entropy source, fall back to addresses (ASLR) and the clock: still unique,
  // only less secret.
  std::uint64_t fallback = reinterpret_cast<std::uintptr_t>(&fallback) ^
                           static_cast<std::uint64_t>(std::random_device::result_type{}) ^
                           static_cast<std::uint64_t>(
                               std::chrono::steady_clock::now().time_since_epoch().count());
  try {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^ fallback;
  } catch (...) {
    return mix(fallback);
  }
}

}  // namespace

mach_port_context_t new_guard() noexcept {
  // The secret keeps guards unguessable by other code in the process; the counter keeps
  // them unique. Collisions with zero are skipped: zero reads as "no context".
  static const std::uint64_t secret = process_secret();
  static std::atomic<std::uint64_t> counter{0};
  for (;;) {
    std::uint64_t g = mix(secret + counter.fetch_add(1, std::memory_order_relaxed));
    if (g != 0) return static_cast<mach_port_context_t>(g);
  }
}

}  // namespace machio::detail
