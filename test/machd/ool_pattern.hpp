// SPDX-License-Identifier: BSL-1.0
// The bytes of the out-of-line regions the machd tests send: different for every size and
// offset, so that a region cut short, shifted or mixed up with another shows.
#pragma once

#include <cstddef>

namespace machd_test {

inline unsigned char ool_byte(std::size_t size, std::size_t i) {
  return static_cast<unsigned char>((i * 7 + size / 3 + (i >> 12)) % 251);
}

// The index of the first byte of `p` that differs from the pattern, or `size` when none.
inline std::size_t ool_mismatch(const unsigned char* p, std::size_t size, std::size_t from = 0) {
  for (std::size_t i = from; i < size; ++i)
    if (p[i] != ool_byte(size, i)) return i;
  return size;
}

}  // namespace machd_test
