// SPDX-License-Identifier: BSL-1.0
// §8: kqueue/kevent64 with EVFILT_MACHPORT.
#include <mach/mach.h>
#include <sys/event.h>

#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "emu_test_util.hpp"

using namespace emu_test;

namespace {
const mach_port_t self = mach_task_self();
const struct timespec zero = {0, 0};

kevent64_s change(mach_port_name_t name, std::uint16_t flags, std::uint32_t fflags = 0,
                  std::uint64_t ext0 = 0, std::uint64_t ext1 = 0) {
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

// A change for a direct-receive knote (MACH_RCV_MSG plus `options`) into `buf`, `size`.
kevent64_s direct(mach_port_name_t name, std::uint16_t flags, const void* buf, std::uint64_t size,
                  std::uint32_t options = 0) {
  return change(name, flags, MACH_RCV_MSG | options, reinterpret_cast<std::uint64_t>(buf), size);
}

int apply(int kq, const kevent64_s& ev) { return kevent64(kq, &ev, 1, nullptr, 0, 0, &zero); }

// The error a change gets (0: accepted), through EV_RECEIPT.
std::int64_t apply_error(int kq, kevent64_s ev) {
  ev.flags |= EV_RECEIPT;
  kevent64_s out{};
  if (kevent64(kq, &ev, 1, &out, 1, 0, &zero) != 1 || !(out.flags & EV_ERROR)) return -1;
  return out.data;
}

int poll_one(int kq, kevent64_s& out) { return kevent64(kq, nullptr, 0, &out, 1, 0, &zero); }

bool readable(int kq) {
  pollfd p{kq, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

// A receive buffer filled with a pattern, to see what a receive wrote into it.
struct marked_buffer : rcv_buffer {
  marked_buffer() { std::memset(static_cast<rcv_buffer*>(this), 0xAB, sizeof(rcv_buffer)); }
  bool untouched() const {
    const auto* b = reinterpret_cast<const unsigned char*>(static_cast<const rcv_buffer*>(this));
    return std::all_of(b, b + sizeof(rcv_buffer), [](unsigned char c) { return c == 0xAB; });
  }
  template <class T>
  T at(std::size_t offset) const {
    T v;
    std::memcpy(&v, reinterpret_cast<const std::byte*>(&header) + offset, sizeof v);
    return v;
  }
};

constexpr std::uint64_t simple_size = sizeof(simple_msg);
constexpr std::uint64_t default_trailer = sizeof(mach_msg_trailer_t);

// A new port set with members `a` and `b`.
mach_port_name_t new_set_of(mach_port_name_t a, mach_port_name_t b) {
  mach_port_name_t set = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(mach_port_insert_member(self, a, set), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(mach_port_insert_member(self, b, set), KERN_SUCCESS);
  return set;
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
  // A port name is no descriptor for EVFILT_READ, and EVFILT_VNODE is not provided.
  kevent64_s read_filter = change(p, EV_ADD);
  read_filter.filter = EVFILT_READ;
  BOOST_CHECK_EQUAL(apply(kq.fd, read_filter), -1);
  BOOST_CHECK_EQUAL(errno, EBADF);
  kevent64_s vnode_filter = change(p, EV_ADD);
  vnode_filter.filter = EVFILT_VNODE;
  BOOST_CHECK_EQUAL(apply(kq.fd, vnode_filter), -1);
  BOOST_CHECK_EQUAL(errno, EINVAL);
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
  // The flags of a knote are those of its EV_ADD: dispatching needs a new knote.
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p, EV_DELETE)), 0);
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
  mach_port_name_t set = new_set_of(a, b);
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

// An event on a set, without MACH_RCV_MSG, gives the reported member its turn as a
// receive from the set would (XNU: waitq_set_first_prepost rotates): with both members
// holding messages, the events name them in turn, and the set's next receive takes from
// the member named least recently.
BOOST_AUTO_TEST_CASE(port_set_events_give_the_members_turns) {
  kq_fd kq;
  mach_port_name_t a = new_receive_send(), b = new_receive_send();
  mach_port_name_t set = new_set_of(a, b);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(set, EV_ADD)), 0);
  for (mach_port_name_t to : {a, a, b}) BOOST_REQUIRE_EQUAL(send_simple(to, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  kevent64_s ev{};
  std::vector<std::int64_t> named;
  for (int i = 0; i < 3; ++i) {
    BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
    named.push_back(ev.data);
  }
  BOOST_CHECK((named == std::vector<std::int64_t>{a, b, a}));
  rcv_buffer buf;
  BOOST_REQUIRE_EQUAL(receive(set, buf), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(buf.header.msgh_local_port, b);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(set, EV_DELETE)), 0);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, set), KERN_SUCCESS);
  drop_port(a);
  drop_port(b);
}

BOOST_AUTO_TEST_CASE(direct_receive) {
  kq_fd kq;
  mach_port_name_t p = new_receive_send();
  rcv_buffer buf{};
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(p, EV_ADD, MACH_RCV_MSG,
                                          reinterpret_cast<std::uint64_t>(&buf), sizeof buf)),
                      0);
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 4711), MACH_MSG_SUCCESS);
  kevent64_s ev{};
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.fflags, static_cast<std::uint32_t>(MACH_MSG_SUCCESS));
  BOOST_CHECK_EQUAL(ev.data, 0);
  BOOST_CHECK_EQUAL(ev.ext[0], reinterpret_cast<std::uint64_t>(&buf));
  BOOST_CHECK_EQUAL(ev.ext[1], sizeof(simple_msg) + 8);
  BOOST_CHECK_EQUAL(buf.header.msgh_id, 4711);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  // A too-large message: too_large_with_rcv_large_keeps_the_message and the next case.
  BOOST_CHECK_EQUAL(apply(kq.fd, change(p, EV_DELETE)), 0);
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

// Point 1 (XNU filt_machporttouch via kevent_register): any change to an existing knote
// but EV_DELETE replaces its fflags, ext[0]/ext[1] and udata, whatever its flags; only
// EV_ENABLE enables; MACH_RCV_MSG cannot be toggled; the EV_ADD flags stay.
BOOST_AUTO_TEST_CASE(a_change_replaces_the_buffer_and_only_ev_enable_enables) {
  kq_fd kq;
  mach_port_name_t p = new_receive_send();
  marked_buffer a, b, c, d;
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, direct(p, EV_ADD | EV_DISABLE, &a, sizeof a)), 0);
  kevent64_s ev{};
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, direct(p, EV_ADD, &b, sizeof b)), 0);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);  // EV_ADD does not enable an existing knote
  // Dropping MACH_RCV_MSG is refused, and the refused change enables nothing.
  BOOST_CHECK_EQUAL(apply_error(kq.fd, change(p, EV_ENABLE)), EINVAL);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, direct(p, EV_ENABLE, &c, sizeof c)), 0);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.fflags, static_cast<std::uint32_t>(MACH_MSG_SUCCESS));
  BOOST_CHECK_EQUAL(ev.ext[0], reinterpret_cast<std::uint64_t>(&c));
  BOOST_CHECK_EQUAL(c.header.msgh_id, 1);
  BOOST_CHECK(a.untouched());
  BOOST_CHECK(b.untouched());
  // A change with no flags at all is a modification too.
  kevent64_s to_d = direct(p, 0, &d, sizeof d);
  to_d.udata = 0x1234;
  BOOST_REQUIRE_EQUAL(apply(kq.fd, to_d), 0);
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 2), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.ext[0], reinterpret_cast<std::uint64_t>(&d));
  BOOST_CHECK_EQUAL(ev.udata, 0x1234u);
  BOOST_CHECK_EQUAL(d.header.msgh_id, 2);
  // EV_DISPATCH on a change does not make the (level) knote dispatching.
  BOOST_REQUIRE_EQUAL(apply(kq.fd, direct(p, EV_ADD | EV_ENABLE | EV_DISPATCH, &c, sizeof c)), 0);
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 3), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 4), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.flags, EV_ADD | EV_DISABLE);  // the EV_ADD's flags, as registered
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(c.header.msgh_id, 4);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(p, EV_DELETE)), 0);
  // A change without EV_ADD to a name with no knote finds nothing.
  BOOST_CHECK_EQUAL(apply_error(kq.fd, direct(p, EV_ENABLE, &c, sizeof c)), ENOENT);
  drop_port(p);
}

// Point 2, with MACH_RCV_LARGE (XNU filt_machportprocess, mach_msg_receive_too_large):
// ext[1] = the message size without trailer, data = the port with LARGE_IDENTITY (else 0),
// the buffer untouched, the message queued; the knote is level, so it fires again unless
// EV_DISPATCH disabled it, and re-enabled with a big enough buffer it receives.
BOOST_AUTO_TEST_CASE(too_large_with_rcv_large_keeps_the_message) {
  kq_fd kq;
  mach_port_name_t p = new_receive_send();
  marked_buffer small, big;
  const std::uint64_t short_size = simple_size + default_trailer - 4;
  BOOST_REQUIRE_EQUAL(apply(kq.fd, direct(p, EV_ADD | EV_DISPATCH, &small, short_size,
                                          MACH_RCV_LARGE | MACH_RCV_LARGE_IDENTITY)),
                      0);
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 4711), MACH_MSG_SUCCESS);
  kevent64_s ev{};
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.fflags, static_cast<std::uint32_t>(MACH_RCV_TOO_LARGE));
  BOOST_CHECK_EQUAL(ev.ext[1], simple_size);
  BOOST_CHECK_EQUAL(ev.ext[0], reinterpret_cast<std::uint64_t>(&small));
  BOOST_CHECK_EQUAL(ev.data, static_cast<std::int64_t>(p));
  BOOST_CHECK(small.untouched());
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 1u);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);  // EV_DISPATCH: disabled after that event
  BOOST_REQUIRE_EQUAL(apply(kq.fd, direct(p, EV_ADD | EV_ENABLE | EV_DISPATCH, &big, sizeof big,
                                          MACH_RCV_LARGE | MACH_RCV_LARGE_IDENTITY)),
                      0);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.fflags, static_cast<std::uint32_t>(MACH_MSG_SUCCESS));
  BOOST_CHECK_EQUAL(ev.data, 0);
  BOOST_CHECK_EQUAL(ev.ext[1], simple_size + default_trailer);
  BOOST_CHECK_EQUAL(big.header.msgh_id, 4711);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(p, EV_DELETE)), 0);

  // Without EV_DISPATCH nor LARGE_IDENTITY: data 0, and the event comes back each time.
  BOOST_REQUIRE_EQUAL(apply(kq.fd, direct(p, EV_ADD, &small, short_size, MACH_RCV_LARGE)), 0);
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  for (int i = 0; i < 2; ++i) {
    BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
    BOOST_CHECK_EQUAL(ev.fflags, static_cast<std::uint32_t>(MACH_RCV_TOO_LARGE));
    BOOST_CHECK_EQUAL(ev.data, 0);
    BOOST_CHECK_EQUAL(ev.ext[1], simple_size);
  }
  BOOST_CHECK(small.untouched());
  // A knote registered without a buffer size only reports, as with LARGE_IDENTITY.
  BOOST_REQUIRE_EQUAL(apply(kq.fd, direct(p, EV_ENABLE, nullptr, 0)), 0);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.fflags, static_cast<std::uint32_t>(MACH_RCV_TOO_LARGE));
  BOOST_CHECK_EQUAL(ev.data, static_cast<std::int64_t>(p));
  BOOST_CHECK_EQUAL(ev.ext[1], simple_size);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 1u);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(p, EV_DELETE)), 0);
  BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  drop_port(p);
}

// Point 2, without MACH_RCV_LARGE (XNU mach_msg_receive_error, ipc_kmsg_put_to_user with
// the linear vector of kevent): the message is destroyed; a bare header (size 24, the
// port's name, the id) and the trailer are written and reported in ext[1], data = 0; a
// buffer too small for those gets nothing and MACH_RCV_INVALID_DATA.
BOOST_AUTO_TEST_CASE(too_large_without_rcv_large_destroys_the_message) {
  kq_fd kq;
  mach_port_name_t p = new_receive_send();
  mach_port_name_t r = new_receive_send();
  const mach_port_urefs_t r_sends = refs(r, MACH_PORT_RIGHT_SEND);
  marked_buffer buf;
  const std::uint64_t bare = sizeof(mach_msg_header_t) + default_trailer;
  BOOST_REQUIRE_EQUAL(apply(kq.fd, direct(p, EV_ADD | EV_DISPATCH, &buf, bare)), 0);
  // The message carries a send right, which the failed receive destroys.
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND, r, MACH_MSG_TYPE_COPY_SEND, 4711),
                      MACH_MSG_SUCCESS);
  kevent64_s ev{};
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.fflags, static_cast<std::uint32_t>(MACH_RCV_TOO_LARGE));
  BOOST_CHECK_EQUAL(ev.ext[1], bare);
  BOOST_CHECK_EQUAL(ev.data, 0);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(refs(r, MACH_PORT_RIGHT_SEND), r_sends);
  BOOST_CHECK_EQUAL(buf.header.msgh_size, sizeof(mach_msg_header_t));
  BOOST_CHECK_EQUAL(buf.header.msgh_local_port, p);
  BOOST_CHECK_EQUAL(buf.header.msgh_remote_port, MACH_PORT_NULL);
  BOOST_CHECK_EQUAL(buf.header.msgh_id, 4711);
  BOOST_CHECK_EQUAL(buf.at<mach_msg_trailer_t>(sizeof(mach_msg_header_t)).msgh_trailer_size,
                    default_trailer);
  BOOST_CHECK_EQUAL(buf.at<std::uint8_t>(bare), 0xAB);  // nothing beyond
  // Room for less than a bare header and its trailer: nothing written, the message lost,
  // and LARGE_IDENTITY names no port (only MACH_RCV_LARGE looks the port up).
  marked_buffer tiny;
  BOOST_REQUIRE_EQUAL(apply(kq.fd, direct(p, EV_ENABLE, &tiny, bare - 4, MACH_RCV_LARGE_IDENTITY)),
                      0);
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.fflags, static_cast<std::uint32_t>(MACH_RCV_INVALID_DATA));
  BOOST_CHECK_EQUAL(ev.ext[1], 0u);
  BOOST_CHECK_EQUAL(ev.data, 0);
  BOOST_CHECK(tiny.untouched());
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(p, EV_DELETE)), 0);
  drop_port(p);
  drop_port(r);
}

// Point 3 and 5: the pattern of a server that re-enables its EV_DISPATCH knote with a new
// buffer for each receive. Success: fflags 0, data 0, ext[0] = the buffer, ext[1] = the
// message plus the trailer the fflags ask for.
BOOST_AUTO_TEST_CASE(dispatch_direct_receive_with_a_new_buffer_each_time) {
  kq_fd kq;
  mach_port_name_t p = new_receive_send();
  const std::uint32_t seqno = MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
                              MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_SEQNO);
  const std::uint32_t audit = MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
                              MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT);
  marked_buffer one, two, three;
  BOOST_REQUIRE_EQUAL(apply(kq.fd, direct(p, EV_ADD | EV_ENABLE | EV_DISPATCH, &one, sizeof one,
                                          MACH_RCV_LARGE | seqno)),
                      0);
  for (mach_msg_id_t id : {1, 2, 3})
    BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, id), MACH_MSG_SUCCESS);
  kevent64_s ev{};
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.ident, p);
  BOOST_CHECK_EQUAL(ev.flags, EV_ADD | EV_ENABLE | EV_DISPATCH);
  BOOST_CHECK_EQUAL(ev.fflags, static_cast<std::uint32_t>(MACH_MSG_SUCCESS));
  BOOST_CHECK_EQUAL(ev.data, 0);
  BOOST_CHECK_EQUAL(ev.ext[0], reinterpret_cast<std::uint64_t>(&one));
  BOOST_CHECK_EQUAL(ev.ext[1], simple_size + sizeof(mach_msg_seqno_trailer_t));
  BOOST_CHECK_EQUAL(one.header.msgh_id, 1);
  const auto tr1 = one.at<mach_msg_seqno_trailer_t>(simple_size);
  BOOST_CHECK_EQUAL(tr1.msgh_trailer_size, sizeof(mach_msg_seqno_trailer_t));
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);  // disabled until re-enabled
  // EV_ADD alone does not re-enable it; EV_ENABLE does, and fires at once (level).
  BOOST_REQUIRE_EQUAL(apply(kq.fd, direct(p, EV_ADD, &two, sizeof two, MACH_RCV_LARGE | seqno)), 0);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, direct(p, EV_ADD | EV_ENABLE | EV_DISPATCH, &two, sizeof two,
                                          MACH_RCV_LARGE | seqno)),
                      0);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.ext[0], reinterpret_cast<std::uint64_t>(&two));
  BOOST_CHECK_EQUAL(two.header.msgh_id, 2);
  BOOST_CHECK_EQUAL(two.at<mach_msg_seqno_trailer_t>(simple_size).msgh_seqno, tr1.msgh_seqno + 1);
  BOOST_CHECK_EQUAL(one.header.msgh_id, 1);  // the earlier buffer is left alone
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  // EV_ENABLE alone, with other trailer bits: still dispatching, with the new trailer.
  BOOST_REQUIRE_EQUAL(apply(kq.fd, direct(p, EV_ENABLE, &three, sizeof three, audit)), 0);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.ext[1], simple_size + sizeof(mach_msg_audit_trailer_t));
  BOOST_CHECK_EQUAL(three.header.msgh_id, 3);
  const auto tr3 = three.at<mach_msg_audit_trailer_t>(simple_size);
  BOOST_CHECK_EQUAL(tr3.msgh_trailer_size, sizeof(mach_msg_audit_trailer_t));
  BOOST_CHECK_EQUAL(tr3.msgh_trailer_type, static_cast<unsigned>(MACH_MSG_TRAILER_FORMAT_0));
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  // Re-enabled on an empty queue: fires when the next message comes.
  BOOST_REQUIRE_EQUAL(apply(kq.fd, direct(p, EV_ADD | EV_ENABLE | EV_DISPATCH, &one, sizeof one)),
                      0);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 4), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(one.header.msgh_id, 4);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(p, EV_DELETE)), 0);
  drop_port(p);
}

// Point 4: a set's knote receives the member's message (msgh_local_port = the member),
// one message per enable; with MACH_RCV_LARGE_IDENTITY a too-large one names the member.
// Notification-only events carry fflags 0 whatever was registered.
BOOST_AUTO_TEST_CASE(port_set_direct_receive) {
  kq_fd kq;
  mach_port_name_t a = new_receive_send(), b = new_receive_send();
  mach_port_name_t set = new_set_of(a, b);
  marked_buffer one, two, small;
  BOOST_REQUIRE_EQUAL(apply(kq.fd, direct(set, EV_ADD | EV_DISPATCH, &one, sizeof one)), 0);
  BOOST_REQUIRE_EQUAL(send_simple(b, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(send_simple(a, MACH_MSG_TYPE_COPY_SEND, 0, 0, 2), MACH_MSG_SUCCESS);
  kevent64_s ev{};
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.ident, set);
  BOOST_CHECK_EQUAL(ev.fflags, static_cast<std::uint32_t>(MACH_MSG_SUCCESS));
  BOOST_CHECK_EQUAL(ev.data, 0);
  BOOST_CHECK_EQUAL(one.header.msgh_local_port, b);
  BOOST_CHECK_EQUAL(one.header.msgh_id, 1);
  BOOST_CHECK_EQUAL(status(b).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(status(a).mps_msgcount, 1u);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  BOOST_REQUIRE_EQUAL(apply(kq.fd, direct(set, EV_ADD | EV_ENABLE | EV_DISPATCH, &two, sizeof two)),
                      0);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(two.header.msgh_local_port, a);
  BOOST_CHECK_EQUAL(two.header.msgh_id, 2);
  BOOST_CHECK_EQUAL(one.header.msgh_id, 1);
  BOOST_REQUIRE_EQUAL(
      apply(kq.fd, direct(set, EV_ENABLE, &small, 16, MACH_RCV_LARGE | MACH_RCV_LARGE_IDENTITY)),
      0);
  BOOST_CHECK_EQUAL(poll_one(kq.fd, ev), 0);
  BOOST_REQUIRE_EQUAL(send_simple(a, MACH_MSG_TYPE_COPY_SEND, 0, 0, 3), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.fflags, static_cast<std::uint32_t>(MACH_RCV_TOO_LARGE));
  BOOST_CHECK_EQUAL(ev.data, static_cast<std::int64_t>(a));
  BOOST_CHECK_EQUAL(ev.ext[1], simple_size);
  BOOST_CHECK(small.untouched());
  BOOST_CHECK_EQUAL(apply(kq.fd, change(set, EV_DELETE)), 0);
  // Without MACH_RCV_MSG nothing is received; the event's fflags are 0, its flags the
  // registration's.
  BOOST_REQUIRE_EQUAL(apply(kq.fd, change(set, EV_ADD, MACH_RCV_LARGE)), 0);
  BOOST_REQUIRE_EQUAL(poll_one(kq.fd, ev), 1);
  BOOST_CHECK_EQUAL(ev.data, static_cast<std::int64_t>(a));
  BOOST_CHECK_EQUAL(ev.fflags, 0u);
  BOOST_CHECK_EQUAL(ev.flags, EV_ADD);
  BOOST_CHECK_EQUAL(receive_and_destroy(set), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(apply(kq.fd, change(set, EV_DELETE)), 0);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, set), KERN_SUCCESS);
  drop_port(a);
  drop_port(b);
}

BOOST_AUTO_TEST_SUITE_END()
