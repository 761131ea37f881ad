// SPDX-License-Identifier: BSL-1.0
// Cross-process IPC through machd, against a baseline measured in the same run: a
// socketpair(SOCK_SEQPACKET) ping-pong between two processes, the cheapest thing a Linux
// program could do instead. Prints medians (of batches of round trips) and their ratio.
//  - 64-byte round trip (target: at most 2.5x the baseline);
//  - the same carrying one port right; carrying an out-of-line region of 16 KiB, 64 KiB
//    and 1 MiB, each both ways a region can travel: inside the frames, and as a sealed
//    memfd (MACHEMU_OOL_MEMFD_MIN, read at every send, picks the way; the default sends
//    regions from 64 KiB on by memfd);
//  - messages per second with 8 client/server process pairs;
//  - machd's memory per live port (target: at most 256 bytes), from its resident set.
#include <mach/mach.h>
#include <servers/bootstrap.h>

#include <sys/socket.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "machd/debug.h"

namespace {

using clock_type = std::chrono::steady_clock;
constexpr int batches = 41, per_batch = 250;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "machd_ipc: %s failed\n", what);
    std::exit(1);
  }
}

// Median time per iteration (ns) of `fn` run in batches of `per` iterations.
template <class F>
double median_ns(F&& fn, int per = per_batch) {
  for (int i = 0; i < per; ++i) fn();  // warm up
  std::vector<double> v;
  for (int b = 0; b < batches; ++b) {
    const auto t0 = clock_type::now();
    for (int i = 0; i < per; ++i) fn();
    v.push_back(std::chrono::duration<double, std::nano>(clock_type::now() - t0).count() / per);
  }
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct msg64 {
  mach_msg_header_t header;
  char body[40];
};
struct rcv_buf {
  mach_msg_header_t header;
  char body[256];
  mach_msg_max_trailer_t trailer;
};

// The echo server: replies to each request on its send-once reply right, dropping what
// the request carried.
[[noreturn]] void echo_server(const std::string& name, int ready_fd) {
  mach_port_t port = MACH_PORT_NULL;
  check(bootstrap_check_in(bootstrap_port, name.c_str(), &port) == KERN_SUCCESS, "check_in");
  char one = 1;
  check(write(ready_fd, &one, 1) == 1, "ready");
  for (;;) {
    rcv_buf m{};
    if (mach_msg(&m.header, MACH_RCV_MSG, 0, sizeof m, port, 0, MACH_PORT_NULL) != MACH_MSG_SUCCESS)
      _exit(0);
    const mach_port_t reply = m.header.msgh_remote_port;
    m.header.msgh_remote_port = MACH_PORT_NULL;
    m.header.msgh_bits &= ~MACH_MSGH_BITS_REMOTE_MASK;
    mach_msg_destroy(&m.header);
    msg64 r{};
    r.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
    r.header.msgh_size = sizeof r;
    r.header.msgh_remote_port = reply;
    if (mach_msg(&r.header, MACH_SEND_MSG, sizeof r, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL) !=
        MACH_MSG_SUCCESS)
      _exit(0);
  }
}

struct server {
  pid_t pid = -1;
  mach_port_t port = MACH_PORT_NULL;
  explicit server(const std::string& name) {
    int p[2];
    check(pipe(p) == 0, "pipe");
    pid = fork();
    if (pid == 0) {
      close(p[0]);
      echo_server(name, p[1]);
    }
    close(p[1]);
    char c;
    check(read(p[0], &c, 1) == 1, "server start");
    close(p[0]);
    check(bootstrap_look_up(bootstrap_port, name.c_str(), &port) == KERN_SUCCESS, "look_up");
  }
  ~server() {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    mach_port_deallocate(mach_task_self(), port);
  }
};

// One request/reply; `fill` adds what the request carries.
template <class Msg, class Fill>
void round_trip(mach_port_t dest, mach_port_t reply, Fill&& fill) {
  Msg m{};
  m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  m.header.msgh_size = sizeof m;
  m.header.msgh_remote_port = dest;
  m.header.msgh_local_port = reply;
  fill(m);
  rcv_buf r;
  const mach_msg_return_t mr =
      mach_msg_overwrite(&m.header, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m, sizeof r, reply, 0,
                         MACH_PORT_NULL, &r.header, 0);
  check(mr == MACH_MSG_SUCCESS, "round trip");
}

double seqpacket_baseline() {
  int sv[2];
  check(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0, "socketpair");
  const pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    char buf[64];
    for (;;) {
      if (read(sv[1], buf, sizeof buf) != 64) _exit(0);
      if (write(sv[1], buf, 64) != 64) _exit(0);
    }
  }
  close(sv[1]);
  char buf[64] = {};
  const double ns = median_ns([&] {
    check(write(sv[0], buf, 64) == 64, "write");
    check(read(sv[0], buf, 64) == 64, "read");
  });
  close(sv[0]);
  waitpid(pid, nullptr, 0);
  return ns;
}

long rss_kib(std::uint64_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

}  // namespace

int main() {
  const std::string base = "machd-bench." + std::to_string(getpid());
  mach_port_t reply = MACH_PORT_NULL;
  check(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &reply) == KERN_SUCCESS, "reply port");

  const double baseline = seqpacket_baseline();
  double plain = 0, with_right = 0;
  struct ool_case {
    std::size_t size;
    double inline_ns, memfd_ns;
  };
  std::vector<ool_case> ool{{16 << 10, 0, 0}, {64 << 10, 0, 0}, {1 << 20, 0, 0}};
  {
    server s(base + ".echo");
    plain = median_ns([&] { round_trip<msg64>(s.port, reply, [](msg64&) {}); });
    struct port_msg {
      mach_msg_header_t header;
      mach_msg_body_t body;
      mach_msg_port_descriptor_t port;
    };
    with_right = median_ns([&] {
      round_trip<port_msg>(s.port, reply, [&](port_msg& m) {
        m.header.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
        m.body.msgh_descriptor_count = 1;
        m.port.name = reply;
        m.port.disposition = MACH_MSG_TYPE_MAKE_SEND;
        m.port.type = MACH_MSG_PORT_DESCRIPTOR;
      });
    });
    struct ool_msg {
      mach_msg_header_t header;
      mach_msg_body_t body;
      mach_msg_ool_descriptor_t ool;
    };
    for (ool_case& c : ool) {
      std::vector<char> region(c.size, 'x');
      const auto one = [&] {
        round_trip<ool_msg>(s.port, reply, [&](ool_msg& m) {
          m.header.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
          m.body.msgh_descriptor_count = 1;
          m.ool.address = region.data();
          m.ool.size = static_cast<mach_msg_size_t>(region.size());
          m.ool.copy = MACH_MSG_VIRTUAL_COPY;
          m.ool.type = MACH_MSG_OOL_DESCRIPTOR;
        });
      };
      const int per = c.size > (64 << 10) ? per_batch / 10 : per_batch;
      setenv("MACHEMU_OOL_MEMFD_MIN", "4294967296", 1);  // never by memfd
      c.inline_ns = median_ns(one, per);
      setenv("MACHEMU_OOL_MEMFD_MIN", "4096", 1);  // always by memfd
      c.memfd_ns = median_ns(one, per);
    }
    unsetenv("MACHEMU_OOL_MEMFD_MIN");
  }
  std::printf("%-34s %10s %8s\n", "cross-process round trip", "median", "ratio");
  std::printf("%-34s %8.0f ns %8s\n", "socketpair(SEQPACKET) 64 B", baseline, "1.00");
  std::printf("%-34s %8.0f ns %7.2fx  (target <= 2.5x)\n", "machd 64 B", plain, plain / baseline);
  std::printf("%-34s %8.0f ns %7.2fx\n", "machd 64 B + one port right", with_right, with_right / baseline);
  for (const ool_case& c : ool) {
    const std::string what = "machd + " + std::to_string(c.size >> 10) + " KiB OOL";
    std::printf("%-34s %8.0f ns %7.2fx\n", (what + ", inline").c_str(), c.inline_ns,
                c.inline_ns / baseline);
    std::printf("%-34s %8.0f ns %7.2fx  (%.2fx inline)\n", (what + ", memfd").c_str(),
                c.memfd_ns, c.memfd_ns / baseline, c.memfd_ns / c.inline_ns);
  }

  // 8 client/server pairs, each client a process of its own, for one second.
  constexpr int pairs = 8;
  int counts_pipe[2];
  check(pipe(counts_pipe) == 0, "pipe");
  std::vector<pid_t> clients;
  for (int i = 0; i < pairs; ++i) {
    const pid_t pid = fork();
    if (pid == 0) {
      close(counts_pipe[0]);
      mach_port_t my_reply = MACH_PORT_NULL;
      check(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &my_reply) == KERN_SUCCESS, "reply");
      long n = 0;
      {
        server s(base + ".pair" + std::to_string(i));
        const auto end = clock_type::now() + std::chrono::seconds(1);
        while (clock_type::now() < end) {
          for (int k = 0; k < 50; ++k) round_trip<msg64>(s.port, my_reply, [](msg64&) {});
          n += 100;  // a request and a reply each
        }
      }
      check(write(counts_pipe[1], &n, sizeof n) == sizeof n, "count");
      _exit(0);
    }
    clients.push_back(pid);
  }
  close(counts_pipe[1]);
  long total = 0, n = 0;
  while (read(counts_pipe[0], &n, sizeof n) == sizeof n) total += n;
  for (pid_t p : clients) waitpid(p, nullptr, 0);
  std::printf("%-34s %8ld messages/s\n", "8 client/server pairs", total);

  // machd's memory per live port.
  machemu_machd_counts c{};
  check(machemu_machd_get_counts(&c) == 0, "counts");
  constexpr int ports = 100000;
  const long before = rss_kib(c.pid);
  std::vector<mach_port_t> names(ports);
  for (auto& p : names)
    check(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p) == KERN_SUCCESS, "allocate");
  const long after = rss_kib(c.pid);
  std::printf("%-34s %8.0f bytes (target <= 256; resident set growth over %d ports)\n",
              "machd memory per live port", (after - before) * 1024.0 / ports, ports);
  for (auto p : names) mach_port_mod_refs(mach_task_self(), p, MACH_PORT_RIGHT_RECEIVE, -1);
  mach_port_mod_refs(mach_task_self(), reply, MACH_PORT_RIGHT_RECEIVE, -1);
  return 0;
}
