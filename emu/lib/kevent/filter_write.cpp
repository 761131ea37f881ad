// SPDX-License-Identifier: BSL-1.0
// EVFILT_WRITE on a descriptor (XNU's filt_sowrite, filt_pipewrite): ready while a write
// would not block. data is the room left (a socket's send buffer, a pipe's capacity, less
// what is queued); EV_EOF marks a reader that is gone, with a socket's pending error in
// fflags. A regular file is always writable.
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "lib/kevent/local_kqueue.hpp"

namespace machemu::lib::kevent {

namespace {

int attach(local_kqueue& q, local_knote& kn, const kevent64_s& ch) {
  if (!open_fd(ch.ident)) return EBADF;
  return q.watch_fd(static_cast<int>(ch.ident), kn, true);
}

std::int64_t room(int fd, const struct stat& st) {
  int queued = 0;
  if (S_ISSOCK(st.st_mode)) {
    int size = 0;
    socklen_t len = sizeof size;
    if (::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &len) != 0) return 0;
    if (::ioctl(fd, SIOCOUTQ, &queued) != 0) queued = 0;
    return size > queued ? size - queued : 0;
  }
  if (S_ISFIFO(st.st_mode)) {
    const int size = ::fcntl(fd, F_GETPIPE_SZ);
    if (size < 0 || ::ioctl(fd, FIONREAD, &queued) != 0) return 0;
    return size > queued ? size - queued : 0;
  }
  return 0;
}

bool event(local_kqueue&, local_knote& kn, kevent64_s& ev) {
  const int fd = static_cast<int>(kn.ident);
  struct stat st;
  if (::fstat(fd, &st) != 0) return false;
  if (S_ISREG(st.st_mode)) return true;
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, 0) != 1 || (p.revents & POLLNVAL)) return false;
  const bool eof = p.revents & (POLLHUP | POLLERR);
  if (!(p.revents & POLLOUT) && !eof) return false;
  ev.data = eof ? 0 : room(fd, st);
  if (eof) {
    ev.flags |= EV_EOF;
    if (S_ISSOCK(st.st_mode)) ev.fflags = socket_error(fd);
  }
  if ((kn.fflags & NOTE_LOWAT) && !eof && ev.data < kn.data) return false;
  return true;
}

}  // namespace

const filter_ops write_filter{attach, nullptr, event, nullptr};

}  // namespace machemu::lib::kevent
