// SPDX-License-Identifier: BSL-1.0
// mach-emu's CoreFoundation: CFString, kept as UTF-8, measured in UTF-16 code units.
#include "object.hpp"

#include <CoreFoundation/CFString.h>

#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

struct __CFString final : machemu::cf::object {
  __CFString(std::string text, bool constant) : object(machemu::cf::string_type, constant), utf8(std::move(text)) {}
  bool equal(const object& other) const noexcept override {
    return utf8 == static_cast<const __CFString&>(other).utf8;
  }
  CFHashCode hash() const noexcept override { return machemu::cf::hash_bytes(utf8.data(), utf8.size()); }
  const std::string utf8;
};

namespace {

using machemu::cf::as;

// The UTF-16 length of \p s, or -1 when it is not UTF-8.
CFIndex utf16_length(std::string_view s) noexcept {
  CFIndex units = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : (b >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return -1;
    std::uint32_t cp = n == 1 ? b : b & (0x7f >> n);
    for (std::size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0) != 0x80) return -1;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    static constexpr std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < smallest[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
    units += cp >= 0x10000 ? 2 : 1;
    i += n;
  }
  return units;
}

bool ascii(std::string_view s) noexcept {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// Whether \p s can be held in \p encoding (UTF-8; ASCII and MacRoman: ASCII text only).
bool representable(std::string_view s, CFStringEncoding encoding) noexcept {
  if (encoding == kCFStringEncodingUTF8) return utf16_length(s) >= 0;
  if (encoding == kCFStringEncodingASCII || encoding == kCFStringEncodingMacRoman) return ascii(s);
  return false;
}

CFStringRef make(std::string_view text, CFStringEncoding encoding) {
  if (!representable(text, encoding) || text.find('\0') != std::string_view::npos) return nullptr;
  return new __CFString(std::string(text), false);
}

const __CFString& string_of(CFStringRef s, const char* function) noexcept {
  return as<const __CFString>(s, machemu::cf::string_type, function);
}

}  // namespace

extern "C" {

CFTypeID CFStringGetTypeID(void) { return machemu::cf::string_type; }

CFStringRef CFStringCreateWithCString(CFAllocatorRef, const char* cStr, CFStringEncoding encoding) {
  if (cStr == nullptr) machemu::cf::misuse("CFStringCreateWithCString", "NULL");
  return make(cStr, encoding);
}

CFStringRef CFStringCreateWithBytes(CFAllocatorRef, const UInt8* bytes, CFIndex numBytes, CFStringEncoding encoding,
                                    Boolean) {
  if (numBytes < 0 || (bytes == nullptr && numBytes > 0)) machemu::cf::misuse("CFStringCreateWithBytes", "no bytes");
  return make(std::string_view(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(numBytes)), encoding);
}

CFStringRef CFStringCreateCopy(CFAllocatorRef, CFStringRef theString) {
  // Strings are immutable here: a copy is the same object, one reference more (as CF does).
  string_of(theString, "CFStringCreateCopy");
  return static_cast<CFStringRef>(CFRetain(theString));
}

CFIndex CFStringGetLength(CFStringRef theString) { return utf16_length(string_of(theString, "CFStringGetLength").utf8); }

Boolean CFStringGetCString(CFStringRef theString, char* buffer, CFIndex bufferSize, CFStringEncoding encoding) {
  const std::string& s = string_of(theString, "CFStringGetCString").utf8;
  if (buffer == nullptr || bufferSize <= 0 || static_cast<std::size_t>(bufferSize) < s.size() + 1 ||
      !representable(s, encoding))
    return false;
  std::memcpy(buffer, s.c_str(), s.size() + 1);
  return true;
}

const char* CFStringGetCStringPtr(CFStringRef theString, CFStringEncoding encoding) {
  const std::string& s = string_of(theString, "CFStringGetCStringPtr").utf8;
  return representable(s, encoding) ? s.c_str() : nullptr;
}

CFIndex CFStringGetMaximumSizeForEncoding(CFIndex length, CFStringEncoding encoding) {
  if (length < 0) return kCFNotFound;
  return encoding == kCFStringEncodingUTF8 ? length * 3 : length;
}

CFComparisonResult CFStringCompare(CFStringRef a, CFStringRef b, CFOptionFlags) {
  const int c = string_of(a, "CFStringCompare").utf8.compare(string_of(b, "CFStringCompare").utf8);
  return c < 0 ? kCFCompareLessThan : c > 0 ? kCFCompareGreaterThan : kCFCompareEqualTo;
}

CFStringRef __CFStringMakeConstantString(const char* cStr) {
  if (cStr == nullptr) machemu::cf::misuse("CFSTR", "NULL");
  // One object per text, for the process's life (CF's constant strings are in the binary).
  static std::mutex m;
  static auto* table = new std::map<std::string, const __CFString*, std::less<>>();
  const std::lock_guard lock(m);
  const auto it = table->find(std::string_view(cStr));
  if (it != table->end()) return it->second;
  const auto* s = new __CFString(cStr, true);
  table->emplace(s->utf8, s);
  return s;
}

}  // extern "C"
