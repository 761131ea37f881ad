// SPDX-License-Identifier: BSL-1.0
// mach-emu's CoreFoundation: CF property values to bytes and back (serialize.hpp).
#include "serialize.hpp"

#include "object.hpp"

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

namespace machemu::cf {
namespace {

void put_u32(std::vector<std::byte>& out, std::size_t v) {
  const auto w = static_cast<std::uint32_t>(v);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::byte>((w >> (8 * i)) & 0xff));
}
void put_u64(std::vector<std::byte>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xff));
}
void put_bytes(std::vector<std::byte>& out, const void* p, std::size_t n) {
  const auto* b = static_cast<const std::byte*>(p);
  out.insert(out.end(), b, b + n);
}

bool write(CFTypeRef v, std::vector<std::byte>& out, std::size_t depth) {
  if (v == nullptr || depth > max_depth) return false;
  const CFTypeID t = CFGetTypeID(v);
  if (t == CFStringGetTypeID()) {
    const char* s = CFStringGetCStringPtr(static_cast<CFStringRef>(v), kCFStringEncodingUTF8);
    if (s == nullptr) return false;
    const std::size_t n = std::strlen(s);
    out.push_back(std::byte{'s'});
    put_u32(out, n);
    put_bytes(out, s, n);
  } else if (t == CFNumberGetTypeID()) {
    const auto* n = static_cast<CFNumberRef>(v);
    out.push_back(std::byte{'n'});
    out.push_back(static_cast<std::byte>(CFNumberGetType(n)));
    if (CFNumberIsFloatType(n)) {
      double d = 0;
      CFNumberGetValue(n, kCFNumberFloat64Type, &d);
      std::uint64_t bits = 0;
      std::memcpy(&bits, &d, sizeof bits);
      put_u64(out, bits);
    } else {
      SInt64 i = 0;
      CFNumberGetValue(n, kCFNumberSInt64Type, &i);
      put_u64(out, static_cast<std::uint64_t>(i));
    }
  } else if (t == CFBooleanGetTypeID()) {
    out.push_back(std::byte{'b'});
    out.push_back(std::byte{CFBooleanGetValue(static_cast<CFBooleanRef>(v)) ? std::uint8_t{1} : std::uint8_t{0}});
  } else if (t == CFDataGetTypeID()) {
    const auto* d = static_cast<CFDataRef>(v);
    out.push_back(std::byte{'d'});
    put_u32(out, static_cast<std::size_t>(CFDataGetLength(d)));
    if (CFDataGetLength(d) > 0) put_bytes(out, CFDataGetBytePtr(d), static_cast<std::size_t>(CFDataGetLength(d)));
  } else if (t == CFArrayGetTypeID()) {
    const auto* a = static_cast<CFArrayRef>(v);
    if (!array_holds_cf_objects(a)) return false;
    out.push_back(std::byte{'a'});
    put_u32(out, static_cast<std::size_t>(CFArrayGetCount(a)));
    for (CFIndex i = 0; i < CFArrayGetCount(a); ++i)
      if (!write(CFArrayGetValueAtIndex(a, i), out, depth + 1)) return false;
  } else if (t == CFDictionaryGetTypeID()) {
    const auto* d = static_cast<CFDictionaryRef>(v);
    if (!dictionary_holds_cf_objects(d)) return false;
    const auto n = static_cast<std::size_t>(CFDictionaryGetCount(d));
    std::vector<const void*> keys(n), values(n);
    CFDictionaryGetKeysAndValues(d, keys.data(), values.data());
    out.push_back(std::byte{'D'});
    put_u32(out, n);
    for (std::size_t i = 0; i < n; ++i)
      if (!write(keys[i], out, depth + 1) || !write(values[i], out, depth + 1)) return false;
  } else {
    return false;
  }
  return true;
}

// Reads from a span, refusing to step past its end.
struct reader {
  std::span<const std::byte> in;
  std::size_t at = 0;

  bool take(std::size_t n, const std::byte*& p) {
    if (in.size() - at < n) return false;
    p = in.data() + at;
    at += n;
    return true;
  }
  bool u8(std::uint8_t& v) {
    const std::byte* p = nullptr;
    if (!take(1, p)) return false;
    v = static_cast<std::uint8_t>(*p);
    return true;
  }
  bool u32(std::uint32_t& v) {
    const std::byte* p = nullptr;
    if (!take(4, p)) return false;
    v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
    return true;
  }
  bool u64(std::uint64_t& v) {
    const std::byte* p = nullptr;
    if (!take(8, p)) return false;
    v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
    return true;
  }
};

// A CFTypeRef released when it goes, unless released to the caller.
struct owned {
  CFTypeRef v = nullptr;
  explicit owned(CFTypeRef p = nullptr) noexcept : v(p) {}
  owned(const owned&) = delete;
  owned& operator=(const owned&) = delete;
  ~owned() {
    if (v) CFRelease(v);
  }
  CFTypeRef release() noexcept { return std::exchange(v, nullptr); }
};

CFTypeRef read(reader& r, std::size_t depth) {
  std::uint8_t tag = 0;
  if (depth > max_depth || !r.u8(tag)) return nullptr;
  switch (tag) {
    case 's': {
      std::uint32_t n = 0;
      const std::byte* p = nullptr;
      if (!r.u32(n) || !r.take(n, p)) return nullptr;
      return CFStringCreateWithBytes(nullptr, reinterpret_cast<const UInt8*>(p), n, kCFStringEncodingUTF8, false);
    }
    case 'n': {
      std::uint8_t type = 0;
      std::uint64_t bits = 0;
      if (!r.u8(type) || !r.u64(bits) || type < kCFNumberSInt8Type || type > kCFNumberMaxType) return nullptr;
      const bool floating = type == kCFNumberFloat32Type || type == kCFNumberFloat64Type || type == kCFNumberFloatType ||
                            type == kCFNumberDoubleType || type == kCFNumberCGFloatType;
      owned wide;
      if (floating) {
        double d = 0;
        std::memcpy(&d, &bits, sizeof d);
        wide.v = CFNumberCreate(nullptr, kCFNumberFloat64Type, &d);
      } else {
        const auto i = static_cast<SInt64>(bits);
        wide.v = CFNumberCreate(nullptr, kCFNumberSInt64Type, &i);
      }
      // Recreated with the type it was made with, from a value that type can hold.
      std::uint64_t buffer[1] = {};
      if (!wide.v || !CFNumberGetValue(static_cast<CFNumberRef>(wide.v), type, buffer)) return nullptr;
      return CFNumberCreate(nullptr, type, buffer);
    }
    case 'b': {
      std::uint8_t b = 0;
      if (!r.u8(b) || b > 1) return nullptr;
      return b ? kCFBooleanTrue : kCFBooleanFalse;
    }
    case 'd': {
      std::uint32_t n = 0;
      const std::byte* p = nullptr;
      if (!r.u32(n) || !r.take(n, p)) return nullptr;
      return CFDataCreate(nullptr, reinterpret_cast<const UInt8*>(p), n);
    }
    case 'a': {
      std::uint32_t n = 0;
      if (!r.u32(n)) return nullptr;
      owned a(CFArrayCreateMutable(nullptr, 0, &kCFTypeArrayCallBacks));
      for (std::uint32_t i = 0; i < n; ++i) {
        owned e(read(r, depth + 1));  // a bad element ends the loop: no count is trusted
        if (!e.v) return nullptr;
        CFArrayAppendValue(static_cast<CFMutableArrayRef>(const_cast<void*>(a.v)), e.v);
      }
      return a.release();
    }
    case 'D': {
      std::uint32_t n = 0;
      if (!r.u32(n)) return nullptr;
      owned d(CFDictionaryCreateMutable(nullptr, 0, &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks));
      for (std::uint32_t i = 0; i < n; ++i) {
        owned k(read(r, depth + 1));
        if (!k.v) return nullptr;
        owned v(read(r, depth + 1));
        if (!v.v) return nullptr;
        CFDictionarySetValue(static_cast<CFMutableDictionaryRef>(const_cast<void*>(d.v)), k.v, v.v);
      }
      return d.release();
    }
    default:
      return nullptr;
  }
}

}  // namespace

bool serialize(CFTypeRef value, std::vector<std::byte>& out) {
  const std::size_t before = out.size();
  if (write(value, out, 0)) return true;
  out.resize(before);
  return false;
}

CFTypeRef deserialize(std::span<const std::byte> in, std::size_t& used) {
  reader r{in};
  CFTypeRef v = read(r, 0);
  used = v ? r.at : 0;
  return v;
}

bool holds_cf_objects(CFTypeRef container) noexcept {
  if (container == nullptr) return false;
  const CFTypeID t = CFGetTypeID(container);
  if (t == CFArrayGetTypeID()) return array_holds_cf_objects(static_cast<CFArrayRef>(container));
  if (t == CFDictionaryGetTypeID()) return dictionary_holds_cf_objects(static_cast<CFDictionaryRef>(container));
  return false;
}

}  // namespace machemu::cf
