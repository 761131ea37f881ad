// SPDX-License-Identifier: BSL-1.0
// mach-emu's CoreFoundation: CFArray and CFMutableArray, with CF's element callbacks.
#include "object.hpp"
#include "serialize.hpp"

#include <CoreFoundation/CFArray.h>

#include <vector>

struct __CFArray final : machemu::cf::object {
  explicit __CFArray(const CFArrayCallBacks* cb) : object(machemu::cf::array_type, false), callbacks(cb ? *cb : CFArrayCallBacks{}) {}
  ~__CFArray() override {
    for (const void* v : values) release(v);
  }
  bool equal(const object& other) const noexcept override {
    const auto& o = static_cast<const __CFArray&>(other);
    if (values.size() != o.values.size()) return false;
    for (std::size_t i = 0; i < values.size(); ++i)
      if (!(callbacks.equal ? callbacks.equal(values[i], o.values[i]) : values[i] == o.values[i])) return false;
    return true;
  }
  CFHashCode hash() const noexcept override { return values.size(); }
  const void* retain(const void* v) const { return callbacks.retain ? callbacks.retain(nullptr, v) : v; }
  void release(const void* v) const {
    if (callbacks.release) callbacks.release(nullptr, v);
  }

  const CFArrayCallBacks callbacks;
  std::vector<const void*> values;
};

namespace machemu::cf {
bool array_holds_cf_objects(CFArrayRef a) noexcept {
  return as<const __CFArray>(a, array_type, "holds_cf_objects").callbacks.retain == retain_element;
}
}  // namespace machemu::cf

namespace {
__CFArray& array_of(CFArrayRef a, const char* function) noexcept {
  return machemu::cf::as<__CFArray>(a, machemu::cf::array_type, function);
}
void check_index(const __CFArray& a, CFIndex idx, const char* function) noexcept {
  if (idx < 0 || static_cast<std::size_t>(idx) >= a.values.size()) machemu::cf::misuse(function, "an index outside the array");
}
}  // namespace

extern "C" {

const CFArrayCallBacks kCFTypeArrayCallBacks = {0, machemu::cf::retain_element, machemu::cf::release_element, nullptr,
                                                machemu::cf::equal_elements};

CFTypeID CFArrayGetTypeID(void) { return machemu::cf::array_type; }

CFArrayRef CFArrayCreate(CFAllocatorRef, const void** values, CFIndex numValues, const CFArrayCallBacks* callBacks) {
  auto* a = new __CFArray(callBacks);
  for (CFIndex i = 0; i < numValues; ++i) a->values.push_back(a->retain(values[i]));
  return a;
}

CFMutableArrayRef CFArrayCreateMutable(CFAllocatorRef, CFIndex, const CFArrayCallBacks* callBacks) {
  return new __CFArray(callBacks);
}

CFIndex CFArrayGetCount(CFArrayRef theArray) {
  return static_cast<CFIndex>(array_of(theArray, "CFArrayGetCount").values.size());
}

const void* CFArrayGetValueAtIndex(CFArrayRef theArray, CFIndex idx) {
  const __CFArray& a = array_of(theArray, "CFArrayGetValueAtIndex");
  check_index(a, idx, "CFArrayGetValueAtIndex");
  return a.values[static_cast<std::size_t>(idx)];
}

void CFArrayAppendValue(CFMutableArrayRef theArray, const void* value) {
  __CFArray& a = array_of(theArray, "CFArrayAppendValue");
  a.values.push_back(a.retain(value));
}

void CFArrayRemoveValueAtIndex(CFMutableArrayRef theArray, CFIndex idx) {
  __CFArray& a = array_of(theArray, "CFArrayRemoveValueAtIndex");
  check_index(a, idx, "CFArrayRemoveValueAtIndex");
  const void* v = a.values[static_cast<std::size_t>(idx)];
  a.values.erase(a.values.begin() + idx);
  a.release(v);
}

void CFArrayApplyFunction(CFArrayRef theArray, CFRange range, CFArrayApplierFunction applier, void* context) {
  const __CFArray& a = array_of(theArray, "CFArrayApplyFunction");
  if (range.location < 0 || range.length < 0 || static_cast<std::size_t>(range.location + range.length) > a.values.size())
    machemu::cf::misuse("CFArrayApplyFunction", "a range outside the array");
  for (CFIndex i = range.location; i < range.location + range.length; ++i) applier(a.values[static_cast<std::size_t>(i)], context);
}

}  // extern "C"
