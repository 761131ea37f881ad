// SPDX-License-Identifier: BSL-1.0
// Thread safety: many threads blocked in mach_msg and kevent64 at once (run under TSan in CI).
#include <mach/mach.h>
#include <sys/event.h>

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>
#include <unistd.h>
#include <vector>

#include "emu_test_util.hpp"

using namespace emu_test;

namespace {
const mach_port_t self = mach_task_self();
}

BOOST_FIXTURE_TEST_SUITE(threads, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(many_blocked_receivers_and_kevent_waiters) {
  constexpr int receivers = 8, watchers = 4;
  mach_port_name_t p = new_receive_send();
  mach_port_name_t w = new_receive_send();
  const int kq = ::kqueue();
  BOOST_REQUIRE_GE(kq, 0);
  kevent64_s add{};
  add.ident = w;
  add.filter = EVFILT_MACHPORT;
  add.flags = EV_ADD;
  BOOST_REQUIRE_EQUAL(kevent64(kq, &add, 1, nullptr, 0, 0, nullptr), 0);

  std::atomic<int> received{0}, woken{0};
  std::vector<std::thread> pool;
  for (int i = 0; i < receivers; ++i)
    pool.emplace_back([&] {
      rcv_buffer buf;
      if (receive(p, buf, MACH_RCV_TIMEOUT, 10000) == MACH_MSG_SUCCESS) ++received;
    });
  for (int i = 0; i < watchers; ++i)
    pool.emplace_back([&] {
      kevent64_s ev{};
      const struct timespec ten = {10, 0};
      if (kevent64(kq, nullptr, 0, &ev, 1, 0, &ten) == 1 && ev.ident == w) ++woken;
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // One message on w wakes every kevent waiter: the knote is level-triggered.
  BOOST_REQUIRE_EQUAL(send_simple(w, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  for (int i = 0; i < receivers; ++i)
    BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, i, 0), MACH_MSG_SUCCESS);
  for (auto& t : pool) t.join();
  BOOST_CHECK_EQUAL(received.load(), receivers);
  BOOST_CHECK_EQUAL(woken.load(), watchers);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(receive_and_destroy(w), MACH_MSG_SUCCESS);
  ::close(kq);
  drop_port(p);
  drop_port(w);
}

BOOST_AUTO_TEST_CASE(concurrent_senders_blocked_on_a_full_queue) {
  constexpr int senders = 6, each = 200;
  mach_port_name_t p = new_receive_send();
  // Boost.Test assertions are not thread-safe: workers only count, the main thread checks.
  std::atomic<int> failed_sends{0};
  std::vector<std::thread> pool;
  for (int s = 0; s < senders; ++s)
    pool.emplace_back([&, s] {
      for (int i = 0; i < each; ++i)
        if (send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, s * each + i, 0) != MACH_MSG_SUCCESS) ++failed_sends;
    });
  std::vector<int> last(senders, -1);
  for (int n = 0; n < senders * each; ++n) {
    rcv_buffer buf;
    BOOST_REQUIRE_EQUAL(receive(p, buf, MACH_RCV_TIMEOUT, 10000), MACH_MSG_SUCCESS);
    const int id = buf.header.msgh_id;
    BOOST_CHECK_GT(id % each, last[id / each]);  // FIFO per sender
    last[id / each] = id % each;
  }
  for (auto& t : pool) t.join();
  BOOST_CHECK_EQUAL(failed_sends.load(), 0);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 1u);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(concurrent_port_churn) {
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t)
    pool.emplace_back([] {
      for (int i = 0; i < 500; ++i) {
        mach_port_name_t n = MACH_PORT_NULL;
        if (mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &n) != KERN_SUCCESS) continue;
        (void)mach_port_insert_right(self, n, n, MACH_MSG_TYPE_MAKE_SEND);
        (void)send_simple(n, MACH_MSG_TYPE_MOVE_SEND);
        (void)mach_port_mod_refs(self, n, MACH_PORT_RIGHT_RECEIVE, -1);
      }
    });
  for (auto& t : pool) t.join();
}

BOOST_AUTO_TEST_SUITE_END()
