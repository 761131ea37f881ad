// §8: kqueue/kevent64 with EVFILT_MACHPORT.
#include <mach/mach.h>
#include <sys/event.h>

#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <poll.h>
#include <unistd.h>

#include "emu_test_util.hpp"

using namespace emu_test;

namespace {
const mach_port_t self = mach_task_self();
const struct timespec zero = {0, 0};

kevent64_s change(mach_port_name_t name, std::uint16_t flags, std::uint32_t fflags = 0, std::uint64_t ext0 = 0,
                  std::uint64_t ext1 = 0) {
  kevent64_s ev{};
  ev.ident = name;
  ev.filter = EVFILT_MACHPORT;
  ev.flags = flags;
  ev.fflags = fflags;
  ev.udata = 0xABCDu;
  ev.ext[0] = ext0;
  ev.ext[1] = ext1;
  return ev;
}

int apply(int kq, const kevent64_s& ev) { return kevent64(kq, &ev, 1, nullptr, 0, 0, &zero); }

int poll_one(int kq, kevent64_s& out) { return kevent64(kq, nullptr, 0, &out, 1, 0, &zero); }

bool readable(int kq) {
  pollfd p{kq, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

// A kqueue closed at scope exit.
struct kq_fd {
  int fd = ::kqueue();
  ~kq_fd() { ::close(fd); }
};
}  // namespace

BOOST_FIXTURE_TEST_SUITE(kqueue_machport, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(fd_readable_only_while_a_message_waits) {
  kq_fd kq;
  BOOST_REQUIRE_GE(kq.fd, 0);
  mach_port_name_t p = new_receive_send();
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p, EV_ADD)), 0);
  BOOST_CHECK(!readable(kq.fd));
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  BOOST_CHECK(readable(kq.fd));
  kevent64_s ev{};
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.ident, p);
  BOOST_CHECK_EQUAL(ev.filter, EVFILT_MACHPORT);
  BOOST_CHECK_EQUAL(ev.data, static_cast<std::int64_t>(p));
  BOOST_CHECK_EQUAL(ev.udata, 0xABCDu);
  // Level-triggered: still there until the message is received.
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 1u);
  BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  BOOST_CHECK(!readable(kq.fd));
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(p, EV_DELETE)), 0);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(registration_errors) {
  kq_fd kq;
  mach_port_name_t p = new_receive_send();
  kevent64_s ev = change(0x7D0003, EV_ADD);
  BOOST_CHECK_EQUAL(apply(kq.fd, ev), -1);
  BOOST_CHECK_EQUAL(errno, ENOENT);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(mach_task_self(), EV_ADD)), -1);
  BOOST_CHECK_EQUAL(errno, ENOTSUP);
  kevent64_s read_filter = change(p, EV_ADD);
  read_filter.filter = EVFILT_READ;
  BOOST_CHECK_EQUAL(apply(kq.fd, read_filter), -1);
  // With EV_RECEIPT the error comes back as an event instead.
  kevent64_s out{};
  ev = change(0x7D0003, EV_ADD | EV_RECEIPT);
  BOOST_CHECK_EQUAL(kevent64(kq.fd, &ev, 1, &out, 1, 0, &zero), 1);
  BOOST_CHECK(out.flags & EV_ERROR);
  BOOST_CHECK_EQUAL(out.data, ENOENT);
  ev = change(p, EV_ADD | EV_RECEIPT);
  BOOST_CHECK_EQUAL(kevent64(kq.fd, &ev, 1, &out, 1, 0, &zero), 1);
  BOOST_CHECK(out.flags & EV_ERROR);
  BOOST_CHECK_EQUAL(out.data, 0);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(p, EV_DELETE)), 0);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(p, EV_DELETE)), -1);
  BOOST_CHECK_EQUAL(errno, ENOENT);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(disable_enable_dispatch_oneshot) {
  kq_fd kq;
  mach_port_name_t p = new_receive_send();
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  kevent64_s ev{};
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p, EV_ADD | EV_DISABLE)), 0);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p, EV_ENABLE)), 0);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p, EV_ADD | EV_DISPATCH)), 0);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);  // disabled after one delivery
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p, EV_ENABLE)), 0);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 1);  // message still there
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p, EV_DELETE)), 0);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p, EV_ADD | EV_ONESHOT)), 0);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(p, EV_DELETE)), -1);  // gone
  BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(clear_refires_only_on_the_next_enqueue) {
  kq_fd kq;
  mach_port_name_t p = new_receive_send();
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p, EV_ADD | EV_CLEAR)), 0);
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  kevent64_s ev{};
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p, EV_DELETE)), 0);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(port_set_reports_the_member) {
  kq_fd kq;
  mach_port_name_t a = new_receive_send(), b = new_receive_send();
  mach_port_name_t set = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(mach_port_insert_member(self, a, set), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(mach_port_insert_member(self, b, set), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(set, EV_ADD)), 0);
  BOOST_REQUIRE_EQUAL(send_simple(b, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  kevent64_s ev{};
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.ident, set);
  BOOST_CHECK_EQUAL(ev.data, static_cast<std::int64_t>(b));
  BOOST_CHECK_EQUAL(receive_and_destroy(set), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  // Destroying the set ends its knote with EV_EOF.
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, set), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK(ev.flags & EV_EOF);
  BOOST_CHECK_EQUAL(ev.ident, set);
  drop_port(a);
  drop_port(b);
}

BOOST_AUTO_TEST_CASE(direct_receive) {
  kq_fd kq;
  mach_port_name_t p = new_receive_send();
  rcv_buffer buf{};
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p, EV_ADD, MACH_RCV_MSG, reinterpret_cast<std::uint64_t>(&buf), sizeof buf)), 0);
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 4711), MACH_MSG_SUCCESS);
  kevent64_s ev{};
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.fflags, static_cast<std::uint32_t>(MACH_MSG_SUCCESS));
  BOOST_CHECK_EQUAL(ev.data, 0);
  BOOST_CHECK_EQUAL(ev.ext[0], reinterpret_cast<std::uint64_t>(&buf));
  BOOST_CHECK_EQUAL(ev.ext[1], sizeof(simple_msg) + 8);
  BOOST_CHECK_EQUAL(buf.header.msgh_id, 4711);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  // Too small a buffer with MACH_RCV_LARGE: the message stays queued.
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p, EV_ADD, MACH_RCV_MSG | MACH_RCV_LARGE, reinterpret_cast<std::uint64_t>(&buf), 24)), 0);
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.fflags, static_cast<std::uint32_t>(MACH_RCV_TOO_LARGE));
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 1u);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(p, EV_DELETE)), 0);
  BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(eof_when_the_port_dies) {
  kq_fd kq;
  mach_port_name_t p = new_receive();
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p, EV_ADD)), 0);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
  BOOST_CHECK(readable(kq.fd));
  kevent64_s ev{};
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK(ev.flags & EV_EOF);
  BOOST_CHECK(ev.flags & EV_ONESHOT);
  BOOST_CHECK_EQUAL(ev.ident, p);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
}

BOOST_AUTO_TEST_CASE(kevent_waits_for_a_message) {
  kq_fd kq;
  mach_port_name_t p = new_receive_send();
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p, EV_ADD)), 0);
  const struct timespec fifty = {0, 50'000'000};
  kevent64_s ev{};
  BOOST_CHECK_EQUAL(kevent64(kq.fd, nullptr, 0, &ev, 1, 0, &fifty), 0);
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(kevent64(kq.fd, nullptr, 0, &ev, 1, 0, nullptr), 1);
  BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(p, EV_DELETE)), 0);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(a_closed_kqueue_answers_ebadf) {
  // Asking a closed kqueue for events fails as on XNU, and frees its knotes: the port it
  // watched goes on working for a new kqueue.
  mach_port_name_t p = new_receive_send();
  const int old = ::kqueue();
  BOOST_REQUIRE_GE(old, 0);
  BOOST_REQUIRE_EQUAL(apply(old, change(p, EV_ADD)), 0);
  ::close(old);
  kevent64_s ev{};
  errno = 0;
  BOOST_CHECK_EQUAL(poll_one(old, ev), -1);
  BOOST_CHECK_EQUAL(errno, EBADF);
  kq_fd kq;
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p, EV_ADD)), 0);
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.ident, p);
  BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(events_after_the_fd_is_closed_are_harmless) {
  // The program may close a kqueue before the ports it watched fire or die: that must not
  // raise SIGPIPE or touch whatever file reuses the descriptor number.
  mach_port_name_t p = new_receive_send();
  mach_port_name_t q = new_receive();
  int fds[2] = {-1, -1};
  {
    const int kq = ::kqueue();
    BOOST_REQUIRE_GE(kq, 0);
    BOOST_REQUIRE_EQUAL(apply(kq, change(p, EV_ADD)), 0);
    BOOST_REQUIRE_EQUAL(apply(kq, change(q, EV_ADD)), 0);
    ::close(kq);
  }
  BOOST_REQUIRE_EQUAL(::pipe(fds), 0);  // likely reuses the number
  const char byte = 7;
  BOOST_REQUIRE_EQUAL(::write(fds[1], &byte, 1), 1);
  BOOST_CHECK_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, q, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
  char got = 0;
  BOOST_CHECK_EQUAL(::read(fds[0], &got, 1), 1);  // the other file kept its data
  BOOST_CHECK_EQUAL(got, byte);
  ::close(fds[0]);
  ::close(fds[1]);
  drop_port(p);
}

BOOST_AUTO_TEST_SUITE_END()
