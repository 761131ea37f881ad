// SPDX-License-Identifier: BSL-1.0
// mach-emu's CoreFoundation: references, type ids, equality and the live count.
#include "object.hpp"

#include "machemu_cf_testing.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace machemu::cf {
namespace {
std::atomic<CFIndex> live{0};
}  // namespace

object::object(CFTypeID t, bool c) noexcept : type(t), constant(c) {
  if (!constant) live.fetch_add(1, std::memory_order_relaxed);
}

object::~object() {
  if (!constant) live.fetch_sub(1, std::memory_order_relaxed);
}

void misuse(const char* function, const char* what) noexcept {
  std::fprintf(stderr, "mach-emu CoreFoundation: %s called with %s\n", function, what);
  std::abort();
}

const object& checked(CFTypeRef cf, const char* function) noexcept {
  if (cf == nullptr) misuse(function, "NULL");
  return *static_cast<const object*>(cf);
}

CFIndex live_objects() noexcept { return live.load(std::memory_order_relaxed); }

const void* retain_element(CFAllocatorRef, const void* value) noexcept { return CFRetain(value); }
void release_element(CFAllocatorRef, const void* value) noexcept { CFRelease(value); }
Boolean equal_elements(const void* a, const void* b) noexcept { return CFEqual(a, b); }
CFHashCode hash_element(const void* value) noexcept { return CFHash(value); }

CFHashCode hash_bytes(const void* data, std::size_t n) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return static_cast<CFHashCode>(h);
}

}  // namespace machemu::cf

using machemu::cf::object;

extern "C" {

CFTypeRef CFRetain(CFTypeRef cf) {
  const object& o = machemu::cf::checked(cf, "CFRetain");
  if (!o.constant) const_cast<object&>(o).references.fetch_add(1, std::memory_order_relaxed);
  return cf;
}

void CFRelease(CFTypeRef cf) {
  const object& o = machemu::cf::checked(cf, "CFRelease");
  if (o.constant) return;
  const CFIndex before = const_cast<object&>(o).references.fetch_sub(1, std::memory_order_acq_rel);
  if (before <= 0) machemu::cf::misuse("CFRelease", "an object already released");
  if (before == 1) delete &o;
}

CFIndex CFGetRetainCount(CFTypeRef cf) {
  const object& o = machemu::cf::checked(cf, "CFGetRetainCount");
  // CF answers constants with a count no release reaches.
  return o.constant ? 0x7fffffff : o.references.load(std::memory_order_relaxed);
}

CFTypeID CFGetTypeID(CFTypeRef cf) { return machemu::cf::checked(cf, "CFGetTypeID").type; }

Boolean CFEqual(CFTypeRef a, CFTypeRef b) {
  const object& x = machemu::cf::checked(a, "CFEqual");
  const object& y = machemu::cf::checked(b, "CFEqual");
  if (&x == &y) return true;
  return x.type == y.type && x.equal(y);
}

CFHashCode CFHash(CFTypeRef cf) { return machemu::cf::checked(cf, "CFHash").hash(); }

CFIndex machemu_cf_live_objects(void) { return machemu::cf::live_objects(); }

}  // extern "C"
