// SPDX-License-Identifier: BSL-1.0
#include "machd/memfd_region.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "machd/fd_passing.hpp"

namespace machemu::memfd_region {

using fd_passing::unique_fd;

namespace {
constexpr int required_seals = F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW;
}  // namespace

int make(const void* address, std::size_t size) {
  unique_fd fd(::memfd_create("machemu-ool", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (fd.get() < 0) return -1;
  const auto* p = static_cast<const char*>(address);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd.get(), p + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // write(2) stops short at the first unreadable page of the source (EFAULT next).
      if (n == 0) errno = EFAULT;
      return -1;
    }
    done += static_cast<std::size_t>(n);
  }
  // Sealed, the bytes are a snapshot: neither we nor anyone the descriptor reaches can
  // change them under the receiver's mapping.
  if (::fcntl(fd.get(), F_ADD_SEALS, required_seals | F_SEAL_SEAL) != 0) return -1;
  return fd.release();
}

bool sealed(int fd, std::uint64_t size) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
      static_cast<std::uint64_t>(st.st_size) != size)
    return false;
  const int seals = ::fcntl(fd, F_GET_SEALS);
  return seals >= 0 && (seals & required_seals) == required_seals;
}

bool read(int fd, void* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, static_cast<char*>(out) + done, size - done,
                              static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void* map(int fd, std::size_t size) {
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  return p == MAP_FAILED ? nullptr : p;
}

}  // namespace machemu::memfd_region
