// SPDX-License-Identifier: BSL-1.0
// Helpers shared by the asio tests.
#pragma once

#include <machio/async_send.hpp>
#include <machio/machio.hpp>
#include <machio/receive_port.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstddef>
#include <new>

#include "right_accounting.hpp"

namespace machio_test {

// A message with id `id` and a 4-byte body to `dest` (COPY_SEND: the caller keeps dest).
inline machio::message ping(const machio::send_right& dest, mach_msg_id_t id, std::int32_t value = 0) {
  return machio::message_builder(id).destination(dest).append_value(value).build();
}

// Most cases start the same way: a context and one receive_port, with a send right to it.
struct one_port : right_accounting {
  boost::asio::io_context io;
  machio::port_pair pair = machio::receive_right::allocate_pair();
  machio::receive_port port{io, std::move(pair.receive)};
};

// An allocator that counts allocations and deallocations (for bind_allocator).
struct alloc_counts {
  std::atomic<std::size_t> allocations{0};
  std::atomic<std::size_t> deallocations{0};
};

template <class T>
struct counting_allocator {
  using value_type = T;
  alloc_counts* counts;
  explicit counting_allocator(alloc_counts* c) noexcept : counts(c) {}
  template <class U>
  counting_allocator(const counting_allocator<U>& o) noexcept : counts(o.counts) {}
  T* allocate(std::size_t n) {
    ++counts->allocations;
    return static_cast<T*>(::operator new(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t) noexcept {
    ++counts->deallocations;
    ::operator delete(p);
  }
  template <class U>
  bool operator==(const counting_allocator<U>& o) const noexcept { return counts == o.counts; }
};

}  // namespace machio_test
