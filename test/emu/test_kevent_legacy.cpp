// SPDX-License-Identifier: BSL-1.0
// kevent() (struct kevent) on the kqueues kevent64 uses: the same knotes, XNU's legacy
// copy-in (ext words zero) and copy-out (ext words dropped).
#include <mach/mach.h>
#include <sys/event.h>

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include "emu_test_util.hpp"

using namespace emu_test;

namespace {
const struct timespec zero = {0, 0};

struct kq_fd {
  int fd = ::kqueue();
  ~kq_fd() { ::close(fd); }
};

int marker;  // its address travels as udata
}  // namespace

BOOST_FIXTURE_TEST_SUITE(kevent_legacy, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(a_knote_added_with_kevent_fires_for_kevent64_and_back) {
  kq_fd kq;
  BOOST_REQUIRE_GE(kq.fd, 0);
  const mach_port_name_t p = new_receive_send();
  struct kevent add;
  EV_SET(&add, p, EVFILT_MACHPORT, EV_ADD, 0, 0, &marker);
  BOOST_REQUIRE_EQUAL(kevent(kq.fd, &add, 1, nullptr, 0, &zero), 0);
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);

  struct kevent ev{};
  BOOST_REQUIRE_EQUAL(kevent(kq.fd, nullptr, 0, &ev, 1, &zero), 1);
  BOOST_CHECK_EQUAL(ev.ident, p);
  BOOST_CHECK_EQUAL(ev.filter, EVFILT_MACHPORT);
  BOOST_CHECK_EQUAL(ev.data, static_cast<std::intptr_t>(p));
  BOOST_CHECK(ev.udata == &marker);

  kevent64_s ev64{};
  BOOST_REQUIRE_EQUAL(kevent64(kq.fd, nullptr, 0, &ev64, 1, 0, &zero), 1);
  BOOST_CHECK_EQUAL(ev64.udata, reinterpret_cast<std::uint64_t>(&marker));
  BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(kevent(kq.fd, nullptr, 0, &ev, 1, &zero), 0);

  struct kevent del;
  EV_SET(&del, p, EVFILT_MACHPORT, EV_DELETE, 0, 0, nullptr);
  BOOST_CHECK_EQUAL(kevent(kq.fd, &del, 1, nullptr, 0, &zero), 0);
  BOOST_CHECK_EQUAL(kevent(kq.fd, &del, 1, nullptr, 0, &zero), -1);
  BOOST_CHECK_EQUAL(errno, ENOENT);
  drop_port(p);
}

// A change's errors come back as EV_ERROR events, or as the call's errno when there is no
// room for them, as through kevent64.
BOOST_AUTO_TEST_CASE(errors_and_receipts) {
  kq_fd kq;
  const mach_port_name_t p = new_receive_send();
  struct kevent changes[2];
  EV_SET(&changes[0], p, EVFILT_MACHPORT, EV_ADD | EV_RECEIPT, 0, 0, nullptr);
  EV_SET(&changes[1], 0x7777, EVFILT_MACHPORT, EV_ADD, 0, 0, nullptr);
  struct kevent out[2]{};
  BOOST_REQUIRE_EQUAL(kevent(kq.fd, changes, 2, out, 2, &zero), 2);
  BOOST_CHECK_EQUAL(out[0].flags, EV_ERROR);
  BOOST_CHECK_EQUAL(out[0].data, 0);
  BOOST_CHECK_EQUAL(out[1].flags, EV_ERROR);
  BOOST_CHECK_EQUAL(out[1].data, ENOENT);
  BOOST_CHECK_EQUAL(kevent(kq.fd, nullptr, -1, nullptr, 0, &zero), -1);
  BOOST_CHECK_EQUAL(errno, EINVAL);
  BOOST_CHECK_EQUAL(kevent(-1, nullptr, 0, nullptr, 0, &zero), -1);
  BOOST_CHECK_EQUAL(errno, EBADF);
  struct kevent del;
  EV_SET(&del, p, EVFILT_MACHPORT, EV_DELETE, 0, 0, nullptr);
  BOOST_CHECK_EQUAL(kevent(kq.fd, &del, 1, nullptr, 0, &zero), 0);
  drop_port(p);
}

// MACH_RCV_MSG through kevent(): no buffer (ext[1] is 0), so the event reports the
// message's size and its port, and the message stays queued.
BOOST_AUTO_TEST_CASE(a_direct_receive_knote_has_no_buffer) {
  kq_fd kq;
  const mach_port_name_t p = new_receive_send();
  struct kevent add;
  EV_SET(&add, p, EVFILT_MACHPORT, EV_ADD, MACH_RCV_MSG, 0, nullptr);
  BOOST_REQUIRE_EQUAL(kevent(kq.fd, &add, 1, nullptr, 0, &zero), 0);
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  struct kevent ev{};
  BOOST_REQUIRE_EQUAL(kevent(kq.fd, nullptr, 0, &ev, 1, &zero), 1);
  BOOST_CHECK_EQUAL(ev.fflags, static_cast<std::uint32_t>(MACH_RCV_TOO_LARGE));
  BOOST_CHECK_EQUAL(ev.data, static_cast<std::intptr_t>(p));
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 1u);
  BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  struct kevent del;
  EV_SET(&del, p, EVFILT_MACHPORT, EV_DELETE, 0, 0, nullptr);
  BOOST_CHECK_EQUAL(kevent(kq.fd, &del, 1, nullptr, 0, &zero), 0);
  drop_port(p);
}

BOOST_AUTO_TEST_SUITE_END()
