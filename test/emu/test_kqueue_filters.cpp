// SPDX-License-Identifier: BSL-1.0
// The filters Darwin programs mix with EVFILT_MACHPORT in one kqueue (XNU
// bsd/kern/kern_event.c and the filters of sys_pipe.c, uipc_socket.c, kern_sig.c):
// EVFILT_READ and EVFILT_WRITE on pipes and sockets, EVFILT_TIMER, EVFILT_USER,
// EVFILT_SIGNAL and EVFILT_PROC with NOTE_EXIT, with XNU's flag rules and error codes.
// Built in both modes (label emu, and label machd through the daemon).
#include <mach/mach.h>
#include <sys/event.h>

#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <sys/wait.h>

#include <csignal>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "emu_test_util.hpp"

using namespace emu_test;

namespace {
const timespec zero = {0, 0};
const timespec five_seconds = {5, 0};

struct kq_fd {
  int fd = ::kqueue();
  kq_fd() { BOOST_REQUIRE_GE(fd, 0); }
  ~kq_fd() { ::close(fd); }
};

struct pipe_fds {
  int r = -1, w = -1;
  pipe_fds() {
    int fds[2];
    BOOST_REQUIRE_EQUAL(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    r = fds[0];
    w = fds[1];
  }
  ~pipe_fds() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
  }
  void close_write() {
    ::close(w);
    w = -1;
  }
  void close_read() {
    ::close(r);
    r = -1;
  }
};

kevent64_s change(std::uint64_t ident, std::int16_t filter, std::uint16_t flags,
                  std::uint32_t fflags = 0, std::int64_t data = 0, std::uint64_t udata = 0) {
  kevent64_s ch{};
  EV_SET64(&ch, ident, filter, flags, fflags, data, udata, 0, 0);
  return ch;
}

// Applies one change; 0, or -1 with errno.
int apply(int kq, const kevent64_s& ch) { return kevent64(kq, &ch, 1, nullptr, 0, 0, &zero); }

// One event, without waiting (0 when there is none).
int poll_one(int kq, kevent64_s& ev) { return kevent64(kq, nullptr, 0, &ev, 1, 0, &zero); }

// One event, waiting up to five seconds.
int wait_one(int kq, kevent64_s& ev) { return kevent64(kq, nullptr, 0, &ev, 1, 0, &five_seconds); }

void write_bytes(int fd, std::size_t n) {
  char buf[256] = {};
  while (n > 0) {
    const std::size_t k = n < sizeof buf ? n : sizeof buf;
    BOOST_REQUIRE_EQUAL(::write(fd, buf, k), static_cast<ssize_t>(k));
    n -= k;
  }
}

void drain(int fd) {
  char buf[4096];
  while (::read(fd, buf, sizeof buf) > 0) {
  }
}

std::atomic<int> handled{0};
void count_handler(int) { handled.fetch_add(1); }
}  // namespace

BOOST_FIXTURE_TEST_SUITE(kqueue_filters, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(read_is_level_triggered_with_the_bytes_waiting_and_eof) {
  kq_fd kq;
  pipe_fds p;
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p.r, EVFILT_READ, EV_ADD, 0, 0, 0xF00D)), 0);
  kevent64_s ev{};
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);

  write_bytes(p.w, 5);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.ident, static_cast<std::uint64_t>(p.r));
  BOOST_CHECK_EQUAL(ev.filter, EVFILT_READ);
  BOOST_CHECK_EQUAL(ev.data, 5);
  BOOST_CHECK_EQUAL(ev.udata, 0xF00Du);
  BOOST_CHECK(ev.flags & EV_ADD);  // the registration's flags come back, as XNU's do
  BOOST_CHECK(!(ev.flags & EV_EOF));
  // Level-triggered: still there until read.
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.data, 5);
  drain(p.r);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);

  p.close_write();
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK(ev.flags & EV_EOF);
  BOOST_CHECK_EQUAL(ev.data, 0);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(p.r, EVFILT_READ, EV_DELETE)), 0);
}

BOOST_AUTO_TEST_CASE(write_reports_room_until_full_and_eof_without_a_reader) {
  kq_fd kq;
  pipe_fds p;
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p.w, EVFILT_WRITE, EV_ADD)), 0);
  kevent64_s ev{};
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.filter, EVFILT_WRITE);
  const std::int64_t capacity = ev.data;
  BOOST_CHECK_GT(capacity, 0);
  write_bytes(p.w, 100);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.data, capacity - 100);

  char buf[4096] = {};
  while (::write(p.w, buf, sizeof buf) > 0) {
  }
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);  // full

  p.close_read();
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK(ev.flags & EV_EOF);
}

BOOST_AUTO_TEST_CASE(read_and_write_knotes_share_one_socket) {
  kq_fd kq;
  int sv[2];
  BOOST_REQUIRE_EQUAL(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(sv[0], EVFILT_READ, EV_ADD, 0, 0, 1)), 0);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(sv[0], EVFILT_WRITE, EV_ADD, 0, 0, 2)), 0);
  kevent64_s ev[2]{};
  BOOST_REQUIRE_EQUAL(kevent64(kq.fd, nullptr, 0, ev, 2, 0, &zero), 1);
  BOOST_CHECK_EQUAL(ev[0].filter, EVFILT_WRITE);
  BOOST_CHECK_EQUAL(ev[0].udata, 2u);

  write_bytes(sv[1], 3);
  BOOST_REQUIRE_EQUAL(kevent64(kq.fd, nullptr, 0, ev, 2, 0, &zero), 2);
  BOOST_CHECK(ev[0].filter != ev[1].filter);
  const kevent64_s& rd = ev[0].filter == EVFILT_READ ? ev[0] : ev[1];
  BOOST_CHECK_EQUAL(rd.data, 3);
  BOOST_CHECK_EQUAL(rd.udata, 1u);

  // Deleting one leaves the other.
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(sv[0], EVFILT_WRITE, EV_DELETE)), 0);
  BOOST_REQUIRE_EQUAL(kevent64(kq.fd, nullptr, 0, ev, 2, 0, &zero), 1);
  BOOST_CHECK_EQUAL(ev[0].filter, EVFILT_READ);

  ::close(sv[1]);
  BOOST_REQUIRE_EQUAL(kevent64(kq.fd, nullptr, 0, ev, 2, 0, &zero), 1);
  BOOST_CHECK(ev[0].flags & EV_EOF);
  BOOST_CHECK_EQUAL(ev[0].data, 3);  // the bytes still waiting
  ::close(sv[0]);
}

BOOST_AUTO_TEST_CASE(clear_oneshot_dispatch_disable_and_enable) {
  kq_fd kq;
  pipe_fds p;
  kevent64_s ev{};
  // EV_CLEAR: one event per arrival, not per call.
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p.r, EVFILT_READ, EV_ADD | EV_CLEAR)), 0);
  write_bytes(p.w, 1);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  write_bytes(p.w, 1);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.data, 2);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p.r, EVFILT_READ, EV_DELETE)), 0);

  // EV_DISPATCH: disabled by its delivery until EV_ENABLE.
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p.r, EVFILT_READ, EV_ADD | EV_DISPATCH)), 0);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p.r, EVFILT_READ, EV_ENABLE)), 0);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p.r, EVFILT_READ, EV_DELETE)), 0);

  // EV_DISABLE at EV_ADD, then EV_ENABLE.
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p.r, EVFILT_READ, EV_ADD | EV_DISABLE)), 0);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p.r, EVFILT_READ, EV_ENABLE)), 0);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p.r, EVFILT_READ, EV_DISABLE)), 0);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p.r, EVFILT_READ, EV_DELETE)), 0);

  // EV_ONESHOT: gone after one event.
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p.r, EVFILT_READ, EV_ADD | EV_ONESHOT)), 0);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(p.r, EVFILT_READ, EV_DELETE)), -1);
  BOOST_CHECK_EQUAL(errno, ENOENT);
}

BOOST_AUTO_TEST_CASE(registration_errors_and_receipts) {
  kq_fd kq;
  pipe_fds p;
  // A number no descriptor has (one closed here could be reused by the kqueue's own).
  const int closed = 60000;
  BOOST_REQUIRE_EQUAL(::fcntl(closed, F_GETFD), -1);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(closed, EVFILT_READ, EV_ADD)), -1);
  BOOST_CHECK_EQUAL(errno, EBADF);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(p.r, EVFILT_READ, EV_ENABLE)), -1);
  BOOST_CHECK_EQUAL(errno, ENOENT);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(p.r, EVFILT_WRITE, EV_DELETE)), -1);
  BOOST_CHECK_EQUAL(errno, ENOENT);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(1, EVFILT_TIMER, EV_ADD, 0, -1)), -1);
  BOOST_CHECK_EQUAL(errno, EINVAL);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(0, EVFILT_SIGNAL, EV_ADD)), -1);
  BOOST_CHECK_EQUAL(errno, EINVAL);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(999, EVFILT_SIGNAL, EV_ADD)), -1);
  BOOST_CHECK_EQUAL(errno, EINVAL);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(0x7FFFFFF0, EVFILT_PROC, EV_ADD, NOTE_EXIT)), -1);
  BOOST_CHECK_EQUAL(errno, ESRCH);

  // Errors and receipts come back as EV_ERROR events, in change order, when there is room;
  // a call that reports any returns no other event.
  write_bytes(p.w, 1);
  kevent64_s changes[3] = {change(p.r, EVFILT_READ, EV_ADD | EV_RECEIPT),
                           change(closed, EVFILT_READ, EV_ADD),
                           change(7, EVFILT_USER, EV_ADD | EV_RECEIPT, NOTE_TRIGGER)};
  kevent64_s out[4]{};
  BOOST_REQUIRE_EQUAL(kevent64(kq.fd, changes, 3, out, 4, 0, &zero), 3);
  for (const kevent64_s& e : out) BOOST_CHECK(e.flags & EV_ERROR || e.filter == 0);
  BOOST_CHECK_EQUAL(out[0].data, 0);
  BOOST_CHECK_EQUAL(out[1].data, EBADF);
  BOOST_CHECK_EQUAL(out[2].data, 0);
  BOOST_CHECK_EQUAL(out[2].filter, EVFILT_USER);
  // Both knotes were made and fire on the next call.
  BOOST_CHECK_EQUAL(kevent64(kq.fd, nullptr, 0, out, 4, 0, &zero), 2);
}

BOOST_AUTO_TEST_CASE(timers_fire_once_or_periodically_and_count_expirations) {
  kq_fd kq;
  kevent64_s ev{};
  // A 10 ms one-shot: one event with one expiration, then gone.
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(1, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 10, 11)), 0);
  BOOST_REQUIRE_EQUAL(wait_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.ident, 1u);
  BOOST_CHECK_EQUAL(ev.filter, EVFILT_TIMER);
  BOOST_CHECK_EQUAL(ev.data, 1);
  BOOST_CHECK_EQUAL(ev.udata, 11u);
  BOOST_CHECK(ev.flags & EV_CLEAR);  // XNU marks every timer EV_CLEAR
  BOOST_CHECK_EQUAL(apply(kq.fd, change(1, EVFILT_TIMER, EV_DELETE)), -1);
  BOOST_CHECK_EQUAL(errno, ENOENT);

  // A 2 ms periodic timer left alone for 50 ms has expired several times.
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(2, EVFILT_TIMER, EV_ADD, NOTE_USECONDS, 2000)), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_GE(ev.data, 2);
  BOOST_REQUIRE_EQUAL(wait_one(kq.fd, ev), 1);  // and goes on
  BOOST_CHECK_GE(ev.data, 1);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(2, EVFILT_TIMER, EV_DELETE)), 0);

  // Units: an hour in seconds does not fire now; re-adding it re-arms it as 1 ns.
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(3, EVFILT_TIMER, EV_ADD, NOTE_SECONDS, 3600)), 0);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(3, EVFILT_TIMER, EV_ADD | EV_ONESHOT, NOTE_NSECONDS, 1)), 0);
  BOOST_REQUIRE_EQUAL(wait_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.ident, 3u);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(3, EVFILT_TIMER, EV_DELETE)), 0);

  // NOTE_ABSOLUTE: a wall-clock time already past fires at once, and only once.
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(4, EVFILT_TIMER, EV_ADD, NOTE_ABSOLUTE | NOTE_SECONDS, 1)), 0);
  BOOST_REQUIRE_EQUAL(wait_one(kq.fd, ev), 1);
  BOOST_CHECK(ev.flags & EV_ONESHOT);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(4, EVFILT_TIMER, EV_DELETE)), -1);
}

BOOST_AUTO_TEST_CASE(user_events_trigger_across_threads_and_combine_fflags) {
  kq_fd kq;
  kevent64_s ev{};
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(42, EVFILT_USER, EV_ADD | EV_CLEAR, NOTE_FFCOPY | 0x11)), 0);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);

  // A trigger from another thread wakes a kevent that is waiting.
  // Boost.Test's assertions are not thread-safe: the thread only records.
  int trigger_rc = -2;
  std::thread trigger([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    kevent64_s t = change(42, EVFILT_USER, 0, NOTE_TRIGGER | NOTE_FFOR | 0x100, 77);
    trigger_rc = kevent64(kq.fd, &t, 1, nullptr, 0, 0, &zero);
  });
  BOOST_REQUIRE_EQUAL(wait_one(kq.fd, ev), 1);
  trigger.join();
  BOOST_CHECK_EQUAL(trigger_rc, 0);
  BOOST_CHECK_EQUAL(ev.ident, 42u);
  BOOST_CHECK_EQUAL(ev.filter, EVFILT_USER);
  // The registration's fflags are kept as given, control bits too (XNU's kn_sfflags).
  BOOST_CHECK_EQUAL(ev.fflags, (NOTE_FFCOPY | 0x11u) | 0x100u);
  BOOST_CHECK_EQUAL(ev.data, 77);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);  // EV_CLEAR untriggered it

  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(42, EVFILT_USER, 0, NOTE_FFCOPY | 0xF0)), 0);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(42, EVFILT_USER, 0, NOTE_TRIGGER | NOTE_FFAND | 0x30)), 0);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.fflags, 0x30u);

  // Without EV_CLEAR a triggered knote stays triggered.
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(43, EVFILT_USER, EV_ADD, NOTE_TRIGGER)), 0);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.ident, 43u);
}

BOOST_AUTO_TEST_CASE(signals_are_counted_whatever_their_disposition) {
  kq_fd kq;
  kevent64_s ev{};
  // The Darwin idiom: ignore the signal, watch it with kqueue.
  struct sigaction ignore{}, old_usr1{}, old_usr2{};
  ignore.sa_handler = SIG_IGN;
  BOOST_REQUIRE_EQUAL(::sigaction(SIGUSR1, &ignore, &old_usr1), 0);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(SIGUSR1, EVFILT_SIGNAL, EV_ADD, 0, 0, 5)), 0);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  ::kill(::getpid(), SIGUSR1);
  ::kill(::getpid(), SIGUSR1);
  BOOST_REQUIRE_EQUAL(wait_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.ident, static_cast<std::uint64_t>(SIGUSR1));
  BOOST_CHECK_EQUAL(ev.filter, EVFILT_SIGNAL);
  BOOST_CHECK_GE(ev.data, 1);
  BOOST_CHECK_LE(ev.data, 2);
  BOOST_CHECK_EQUAL(ev.udata, 5u);
  BOOST_CHECK(ev.flags & EV_CLEAR);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);

  // A program's own handler still runs, and the knote counts too.
  struct sigaction handler{};
  handler.sa_handler = count_handler;
  BOOST_REQUIRE_EQUAL(::sigaction(SIGUSR2, &handler, &old_usr2), 0);
  handled = 0;
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(SIGUSR2, EVFILT_SIGNAL, EV_ADD)), 0);
  ::raise(SIGUSR2);
  BOOST_REQUIRE_EQUAL(wait_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.ident, static_cast<std::uint64_t>(SIGUSR2));
  BOOST_CHECK_EQUAL(ev.data, 1);
  BOOST_CHECK_EQUAL(handled.load(), 1);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(SIGUSR2, EVFILT_SIGNAL, EV_DELETE)), 0);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(SIGUSR1, EVFILT_SIGNAL, EV_DELETE)), 0);
}

BOOST_AUTO_TEST_CASE(proc_exit_reports_the_status_once_and_leaves_the_child_to_reap) {
  kq_fd kq;
  int go[2];
  BOOST_REQUIRE_EQUAL(::pipe(go), 0);
  const pid_t child = ::fork();
  BOOST_REQUIRE_GE(child, 0);
  if (child == 0) {
    ::close(go[1]);
    char c;
    [[maybe_unused]] ssize_t n = ::read(go[0], &c, 1);
    ::_exit(7);
  }
  ::close(go[0]);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(child, EVFILT_PROC, EV_ADD, NOTE_EXIT | NOTE_EXITSTATUS, 0, 9)), 0);
  kevent64_s ev{};
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);  // still running
  ::close(go[1]);
  const int got = wait_one(kq.fd, ev);
  if (got != 1) ::kill(child, SIGKILL);  // leave no child behind a failed check
  BOOST_REQUIRE_EQUAL(got, 1);
  BOOST_CHECK_EQUAL(ev.ident, static_cast<std::uint64_t>(child));
  BOOST_CHECK_EQUAL(ev.filter, EVFILT_PROC);
  BOOST_CHECK_EQUAL(ev.fflags, NOTE_EXIT | NOTE_EXITSTATUS);
  BOOST_CHECK(ev.flags & EV_EOF);
  BOOST_CHECK(ev.flags & EV_ONESHOT);
  BOOST_CHECK_EQUAL(ev.udata, 9u);
  BOOST_CHECK(WIFEXITED(static_cast<int>(ev.data)));
  BOOST_CHECK_EQUAL(WEXITSTATUS(static_cast<int>(ev.data)), 7);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(child, EVFILT_PROC, EV_DELETE)), -1);  // gone
  int status = 0;
  BOOST_REQUIRE_EQUAL(::waitpid(child, &status, 0), child);
  BOOST_CHECK_EQUAL(WEXITSTATUS(status), 7);
}

BOOST_AUTO_TEST_CASE(one_kqueue_waits_on_a_port_a_pipe_and_a_timer) {
  kq_fd kq;
  pipe_fds p;
  const mach_port_name_t port = new_receive_send();
  kevent64_s changes[3] = {change(port, EVFILT_MACHPORT, EV_ADD, 0, 0, 1),
                           change(p.r, EVFILT_READ, EV_ADD, 0, 0, 2),
                           change(9, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 30, 3)};
  BOOST_REQUIRE_EQUAL(kevent64(kq.fd, changes, 3, nullptr, 0, 0, &zero), 0);
  kevent64_s ev{};
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);

  // Each source wakes a kevent that is waiting on all three.
  mach_msg_return_t sent = MACH_MSG_SUCCESS - 1;
  std::thread sender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    sent = send_simple(port, MACH_MSG_TYPE_COPY_SEND);
  });
  BOOST_REQUIRE_EQUAL(wait_one(kq.fd, ev), 1);
  sender.join();
  BOOST_CHECK_EQUAL(sent, MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(ev.udata, 1u);
  BOOST_CHECK_EQUAL(ev.filter, EVFILT_MACHPORT);
  BOOST_CHECK_EQUAL(receive_and_destroy(port), MACH_MSG_SUCCESS);

  ssize_t written = -1;
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    written = ::write(p.w, "abcd", 4);
  });
  BOOST_REQUIRE_EQUAL(wait_one(kq.fd, ev), 1);
  writer.join();
  BOOST_CHECK_EQUAL(written, 4);
  // The timer (30 ms) may come first; both arrive.
  bool saw_pipe = ev.udata == 2u, saw_timer = ev.udata == 3u;
  if (saw_pipe) drain(p.r);
  while (!(saw_pipe && saw_timer)) {
    BOOST_REQUIRE_EQUAL(wait_one(kq.fd, ev), 1);
    if (ev.udata == 2u) {
      saw_pipe = true;
      drain(p.r);
    }
    if (ev.udata == 3u) saw_timer = true;
  }
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(port, EVFILT_MACHPORT, EV_DELETE)), 0);
  drop_port(port);
}

BOOST_AUTO_TEST_CASE(kevent_legacy_form_reaches_the_same_filters) {
  kq_fd kq;
  pipe_fds p;
  int marker = 0;
  struct kevent add;
  EV_SET(&add, p.r, EVFILT_READ, EV_ADD, 0, 0, &marker);
  BOOST_REQUIRE_EQUAL(kevent(kq.fd, &add, 1, nullptr, 0, &zero), 0);
  write_bytes(p.w, 2);
  struct kevent ev{};
  BOOST_REQUIRE_EQUAL(kevent(kq.fd, nullptr, 0, &ev, 1, &zero), 1);
  BOOST_CHECK_EQUAL(ev.ident, static_cast<std::uintptr_t>(p.r));
  BOOST_CHECK_EQUAL(ev.data, 2);
  BOOST_CHECK(ev.udata == &marker);
}

BOOST_AUTO_TEST_CASE(a_closed_kqueue_takes_its_knotes_along) {
  pipe_fds p;
  write_bytes(p.w, 1);
  int fd = ::kqueue();
  BOOST_REQUIRE_GE(fd, 0);
  BOOST_REQUIRE_EQUAL(apply(fd, change(p.r, EVFILT_READ, EV_ADD)), 0);
  BOOST_REQUIRE_EQUAL(apply(fd, change(5, EVFILT_USER, EV_ADD, NOTE_TRIGGER)), 0);
  ::close(fd);
  // The next kqueue may get the same number; it starts empty.
  kq_fd again;
  kevent64_s ev{};
  BOOST_CHECK_EQUAL(poll_one(again.fd, ev), 0);
  BOOST_CHECK_EQUAL(apply(again.fd, change(5, EVFILT_USER, EV_DELETE)), -1);
  BOOST_CHECK_EQUAL(errno, ENOENT);
  // A descriptor that is no kqueue gets none.
  BOOST_CHECK_EQUAL(apply(p.w, change(6, EVFILT_USER, EV_ADD)), -1);
  BOOST_CHECK_EQUAL(errno, EBADF);
}

BOOST_AUTO_TEST_SUITE_END()
