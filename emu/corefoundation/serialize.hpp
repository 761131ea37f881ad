// SPDX-License-Identifier: BSL-1.0
// mach-emu's CoreFoundation: CF property values as bytes, so that a registry in machd can
// hold a service's properties and hand them to any process (what XNU's IOKit does with
// its serialized OSObjects). Strings, numbers, booleans, data, and arrays and dictionaries
// of them, nested at most max_depth deep.
//
// The encoding: one tag byte per value, then its payload, little-endian:
//   's' u32 length, UTF-8 bytes     'n' u8 CFNumberType, 8 bytes (int64, or double bits)
//   'b' u8 0 or 1                   'd' u32 length, bytes
//   'a' u32 count, values           'D' u32 count, key value pairs
// Decoding checks every length against what is left and every value as CF's
// constructors do; a malformed input gives null and leaves no object behind.
#ifndef MACHEMU_CF_SERIALIZE_HPP
#define MACHEMU_CF_SERIALIZE_HPP

#include <CoreFoundation/CoreFoundation.h>

#include <cstddef>
#include <span>
#include <vector>

namespace machemu::cf {

inline constexpr std::size_t max_depth = 32;

//! Appends \p value (borrowed) to \p out. False, with \p out as it was, for what the
//! encoding cannot carry: another type, containers of plain pointers (created without
//! CF's type callbacks), deeper than max_depth.
bool serialize(CFTypeRef value, std::vector<std::byte>& out);

//! The value at the start of \p in (a new reference, the caller's), and in \p used the
//! bytes it took; null when \p in does not start with a whole, valid value.
CFTypeRef deserialize(std::span<const std::byte> in, std::size_t& used);

//! Whether a CFArray or CFDictionary keeps CF objects (kCFType callbacks), which
//! serialize() needs to walk it.
bool holds_cf_objects(CFTypeRef container) noexcept;

}  // namespace machemu::cf

#endif  // MACHEMU_CF_SERIALIZE_HPP
