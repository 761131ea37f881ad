// SPDX-License-Identifier: BSL-1.0
// mach-emu's CoreFoundation: the object every CF type is, its references, and the count of
// live objects tests read (machemu_cf_testing.h).
#ifndef MACHEMU_CF_OBJECT_HPP
#define MACHEMU_CF_OBJECT_HPP

#include <CoreFoundation/CFArray.h>
#include <CoreFoundation/CFBase.h>
#include <CoreFoundation/CFDictionary.h>

#include <atomic>
#include <cstddef>

namespace machemu::cf {

// Type ids: stable within a process, as CF's are (their values differ between releases).
enum : CFTypeID { string_type = 7, dictionary_type = 18, array_type = 19, data_type = 20, boolean_type = 21, number_type = 22 };

//! A CF object: its type, its references, and value equality for CFEqual/CFHash.
//! Created with one reference, destroyed with its last CFRelease. Constants (CFSTR,
//! kCFBoolean*) are never destroyed and not counted as live.
struct object {
  object(CFTypeID type, bool constant) noexcept;
  object(const object&) = delete;
  object& operator=(const object&) = delete;
  virtual ~object();

  //! Same value as \p other, which has the same type.
  virtual bool equal(const object& other) const noexcept = 0;
  virtual CFHashCode hash() const noexcept = 0;

  const CFTypeID type;
  const bool constant;
  std::atomic<CFIndex> references{1};
};

//! CF's answer to misuse (NULL, a wrong type, an index out of range): CF crashes; this
//! says what was wrong and aborts.
[[noreturn]] void misuse(const char* function, const char* what) noexcept;

//! \p cf as an object, aborting on NULL.
const object& checked(CFTypeRef cf, const char* function) noexcept;

//! \p cf as a \p T (a type of \p type), aborting on NULL or another type.
template <class T>
T& as(CFTypeRef cf, CFTypeID type, const char* function) noexcept {
  const object& o = checked(cf, function);
  if (o.type != type) misuse(function, "an object of another type");
  return const_cast<T&>(static_cast<const T&>(o));
}

//! Objects created and not yet destroyed, constants excluded.
CFIndex live_objects() noexcept;

//! The callbacks of CF-object elements (kCFType*CallBacks): CFRetain, CFRelease, CFEqual,
//! CFHash.
const void* retain_element(CFAllocatorRef, const void* value) noexcept;
void release_element(CFAllocatorRef, const void* value) noexcept;
Boolean equal_elements(const void* a, const void* b) noexcept;
CFHashCode hash_element(const void* value) noexcept;

//! Whether a container was made with kCFType callbacks (serialize.hpp's holds_cf_objects).
bool array_holds_cf_objects(CFArrayRef a) noexcept;
bool dictionary_holds_cf_objects(CFDictionaryRef d) noexcept;

//! FNV-1a over \p n bytes: the hash of strings and data.
CFHashCode hash_bytes(const void* data, std::size_t n) noexcept;

}  // namespace machemu::cf

#endif  // MACHEMU_CF_OBJECT_HPP
