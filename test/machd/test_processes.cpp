// SPDX-License-Identifier: BSL-1.0
// machd across processes: bootstrap, death of a peer (kill -9) with the notifications XNU
// sends, many senders at once, and a client speaking garbage. Every case checks that the
// daemon's task and port counts return to where they started.
#include <mach/mach.h>
#include <mach/notify.h>
#include <bsm/libbsm.h>
#include <servers/bootstrap.h>

#include <poll.h>
#include <sys/event.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "machd_test_util.hpp"
#include "port_message.hpp"
#include "right_accounting.hpp"

using machd_test::child;
using machd_test::drop_dead_name;
using machd_test::drop_receive;
using machd_test::new_receive;

namespace {

struct rcv_buffer {
  mach_msg_header_t header;
  char body[512];
};

// Receives one message on `port`; fails the test after 10 s (a hang, not a timing check).
rcv_buffer receive(mach_port_t port) {
  rcv_buffer m{};
  BOOST_REQUIRE_EQUAL(mach_msg(&m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, port,
                               10000, MACH_PORT_NULL),
                      MACH_MSG_SUCCESS);
  return m;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(machd_processes, machd_test::counted)

BOOST_AUTO_TEST_CASE(client_and_server_meet_through_bootstrap) {
  const std::string name = machd_test::unique_name("server");
  child server({"server", name});
  BOOST_REQUIRE_EQUAL(server.line(), "ready");
  mach_port_t service = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(bootstrap_look_up(bootstrap_port, name.c_str(), &service), KERN_SUCCESS);
  // A second live check-in of the name is refused, as launchd does.
  mach_port_t again = MACH_PORT_NULL;
  BOOST_CHECK_EQUAL(bootstrap_check_in(bootstrap_port, name.c_str(), &again),
                    BOOTSTRAP_SERVICE_ACTIVE);
  const mach_port_t reply = new_receive();
  for (int id = 1; id <= 3; ++id) {
    mach_msg_header_t m{};
    m.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    m.msgh_size = sizeof m;
    m.msgh_remote_port = service;
    m.msgh_local_port = reply;
    m.msgh_id = id;
    BOOST_REQUIRE_EQUAL(mach_msg(&m, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL),
                        MACH_MSG_SUCCESS);
    const rcv_buffer r = receive(reply);
    BOOST_CHECK_EQUAL(r.header.msgh_id, id + 100);
  }
  mach_msg_header_t stop{};
  stop.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  stop.msgh_size = sizeof stop;
  stop.msgh_remote_port = service;
  stop.msgh_id = 0;
  BOOST_REQUIRE_EQUAL(mach_msg(&stop, MACH_SEND_MSG, sizeof stop, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL),
                      MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(server.wait(), 0);
  // The server is gone, and so is its name.
  mach_port_t gone = MACH_PORT_NULL;
  BOOST_CHECK_EQUAL(bootstrap_look_up(bootstrap_port, name.c_str(), &gone), BOOTSTRAP_UNKNOWN_SERVICE);
  drop_dead_name(service);
  drop_receive(reply);
}

// A send right made here travels A (us) -> B -> C, and C's message on it reaches us.
BOOST_AUTO_TEST_CASE(a_right_passes_from_a_to_b_to_c) {
  const std::string b_name = machd_test::unique_name("b"), c_name = machd_test::unique_name("c");
  child c({"answer", c_name});
  BOOST_REQUIRE_EQUAL(c.line(), "ready");
  child b({"relay", b_name, c_name});
  BOOST_REQUIRE_EQUAL(b.line(), "ready");
  mach_port_t to_b = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(bootstrap_look_up(bootstrap_port, b_name.c_str(), &to_b), KERN_SUCCESS);
  const mach_port_t mine = new_receive();
  BOOST_REQUIRE_EQUAL(machd_test::send_port(to_b, MACH_MSG_TYPE_MOVE_SEND, mine, MACH_MSG_TYPE_MAKE_SEND),
                      MACH_MSG_SUCCESS);
  const rcv_buffer got = receive(mine);
  BOOST_CHECK_EQUAL(got.header.msgh_id, 42);
  // The right was moved all the way and consumed by C's send: no sender is left.
  mach_port_status_t status{};
  mach_msg_type_number_t count = MACH_PORT_RECEIVE_STATUS_COUNT;
  BOOST_REQUIRE(mach_port_get_attributes(mach_task_self(), mine, MACH_PORT_RECEIVE_STATUS,
                                         reinterpret_cast<mach_port_info_t>(&status), &count) ==
                KERN_SUCCESS);
  BOOST_CHECK_EQUAL(status.mps_srights, 0u);
  BOOST_CHECK_EQUAL(b.wait(), 0);
  BOOST_CHECK_EQUAL(c.wait(), 0);
  drop_receive(mine);
}

// kill -9 of a receiver with a queued message carrying a send right: our send right to it
// becomes a dead name with a dead-name notification, and the right in the queued message
// is released (no-senders on our port).
BOOST_AUTO_TEST_CASE(kill9_of_a_receiver_with_queued_rights) {
  const std::string name = machd_test::unique_name("receiver");
  child holder({"hold", name});
  // The first message is received; the second stays queued.
  const mach_port_t service = machd_test::holding(holder, name);
  const mach_port_t carried = new_receive();
  BOOST_REQUIRE_EQUAL(machd_test::send_port(service, MACH_MSG_TYPE_COPY_SEND, carried, MACH_MSG_TYPE_MAKE_SEND),
                      MACH_MSG_SUCCESS);
  const mach_port_t notify = new_receive();
  mach_port_t previous = MACH_PORT_NULL;
  BOOST_REQUIRE(mach_port_request_notification(mach_task_self(), service, MACH_NOTIFY_DEAD_NAME, 0,
                                               notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
                                               &previous) == KERN_SUCCESS);
  BOOST_REQUIRE(mach_port_request_notification(mach_task_self(), carried, MACH_NOTIFY_NO_SENDERS, 0,
                                               notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
                                               &previous) == KERN_SUCCESS);
  holder.kill9();
  std::set<mach_msg_id_t> ids;
  for (int i = 0; i < 2; ++i) {
    const rcv_buffer n = receive(notify);
    ids.insert(n.header.msgh_id);
    if (n.header.msgh_id == MACH_NOTIFY_DEAD_NAME) {
      mach_dead_name_notification_t d;
      std::memcpy(&d, &n, sizeof d - sizeof d.trailer);
      BOOST_CHECK_EQUAL(d.not_port, service);
    }
  }
  BOOST_CHECK((ids == std::set<mach_msg_id_t>{MACH_NOTIFY_NO_SENDERS, MACH_NOTIFY_DEAD_NAME}));
  mach_port_type_t type = 0;
  BOOST_REQUIRE(mach_port_type(mach_task_self(), service, &type) == KERN_SUCCESS);
  BOOST_CHECK(type & MACH_PORT_TYPE_DEAD_NAME);
  mach_port_urefs_t refs = 0;
  BOOST_REQUIRE(mach_port_get_refs(mach_task_self(), service, MACH_PORT_RIGHT_DEAD_NAME, &refs) ==
                KERN_SUCCESS);
  BOOST_CHECK_EQUAL(refs, 2u);  // ours plus the notification's
  BOOST_CHECK(mach_port_mod_refs(mach_task_self(), service, MACH_PORT_RIGHT_DEAD_NAME, -2) ==
              KERN_SUCCESS);
  drop_receive(carried);
  drop_receive(notify);
}

// kill -9 of a process holding the last send right (no-senders) and a send-once reply
// right (send-once notification).
BOOST_AUTO_TEST_CASE(kill9_of_the_last_sender_and_a_send_once_holder) {
  const std::string name = machd_test::unique_name("holder");
  child holder({"hold", name});
  BOOST_REQUIRE_EQUAL(holder.line(), "ready");
  mach_port_t service = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(bootstrap_look_up(bootstrap_port, name.c_str(), &service), KERN_SUCCESS);
  const mach_port_t counted = new_receive();
  const mach_port_t reply = new_receive();
  BOOST_REQUIRE_EQUAL(machd_test::send_port(service, MACH_MSG_TYPE_COPY_SEND, counted, MACH_MSG_TYPE_MAKE_SEND, reply),
                      MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(holder.line(), "ready");  // it holds both rights now
  const mach_port_t notify = new_receive();
  mach_port_t previous = MACH_PORT_NULL;
  BOOST_REQUIRE(mach_port_request_notification(mach_task_self(), counted, MACH_NOTIFY_NO_SENDERS, 0,
                                               notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
                                               &previous) == KERN_SUCCESS);
  holder.kill9();
  BOOST_CHECK_EQUAL(receive(notify).header.msgh_id, MACH_NOTIFY_NO_SENDERS);
  BOOST_CHECK_EQUAL(receive(reply).header.msgh_id, MACH_NOTIFY_SEND_ONCE);
  drop_dead_name(service);
  drop_receive(counted);
  drop_receive(reply);
  drop_receive(notify);
}

// 64 processes send to one receiver at once: nothing lost, each sender's order kept.
BOOST_AUTO_TEST_CASE(sixty_four_senders_lose_and_reorder_nothing) {
  const std::string name = machd_test::unique_name("fanin");
  mach_port_t port = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(bootstrap_check_in(bootstrap_port, name.c_str(), &port), KERN_SUCCESS);
  constexpr int senders = 64, each = 50;
  std::vector<std::unique_ptr<child>> kids;
  for (int i = 1; i <= senders; ++i)
    kids.push_back(std::make_unique<child>(std::vector<std::string>{
        "send", name, std::to_string(i), std::to_string(each)}));
  std::map<int, std::uint32_t> next;
  for (int k = 0; k < senders * each; ++k) {
    const rcv_buffer m = receive(port);
    std::uint32_t seq;
    std::memcpy(&seq, m.body, sizeof seq);
    BOOST_REQUIRE_EQUAL(seq, next[m.header.msgh_id]++);
  }
  BOOST_CHECK_EQUAL(next.size(), static_cast<std::size_t>(senders));
  for (auto& k : kids) BOOST_CHECK_EQUAL(k->wait(), 0);
  drop_receive(port);
}

// The audit trailer names the sending process: its pid and credentials, and a pid version
// that differs between processes (so that a recycled pid is told apart), while one
// process's messages all carry the same.
BOOST_AUTO_TEST_CASE(the_audit_trailer_names_the_sending_process) {
  const mach_port_t port = new_receive();
  const std::string name = machd_test::unique_name("audit");
  mach_port_t checked_in = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(bootstrap_check_in(bootstrap_port, name.c_str(), &checked_in), KERN_SUCCESS);
  struct audited {
    mach_msg_header_t header;
    std::uint32_t seq;
    mach_msg_audit_trailer_t trailer;
  };
  const auto receive_audit = [](mach_port_t from) {
    audited m{};
    BOOST_REQUIRE_EQUAL(
        mach_msg(&m.header,
                 MACH_RCV_MSG | MACH_RCV_TIMEOUT | MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
                     MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT),
                 0, sizeof m, from, 10000, MACH_PORT_NULL),
        MACH_MSG_SUCCESS);
    // The trailer follows the message, whatever its size.
    mach_msg_audit_trailer_t t;
    std::memcpy(&t, reinterpret_cast<const char*>(&m) + m.header.msgh_size, sizeof t);
    BOOST_REQUIRE_EQUAL(t.msgh_trailer_size, sizeof(mach_msg_audit_trailer_t));
    return t.msgh_audit;
  };
  std::vector<audit_token_t> tokens;
  std::vector<pid_t> pids;
  for (int i = 0; i < 2; ++i) {
    child sender({"send", name, "5", "1"});
    pids.push_back(sender.pid);
    tokens.push_back(receive_audit(checked_in));
    BOOST_CHECK_EQUAL(sender.wait(), 0);
  }
  // Our own two messages.
  for (int i = 0; i < 2; ++i) {
    machd_test::send_header(port, MACH_MSG_TYPE_MAKE_SEND);
    tokens.push_back(receive_audit(port));
    pids.push_back(::getpid());
  }
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    BOOST_CHECK_EQUAL(audit_token_to_pid(tokens[i]), pids[i]);
    BOOST_CHECK_EQUAL(audit_token_to_euid(tokens[i]), ::geteuid());
    BOOST_CHECK_EQUAL(audit_token_to_egid(tokens[i]), ::getegid());
    BOOST_CHECK_NE(audit_token_to_pidversion(tokens[i]), 0);
  }
  const auto version = [&](std::size_t i) { return audit_token_to_pidversion(tokens[i]); };
  BOOST_CHECK_NE(version(0), version(1));
  BOOST_CHECK_NE(version(0), version(2));
  BOOST_CHECK_NE(version(1), version(2));
  BOOST_CHECK_EQUAL(version(2), version(3));
  drop_receive(port);
  drop_receive(checked_in);
}

// exec starts a new task, as on Darwin: the old image's rights die with its space (our send
// right becomes a dead name, its name is free again) and the new image starts empty.
BOOST_AUTO_TEST_CASE(exec_starts_a_new_task) {
  const std::string name = machd_test::unique_name("exec");
  machd_test::gate g;
  child c({"exec", name, g.arg()});
  BOOST_REQUIRE_EQUAL(c.line(), "ready");
  mach_port_t service = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(bootstrap_look_up(bootstrap_port, name.c_str(), &service), KERN_SUCCESS);
  g.open_now();
  BOOST_CHECK_EQUAL(c.line(), "fresh");
  mach_port_type_t type = 0;
  BOOST_CHECK_EQUAL(mach_port_type(mach_task_self(), service, &type), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type, MACH_PORT_TYPE_DEAD_NAME);
  BOOST_CHECK_EQUAL(c.wait(), 0);
  drop_dead_name(service);
}

// A client that speaks garbage is disconnected; everyone else goes on.
BOOST_AUTO_TEST_CASE(a_garbage_speaking_client_is_disconnected) {
  const pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    // Raw socket, no hello: bytes that are no frame at all.
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const char* path = std::getenv("MACHEMU_SOCKET");
    std::strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) ::_exit(2);
    const char junk[64] = "this is no machd frame, not even a header of one............";
    if (::write(fd, junk, sizeof junk) != static_cast<ssize_t>(sizeof junk)) ::_exit(3);
    // machd hangs up: end of file, or a reset since it left our bytes unread.
    char c;
    const ssize_t n = ::read(fd, &c, 1);
    ::_exit(n == 0 || (n < 0 && errno == ECONNRESET) ? 0 : 4);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  BOOST_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  // We are unharmed.
  const mach_port_t p = new_receive();
  drop_receive(p);
}

// kill -9 of a sender blocked on a full queue: its message never arrives, the queued ones
// do, and nothing of the dead task remains.
BOOST_AUTO_TEST_CASE(kill9_of_a_sender_blocked_on_a_full_queue) {
  const std::string name = machd_test::unique_name("full");
  mach_port_t port = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(bootstrap_check_in(bootstrap_port, name.c_str(), &port), KERN_SUCCESS);
  child sender({"fill", name});
  BOOST_REQUIRE_EQUAL(sender.line(), "ready");
  sender.kill9();
  machd_test::counts();  // machd has reaped the dead task once this returns
  mach_port_status_t status{};
  mach_msg_type_number_t count = MACH_PORT_RECEIVE_STATUS_COUNT;
  BOOST_REQUIRE(mach_port_get_attributes(mach_task_self(), port, MACH_PORT_RECEIVE_STATUS,
                                         reinterpret_cast<mach_port_info_t>(&status), &count) ==
                KERN_SUCCESS);
  BOOST_CHECK_EQUAL(status.mps_msgcount, status.mps_qlimit);
  for (std::uint32_t i = 0; i < status.mps_qlimit; ++i) {
    const rcv_buffer m = receive(port);
    std::uint32_t seq;
    std::memcpy(&seq, m.body, sizeof seq);
    BOOST_CHECK_EQUAL(seq, i);
  }
  rcv_buffer extra{};
  BOOST_CHECK_EQUAL(mach_msg(&extra.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof extra, port, 0,
                             MACH_PORT_NULL),
                    MACH_RCV_TIMED_OUT);
  drop_receive(port);
}

// A kqueue descriptor turns readable when another process sends to a watched port.
BOOST_AUTO_TEST_CASE(kqueue_is_readable_when_another_process_sends) {
  const std::string name = machd_test::unique_name("kq");
  mach_port_t port = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(bootstrap_check_in(bootstrap_port, name.c_str(), &port), KERN_SUCCESS);
  const int kq = kqueue();
  BOOST_REQUIRE(kq >= 0);
  kevent64_s ev;
  EV_SET64(&ev, port, EVFILT_MACHPORT, EV_ADD, 0, 0, 0, 0, 0);
  BOOST_REQUIRE_EQUAL(kevent64(kq, &ev, 1, nullptr, 0, 0, nullptr), 0);
  pollfd p{kq, POLLIN, 0};
  BOOST_CHECK_EQUAL(::poll(&p, 1, 0), 0);  // nothing yet
  child sender({"send", name, "9", "1"});
  BOOST_CHECK_EQUAL(sender.wait(), 0);
  BOOST_REQUIRE_EQUAL(::poll(&p, 1, 10000), 1);  // bounded: a hang fails, no timing asserted
  kevent64_s out{};
  BOOST_REQUIRE_EQUAL(kevent64(kq, nullptr, 0, &out, 1, KEVENT_FLAG_IMMEDIATE, nullptr), 1);
  BOOST_CHECK_EQUAL(out.ident, port);
  BOOST_CHECK_EQUAL(receive(port).header.msgh_id, 9);
  ::close(kq);
  drop_receive(port);
}

// kevent64 receiving directly (MACH_RCV_MSG in fflags) through machd: each message lands
// in the registered buffer whole, and not one byte beyond the message and its trailer is
// written, also when a larger message came before it (machd reuses its buffers).
BOOST_AUTO_TEST_CASE(a_kevent_direct_receive_writes_exactly_each_message) {
  const mach_port_t port = new_receive();
  const int kq = kqueue();
  BOOST_REQUIRE(kq >= 0);
  struct {
    mach_msg_header_t header;
    unsigned char body[400];
  } big{}, small{};
  for (std::size_t i = 0; i < sizeof big.body; ++i) big.body[i] = static_cast<unsigned char>(i);
  small.body[0] = 0x5A;
  const mach_msg_size_t sizes[2] = {sizeof big, sizeof(mach_msg_header_t) + 4};
  const std::array<mach_msg_header_t*, 2> messages{&big.header, &small.header};
  for (int i = 0; i < 2; ++i) {
    mach_msg_header_t& h = *messages[i];
    h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
    h.msgh_size = sizes[i];
    h.msgh_remote_port = port;
    h.msgh_id = 100 + i;
    BOOST_REQUIRE_EQUAL(mach_msg(&h, MACH_SEND_MSG, sizes[i], 0, MACH_PORT_NULL, 0, MACH_PORT_NULL),
                        MACH_MSG_SUCCESS);
  }
  unsigned char buf[1024];
  kevent64_s ev;
  EV_SET64(&ev, port, EVFILT_MACHPORT, EV_ADD, MACH_RCV_MSG, 0, 0,
           reinterpret_cast<std::uint64_t>(buf), sizeof buf);
  BOOST_REQUIRE_EQUAL(kevent64(kq, &ev, 1, nullptr, 0, 0, nullptr), 0);
  for (int i = 0; i < 2; ++i) {
    std::memset(buf, 0xEE, sizeof buf);
    kevent64_s out{};
    BOOST_REQUIRE_EQUAL(kevent64(kq, nullptr, 0, &out, 1, KEVENT_FLAG_IMMEDIATE, nullptr), 1);
    BOOST_CHECK_EQUAL(out.fflags, static_cast<std::uint32_t>(MACH_MSG_SUCCESS));
    const std::size_t written = sizes[i] + sizeof(mach_msg_trailer_t);
    BOOST_REQUIRE_EQUAL(out.ext[1], written);
    mach_msg_header_t h;
    std::memcpy(&h, buf, sizeof h);
    BOOST_CHECK_EQUAL(h.msgh_id, 100 + i);
    BOOST_CHECK_EQUAL(h.msgh_size, sizes[i]);
    BOOST_CHECK(std::memcmp(buf + sizeof h, reinterpret_cast<const unsigned char*>(messages[i]) + sizeof h,
                            sizes[i] - sizeof h) == 0);
    BOOST_CHECK(std::all_of(buf + written, buf + sizeof buf, [](unsigned char b) { return b == 0xEE; }));
  }
  ::close(kq);
  drop_receive(port);
}

BOOST_AUTO_TEST_SUITE_END()
