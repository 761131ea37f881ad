// SPDX-License-Identifier: BSL-1.0
// machd: the kernel core of mach-emu serving every process of one user.
//
// One thread owns the core and runs an epoll loop over the listening socket, every client
// connection and one pidfd per task. A client process is one task; each of its threads
// opens its own connection, so a connection carries one request at a time and a request
// that must wait (mach_msg on an empty or full queue, kevent64 with nothing ready) simply
// parks: its reply is written when the core wakes the waiter or its deadline passes.
// A task dies when its process does (the pidfd turns readable) or when any of its
// connections speaks garbage; then the core tears its space down as XNU does.
// Large out-of-line regions stay in the sealed memfds their senders made: a queued message
// holds the descriptor (fd_region), which goes out with the reply that hands it over.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "iokit/host.hpp"
#include "iokit/usb/usb_source.hpp"
#include "kernel/kernel.hpp"
#include "machd/fd_region.hpp"
#include "machd/wire.hpp"

namespace machemu::machd {


struct options {
  std::string socket;
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(30)};  // 0: never
  bool verbose = false;
  int ready_fd = -1;  // written once listening (the client that started us waits on it)
  // Connections beyond this many are refused (a hello reply saying so, then closed). Each
  // costs one descriptor: RLIMIT_NOFILE must allow it plus one pidfd per task.
  std::size_t max_clients = 4096;
  // Bytes of a task's sent messages the daemon holds at most (kern::config).
  std::size_t max_queued_bytes = std::size_t{8} << 20;
  // The sysfs root USB devices are published from (empty: none); see iokit/usb.
  std::string usb_root = "/sys";
};

class daemon {
 public:
  explicit daemon(options o);
  ~daemon();
  // Binds the socket (after taking <socket>.lock). False, with a message on stderr, when
  // another machd holds the path or binding fails.
  bool listen();
  // Serves until idle for the configured period. Returns the exit status.
  int run();

  struct conn;
  struct task_rec;
  // A waiter of connection `id` was woken by the core: retry its request soon.
  void woken(std::uint64_t id);

 private:
  using clock = std::chrono::steady_clock;

  void accept_all();
  void refuse(int fd);
  void answer_version(int fd, std::uint16_t op);
  void on_readable(conn& c);
  void on_writable(conn& c);
  bool handle_frame(conn& c);  // false: protocol error
  bool handle_lost_fds(conn& c);  // a frame whose descriptors we could not receive
  bool on_hello(conn& c);
  bool on_port_call(conn& c);
  bool on_msg(conn& c);
  bool on_kq_create(conn& c);
  bool on_kevent(conn& c);
  bool on_kq_close(conn& c);
  void on_counts(conn& c);

  void resume(conn& c);         // a parked request's waiter was woken
  void expire(conn& c);         // a parked request's deadline passed
  void finish_msg(conn& c, mach_msg_return_t mr, bool receive_phase);
  void finish_kevent(conn& c, int n);
  void park(conn& c, std::optional<clock::time_point> deadline);
  void unpark(conn& c);
  void abort_parked(conn& c);

  // Queues a reply frame, with `fds` attached (each closed here once sent).
  void reply(conn& c, wire::op o, wire::writer& w,
             std::vector<kern::ref<fd_region>> fds = {});
  void close_conn(std::uint64_t id);
  task_rec* create_task(const ucred& cred);
  void kill_task(task_rec* tr, const char* why);
  void drain_ready();
  int next_timeout_ms();
  void log(const std::string& s);

  options opt_;
  kern::kernel kernel_;
  iokit::host iokit_{kernel_};  // IOKit's registry beside the core (destroyed first)
  std::unique_ptr<iokit::usb::usb_source> usb_;  // publishes into iokit_, from listen()
  int epoll_ = -1;
  int listen_fd_ = -1;
  int lock_fd_ = -1;
  int spare_fd_ = -1;  // given up to refuse a connection when descriptors run out
  std::uint64_t boot_id_ = 0;
  std::uint64_t next_conn_ = 1;
  std::uint64_t next_kq_ = 1;
  std::uint32_t next_pidversion_ = 1;  // the audit token's pidversion of the next task
  std::unordered_map<std::uint64_t, std::unique_ptr<conn>> conns_;
  std::unordered_map<pid_t, std::unique_ptr<task_rec>> tasks_;
  std::vector<std::uint64_t> ready_;                       // woken parked connections
  std::vector<std::byte> reply_buf_;  // the payload of the reply being built (reply_lease)
  std::set<std::pair<clock::time_point, std::uint64_t>> deadlines_;
  std::optional<clock::time_point> idle_since_;

};

}  // namespace machemu::machd
