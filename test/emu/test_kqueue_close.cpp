// SPDX-License-Identifier: BSL-1.0
// close() of a kqueue (XNU bsd/kern/kern_event.c, kqueue_drain and kqueue_close): the
// threads blocked in kevent/kevent64 on it wake and return EBADF, its knotes go, and the
// ports they watched keep their messages. dup2() over a kqueue does the same.
// Built in both modes (label emu, and label machd through the daemon).
#include <mach/mach.h>
#include <sys/event.h>

#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "emu_test_util.hpp"

using namespace emu_test;

namespace {

const timespec zero = {0, 0};
const timespec five_seconds = {5, 0};

kevent64_s change(std::uint64_t ident, std::int16_t filter, std::uint16_t flags) {
  kevent64_s ch{};
  EV_SET64(&ch, ident, filter, flags, 0, 0, 0, 0, 0);
  return ch;
}

// What a thread blocked in kevent64 saw. Boost.Test's assertions are not thread-safe, so
// the waiting thread records and the test checks after joining it.
struct wait_result {
  int rc = -2;
  int error = 0;
};

// Starts a thread that waits up to five seconds for one event on `kq`, and lets it block.
// A kqueue whose close did not wake it would make it return 0 after the five seconds.
std::thread blocked_waiter(int kq, wait_result& out, bool legacy = false) {
  std::thread t([kq, &out, legacy] {
    if (legacy) {
      struct kevent ev{};
      out.rc = ::kevent(kq, nullptr, 0, &ev, 1, &five_seconds);
    } else {
      kevent64_s ev{};
      out.rc = kevent64(kq, nullptr, 0, &ev, 1, 0, &five_seconds);
    }
    out.error = errno;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return t;
}

// A new kqueue with an EVFILT_MACHPORT knote on `port`.
int kqueue_watching(mach_port_name_t port) {
  const int kq = ::kqueue();
  BOOST_REQUIRE_GE(kq, 0);
  const kevent64_s add = change(port, EVFILT_MACHPORT, EV_ADD);
  BOOST_REQUIRE_EQUAL(kevent64(kq, &add, 1, nullptr, 0, 0, &zero), 0);
  return kq;
}

void check_woken_with_ebadf(const wait_result& r, std::chrono::steady_clock::duration took) {
  BOOST_CHECK_EQUAL(r.rc, -1);
  BOOST_CHECK_EQUAL(r.error, EBADF);
  BOOST_CHECK(took < std::chrono::seconds(4));  // woken, not timed out
}

// Closes `kq` while a thread is blocked on it, and checks that the thread woke with EBADF.
void close_while_a_thread_waits(int kq, bool legacy = false) {
  wait_result r;
  const auto start = std::chrono::steady_clock::now();
  std::thread t = blocked_waiter(kq, r, legacy);
  BOOST_CHECK_EQUAL(::close(kq), 0);
  t.join();
  check_woken_with_ebadf(r, std::chrono::steady_clock::now() - start);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(kqueue_close, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(close_wakes_a_thread_blocked_on_a_mach_knote_with_ebadf) {
  const mach_port_name_t port = new_receive_send();
  const int kq = kqueue_watching(port);

  close_while_a_thread_waits(kq);

  // The knote went with the kqueue; the port and its messages did not.
  BOOST_CHECK_EQUAL(send_simple(port, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 7), MACH_MSG_SUCCESS);
  mach_msg_id_t id = 0;
  BOOST_CHECK_EQUAL(receive_and_destroy(port, &id), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(id, 7);
  drop_port(port);
}

BOOST_AUTO_TEST_CASE(close_wakes_the_legacy_kevent_form_too) {
  const int kq = ::kqueue();
  BOOST_REQUIRE_GE(kq, 0);
  close_while_a_thread_waits(kq, true);
}

BOOST_AUTO_TEST_CASE(close_wakes_a_thread_waiting_on_mach_and_fd_knotes) {
  const mach_port_name_t port = new_receive_send();
  int p[2];
  BOOST_REQUIRE_EQUAL(::pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
  const int kq = ::kqueue();
  BOOST_REQUIRE_GE(kq, 0);
  const kevent64_s adds[2] = {change(port, EVFILT_MACHPORT, EV_ADD),
                              change(static_cast<std::uint64_t>(p[0]), EVFILT_READ, EV_ADD)};
  BOOST_REQUIRE_EQUAL(kevent64(kq, adds, 2, nullptr, 0, 0, &zero), 0);

  close_while_a_thread_waits(kq);

  // A later kevent64 on the number finds no kqueue, even with the pipe readable.
  BOOST_CHECK_EQUAL(::write(p[1], "x", 1), 1);
  kevent64_s ev{};
  errno = 0;
  BOOST_CHECK_EQUAL(kevent64(kq, nullptr, 0, &ev, 1, 0, &zero), -1);
  BOOST_CHECK_EQUAL(errno, EBADF);
  ::close(p[0]);
  ::close(p[1]);
  drop_port(port);
}

BOOST_AUTO_TEST_CASE(every_waiter_wakes) {
  const int kq = ::kqueue();
  BOOST_REQUIRE_GE(kq, 0);
  wait_result r[3];
  std::thread a = blocked_waiter(kq, r[0]);
  std::thread b = blocked_waiter(kq, r[1]);
  std::thread c = blocked_waiter(kq, r[2], true);
  const auto start = std::chrono::steady_clock::now();
  BOOST_CHECK_EQUAL(::close(kq), 0);
  a.join();
  b.join();
  c.join();
  for (const wait_result& each : r) check_woken_with_ebadf(each, std::chrono::steady_clock::now() - start);
}

BOOST_AUTO_TEST_CASE(dup2_over_a_kqueue_destroys_it) {
  const mach_port_name_t port = new_receive_send();
  const int kq = kqueue_watching(port);
  const int other = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  BOOST_REQUIRE_GE(other, 0);

  wait_result r;
  const auto start = std::chrono::steady_clock::now();
  std::thread t = blocked_waiter(kq, r);
  BOOST_CHECK_EQUAL(::dup2(other, kq), kq);
  t.join();
  check_woken_with_ebadf(r, std::chrono::steady_clock::now() - start);
  // The number is /dev/null now, not a kqueue.
  kevent64_s ev{};
  errno = 0;
  BOOST_CHECK_EQUAL(kevent64(kq, nullptr, 0, &ev, 1, 0, &zero), -1);
  BOOST_CHECK_EQUAL(errno, EBADF);
  ::close(kq);
  ::close(other);
  drop_port(port);
}

BOOST_AUTO_TEST_CASE(a_new_kqueue_may_reuse_the_number) {
  const mach_port_name_t port = new_receive_send();
  const int first = ::kqueue();
  BOOST_REQUIRE_GE(first, 0);
  BOOST_REQUIRE_EQUAL(::close(first), 0);
  const int second = ::kqueue();
  BOOST_REQUIRE_GE(second, 0);
  BOOST_CHECK_EQUAL(second, first);  // the lowest free number, as POSIX gives
  const kevent64_s add = change(port, EVFILT_MACHPORT, EV_ADD);
  BOOST_REQUIRE_EQUAL(kevent64(second, &add, 1, nullptr, 0, 0, &zero), 0);
  BOOST_CHECK_EQUAL(send_simple(port, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  kevent64_s ev{};
  BOOST_REQUIRE_EQUAL(kevent64(second, nullptr, 0, &ev, 1, 0, &five_seconds), 1);
  BOOST_CHECK_EQUAL(ev.ident, port);
  BOOST_CHECK_EQUAL(receive_and_destroy(port), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(::close(second), 0);
  drop_port(port);
}

BOOST_AUTO_TEST_CASE(close_of_other_descriptors_is_plain_close) {
  int p[2];
  BOOST_REQUIRE_EQUAL(::pipe(p), 0);
  BOOST_CHECK_EQUAL(::close(p[0]), 0);
  errno = 0;
  BOOST_CHECK_EQUAL(::close(p[0]), -1);
  BOOST_CHECK_EQUAL(errno, EBADF);
  BOOST_CHECK_EQUAL(::dup2(p[1], p[1]), p[1]);
  BOOST_CHECK_EQUAL(::close(p[1]), 0);
  errno = 0;
  BOOST_CHECK_EQUAL(::close(-1), -1);
  BOOST_CHECK_EQUAL(errno, EBADF);
}

BOOST_AUTO_TEST_SUITE_END()
