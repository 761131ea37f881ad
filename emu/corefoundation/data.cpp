// SPDX-License-Identifier: BSL-1.0
// mach-emu's CoreFoundation: CFData, an immutable copy of some bytes.
#include "object.hpp"

#include <CoreFoundation/CFData.h>

#include <cstring>
#include <vector>

struct __CFData final : machemu::cf::object {
  explicit __CFData(std::vector<UInt8> b) : object(machemu::cf::data_type, false), bytes(std::move(b)) {}
  bool equal(const object& other) const noexcept override { return bytes == static_cast<const __CFData&>(other).bytes; }
  CFHashCode hash() const noexcept override { return machemu::cf::hash_bytes(bytes.data(), bytes.size()); }
  const std::vector<UInt8> bytes;
};

namespace {
const __CFData& data_of(CFDataRef d, const char* function) noexcept {
  return machemu::cf::as<const __CFData>(d, machemu::cf::data_type, function);
}
}  // namespace

extern "C" {

CFTypeID CFDataGetTypeID(void) { return machemu::cf::data_type; }

CFDataRef CFDataCreate(CFAllocatorRef, const UInt8* bytes, CFIndex length) {
  if (length < 0 || (bytes == nullptr && length > 0)) machemu::cf::misuse("CFDataCreate", "no bytes");
  return new __CFData(std::vector<UInt8>(bytes, bytes + length));
}

CFIndex CFDataGetLength(CFDataRef theData) {
  return static_cast<CFIndex>(data_of(theData, "CFDataGetLength").bytes.size());
}

const UInt8* CFDataGetBytePtr(CFDataRef theData) {
  const __CFData& d = data_of(theData, "CFDataGetBytePtr");
  return d.bytes.empty() ? nullptr : d.bytes.data();
}

}  // extern "C"
