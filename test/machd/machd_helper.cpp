// SPDX-License-Identifier: BSL-1.0
// The other processes of the machd tests. Each mode does one thing through the Darwin C
// API (so through machd) and reports on stdout: "ready\n" once it reached the state the
// test waits for, then any result. Exit status 0 means every step did what it should.
//
//   server NAME            check in NAME, then answer requests (reply id = request id+100)
//                          until a message with id 0 arrives
//   hold NAME              look NAME up, receive one message on a fresh port checked in as
//                          NAME.back carrying a right, say ready, then block forever
//   send NAME ID COUNT     look NAME up and send COUNT messages (id ID, body = sequence)
//   block NAME             check in NAME, say ready, block receiving; print the code
//   relay NAME NEXT        check in NAME, say ready, receive one message carrying a send
//                          right and move that right on to NEXT (looked up)
//   answer NAME            check in NAME, say ready, receive one message carrying a send
//                          right and send a message with id 42 to it
//   fill NAME              look NAME up, send until the queue is full, say ready, then
//                          block sending one more
//   daemon-pid FD [FD2]    wait for end of file on descriptor FD (the start gate), make
//                          its first call, print "pid <machd's pid>" (or "refused" and
//                          exit 3); with FD2, do the same again after FD2's end of file;
//                          then block forever
//   flood SIZE             send messages of SIZE inline bytes to a port of its own (queue
//                          limit raised) until a send fails: print "sent N <code>"; then
//                          (exit 3 when N is 0) receive one and send again: print
//                          "again <code>"
//   ool-echo NAME GATE     check in NAME, say ready, wait for end of file on descriptor
//                          GATE, then answer requests carrying one OOL region (id = its
//                          size): print "ok SIZE" when it holds ool_pattern.hpp's bytes
//                          (else "bad SIZE AT"), flip its first byte and send it back
//                          (deallocate) on the reply right; stop at id -1
//   capped NAME            check in NAME, lower RLIMIT_NOFILE so that no descriptor can be
//                          opened, say ready, receive one message with an OOL region and
//                          print "received <code> <address == 0>"; then send a 1 MiB
//                          pattern region back on its reply right: print "sent <code>"
//   exec NAME GATE         check in NAME, say ready, wait for end of file on descriptor
//                          GATE, then exec this program as "after-exec NAME <port>"
//   after-exec NAME PORT   (the new image) check that PORT, a name of the old image, means
//                          nothing here and that NAME is free again: print "fresh"
#include <mach/mach.h>
#include <servers/bootstrap.h>

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "machd/debug.h"
#include "ool_pattern.hpp"
#include "port_message.hpp"

namespace {

void ready() {
  std::fputs("ready\n", stdout);
  std::fflush(stdout);
}

struct seq_msg {
  mach_msg_header_t header;
  std::uint32_t seq;
};

struct big_rcv {
  mach_msg_header_t header;
  char body[1024];
};

int server(const char* name) {
  mach_port_t port = MACH_PORT_NULL;
  if (bootstrap_check_in(bootstrap_port, name, &port) != KERN_SUCCESS) return 1;
  ready();
  for (;;) {
    big_rcv m{};
    if (mach_msg(&m.header, MACH_RCV_MSG, 0, sizeof m, port, 0, MACH_PORT_NULL) !=
        MACH_MSG_SUCCESS)
      return 2;
    if (m.header.msgh_id == 0) return 0;
    mach_msg_header_t r{};
    r.msgh_bits = MACH_MSGH_BITS_REMOTE(m.header.msgh_bits);
    r.msgh_size = sizeof r;
    r.msgh_remote_port = m.header.msgh_remote_port;
    r.msgh_id = m.header.msgh_id + 100;
    if (mach_msg(&r, MACH_SEND_MSG, sizeof r, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL) !=
        MACH_MSG_SUCCESS)
      return 3;
  }
}

int hold(const char* name) {
  // Receives one message on a port checked in as NAME, keeps whatever rights it carried.
  mach_port_t port = MACH_PORT_NULL;
  if (bootstrap_check_in(bootstrap_port, name, &port) != KERN_SUCCESS) return 1;
  ready();
  big_rcv m{};
  if (mach_msg(&m.header, MACH_RCV_MSG, 0, sizeof m, port, 0, MACH_PORT_NULL) !=
      MACH_MSG_SUCCESS)
    return 2;
  ready();
  for (;;) pause();
}

int send(const char* name, int id, int count) {
  mach_port_t port = MACH_PORT_NULL;
  if (bootstrap_look_up(bootstrap_port, name, &port) != KERN_SUCCESS) return 1;
  for (int i = 0; i < count; ++i) {
    seq_msg m{};
    m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    m.header.msgh_size = sizeof m;
    m.header.msgh_remote_port = port;
    m.header.msgh_id = id;
    m.seq = static_cast<std::uint32_t>(i);
    if (mach_msg(&m.header, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL) !=
        MACH_MSG_SUCCESS)
      return 2;
  }
  return 0;
}

int fill(const char* name) {
  mach_port_t port = MACH_PORT_NULL;
  if (bootstrap_look_up(bootstrap_port, name, &port) != KERN_SUCCESS) return 1;
  auto one = [&](mach_msg_option_t extra, std::uint32_t seq) {
    seq_msg m{};
    m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    m.header.msgh_size = sizeof m;
    m.header.msgh_remote_port = port;
    m.header.msgh_id = 7;
    m.seq = seq;
    return mach_msg(&m.header, MACH_SEND_MSG | extra, sizeof m, 0, MACH_PORT_NULL, 0,
                    MACH_PORT_NULL);
  };
  std::uint32_t seq = 0;
  mach_msg_return_t mr;
  while ((mr = one(MACH_SEND_TIMEOUT, seq)) == MACH_MSG_SUCCESS) ++seq;
  if (mr != MACH_SEND_TIMED_OUT) return 2;
  ready();
  one(0, seq);  // blocks until killed
  return 3;
}

struct right_rcv {
  machd_test::port_message m;
  mach_msg_max_trailer_t trailer;
};

// Receives one message carrying a port descriptor on a port checked in as `name`.
mach_port_t receive_right(const char* name) {
  mach_port_t port = MACH_PORT_NULL;
  if (bootstrap_check_in(bootstrap_port, name, &port) != KERN_SUCCESS) return MACH_PORT_NULL;
  ready();
  right_rcv r{};
  if (mach_msg(&r.m.header, MACH_RCV_MSG, 0, sizeof r, port, 0, MACH_PORT_NULL) !=
          MACH_MSG_SUCCESS ||
      !(r.m.header.msgh_bits & MACH_MSGH_BITS_COMPLEX) || r.m.body.msgh_descriptor_count != 1)
    return MACH_PORT_NULL;
  return r.m.port.name;
}

int relay(const char* name, const char* next) {
  const mach_port_t carried = receive_right(name);
  mach_port_t to = MACH_PORT_NULL;
  if (!MACH_PORT_VALID(carried) || bootstrap_look_up(bootstrap_port, next, &to) != KERN_SUCCESS)
    return 1;
  const mach_msg_return_t mr =
      machd_test::send_port(to, MACH_MSG_TYPE_COPY_SEND, carried, MACH_MSG_TYPE_MOVE_SEND);
  return mr == MACH_MSG_SUCCESS ? 0 : 2;
}

int answer(const char* name) {
  const mach_port_t carried = receive_right(name);
  if (!MACH_PORT_VALID(carried)) return 1;
  mach_msg_header_t m{};
  m.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND, 0);
  m.msgh_size = sizeof m;
  m.msgh_remote_port = carried;
  m.msgh_id = 42;
  return mach_msg(&m, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL) ==
                 MACH_MSG_SUCCESS
             ? 0
             : 2;
}

int block(const char* name) {
  mach_port_t port = MACH_PORT_NULL;
  if (bootstrap_check_in(bootstrap_port, name, &port) != KERN_SUCCESS) return 1;
  ready();
  big_rcv m{};
  const mach_msg_return_t mr =
      mach_msg(&m.header, MACH_RCV_MSG, 0, sizeof m, port, 0, MACH_PORT_NULL);
  // After losing machd every call must fail, clearly.
  mach_port_t other = MACH_PORT_NULL;
  const kern_return_t kr = mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &other);
  std::printf("%x %x\n", static_cast<unsigned>(mr), static_cast<unsigned>(kr));
  std::fflush(stdout);
  return 0;
}

struct ool_msg {
  mach_msg_header_t header;
  mach_msg_body_t body;
  mach_msg_ool_descriptor_t ool;
};

int ool_echo(const char* name, int gate) {
  mach_port_t port = MACH_PORT_NULL;
  if (bootstrap_check_in(bootstrap_port, name, &port) != KERN_SUCCESS) return 1;
  // Room for every request the test queues before opening the gate.
  mach_port_limits_t limits{MACH_PORT_QLIMIT_LARGE};
  if (mach_port_set_attributes(mach_task_self(), port, MACH_PORT_LIMITS_INFO,
                               reinterpret_cast<mach_port_info_t>(&limits),
                               MACH_PORT_LIMITS_INFO_COUNT) != KERN_SUCCESS)
    return 5;
  ready();
  char c;
  while (::read(gate, &c, 1) > 0) {
  }
  for (;;) {
    struct {
      ool_msg m;
      mach_msg_max_trailer_t trailer;
    } r{};
    if (mach_msg(&r.m.header, MACH_RCV_MSG, 0, sizeof r, port, 0, MACH_PORT_NULL) !=
        MACH_MSG_SUCCESS)
      return 2;
    if (r.m.header.msgh_id == -1) return 0;
    const auto size = static_cast<std::size_t>(r.m.header.msgh_id);
    auto* p = static_cast<unsigned char*>(r.m.ool.address);
    if (r.m.ool.size != size || (size != 0) != (p != nullptr)) return 3;
    const std::size_t bad = machd_test::ool_mismatch(p, size);
    if (bad == size)
      std::printf("ok %zu\n", size);
    else
      std::printf("bad %zu %zu\n", size, bad);
    std::fflush(stdout);
    if (size) p[0] = static_cast<unsigned char>(~p[0]);  // our copy is ours to write
    ool_msg back{};
    back.header.msgh_bits =
        MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(r.m.header.msgh_bits), 0) | MACH_MSGH_BITS_COMPLEX;
    back.header.msgh_size = sizeof back;
    back.header.msgh_remote_port = r.m.header.msgh_remote_port;
    back.header.msgh_id = r.m.header.msgh_id;
    back.body.msgh_descriptor_count = 1;
    back.ool = r.m.ool;
    back.ool.deallocate = TRUE;
    back.ool.copy = MACH_MSG_VIRTUAL_COPY;
    back.ool.type = MACH_MSG_OOL_DESCRIPTOR;
    if (mach_msg(&back.header, MACH_SEND_MSG, sizeof back, 0, MACH_PORT_NULL, 0,
                 MACH_PORT_NULL) != MACH_MSG_SUCCESS)
      return 4;
  }
}

int capped(const char* name) {
  mach_port_t port = MACH_PORT_NULL;
  if (bootstrap_check_in(bootstrap_port, name, &port) != KERN_SUCCESS) return 1;
  // The lowest free descriptor becomes the limit: every new one fails with EMFILE.
  const int lowest = ::dup(0);
  if (lowest < 0) return 2;
  ::close(lowest);
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 3;
  const rlimit normal = lim;
  lim.rlim_cur = static_cast<rlim_t>(lowest);
  if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) return 4;
  ready();
  struct {
    ool_msg m;
    mach_msg_max_trailer_t trailer;
  } r{};
  const mach_msg_return_t mr =
      mach_msg(&r.m.header, MACH_RCV_MSG, 0, sizeof r, port, 0, MACH_PORT_NULL);
  std::printf("received %x %d\n", static_cast<unsigned>(mr), r.m.ool.address == nullptr);
  std::fflush(stdout);
  constexpr std::size_t size = std::size_t{1} << 20;
  std::vector<unsigned char> region(size);
  for (std::size_t i = 0; i < size; ++i) region[i] = machd_test::ool_byte(size, i);
  ool_msg back{};
  back.header.msgh_bits =
      MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(r.m.header.msgh_bits), 0) | MACH_MSGH_BITS_COMPLEX;
  back.header.msgh_size = sizeof back;
  back.header.msgh_remote_port = r.m.header.msgh_remote_port;
  back.header.msgh_id = static_cast<mach_msg_id_t>(size);
  back.body.msgh_descriptor_count = 1;
  back.ool.address = region.data();
  back.ool.size = static_cast<mach_msg_size_t>(size);
  back.ool.copy = MACH_MSG_VIRTUAL_COPY;
  back.ool.type = MACH_MSG_OOL_DESCRIPTOR;
  std::printf("sent %x\n", static_cast<unsigned>(mach_msg(&back.header, MACH_SEND_MSG,
                                                          sizeof back, 0, MACH_PORT_NULL, 0,
                                                          MACH_PORT_NULL)));
  std::fflush(stdout);
  // Back to normal for whatever runs at exit (LeakSanitizer opens files).
  return ::setrlimit(RLIMIT_NOFILE, &normal) == 0 ? 0 : 6;
}

}  // namespace

// Waits for end of file on `gate`, then asks machd for its pid. False when refused.
bool gated_pid(int gate) {
  char c;
  while (::read(gate, &c, 1) > 0) {
  }
  ::close(gate);
  struct machemu_machd_counts counts {};
  if (machemu_machd_get_counts(&counts) != 0) {
    std::puts("refused");
    std::fflush(stdout);
    return false;
  }
  std::printf("pid %llu\n", static_cast<unsigned long long>(counts.pid));
  std::fflush(stdout);
  return true;
}

int daemon_pid(int gate, int gate2) {
  if (!gated_pid(gate)) return 3;
  if (gate2 >= 0 && !gated_pid(gate2)) return 3;
  for (;;) pause();
}

int flood(std::size_t size) {
  mach_port_t port = MACH_PORT_NULL;
  if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) != KERN_SUCCESS)
    return 1;
  mach_port_limits_t limits{MACH_PORT_QLIMIT_LARGE};
  if (mach_port_set_attributes(mach_task_self(), port, MACH_PORT_LIMITS_INFO,
                               reinterpret_cast<mach_port_info_t>(&limits),
                               MACH_PORT_LIMITS_INFO_COUNT) != KERN_SUCCESS)
    return 2;
  std::vector<std::byte> buf(sizeof(mach_msg_header_t) + size + sizeof(mach_msg_max_trailer_t));
  auto* h = reinterpret_cast<mach_msg_header_t*>(buf.data());
  const auto send = [&] {
    *h = {};
    h->msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
    h->msgh_size = static_cast<mach_msg_size_t>(sizeof *h + size);
    h->msgh_remote_port = port;
    return mach_msg(h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, h->msgh_size, 0, MACH_PORT_NULL, 0,
                    MACH_PORT_NULL);
  };
  unsigned sent = 0;
  mach_msg_return_t mr;
  while ((mr = send()) == MACH_MSG_SUCCESS) ++sent;
  std::printf("sent %u %x\n", sent, static_cast<unsigned>(mr));
  std::fflush(stdout);
  if (sent == 0) {  // nothing to receive
    mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
    return 3;
  }
  if (mach_msg(h, MACH_RCV_MSG, 0, static_cast<mach_msg_size_t>(buf.size()), port, 0,
               MACH_PORT_NULL) != MACH_MSG_SUCCESS)
    return 3;
  std::printf("again %x\n", static_cast<unsigned>(send()));
  std::fflush(stdout);
  return mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1) == KERN_SUCCESS
             ? 0
             : 4;
}

int exec_self(const char* name, int gate) {
  mach_port_t port = MACH_PORT_NULL;
  if (bootstrap_check_in(bootstrap_port, name, &port) != KERN_SUCCESS) return 1;
  ready();
  char c;
  while (::read(gate, &c, 1) > 0) {
  }
  const std::string old = std::to_string(port);
  ::execl("/proc/self/exe", "machd_helper", "after-exec", name, old.c_str(), nullptr);
  return 2;
}

int after_exec(const char* name, const char* old_port) {
  const auto old = static_cast<mach_port_name_t>(std::strtoul(old_port, nullptr, 10));
  mach_port_type_t type = 0;
  if (mach_port_type(mach_task_self(), old, &type) != KERN_INVALID_NAME) return 1;
  mach_port_t port = MACH_PORT_NULL;
  if (bootstrap_look_up(bootstrap_port, name, &port) != BOOTSTRAP_UNKNOWN_SERVICE) return 2;
  if (bootstrap_check_in(bootstrap_port, name, &port) != KERN_SUCCESS) return 3;
  std::fputs("fresh\n", stdout);
  std::fflush(stdout);
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "server") == 0) return server(argv[2]);
  if (argc >= 3 && std::strcmp(argv[1], "hold") == 0) return hold(argv[2]);
  if (argc >= 5 && std::strcmp(argv[1], "send") == 0)
    return send(argv[2], std::atoi(argv[3]), std::atoi(argv[4]));
  if (argc >= 3 && std::strcmp(argv[1], "block") == 0) return block(argv[2]);
  if (argc >= 3 && std::strcmp(argv[1], "fill") == 0) return fill(argv[2]);
  if (argc >= 4 && std::strcmp(argv[1], "relay") == 0) return relay(argv[2], argv[3]);
  if (argc >= 3 && std::strcmp(argv[1], "answer") == 0) return answer(argv[2]);
  if (argc >= 3 && std::strcmp(argv[1], "daemon-pid") == 0)
    return daemon_pid(std::atoi(argv[2]), argc >= 4 ? std::atoi(argv[3]) : -1);
  if (argc >= 3 && std::strcmp(argv[1], "flood") == 0)
    return flood(std::strtoull(argv[2], nullptr, 10));
  if (argc >= 4 && std::strcmp(argv[1], "ool-echo") == 0)
    return ool_echo(argv[2], std::atoi(argv[3]));
  if (argc >= 3 && std::strcmp(argv[1], "capped") == 0) return capped(argv[2]);
  if (argc >= 4 && std::strcmp(argv[1], "exec") == 0) return exec_self(argv[2], std::atoi(argv[3]));
  if (argc >= 4 && std::strcmp(argv[1], "after-exec") == 0) return after_exec(argv[2], argv[3]);
  std::fputs("usage: machd_helper server|hold|send|block ...\n", stderr);
  return 64;
}
