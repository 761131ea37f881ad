// SPDX-License-Identifier: BSL-1.0
// Four clients, one server, the server waiting in kevent64: the shape of XNU's KQMPMMtest
// (tools/tests/MPMMTest). The server's knote is EV_DISPATCH | EV_CLEAR on a port set of
// one port per client thread, and each kevent64 call re-enables it and takes the next
// message ("direct", MACH_RCV_MSG in the knote) or learns which port has one and then
// calls mach_msg ("after event").
//
// The baseline, measured in the same run: the same four threads writing 64-byte records
// into a pipe each, and one server thread waiting in epoll_wait and reading them: what the
// same traffic costs a Linux program with no Mach in between. Each mode runs in a child
// process of its own (the transport is chosen once per process): MACHEMU_MODE=inprocess,
// and the default, through machd. Prints messages per second (median of the repetitions)
// and each figure as a ratio of the baseline's.
//
//   kq_mpmm [messages-per-client] [repetitions]
#include <mach/mach.h>
#include <sys/epoll.h>
#include <sys/event.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int clients = 4;
using clock_type = std::chrono::steady_clock;

[[noreturn]] void fail(const char* what, long code) {
  std::fprintf(stderr, "kq_mpmm: %s failed (%ld)\n", what, code);
  std::exit(2);
}

struct record {
  mach_msg_header_t header;
  std::uint32_t client;
  std::uint32_t seq;
  std::uint8_t pad[32];
};
static_assert(sizeof(record) == 64);

struct receive_buffer {
  record msg;
  mach_msg_max_trailer_t trailer;
};

// Messages per second of one run of `clients` senders of `n` messages each into `server`.
template <class Server, class Client>
double throughput(std::uint32_t n, Server server, Client client) {
  std::vector<std::thread> threads;
  const auto start = clock_type::now();
  for (int i = 0; i < clients; ++i) threads.emplace_back([&, i] { client(i, n); });
  server(static_cast<std::uint64_t>(n) * clients);
  for (auto& t : threads) t.join();
  const std::chrono::duration<double> took = clock_type::now() - start;
  return static_cast<double>(n) * clients / took.count();
}

double pipe_epoll_run(std::uint32_t n) {
  std::array<std::array<int, 2>, clients> pipes{};
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  for (auto& p : pipes) {
    if (::pipe2(p.data(), O_CLOEXEC) != 0) fail("pipe2", errno);
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.fd = p[0];
    ::epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e);
  }
  const double rate = throughput(
      n,
      [&](std::uint64_t total) {
        record r;
        for (std::uint64_t got = 0; got < total;) {
          epoll_event e{};
          if (::epoll_wait(ep, &e, 1, -1) != 1) fail("epoll_wait", errno);
          if (::read(e.data.fd, &r, sizeof r) != static_cast<ssize_t>(sizeof r)) fail("read", errno);
          ++got;
        }
      },
      [&](int i, std::uint32_t count) {
        record r{};
        for (std::uint32_t s = 0; s < count; ++s) {
          r.seq = s;
          if (::write(pipes[i][1], &r, sizeof r) != static_cast<ssize_t>(sizeof r))
            fail("write", errno);
        }
      });
  for (auto& p : pipes) {
    ::close(p[0]);
    ::close(p[1]);
  }
  ::close(ep);
  return rate;
}

double kqueue_run(std::uint32_t n, bool direct) {
  const mach_port_t self = mach_task_self();
  mach_port_name_t set = MACH_PORT_NULL;
  if (mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &set) != KERN_SUCCESS) fail("set", 0);
  std::array<mach_port_name_t, clients> ports{};
  for (auto& p : ports) {
    if (mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p) != KERN_SUCCESS ||
        mach_port_insert_right(self, p, p, MACH_MSG_TYPE_MAKE_SEND) != KERN_SUCCESS ||
        mach_port_insert_member(self, p, set) != KERN_SUCCESS)
      fail("port", 0);
  }
  const int kq = ::kqueue();
  if (kq < 0) fail("kqueue", errno);
  receive_buffer buf{};
  kevent64_s arm{};
  arm.ident = set;
  arm.filter = EVFILT_MACHPORT;
  arm.flags = EV_ADD | EV_CLEAR | EV_DISPATCH;
  if (direct) {
    arm.fflags = MACH_RCV_MSG | MACH_RCV_LARGE;
    arm.ext[0] = reinterpret_cast<std::uint64_t>(&buf);
    arm.ext[1] = sizeof buf;
  }
  if (kevent64(kq, &arm, 1, nullptr, 0, 0, nullptr) != 0) fail("kevent64 add", errno);
  kevent64_s enable = arm;
  enable.flags = EV_ENABLE;
  const double rate = throughput(
      n,
      [&](std::uint64_t total) {
        for (std::uint64_t got = 0; got < total; ++got) {
          kevent64_s ev{};
          const bool armed = got == 0;
          if (kevent64(kq, armed ? nullptr : &enable, armed ? 0 : 1, &ev, 1, 0, nullptr) != 1)
            fail("kevent64", errno);
          if (direct) {
            if (ev.fflags != MACH_MSG_SUCCESS) fail("direct receive", ev.fflags);
          } else if (mach_msg(&buf.msg.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof buf,
                              static_cast<mach_port_name_t>(ev.data), 0,
                              MACH_PORT_NULL) != MACH_MSG_SUCCESS) {
            fail("mach_msg receive", 0);
          }
        }
      },
      [&](int i, std::uint32_t count) {
        record r{};
        for (std::uint32_t s = 0; s < count; ++s) {
          r.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
          r.header.msgh_remote_port = ports[i];
          r.header.msgh_local_port = MACH_PORT_NULL;
          r.header.msgh_size = sizeof r;
          r.seq = s;
          const mach_msg_return_t mr =
              mach_msg(&r.header, MACH_SEND_MSG, sizeof r, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
          if (mr != MACH_MSG_SUCCESS) fail("mach_msg send", mr);
        }
      });
  ::close(kq);
  for (auto p : ports) {
    mach_port_deallocate(self, p);
    mach_port_mod_refs(self, p, MACH_PORT_RIGHT_RECEIVE, -1);
  }
  mach_port_mod_refs(self, set, MACH_PORT_RIGHT_PORT_SET, -1);
  return rate;
}

template <class F>
double median_of(int reps, F run) {
  std::vector<double> v;
  for (int i = 0; i < reps; ++i) v.push_back(run());
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// In a child process with MACHEMU_MODE=`mode` (empty: machd): both server styles' medians.
bool measure_mode(const char* self_path, const char* mode, std::uint32_t n, int reps,
                  double& direct, double& after) {
  int fds[2];
  if (::pipe(fds) != 0) return false;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    if (*mode) ::setenv("MACHEMU_MODE", mode, 1);
    else ::unsetenv("MACHEMU_MODE");
    ::dup2(fds[1], STDOUT_FILENO);
    const std::string count = std::to_string(n), r = std::to_string(reps);
    ::execl(self_path, self_path, "--child", count.c_str(), r.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  char out[256] = {};
  std::size_t used = 0;
  for (ssize_t got; (got = ::read(fds[0], out + used, sizeof out - 1 - used)) > 0;)
    used += static_cast<std::size_t>(got);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
         std::sscanf(out, "%lf %lf", &direct, &after) == 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 4 && std::strcmp(argv[1], "--child") == 0) {
    const auto n = static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10));
    const int reps = std::atoi(argv[3]);
    const double direct = median_of(reps, [&] { return kqueue_run(n, true); });
    const double after = median_of(reps, [&] { return kqueue_run(n, false); });
    std::printf("%.0f %.0f\n", direct, after);
    return 0;
  }
  const std::uint32_t n = argc > 1 ? static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 10)) : 20000;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
  const double base = median_of(reps, [&] { return pipe_epoll_run(n); });
  std::printf("kq_mpmm: %d clients x %u messages, median of %d\n", clients, n, reps);
  std::printf("%-34s %12s %10s\n", "run", "msgs/s", "vs base");
  std::printf("%-34s %12.0f %10.2f\n", "baseline: pipes + epoll_wait", base, 1.0);
  struct { const char* label; const char* mode; } modes[] = {{"in-process", "inprocess"},
                                                              {"machd", ""}};
  for (const auto& m : modes) {
    double direct = 0, after = 0;
    if (!measure_mode("/proc/self/exe", m.mode, n, reps, direct, after)) {
      std::fprintf(stderr, "kq_mpmm: the %s run failed\n", m.label);
      return 1;
    }
    std::printf("%-34s %12.0f %10.3f\n", (std::string(m.label) + ": kevent64 direct receive").c_str(),
                direct, direct / base);
    std::printf("%-34s %12.0f %10.3f\n", (std::string(m.label) + ": kevent64 then mach_msg").c_str(),
                after, after / base);
  }
  return 0;
}
