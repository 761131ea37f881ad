// SPDX-License-Identifier: BSL-1.0
// Large out-of-line regions as sealed memfds (wire.hpp's fd regions): the sending client
// makes one, machd checks it and keeps it instead of the bytes, the receiving client maps
// it copy-on-write. So a region is copied once (into the memfd) however far it travels.
#pragma once

#include <cstddef>
#include <cstdint>

namespace machemu::memfd_region {

// A new sealed memfd holding a copy of this process's [address, address+size), made with
// one copy (write(2) from the region, so an unreadable address is EFAULT, not a crash).
// Returns the descriptor (the caller owns it), or -1 with errno: EFAULT when the region
// cannot be read; anything else (EMFILE, ENOMEM...) when no memfd could be made.
int make(const void* address, std::size_t size);

// True when `fd` is a memfd of exactly `size` bytes sealed against writes, shrinking and
// growing: its bytes can no longer change, and a mapping of it never faults past its end.
bool sealed(int fd, std::uint64_t size);

// Copies the first `size` bytes of a memfd to `out`. False when it holds fewer.
bool read(int fd, void* out, std::size_t size);

// Maps `size` bytes of a sealed memfd into this process, readable and writable, private
// (the receiver's writes are its own). Returns the address (release it with munmap, i.e.
// vm_deallocate), or nullptr. The descriptor may be closed afterwards.
void* map(int fd, std::size_t size);

}  // namespace machemu::memfd_region
