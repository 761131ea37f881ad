// SPDX-License-Identifier: BSL-1.0
// The byte arguments of mach-emu's IOKit calls (port_call::in and port_result::blob): a
// sequence of fields, each a little-endian u32 length and that many bytes. Strings travel
// without their NUL; CF values as serialize.hpp encodes them. The host reads every field
// through `field_reader`, which refuses lengths beyond what is left.
#ifndef MACHEMU_IOKIT_CALL_ARGS_HPP
#define MACHEMU_IOKIT_CALL_ARGS_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace machemu::iokit {

inline void put_field(std::vector<std::byte>& out, std::span<const std::byte> bytes) {
  const auto n = static_cast<std::uint32_t>(bytes.size());
  std::byte len[4];
  std::memcpy(len, &n, sizeof n);
  out.insert(out.end(), len, len + 4);
  out.insert(out.end(), bytes.begin(), bytes.end());
}

inline void put_field(std::vector<std::byte>& out, std::string_view s) {
  put_field(out, std::as_bytes(std::span(s.data(), s.size())));
}

class field_reader {
 public:
  explicit field_reader(std::span<const std::byte> in) : in_(in) {}

  //! The next field, or nullopt when what is left does not hold one.
  std::optional<std::span<const std::byte>> bytes() {
    std::uint32_t n = 0;
    if (in_.size() < sizeof n) return std::nullopt;
    std::memcpy(&n, in_.data(), sizeof n);
    if (in_.size() - sizeof n < n) return std::nullopt;
    const auto field = in_.subspan(sizeof n, n);
    in_ = in_.subspan(sizeof n + n);
    return field;
  }
  //! The next field as a string of at most \p limit bytes (IOKit's io_name_t holds 127).
  std::optional<std::string> string(std::size_t limit) {
    const auto b = bytes();
    if (!b || b->size() > limit) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(b->data()), b->size());
  }
  bool at_end() const noexcept { return in_.empty(); }

 private:
  std::span<const std::byte> in_;
};

}  // namespace machemu::iokit

#endif  // MACHEMU_IOKIT_CALL_ARGS_HPP
