// SPDX-License-Identifier: BSL-1.0
// Out-of-line memory across processes through machd. Regions from 64 KiB on travel as
// sealed memfds (machd keeps the descriptor, not the bytes; the receiver maps it
// copy-on-write); smaller ones inside the frames. Checked: the bytes of every size on
// both sides of the threshold arrive intact, as a snapshot, writable and releasable with
// vm_deallocate; machd closes every memfd it holds on every path (received, destroyed
// with a too-large receive, with its port, with a killed receiver, handed back by a
// timed-out send, cut short by a dying sender); a process out of descriptors still gets
// its messages; a client that sends descriptors it did not announce, or a memfd that is
// not sealed, is disconnected.
//
// The test process and its children use a daemon of their own that holds up to 64 MiB per
// task, so that an 8 MiB region (plus its message) is not refused by the default 8 MiB.
#include <mach/mach.h>
#include <servers/bootstrap.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "machd/fd_passing.hpp"
#include "machd/memfd_region.hpp"
#include "machd/wire.hpp"
#include "machd_test_util.hpp"
#include "ool_pattern.hpp"

using machd_test::child;
using machd_test::drop_dead_name;
using machd_test::drop_receive;
using machd_test::machd_fds;
using machd_test::new_receive;

namespace {

// Before the first Mach call of this process: every call goes to this daemon.
struct own_daemon {
  machd_test::private_daemon d{{"--max-queued-bytes", std::to_string(64 << 20)}};
};

struct ool_msg {
  mach_msg_header_t header;
  mach_msg_body_t body;
  mach_msg_ool_descriptor_t ool;
};
struct ool_rcv {
  ool_msg m;
  mach_msg_max_trailer_t trailer;
};

// A message carrying `size` bytes at `p` out of line (virtual copy) to `dest` (id = size),
// with a send-once reply right to `reply` when given.
ool_msg ool_message(mach_port_t dest, mach_msg_type_name_t dest_disp, const void* p, std::size_t size,
                    bool deallocate = false, mach_port_t reply = MACH_PORT_NULL) {
  ool_msg m{};
  m.header.msgh_bits =
      MACH_MSGH_BITS(dest_disp, reply ? MACH_MSG_TYPE_MAKE_SEND_ONCE : 0) | MACH_MSGH_BITS_COMPLEX;
  m.header.msgh_size = sizeof m;
  m.header.msgh_remote_port = dest;
  m.header.msgh_local_port = reply;
  m.header.msgh_id = static_cast<mach_msg_id_t>(size);
  m.body.msgh_descriptor_count = 1;
  m.ool.address = const_cast<void*>(p);
  m.ool.size = static_cast<mach_msg_size_t>(size);
  m.ool.deallocate = deallocate;
  m.ool.copy = MACH_MSG_VIRTUAL_COPY;
  m.ool.type = MACH_MSG_OOL_DESCRIPTOR;
  return m;
}

// Sends ool_message(...) and requires success.
void send_ool(mach_port_t dest, mach_msg_type_name_t dest_disp, const void* p, std::size_t size,
              bool deallocate = false, mach_port_t reply = MACH_PORT_NULL) {
  ool_msg m = ool_message(dest, dest_disp, p, size, deallocate, reply);
  BOOST_REQUIRE_EQUAL(mach_msg(&m.header, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0,
                               MACH_PORT_NULL),
                      MACH_MSG_SUCCESS);
}

// Receives one message with an OOL region on `port` (a hang fails after 10 s).
ool_rcv receive_ool(mach_port_t port) {
  ool_rcv r{};
  BOOST_REQUIRE_EQUAL(mach_msg(&r.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, port,
                               10000, MACH_PORT_NULL),
                      MACH_MSG_SUCCESS);
  BOOST_REQUIRE(r.m.header.msgh_bits & MACH_MSGH_BITS_COMPLEX);
  BOOST_REQUIRE_EQUAL(r.m.body.msgh_descriptor_count, 1u);
  return r;
}

// True when no page of [p, p+size) is mapped any more.
bool unmapped(const void* p, std::size_t size) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto start = reinterpret_cast<std::uintptr_t>(p) & ~(page - 1);
  const std::size_t len = reinterpret_cast<std::uintptr_t>(p) + size - start;
  std::vector<unsigned char> vec((len + page - 1) / page);
  for (std::size_t off = 0; off < len; off += page)
    if (::mincore(reinterpret_cast<void*>(start + off), page, vec.data()) == 0 || errno != ENOMEM)
      return false;
  return true;
}

// A vm_allocate'd region holding the pattern for its size.
void* pattern_region(std::size_t size) {
  vm_address_t a = 0;
  BOOST_REQUIRE(vm_allocate(mach_task_self(), &a, size, VM_FLAGS_ANYWHERE) == KERN_SUCCESS);
  auto* p = reinterpret_cast<unsigned char*>(a);
  for (std::size_t i = 0; i < size; ++i) p[i] = machd_test::ool_byte(size, i);
  return p;
}

// A raw connection to machd that has said hello: a task of its own.
int raw_client() {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, std::getenv("MACHEMU_SOCKET"), sizeof addr.sun_path - 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) ::_exit(10);
  machemu::wire::writer w;
  machemu::wire::encode(w, machemu::wire::hello_request{0, 1});
  const machemu::wire::header h{machemu::wire::magic, machemu::wire::version,
                                static_cast<std::uint16_t>(machemu::wire::op::hello),
                                static_cast<std::uint32_t>(w.buffer().size()), 0};
  if (::write(fd, &h, sizeof h) != static_cast<ssize_t>(sizeof h) ||
      ::write(fd, w.buffer().data(), w.buffer().size()) != static_cast<ssize_t>(w.buffer().size()))
    ::_exit(11);
  char reply[sizeof(machemu::wire::header) + 16];
  if (::recv(fd, reply, sizeof reply, MSG_WAITALL) != static_cast<ssize_t>(sizeof reply))
    ::_exit(12);
  return fd;
}

// Sends one frame with `attach` as SCM_RIGHTS; true when machd then hangs up on us.
bool hung_up_after(int fd, machemu::wire::op o, std::uint32_t announced,
                   const std::vector<std::byte>& payload, int attach) {
  const machemu::wire::header h{machemu::wire::magic, machemu::wire::version,
                                static_cast<std::uint16_t>(o),
                                static_cast<std::uint32_t>(payload.size()), announced};
  std::vector<std::byte> frame(sizeof h + payload.size());
  std::memcpy(frame.data(), &h, sizeof h);
  if (!payload.empty()) std::memcpy(frame.data() + sizeof h, payload.data(), payload.size());
  iovec iov{frame.data(), frame.size()};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  machemu::fd_passing::control_buffer cb;
  machemu::fd_passing::attach(mh, cb, &attach, 1);
  if (::sendmsg(fd, &mh, 0) != static_cast<ssize_t>(frame.size())) return false;
  ::close(attach);  // machd's copy is the only one left
  char c;
  const ssize_t n = ::read(fd, &c, 1);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

// A msg request sending nothing but one memfd region of `size` bytes.
std::vector<std::byte> msg_with_fd_region(std::uint64_t size) {
  machemu::wire::writer w;
  for (int i = 0; i < 6; ++i) w.u32(0);  // option ... separate_rcv
  w.u64(0);                              // rcv_address
  w.bytes(nullptr, 0);                   // message
  w.bytes(nullptr, 0);                   // receive prefix
  w.u32(1);
  machemu::wire::encode(w, machemu::wire::region{0x10000, true, {}, size});
  return w.buffer();
}

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(own_daemon);

BOOST_FIXTURE_TEST_SUITE(machd_ool, machd_test::counted)

BOOST_AUTO_TEST_CASE(regions_of_every_size_arrive_intact_in_another_process) {
  const std::string name = machd_test::unique_name("ool-echo");
  machd_test::gate g;
  child echo({"ool-echo", name, g.arg()});
  BOOST_REQUIRE_EQUAL(echo.line(), "ready");
  mach_port_t service = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(bootstrap_look_up(bootstrap_port, name.c_str(), &service), KERN_SUCCESS);
  const mach_port_t reply = new_receive();
  const std::size_t sizes[] = {0, 1, 65535, 65536, 65537, std::size_t{8} << 20};
  // Every request is queued before the echo reads any, then the sources are overwritten:
  // what arrives must be what was sent (a snapshot), not what the memory holds later.
  std::vector<std::vector<unsigned char>> sources;
  for (std::size_t size : sizes) {
    auto& src = sources.emplace_back(size);
    for (std::size_t i = 0; i < size; ++i) src[i] = machd_test::ool_byte(size, i);
    send_ool(service, MACH_MSG_TYPE_COPY_SEND, size ? src.data() : nullptr, size, false, reply);
  }
  for (auto& src : sources) std::fill(src.begin(), src.end(), 0xEE);
  g.open_now();
  for (std::size_t size : sizes) {
    BOOST_CHECK_EQUAL(echo.line(), "ok " + std::to_string(size));
    // The echo's own copy came back, its first byte flipped.
    ool_rcv r = receive_ool(reply);
    BOOST_CHECK_EQUAL(r.m.header.msgh_id, static_cast<mach_msg_id_t>(size));
    BOOST_REQUIRE_EQUAL(r.m.ool.size, size);
    auto* p = static_cast<unsigned char*>(r.m.ool.address);
    if (size == 0) {
      BOOST_CHECK(p == nullptr);
      continue;
    }
    BOOST_REQUIRE(p != nullptr);
    BOOST_CHECK_EQUAL(p[0], static_cast<unsigned char>(~machd_test::ool_byte(size, 0)));
    BOOST_CHECK_EQUAL(machd_test::ool_mismatch(p, size, 1), size);
    p[size - 1] ^= 1;  // writable, and ours alone
    BOOST_CHECK(vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(p), size) ==
                KERN_SUCCESS);
    BOOST_CHECK(unmapped(p, size));
  }
  machd_test::send_header(service, MACH_MSG_TYPE_COPY_SEND, -1);  // stop
  BOOST_CHECK_EQUAL(echo.wait(), 0);
  drop_dead_name(service);
  drop_receive(reply);
}

// Queued large regions are descriptors in machd: one each, closed whichever way the
// message ends. Here: a too-large receive, a receive, the port's destruction; and a
// deallocate = TRUE send unmaps the sender's region.
BOOST_AUTO_TEST_CASE(machd_closes_the_memfd_of_every_message_it_drops_or_delivers) {
  constexpr std::size_t size = std::size_t{1} << 20;
  const mach_port_t port = new_receive();
  const int baseline = machd_fds();
  void* kept = pattern_region(size);
  void* given = pattern_region(size);
  send_ool(port, MACH_MSG_TYPE_MAKE_SEND, kept, size);
  send_ool(port, MACH_MSG_TYPE_MAKE_SEND, kept, size);
  send_ool(port, MACH_MSG_TYPE_MAKE_SEND, given, size, true);
  BOOST_CHECK(unmapped(given, size));
  BOOST_CHECK_EQUAL(machd_fds(), baseline + 3);
  // Too large, without MACH_RCV_LARGE: the message is destroyed.
  mach_msg_header_t small{};
  BOOST_CHECK_EQUAL(mach_msg(&small, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof small, port, 0,
                             MACH_PORT_NULL),
                    MACH_RCV_TOO_LARGE);
  BOOST_CHECK_EQUAL(machd_fds(), baseline + 2);
  // Received: the mapping is ours and machd holds nothing of it; mach_msg_destroy unmaps.
  ool_rcv r = receive_ool(port);
  BOOST_CHECK_EQUAL(machd_fds(), baseline + 1);
  BOOST_REQUIRE_EQUAL(r.m.ool.size, size);
  BOOST_CHECK_EQUAL(
      machd_test::ool_mismatch(static_cast<unsigned char*>(r.m.ool.address), size), size);
  mach_msg_destroy(&r.m.header);
  BOOST_CHECK(unmapped(r.m.ool.address, size));
  // The port's death destroys the last one.
  drop_receive(port);
  BOOST_CHECK_EQUAL(machd_fds(), baseline);
  BOOST_CHECK(vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(kept), size) ==
              KERN_SUCCESS);
}

// A large region that cannot be read fails the send as on XNU, whichever way it would
// have travelled.
BOOST_AUTO_TEST_CASE(an_unreadable_large_region_is_invalid_memory) {
  constexpr std::size_t size = std::size_t{1} << 20;
  const mach_port_t port = new_receive();
  const int baseline = machd_fds();
  // Mapped without access rather than unmapped: an unmapped range may be mapped again by
  // anyone (a sanitizer's allocator, say) before the send reads it.
  void* gone = ::mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  BOOST_REQUIRE(gone != MAP_FAILED);
  for (const char* threshold : {"65536", "4294967296"}) {
    ::setenv("MACHEMU_OOL_MEMFD_MIN", threshold, 1);
    ool_msg m = ool_message(port, MACH_MSG_TYPE_MAKE_SEND, gone, size);
    BOOST_CHECK_EQUAL(mach_msg(&m.header, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0,
                               MACH_PORT_NULL),
                      MACH_SEND_INVALID_MEMORY);
  }
  ::unsetenv("MACHEMU_OOL_MEMFD_MIN");
  BOOST_CHECK_EQUAL(machd_fds(), baseline);
  ::munmap(gone, size);
  drop_receive(port);
}

// A send that fails after copy-in hands the message back (XNU's pseudo-receive): a large
// region returns as a new mapping of its memfd, which machd then no longer holds.
BOOST_AUTO_TEST_CASE(a_timed_out_send_hands_a_large_region_back) {
  constexpr std::size_t size = std::size_t{1} << 20;
  const mach_port_t port = new_receive();
  const int baseline = machd_fds();
  for (int i = 0; i < MACH_PORT_QLIMIT_DEFAULT; ++i)
    machd_test::send_header(port, MACH_MSG_TYPE_MAKE_SEND);
  void* region = pattern_region(size);
  ool_msg m = ool_message(port, MACH_MSG_TYPE_MAKE_SEND, region, size);
  BOOST_REQUIRE_EQUAL(mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof m, 0,
                               MACH_PORT_NULL, 0, MACH_PORT_NULL),
                      MACH_SEND_TIMED_OUT);
  BOOST_CHECK_EQUAL(machd_fds(), baseline);
  BOOST_REQUIRE(m.ool.address != nullptr);
  BOOST_CHECK(m.ool.address != region);
  BOOST_CHECK_EQUAL(machd_test::ool_mismatch(static_cast<unsigned char*>(m.ool.address), size),
                    size);
  BOOST_CHECK(vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(m.ool.address),
                            size) == KERN_SUCCESS);
  BOOST_CHECK(unmapped(m.ool.address, size));
  BOOST_CHECK(mach_port_deallocate(mach_task_self(), m.header.msgh_remote_port) ==
              KERN_SUCCESS);  // the send right made for it came back too
  BOOST_CHECK(vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(region), size) ==
              KERN_SUCCESS);
  drop_receive(port);
}

BOOST_AUTO_TEST_CASE(a_killed_receiver_with_queued_large_regions_leaves_no_descriptor) {
  const int baseline = machd_fds();
  const std::string name = machd_test::unique_name("ool-holder");
  child holder({"hold", name});
  const mach_port_t service = machd_test::holding(holder, name);
  const int with_holder = machd_fds();
  constexpr std::size_t size = std::size_t{3} << 20;
  void* region = pattern_region(size);
  for (int i = 0; i < 3; ++i) send_ool(service, MACH_MSG_TYPE_COPY_SEND, region, size);
  BOOST_CHECK_EQUAL(machd_fds(), with_holder + 3);  // queued: one memfd each
  holder.kill9();
  BOOST_CHECK_EQUAL(machd_fds(), baseline);
  drop_dead_name(service);
  BOOST_CHECK(vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(region), size) ==
              KERN_SUCCESS);
}

// A process out of descriptors still talks to machd: a large region it cannot take
// arrives as address 0 with MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE (what XNU says when
// the receiver's map has no room), the memfd closed on the way; one it sends goes inline.
BOOST_AUTO_TEST_CASE(a_process_out_of_descriptors_receives_and_sends_large_regions) {
  const int baseline = machd_fds();
  const std::string name = machd_test::unique_name("capped");
  child capped({"capped", name});
  BOOST_REQUIRE_EQUAL(capped.line(), "ready");
  mach_port_t service = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(bootstrap_look_up(bootstrap_port, name.c_str(), &service), KERN_SUCCESS);
  const mach_port_t reply = new_receive();
  constexpr std::size_t size = std::size_t{1} << 20;
  void* region = pattern_region(size);
  send_ool(service, MACH_MSG_TYPE_COPY_SEND, region, size, true, reply);
  char expected[64];
  std::snprintf(expected, sizeof expected, "received %x 1",
                static_cast<unsigned>(MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE));
  BOOST_CHECK_EQUAL(capped.line(), expected);
  BOOST_CHECK_EQUAL(capped.line(), "sent 0");
  ool_rcv r = receive_ool(reply);
  BOOST_REQUIRE_EQUAL(r.m.ool.size, size);
  BOOST_CHECK_EQUAL(
      machd_test::ool_mismatch(static_cast<unsigned char*>(r.m.ool.address), size), size);
  mach_msg_destroy(&r.m.header);
  BOOST_CHECK_EQUAL(capped.wait(), 0);
  BOOST_CHECK_EQUAL(machd_fds(), baseline);
  drop_dead_name(service);
  drop_receive(reply);
}

// Descriptors machd did not ask for are a protocol error: the client is disconnected (its
// task destroyed) and the descriptor closed, whether the frame announces none or names a
// memfd region with something that is no sealed memfd of that size. And a sender that
// dies halfway through a frame carrying a memfd leaves no descriptor behind either.
BOOST_AUTO_TEST_CASE(a_client_sending_unexpected_descriptors_is_disconnected) {
  const int baseline = machd_fds();
  for (int variant = 0; variant < 4; ++variant) {
    const pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
      const int fd = raw_client();
      bool hung_up = false;
      if (variant == 0) {
        // A request that carries no descriptors, with one attached.
        int p[2];
        if (::pipe(p) != 0) ::_exit(20);
        ::close(p[1]);
        hung_up = hung_up_after(fd, machemu::wire::op::counts, 0, {}, p[0]);
      } else if (variant == 1) {
        // A memfd region that is a pipe.
        int p[2];
        if (::pipe(p) != 0) ::_exit(20);
        ::close(p[1]);
        hung_up = hung_up_after(fd, machemu::wire::op::msg, 1, msg_with_fd_region(65536), p[0]);
      } else if (variant == 2) {
        // A memfd region whose memfd is not sealed: its bytes could still change.
        const int m = ::memfd_create("unsealed", MFD_CLOEXEC);
        if (m < 0 || ::ftruncate(m, 65536) != 0) ::_exit(21);
        hung_up = hung_up_after(fd, machemu::wire::op::msg, 1, msg_with_fd_region(65536), m);
      } else {
        // A good memfd region, but the frame ends halfway: the sender dies.
        std::vector<char> bytes(65536, 'm');
        const int m = machemu::memfd_region::make(bytes.data(), bytes.size());
        const std::vector<std::byte> payload = msg_with_fd_region(bytes.size());
        const machemu::wire::header h{machemu::wire::magic, machemu::wire::version,
                                      static_cast<std::uint16_t>(machemu::wire::op::msg),
                                      static_cast<std::uint32_t>(payload.size()), 1};
        iovec iov[2] = {{const_cast<machemu::wire::header*>(&h), sizeof h},
                        {const_cast<std::byte*>(payload.data()), payload.size() / 2}};
        msghdr mh{};
        mh.msg_iov = iov;
        mh.msg_iovlen = 2;
        machemu::fd_passing::control_buffer cb;
        machemu::fd_passing::attach(mh, cb, &m, 1);
        ::_exit(m >= 0 && ::sendmsg(fd, &mh, 0) > 0 ? 0 : 22);
      }
      ::_exit(hung_up ? 0 : 1);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    BOOST_CHECK_MESSAGE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                        "variant " << variant << ": status " << status);
    BOOST_CHECK_EQUAL(machd_fds(), baseline);
  }
  // We are unharmed.
  drop_receive(new_receive());
}

BOOST_AUTO_TEST_SUITE_END()
