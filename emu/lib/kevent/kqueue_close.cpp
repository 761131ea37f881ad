// SPDX-License-Identifier: BSL-1.0
// close(), dup2() and dup3() that drain a kqueue, as XNU's close does (kern_event.c,
// kqueue_drain): a thread blocked in kevent/kevent64 on a kqueue that another thread closes
// wakes and returns EBADF, in both modes.
//
// On Darwin the kernel sees every close. Here a kqueue is an ordinary descriptor and its
// knotes live in the kernel core (in this process or in machd) and in a local set
// (local_kqueue.hpp), so closing it must be noticed by the library: these definitions take
// the place of libc's for the whole program, and pass every call on to the next definition
// (libc's, or a sanitizer's interceptor in front of it). For any descriptor that is not a
// kqueue the extra cost is one relaxed load (kqueue_fds.hpp).
//
// Order matters. close() destroys the kqueue first and then closes the descriptor, so no
// kqueue() made by another thread can get the number in between and be destroyed in its
// place. dup2() and dup3() replace the descriptor in one step, so the kqueue is destroyed
// after they succeed (the number never becomes free).
#include <dlfcn.h>
#include <unistd.h>

#include "lib/kevent/kqueue_fds.hpp"
#include "lib/kevent/local_kqueue.hpp"
#include "lib/transport.hpp"

namespace {

namespace kev = machemu::lib::kevent;

template <class F>
F next_definition(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

void destroy_kqueue(int fd) {
  kev::kqueue_fds::unmark(fd);
  machemu::lib::current_transport().kqueue_closing(fd);
  kev::drain_local(fd);
}

}  // namespace

void machemu::lib::kevent::kqueue_created(int fd) noexcept { kqueue_fds::mark(fd); }

extern "C" int close(int fd) {
  static const auto real = next_definition<int (*)(int)>("close");
  if (kev::kqueue_fds::maybe(fd)) destroy_kqueue(fd);
  return real(fd);
}

extern "C" int dup2(int from, int to) {
  static const auto real = next_definition<int (*)(int, int)>("dup2");
  const int r = real(from, to);
  if (r >= 0 && from != to && kev::kqueue_fds::maybe(to)) destroy_kqueue(to);
  return r;
}

extern "C" int dup3(int from, int to, int flags) {
  static const auto real = next_definition<int (*)(int, int, int)>("dup3");
  const int r = real(from, to, flags);
  if (r >= 0 && kev::kqueue_fds::maybe(to)) destroy_kqueue(to);
  return r;
}
