// machio/detail/message_buffer.hpp — aligned, owned storage for one Mach message.
#ifndef MACHIO_DETAIL_MESSAGE_BUFFER_HPP
#define MACHIO_DETAIL_MESSAGE_BUFFER_HPP

#include <machio/detail/darwin.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace machio::detail {

//! Owns capacity() bytes, 8-byte aligned and zero-initialised, for mach_msg to read and
//! write. Owns bytes only, never the rights written in them.
class message_buffer {
 public:
  message_buffer() noexcept = default;
  //! Allocates \p capacity bytes (rounded up to 8). Throws std::bad_alloc.
  explicit message_buffer(std::size_t capacity)
      : words_(new std::uint64_t[(capacity + 7) / 8]()), capacity_((capacity + 7) / 8 * 8) {}

  std::byte* data() noexcept { return reinterpret_cast<std::byte*>(words_.get()); }
  const std::byte* data() const noexcept { return reinterpret_cast<const std::byte*>(words_.get()); }
  mach_msg_header_t* header() noexcept { return reinterpret_cast<mach_msg_header_t*>(words_.get()); }
  const mach_msg_header_t* header() const noexcept {
    return reinterpret_cast<const mach_msg_header_t*>(words_.get());
  }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  std::unique_ptr<std::uint64_t[]> words_;
  std::size_t capacity_ = 0;
};

//! Reads a T from possibly unaligned \p p (descriptors are only 4-byte aligned).
template <class T>
T load(const std::byte* p) noexcept {
  T t;
  std::memcpy(&t, p, sizeof t);
  return t;
}

//! Writes \p t to possibly unaligned \p p.
template <class T>
void store(std::byte* p, const T& t) noexcept {
  std::memcpy(p, &t, sizeof t);
}

}  // namespace machio::detail

#endif  // MACHIO_DETAIL_MESSAGE_BUFFER_HPP
