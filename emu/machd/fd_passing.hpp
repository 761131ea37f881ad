// SPDX-License-Identifier: BSL-1.0
// File descriptors on machd's socket: owning them, and moving them as SCM_RIGHTS.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <utility>
#include <vector>

#include "machd/wire.hpp"

namespace machemu::fd_passing {

// Owns one file descriptor: closes it exactly once, on destruction or reset().
class unique_fd {
 public:
  unique_fd() noexcept = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }

  int get() const noexcept { return fd_; }
  // Gives the descriptor up without closing it.
  int release() noexcept { return std::exchange(fd_, -1); }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Room for the most descriptors a frame carries.
struct control_buffer {
  alignas(cmsghdr) char bytes[CMSG_SPACE(sizeof(int) * wire::max_frame_fds)];
};

// Points `mh` at `cb` holding `fds[0..n)` (at most wire::max_frame_fds); nothing for n = 0.
inline void attach(msghdr& mh, control_buffer& cb, const int* fds, std::size_t n) {
  if (n == 0) return;
  mh.msg_control = cb.bytes;
  mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
  cmsghdr* cm = CMSG_FIRSTHDR(&mh);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
  std::memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
}

// Points `mh` at `cb` to receive descriptors into.
inline void prepare(msghdr& mh, control_buffer& cb) {
  mh.msg_control = cb.bytes;
  mh.msg_controllen = sizeof cb.bytes;
}

// Takes ownership of every descriptor a recvmsg into `mh` received. Returns false when
// some were dropped (MSG_CTRUNC: more than fit, or none could be installed because the
// process is out of descriptors); the kernel closed those.
inline bool take(const msghdr& mh, std::vector<unique_fd>& out) {
  for (const cmsghdr* cm = CMSG_FIRSTHDR(&mh); cm;
       cm = CMSG_NXTHDR(const_cast<msghdr*>(&mh), const_cast<cmsghdr*>(cm))) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < k; ++i) {
      int f;
      std::memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof f);
      out.emplace_back(f);
    }
  }
  return !(mh.msg_flags & MSG_CTRUNC);
}

// One recvmsg into the `niov` buffers of `iov`, filled in order (one read can take a
// frame's header and its payload), with `flags` (MSG_CMSG_CLOEXEC added): every descriptor
// that came with the bytes is owned at once, appended to `out`, so that any way out closes
// it; `lost` is set when some were dropped (see take()). Returns recvmsg's result.
inline ssize_t receive(int fd, iovec* iov, std::size_t niov, int flags,
                       std::vector<unique_fd>& out, bool& lost) {
  control_buffer cb;
  msghdr mh{};
  mh.msg_iov = iov;
  mh.msg_iovlen = niov;
  prepare(mh, cb);
  const ssize_t k = ::recvmsg(fd, &mh, flags | MSG_CMSG_CLOEXEC);
  if (k >= 0 && !take(mh, out)) lost = true;
  return k;
}
// The same into one buffer of `n` bytes at `p`.
inline ssize_t receive(int fd, void* p, std::size_t n, int flags, std::vector<unique_fd>& out, bool& lost) {
  iovec iov{p, n};
  return receive(fd, &iov, 1, flags, out, lost);
}

}  // namespace machemu::fd_passing
