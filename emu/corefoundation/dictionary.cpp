// SPDX-License-Identifier: BSL-1.0
// mach-emu's CoreFoundation: CFDictionary and CFMutableDictionary, with CF's key and value
// callbacks. Entries live in a vector searched by hash then equality: IOKit's property
// tables hold tens of entries, where that is as fast as a table and keeps insertion order.
#include "object.hpp"

#include <CoreFoundation/CFDictionary.h>

#include <algorithm>
#include <vector>

struct __CFDictionary final : machemu::cf::object {
  struct entry {
    CFHashCode hash;
    const void* key;
    const void* value;
  };

  __CFDictionary(const CFDictionaryKeyCallBacks* k, const CFDictionaryValueCallBacks* v)
      : object(machemu::cf::dictionary_type, false),
        keys(k ? *k : CFDictionaryKeyCallBacks{}),
        values(v ? *v : CFDictionaryValueCallBacks{}) {}
  ~__CFDictionary() override { clear(); }

  CFHashCode hash_of(const void* key) const noexcept {
    return keys.hash ? keys.hash(key) : reinterpret_cast<CFHashCode>(key);
  }
  bool same_key(const void* a, const void* b) const noexcept { return a == b || (keys.equal && keys.equal(a, b)); }
  bool same_value(const void* a, const void* b) const noexcept { return a == b || (values.equal && values.equal(a, b)); }

  const entry* find(const void* key) const noexcept {
    const CFHashCode h = hash_of(key);
    for (const entry& e : entries)
      if (e.hash == h && same_key(e.key, key)) return &e;
    return nullptr;
  }
  void add(const void* key, const void* value) {
    const void* k = keys.retain ? keys.retain(nullptr, key) : key;
    const void* v = values.retain ? values.retain(nullptr, value) : value;
    entries.push_back({hash_of(key), k, v});
  }
  void set(const void* key, const void* value) {
    if (const entry* found = find(key)) {
      auto& e = const_cast<entry&>(*found);
      const void* old = e.value;
      e.value = values.retain ? values.retain(nullptr, value) : value;
      if (values.release) values.release(nullptr, old);
      return;
    }
    add(key, value);
  }
  void remove(const void* key) {
    const entry* found = find(key);
    if (!found) return;
    const entry e = *found;
    entries.erase(entries.begin() + (found - entries.data()));
    release(e);
  }
  void release(const entry& e) const {
    if (keys.release) keys.release(nullptr, e.key);
    if (values.release) values.release(nullptr, e.value);
  }
  void clear() {
    std::vector<entry> gone;
    gone.swap(entries);
    for (const entry& e : gone) release(e);
  }

  bool equal(const object& other) const noexcept override {
    const auto& o = static_cast<const __CFDictionary&>(other);
    if (entries.size() != o.entries.size()) return false;
    return std::all_of(entries.begin(), entries.end(), [&](const entry& e) {
      const entry* theirs = o.find(e.key);
      return theirs && same_value(e.value, theirs->value);
    });
  }
  CFHashCode hash() const noexcept override { return entries.size(); }

  const CFDictionaryKeyCallBacks keys;
  const CFDictionaryValueCallBacks values;
  std::vector<entry> entries;
};

namespace machemu::cf {
bool dictionary_holds_cf_objects(CFDictionaryRef d) noexcept {
  const auto& dict = as<const __CFDictionary>(d, dictionary_type, "holds_cf_objects");
  return dict.keys.retain == retain_element && dict.values.retain == retain_element;
}
}  // namespace machemu::cf

namespace {
__CFDictionary& dictionary_of(CFDictionaryRef d, const char* function) noexcept {
  return machemu::cf::as<__CFDictionary>(d, machemu::cf::dictionary_type, function);
}
}  // namespace

extern "C" {

const CFDictionaryKeyCallBacks kCFTypeDictionaryKeyCallBacks = {
    0, machemu::cf::retain_element, machemu::cf::release_element, nullptr, machemu::cf::equal_elements,
    machemu::cf::hash_element};
const CFDictionaryKeyCallBacks kCFCopyStringDictionaryKeyCallBacks = kCFTypeDictionaryKeyCallBacks;
const CFDictionaryValueCallBacks kCFTypeDictionaryValueCallBacks = {
    0, machemu::cf::retain_element, machemu::cf::release_element, nullptr, machemu::cf::equal_elements};

CFTypeID CFDictionaryGetTypeID(void) { return machemu::cf::dictionary_type; }

CFDictionaryRef CFDictionaryCreate(CFAllocatorRef, const void** keys, const void** values, CFIndex numValues,
                                   const CFDictionaryKeyCallBacks* keyCallBacks,
                                   const CFDictionaryValueCallBacks* valueCallBacks) {
  auto* d = new __CFDictionary(keyCallBacks, valueCallBacks);
  for (CFIndex i = 0; i < numValues; ++i) d->set(keys[i], values[i]);  // a repeated key: the last wins
  return d;
}

CFMutableDictionaryRef CFDictionaryCreateMutable(CFAllocatorRef, CFIndex, const CFDictionaryKeyCallBacks* keyCallBacks,
                                                 const CFDictionaryValueCallBacks* valueCallBacks) {
  return new __CFDictionary(keyCallBacks, valueCallBacks);
}

CFMutableDictionaryRef CFDictionaryCreateMutableCopy(CFAllocatorRef, CFIndex, CFDictionaryRef theDict) {
  const __CFDictionary& from = dictionary_of(theDict, "CFDictionaryCreateMutableCopy");
  auto* d = new __CFDictionary(&from.keys, &from.values);
  for (const auto& e : from.entries) d->add(e.key, e.value);
  return d;
}

CFIndex CFDictionaryGetCount(CFDictionaryRef theDict) {
  return static_cast<CFIndex>(dictionary_of(theDict, "CFDictionaryGetCount").entries.size());
}

const void* CFDictionaryGetValue(CFDictionaryRef theDict, const void* key) {
  const auto* e = dictionary_of(theDict, "CFDictionaryGetValue").find(key);
  return e ? e->value : nullptr;
}

Boolean CFDictionaryGetValueIfPresent(CFDictionaryRef theDict, const void* key, const void** value) {
  const auto* e = dictionary_of(theDict, "CFDictionaryGetValueIfPresent").find(key);
  if (e && value) *value = e->value;
  return e != nullptr;
}

Boolean CFDictionaryContainsKey(CFDictionaryRef theDict, const void* key) {
  return dictionary_of(theDict, "CFDictionaryContainsKey").find(key) != nullptr;
}

void CFDictionarySetValue(CFMutableDictionaryRef theDict, const void* key, const void* value) {
  dictionary_of(theDict, "CFDictionarySetValue").set(key, value);
}

void CFDictionaryAddValue(CFMutableDictionaryRef theDict, const void* key, const void* value) {
  __CFDictionary& d = dictionary_of(theDict, "CFDictionaryAddValue");
  if (!d.find(key)) d.add(key, value);
}

void CFDictionaryRemoveValue(CFMutableDictionaryRef theDict, const void* key) {
  dictionary_of(theDict, "CFDictionaryRemoveValue").remove(key);
}

void CFDictionaryRemoveAllValues(CFMutableDictionaryRef theDict) {
  dictionary_of(theDict, "CFDictionaryRemoveAllValues").clear();
}

void CFDictionaryApplyFunction(CFDictionaryRef theDict, CFDictionaryApplierFunction applier, void* context) {
  // A copy of the entries: an applier may not change the dictionary (CF's rule), but a
  // copy keeps a misbehaving one from invalidating the loop.
  const std::vector<__CFDictionary::entry> entries = dictionary_of(theDict, "CFDictionaryApplyFunction").entries;
  for (const auto& e : entries) applier(e.key, e.value, context);
}

void CFDictionaryGetKeysAndValues(CFDictionaryRef theDict, const void** keys, const void** values) {
  const __CFDictionary& d = dictionary_of(theDict, "CFDictionaryGetKeysAndValues");
  for (std::size_t i = 0; i < d.entries.size(); ++i) {
    if (keys) keys[i] = d.entries[i].key;
    if (values) values[i] = d.entries[i].value;
  }
}

}  // extern "C"
