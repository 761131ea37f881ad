// SPDX-License-Identifier: BSL-1.0
// EVFILT_READ on a descriptor (XNU's filt_soread, filt_piperead, filt_vnread): ready while
// there is something to read or the other end is gone. data is the bytes waiting (for a
// regular file, the bytes between the offset and the end); EV_EOF marks a closed peer,
// with a socket's pending error in fflags. NOTE_LOWAT holds the event back until data
// reaches the knote's data (not at EOF).
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <poll.h>
#include <unistd.h>

#include "lib/kevent/local_kqueue.hpp"

namespace machemu::lib::kevent {

namespace {

int attach(local_kqueue& q, local_knote& kn, const kevent64_s& ch) {
  if (!open_fd(ch.ident)) return EBADF;
  return q.watch_fd(static_cast<int>(ch.ident), kn, false);
}

bool event(local_kqueue&, local_knote& kn, kevent64_s& ev) {
  const int fd = static_cast<int>(kn.ident);
  struct stat st;
  if (::fstat(fd, &st) != 0) return false;  // closed: XNU drops the knote with the fd
  if (S_ISREG(st.st_mode)) {
    const off_t at = ::lseek(fd, 0, SEEK_CUR);
    ev.data = at < 0 ? 0 : static_cast<std::int64_t>(st.st_size - at);
    return ev.data > 0;
  }
  pollfd p{fd, POLLIN | POLLRDHUP, 0};
  if (::poll(&p, 1, 0) != 1 || (p.revents & POLLNVAL)) return false;
  int waiting = 0;
  if (::ioctl(fd, FIONREAD, &waiting) == 0) ev.data = waiting;
  const bool eof = p.revents & (POLLHUP | POLLRDHUP);
  if (eof) {
    ev.flags |= EV_EOF;
    if (S_ISSOCK(st.st_mode)) ev.fflags = socket_error(fd);
  } else if (S_ISSOCK(st.st_mode) && ev.data == 0) {
    // A listening socket: XNU's data is the accept queue's length; Linux shows only that
    // it is not empty.
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening)
      ev.data = 1;
  }
  if (!(p.revents & (POLLIN | POLLERR)) && !eof) return false;
  if ((kn.fflags & NOTE_LOWAT) && !eof && ev.data < kn.data) return false;
  return true;
}

}  // namespace

const filter_ops read_filter{attach, nullptr, event, nullptr};

}  // namespace machemu::lib::kevent
