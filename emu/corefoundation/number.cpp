// SPDX-License-Identifier: BSL-1.0
// mach-emu's CoreFoundation: CFNumber (an integer or a floating value with the type it was
// created with) and the two CFBooleans.
#include "object.hpp"

#include <CoreFoundation/CFNumber.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace {
// Whether \p d converts to an SInt64 without overflow: [-2^63, 2^63).
bool in_int64_range(Float64 d) noexcept { return d >= -9.2233720368547758e18 && d < 9.2233720368547758e18; }
}  // namespace

struct __CFBoolean final : machemu::cf::object {
  explicit __CFBoolean(bool v) noexcept : object(machemu::cf::boolean_type, true), value(v) {}
  bool equal(const object& other) const noexcept override { return value == static_cast<const __CFBoolean&>(other).value; }
  CFHashCode hash() const noexcept override { return value ? 1 : 0; }
  const bool value;
};

struct __CFNumber final : machemu::cf::object {
  __CFNumber(CFNumberType t, bool f, SInt64 i, Float64 d) noexcept
      : object(machemu::cf::number_type, false), type(t), floating(f), integer(i), real(d) {}
  // CF compares numbers by value, whatever their types.
  bool equal(const object& other) const noexcept override {
    const auto& o = static_cast<const __CFNumber&>(other);
    if (!floating && !o.floating) return integer == o.integer;
    return as_double() == o.as_double();
  }
  CFHashCode hash() const noexcept override {
    // Integral values hash alike whether stored as integer or floating.
    if (floating && !(std::trunc(real) == real && in_int64_range(real))) return machemu::cf::hash_bytes(&real, sizeof real);
    const SInt64 v = floating ? static_cast<SInt64>(real) : integer;
    return static_cast<CFHashCode>(v);
  }
  Float64 as_double() const noexcept { return floating ? real : static_cast<Float64>(integer); }
  const CFNumberType type;
  const bool floating;
  const SInt64 integer;
  const Float64 real;
};

namespace {

// What a CFNumberType is in memory on LP64.
struct shape {
  std::size_t size;
  bool floating;
};
bool shape_of(CFNumberType t, shape& out) noexcept {
  switch (t) {
    case kCFNumberSInt8Type: case kCFNumberCharType: out = {1, false}; return true;
    case kCFNumberSInt16Type: case kCFNumberShortType: out = {2, false}; return true;
    case kCFNumberSInt32Type: case kCFNumberIntType: out = {4, false}; return true;
    case kCFNumberSInt64Type: case kCFNumberLongType: case kCFNumberLongLongType:
    case kCFNumberCFIndexType: case kCFNumberNSIntegerType: out = {8, false}; return true;
    case kCFNumberFloat32Type: case kCFNumberFloatType: out = {4, true}; return true;
    case kCFNumberFloat64Type: case kCFNumberDoubleType: case kCFNumberCGFloatType: out = {8, true}; return true;
    default: return false;
  }
}

SInt64 read_integer(const void* p, std::size_t size) noexcept {
  switch (size) {
    case 1: { SInt8 v; std::memcpy(&v, p, 1); return v; }
    case 2: { SInt16 v; std::memcpy(&v, p, 2); return v; }
    case 4: { SInt32 v; std::memcpy(&v, p, 4); return v; }
    default: { SInt64 v; std::memcpy(&v, p, 8); return v; }
  }
}

template <class T>
bool store_integer(SInt64 v, void* out) noexcept {
  const T t = static_cast<T>(v);
  std::memcpy(out, &t, sizeof t);
  return static_cast<SInt64>(t) == v;
}

const __CFNumber& number_of(CFNumberRef n, const char* function) noexcept {
  return machemu::cf::as<const __CFNumber>(n, machemu::cf::number_type, function);
}

const __CFBoolean true_value(true), false_value(false);

}  // namespace

extern "C" {

const CFBooleanRef kCFBooleanTrue = &true_value;
const CFBooleanRef kCFBooleanFalse = &false_value;

CFTypeID CFBooleanGetTypeID(void) { return machemu::cf::boolean_type; }

Boolean CFBooleanGetValue(CFBooleanRef boolean) {
  return machemu::cf::as<const __CFBoolean>(boolean, machemu::cf::boolean_type, "CFBooleanGetValue").value;
}

CFTypeID CFNumberGetTypeID(void) { return machemu::cf::number_type; }

CFNumberRef CFNumberCreate(CFAllocatorRef, CFNumberType theType, const void* valuePtr) {
  shape s{};
  if (!shape_of(theType, s)) return nullptr;
  if (valuePtr == nullptr) machemu::cf::misuse("CFNumberCreate", "NULL");
  if (!s.floating) return new __CFNumber(theType, false, read_integer(valuePtr, s.size), 0);
  Float64 d = 0;
  if (s.size == 4) {
    Float32 f;
    std::memcpy(&f, valuePtr, 4);
    d = f;
  } else {
    std::memcpy(&d, valuePtr, 8);
  }
  return new __CFNumber(theType, true, 0, d);
}

CFNumberType CFNumberGetType(CFNumberRef number) { return number_of(number, "CFNumberGetType").type; }

Boolean CFNumberIsFloatType(CFNumberRef number) { return number_of(number, "CFNumberIsFloatType").floating; }

Boolean CFNumberGetValue(CFNumberRef number, CFNumberType theType, void* valuePtr) {
  const __CFNumber& n = number_of(number, "CFNumberGetValue");
  shape s{};
  if (!shape_of(theType, s) || valuePtr == nullptr) return false;
  if (s.floating) {
    const Float64 d = n.as_double();
    if (s.size == 4) {
      const auto f = static_cast<Float32>(d);
      std::memcpy(valuePtr, &f, 4);
      return static_cast<Float64>(f) == d && (n.floating || static_cast<SInt64>(f) == n.integer);
    }
    std::memcpy(valuePtr, &d, 8);
    return n.floating || static_cast<SInt64>(d) == n.integer;
  }
  SInt64 v = n.integer;
  bool exact = true;
  if (n.floating) {
    const bool in_range = in_int64_range(n.real);
    v = in_range ? static_cast<SInt64>(n.real) : (n.real < 0 ? std::numeric_limits<SInt64>::min()
                                                              : std::numeric_limits<SInt64>::max());
    exact = in_range && static_cast<Float64>(v) == n.real;
  }
  switch (s.size) {
    case 1: return store_integer<SInt8>(v, valuePtr) && exact;
    case 2: return store_integer<SInt16>(v, valuePtr) && exact;
    case 4: return store_integer<SInt32>(v, valuePtr) && exact;
    default: return store_integer<SInt64>(v, valuePtr) && exact;
  }
}

}  // extern "C"
