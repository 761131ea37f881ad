// SPDX-License-Identifier: BSL-1.0
// machd's command-line numbers: a whole unsigned number (decimal, or 0x hex) within a
// bound, or a refusal — never strtoull's silent 0 for "abc" or its wrap for "-1".
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace machemu::machd {

inline bool parse_unsigned(const char* text, std::uint64_t max, std::uint64_t& out) {
  if (text == nullptr || *text < '0' || *text > '9') return false;  // no sign, no space
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 0);
  if (errno != 0 || *end != '\0' || v > max) return false;
  out = v;
  return true;
}

}  // namespace machemu::machd
