// SPDX-License-Identifier: BSL-1.0
// machio/detail/message_buffer.hpp — aligned, owned storage for one Mach message.
#ifndef MACHIO_DETAIL_MESSAGE_BUFFER_HPP
#define MACHIO_DETAIL_MESSAGE_BUFFER_HPP

#include <machio/detail/darwin.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

namespace machio::detail {

//! Takes a zeroed block of at least \p bytes (a multiple of 8) for a message_buffer: from
//! the calling thread's cache of recently freed blocks when one of the right size class is
//! there, from operator new otherwise. Throws std::bad_alloc.
std::uint64_t* buffer_block_take(std::size_t bytes);
//! Gives back \p block that buffer_block_take(\p bytes) returned: kept in the calling
//! thread's cache when there is room (a few blocks per size class, up to 16 KiB), deleted
//! otherwise. Any thread may give back a block any thread took.
void buffer_block_give(std::uint64_t* block, std::size_t bytes) noexcept;

//! Owns capacity() bytes, 8-byte aligned and zero-initialised, for mach_msg to read and
//! write. Owns bytes only, never the rights written in them. The storage is recycled
//! through a small per-thread cache (buffer_block_take/give), so that a receive or send
//! loop, which frees one buffer per message and takes the next, allocates nothing in
//! steady state.
class message_buffer {
 public:
  message_buffer() noexcept = default;
  //! Takes \p capacity bytes (rounded up to 8). Throws std::bad_alloc.
  explicit message_buffer(std::size_t capacity)
      : capacity_((capacity + 7) / 8 * 8), words_(buffer_block_take(capacity_)) {}
  message_buffer(message_buffer&& other) noexcept
      : capacity_(std::exchange(other.capacity_, 0)), words_(std::exchange(other.words_, nullptr)) {}
  message_buffer& operator=(message_buffer&& other) noexcept {
    if (this != &other) {
      reset();
      capacity_ = std::exchange(other.capacity_, 0);
      words_ = std::exchange(other.words_, nullptr);
    }
    return *this;
  }
  message_buffer(const message_buffer&) = delete;
  message_buffer& operator=(const message_buffer&) = delete;
  ~message_buffer() { reset(); }

  std::byte* data() noexcept { return reinterpret_cast<std::byte*>(words_); }
  const std::byte* data() const noexcept { return reinterpret_cast<const std::byte*>(words_); }
  mach_msg_header_t* header() noexcept { return reinterpret_cast<mach_msg_header_t*>(words_); }
  const mach_msg_header_t* header() const noexcept {
    return reinterpret_cast<const mach_msg_header_t*>(words_);
  }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  void reset() noexcept {
    if (words_) buffer_block_give(words_, capacity_);
    words_ = nullptr;
    capacity_ = 0;
  }

  std::size_t capacity_ = 0;
  std::uint64_t* words_ = nullptr;
};

//! Reads a T from possibly unaligned \p p (descriptors are only 4-byte aligned). Inline,
//! so that a shared libmachio does not export its instantiations.
template <class T>
inline T load(const std::byte* p) noexcept {
  T t;
  std::memcpy(&t, p, sizeof t);
  return t;
}

//! Writes \p t to possibly unaligned \p p.
template <class T>
inline void store(std::byte* p, const T& t) noexcept {
  std::memcpy(p, &t, sizeof t);
}

}  // namespace machio::detail

#endif  // MACHIO_DETAIL_MESSAGE_BUFFER_HPP
