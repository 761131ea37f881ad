// SPDX-License-Identifier: BSL-1.0
#include "machd/daemon.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "lib/port_call.hpp"
#include "machd/fd_passing.hpp"
#include "machd/memfd_region.hpp"

namespace machemu::machd {

using fd_passing::unique_fd;

namespace {

// epoll tags: what a ready descriptor is.
constexpr std::uint64_t tag_conn = std::uint64_t{1} << 62;
constexpr std::uint64_t tag_pidfd = std::uint64_t{2} << 62;
constexpr std::uint64_t tag_mask = std::uint64_t{3} << 62;
constexpr std::uint64_t tag_usb = 1;  // the USB source's hot-plug descriptor (0: listening)

// A receive buffer never needs to be larger than the largest message plus the largest
// trailer: the core refuses bigger sends, so capping cannot change a receive's outcome.
constexpr std::size_t max_receive = 50331580 + 256;
// Tokens the core writes in place of OOL addresses; the client maps the data and patches.
constexpr std::uint64_t token_base = 0xFFFF'8000'0000'0000ull;

// Borrows the daemon's reply buffer for one reply and gives it back with its capacity, so
// that steady-state replies allocate nothing (a huge one is not kept). A reply built while
// another is (none is today) would get a buffer of its own.
struct reply_lease {
  explicit reply_lease(std::vector<std::byte>& h) : home(h), bytes(std::move(h)) {}
  reply_lease(const reply_lease&) = delete;
  reply_lease& operator=(const reply_lease&) = delete;
  ~reply_lease() {
    if (bytes.capacity() <= (std::size_t{1} << 20)) home = std::move(bytes);
  }
  std::vector<std::byte>& home;
  std::vector<std::byte> bytes;
};

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

bool pidfd_exited(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

}  // namespace

// The memory of a task as one request describes it: the OOL regions the client captured,
// the deallocations and new mappings to do when the reply arrives, and the kevent receive
// buffers to write back.
struct frame_memory final : kern::user_memory {
  // A region of the request, by address and size (the core asks for exactly what a
  // descriptor names): its bytes, or its memfd.
  struct captured {
    std::span<const std::byte> bytes;  // inside the request's payload
    kern::ref<fd_region> fd;
  };
  // A region for the reply, named by the token written into the descriptor.
  struct out {
    std::uint64_t token = 0;
    std::vector<std::byte> bytes;
    kern::ref<fd_region> fd;
  };
  std::map<std::pair<std::uint64_t, std::uint64_t>, captured> regions;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> deallocs;
  std::vector<out> outs;
  std::uint32_t fd_outs = 0;  // outs held as memfds (at most wire::max_frame_fds)
  // A kevent receive buffer: the bytes the core may fill, and how many of them it did.
  struct receive_buffer {
    std::uint64_t address = 0;
    std::vector<std::byte> bytes;
    std::size_t written = 0;
  };
  std::vector<receive_buffer> writables;
  // mach_msg's receive buffer: machd's copy, and where it is in the client.
  const std::byte* rcv_base = nullptr;
  std::size_t rcv_len = 0;
  std::uint64_t rcv_address = 0;
  // Receive buffers of earlier requests, kept for the next ones, so that a direct receive
  // per message costs no allocation (and no zeroing of the whole buffer). They hold only
  // this connection's task's own messages, and only the bytes the core writes anew are
  // sent back (written()). A few of moderate size are kept.
  std::vector<std::vector<std::byte>> spare;
  static constexpr std::size_t spare_max_count = 8;
  static constexpr std::size_t spare_max_bytes = std::size_t{256} << 10;

  void clear() {
    rcv_base = nullptr;
    rcv_len = 0;
    rcv_address = 0;
    regions.clear();
    deallocs.clear();
    outs.clear();
    fd_outs = 0;
    for (receive_buffer& b : writables)
      if (spare.size() < spare_max_count && b.bytes.capacity() <= spare_max_bytes)
        spare.push_back(std::move(b.bytes));
    writables.clear();
  }
  const captured* find(std::uint64_t a, std::size_t size) const {
    auto it = regions.find({a, size});
    return it == regions.end() ? nullptr : &it->second;
  }
  kern::ref<kern::ool_region> copy_in(std::uint64_t a, std::size_t size) override {
    const captured* r = find(a, size);
    if (!r) return {};
    if (r->fd) return r->fd;  // no copy: the memfd is already a snapshot
    auto reg = kern::make_ref<kern::ool_region>(size);
    if (size) std::memcpy(reg->bytes.get(), r->bytes.data(), size);
    return reg;
  }
  bool read(std::uint64_t a, void* out, std::size_t size) override {
    const captured* r = find(a, size);
    if (!r || r->fd) return false;  // port-name arrays always travel inline
    if (size) std::memcpy(out, r->bytes.data(), size);
    return true;
  }
  void deallocate(std::uint64_t a, std::size_t size) override { deallocs.emplace_back(a, size); }
  std::uint64_t next_token() const { return token_base + (outs.size() + 1) * 0x1000; }
  std::uint64_t copy_out(const std::byte* data, std::size_t size) override {
    outs.push_back({next_token(), std::vector<std::byte>(data, data + size), {}});
    return outs.back().token;
  }
  std::uint64_t map_region(const kern::ool_region& region) override {
    const auto* f = dynamic_cast<const fd_region*>(&region);
    if (!f) return copy_out(region.bytes.get(), region.size);
    if (fd_outs == wire::max_frame_fds) {
      // A kevent64 handing out several messages' memfds at once: the rest go inline.
      std::vector<std::byte> bytes(f->size);
      if (!memfd_region::read(f->fd.get(), bytes.data(), bytes.size())) return 0;
      outs.push_back({next_token(), std::move(bytes), {}});
      return outs.back().token;
    }
    ++fd_outs;
    outs.push_back({next_token(), {}, kern::ref<fd_region>(const_cast<fd_region*>(f))});
    return outs.back().token;
  }
  std::span<std::byte> writable(std::uint64_t a, std::size_t size) override {
    std::vector<std::byte> bytes;
    if (!spare.empty()) {
      bytes = std::move(spare.back());
      spare.pop_back();
    }
    bytes.resize(size > max_receive ? max_receive : size);
    writables.push_back({a, std::move(bytes), 0});
    return writables.back().bytes;
  }
  void written(std::uint64_t a, std::size_t size) override {
    for (auto it = writables.rbegin(); it != writables.rend(); ++it)
      if (it->address == a) {
        it->written = std::min(size, it->bytes.size());
        return;
      }
  }
  std::uint64_t receive_address(const std::byte* p) override {
    const auto inside = [p](const std::byte* base, std::size_t len) {
      return base && p >= base && p < base + len;
    };
    if (inside(rcv_base, rcv_len)) return rcv_address + static_cast<std::uint64_t>(p - rcv_base);
    for (const receive_buffer& b : writables)
      if (inside(b.bytes.data(), b.bytes.size()))
        return b.address + static_cast<std::uint64_t>(p - b.bytes.data());
    return 0;  // not a receive buffer: no address in the client to give
  }
};

// A parked thread of a client, as the core sees it.
struct waker final : kern::send_waiter {
  daemon* d = nullptr;
  std::uint64_t id = 0;
  void wake() override;
};
struct rwaker final : kern::receive_waiter {
  daemon* d = nullptr;
  std::uint64_t id = 0;
  void wake() override;
};
struct kwaker final : kern::kevent_waiter {
  daemon* d = nullptr;
  std::uint64_t id = 0;
  void wake() override;
};

// The kqueue descriptor of a client: machd holds the socket's write end (to signal) and a
// duplicate of its read end (to drain), so the client's fd is readable exactly while
// kevent64 has something to return.
struct kq_rec final : kern::kqueue_listener {
  kern::ref<kern::kqueue> kq;
  int write_fd = -1;
  int read_fd = -1;
  bool signalled = false;
  ~kq_rec() {
    if (write_fd >= 0) ::close(write_fd);
    if (read_fd >= 0) ::close(read_fd);
  }
  void readiness_changed(bool ready) override {
    if (ready == signalled) return;
    signalled = ready;
    if (ready) {
      const char one = 1;
      [[maybe_unused]] ssize_t n = ::send(write_fd, &one, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    } else {
      // The one byte we wrote (we are the only writer; if the program read it itself,
      // this finds nothing, which is as good).
      char byte;
      [[maybe_unused]] ssize_t n = ::recv(read_fd, &byte, 1, MSG_DONTWAIT);
    }
  }
};

struct daemon::task_rec {
  pid_t pid = 0;
  int pidfd = -1;
  std::uint64_t image = 0;  // the program image its first hello named (0 before it)
  kern::task* task = nullptr;
  std::set<std::uint64_t> conns;
  std::map<std::uint64_t, std::unique_ptr<kq_rec>> kqueues;
};

enum class parked_kind { none, send, receive, kevent };

struct daemon::conn {
  std::uint64_t id = 0;
  int fd = -1;
  task_rec* task = nullptr;
  // Input: header, then payload, then any descriptors that came with it.
  wire::header hdr{};
  std::size_t hdr_have = 0;
  std::vector<std::byte> payload;
  std::size_t payload_have = 0;
  std::vector<unique_fd> fds;
  bool fds_lost = false;  // some did not fit (MSG_CTRUNC): we are out of descriptors
  // Output not yet written, and the descriptors to attach where a reply frame starts
  // (by offset into `out`); each batch is closed here once sent.
  std::vector<std::byte> out;
  std::size_t out_off = 0;
  bool watch_out = false;  // EPOLLOUT is registered (a reply waits for room)
  std::vector<std::pair<std::size_t, std::vector<kern::ref<fd_region>>>> out_fds;
  // The request in progress.
  parked_kind parked = parked_kind::none;
  bool queued_ready = false;
  std::optional<clock::time_point> deadline;
  wire::msg_request msg;
  std::vector<std::byte> buf;       // the message buffer the core works on
  std::vector<std::byte> sent;      // the message as sent (to see a pseudo-receive)
  std::size_t rcv_len = 0;
  std::size_t prefix_len = 0;
  frame_memory mem;
  waker sw;
  rwaker rw;
  kwaker kw;
  kern::ref<kern::kqueue> kq;
  std::vector<kevent64_s> events;
  std::vector<kevent64_s> changes;  // a kevent64 request's, kept for its capacity

  ~conn() {
    if (fd >= 0) ::close(fd);
  }
};

void waker::wake() { d->woken(id); }
void rwaker::wake() { d->woken(id); }
void kwaker::wake() { d->woken(id); }

void daemon::woken(std::uint64_t id) {
  auto it = conns_.find(id);
  if (it == conns_.end() || it->second->queued_ready) return;
  it->second->queued_ready = true;
  ready_.push_back(id);
}

namespace {
kern::config core_config(const options& o) {
  kern::config c;
  c.max_queued_bytes_per_task = o.max_queued_bytes;
  return c;
}
}  // namespace

daemon::daemon(options o) : opt_(std::move(o)), kernel_(core_config(opt_)) {
  std::random_device rd;
  boot_id_ = (std::uint64_t{rd()} << 32) | rd();
  if (boot_id_ == 0) boot_id_ = 1;
}

daemon::~daemon() {
  // Parked requests first: their waiters are linked into the core.
  for (auto& [id, c] : conns_) abort_parked(*c);
  conns_.clear();
  for (auto& [pid, tr] : tasks_) {
    kernel_.destroy_task(tr->task);
    ::close(tr->pidfd);
  }
  tasks_.clear();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (epoll_ >= 0) ::close(epoll_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
  if (spare_fd_ >= 0) ::close(spare_fd_);
}

void daemon::log(const std::string& s) {
  if (opt_.verbose) std::fprintf(stderr, "machd: %s\n", s.c_str());
}

bool daemon::listen() {
  const std::string lock = opt_.socket + ".lock";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (opt_.socket.size() >= sizeof addr.sun_path) {
    std::fprintf(stderr, "machd: socket path too long: %s\n", opt_.socket.c_str());
    return false;
  }
  std::memcpy(addr.sun_path, opt_.socket.c_str(), opt_.socket.size() + 1);
  lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) {
    std::fprintf(stderr, "machd: cannot open %s: %s\n", lock.c_str(), std::strerror(errno));
    return false;
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    // Held: by a live daemon (it answers on the socket), or by one that is exiting for
    // idleness (it unlinked the socket first): wait for that one to be gone.
    const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool live = ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(probe);
    if (live || ::flock(lock_fd_, LOCK_EX) != 0) {
      std::fprintf(stderr, "machd: another machd serves %s\n", opt_.socket.c_str());
      return false;
    }
  }
  // We hold the lock, so a socket file there is a dead daemon's.
  ::unlink(opt_.socket.c_str());
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const mode_t old = ::umask(0077);
  const int b = ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old);
  if (b != 0 || ::listen(listen_fd_, 4096) != 0) {
    std::fprintf(stderr, "machd: cannot listen on %s: %s\n", opt_.socket.c_str(),
                 std::strerror(errno));
    return false;
  }
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 0;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, listen_fd_, &ev);
  log("listening on " + opt_.socket);
  if (!opt_.usb_root.empty()) {
    usb_ = std::make_unique<iokit::usb::usb_source>(iokit_, opt_.usb_root, [this](const std::string& s) { log(s); });
    if (usb_->fd() >= 0) {
      ev.data.u64 = tag_usb;
      ::epoll_ctl(epoll_, EPOLL_CTL_ADD, usb_->fd(), &ev);
    }
  }
  if (opt_.ready_fd >= 0) {
    const char ok = 1;
    [[maybe_unused]] ssize_t n = ::write(opt_.ready_fd, &ok, 1);
    ::close(opt_.ready_fd);
    opt_.ready_fd = -1;
  }
  return true;
}

int daemon::next_timeout_ms() {
  std::optional<clock::time_point> when;
  if (!deadlines_.empty()) when = deadlines_.begin()->first;
  if (idle_since_ && opt_.idle_timeout.count() > 0) {
    const auto idle_end = *idle_since_ + opt_.idle_timeout;
    if (!when || idle_end < *when) when = idle_end;
  }
  if (!when) return -1;
  const auto ms =
      std::chrono::ceil<std::chrono::milliseconds>(*when - clock::now()).count();
  return ms < 0 ? 0 : static_cast<int>(ms);
}

int daemon::run() {
  idle_since_ = clock::now();
  epoll_event events[64];
  for (;;) {
    const int n = ::epoll_wait(epoll_, events, 64, next_timeout_ms());
    if (n < 0 && errno != EINTR) return 1;
    // Deaths first. A process that exited before a peer's request was written (the peer's
    // waitpid returned, say) has a readable pidfd in every batch that holds that request,
    // so the request sees the task gone, as on XNU, where exit tears the space down before
    // the parent can reap. (Two passes rather than a partition, which may allocate.)
    for (int i = 0; i < n; ++i) {
      const std::uint64_t tag = events[i].data.u64;
      if ((tag & tag_mask) != tag_pidfd) continue;
      auto it = tasks_.find(static_cast<pid_t>(tag & ~tag_mask));
      if (it != tasks_.end()) kill_task(it->second.get(), "process exited");
      drain_ready();
    }
    for (int i = 0; i < n; ++i) {
      const std::uint64_t tag = events[i].data.u64;
      if (tag == 0) {
        accept_all();
      } else if (tag == tag_usb) {
        usb_->on_readable();
      } else if ((tag & tag_mask) == tag_pidfd) {
        continue;
      } else {
        const std::uint64_t id = tag & ~tag_mask;
        auto it = conns_.find(id);
        if (it == conns_.end()) continue;
        if (events[i].events & EPOLLOUT) on_writable(*it->second);
        it = conns_.find(id);
        if (it != conns_.end() && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
          on_readable(*it->second);
      }
      drain_ready();
    }
    // Deadlines.
    const auto now = clock::now();
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
      const std::uint64_t id = deadlines_.begin()->second;
      deadlines_.erase(deadlines_.begin());
      auto it = conns_.find(id);
      if (it != conns_.end()) expire(*it->second);
      drain_ready();
    }
    if (tasks_.empty() && conns_.empty()) {
      if (!idle_since_) idle_since_ = now;
      if (opt_.idle_timeout.count() > 0 && now - *idle_since_ >= opt_.idle_timeout) {
        log("idle: exiting");
        // Unlink while still holding the lock, so the next client starts a fresh daemon.
        ::unlink(opt_.socket.c_str());
        return 0;
      }
    } else {
      idle_since_.reset();
    }
  }
}

void daemon::accept_all() {
  for (;;) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0 && (errno == EMFILE || errno == ENFILE) && spare_fd_ >= 0) {
      // Out of descriptors: the pending connection would keep the listening socket
      // readable (and epoll spinning). The spare descriptor makes room to refuse it.
      ::close(spare_fd_);
      const int extra = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (extra >= 0) refuse(extra);
      spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (extra >= 0) continue;
    }
    if (fd < 0) return;
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != ::geteuid()) {
      log("refused a connection from another user");
      ::close(fd);
      continue;
    }
    if (conns_.size() >= opt_.max_clients) {
      refuse(fd);
      continue;
    }
    // The task: this pid's, unless that process is gone (then the pid was recycled).
    auto it = tasks_.find(cred.pid);
    if (it != tasks_.end() && pidfd_exited(it->second->pidfd)) {
      kill_task(it->second.get(), "process exited");
      it = tasks_.end();
    }
    task_rec* tr = it != tasks_.end() ? it->second.get() : create_task(cred);
    if (tr == nullptr) {
      ::close(fd);
      continue;
    }
    auto c = std::make_unique<conn>();
    c->id = next_conn_++;
    c->fd = fd;
    c->task = tr;
    c->sw.d = c->rw.d = c->kw.d = this;
    c->sw.id = c->rw.id = c->kw.id = c->id;
    tr->conns.insert(c->id);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag_conn | c->id;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
    conns_[c->id] = std::move(c);
  }
}

// Answers the hello this connection is about to send with KERN_RESOURCE_SHORTAGE before it
// is sent, and closes: the reply waits in the client's receive queue, where it finds it
// even though its own write of the hello fails.
void daemon::refuse(int fd) {
  log("refused a connection: " + std::to_string(opt_.max_clients) + " clients already");
  wire::writer w;
  w.u32(KERN_RESOURCE_SHORTAGE);
  w.u32(MACH_PORT_NULL);
  w.u64(0);
  const wire::header h{wire::magic, wire::version, static_cast<std::uint16_t>(wire::op::hello),
                       static_cast<std::uint32_t>(w.buffer().size()), 0};
  std::vector<std::byte> frame(sizeof h + w.buffer().size());
  std::memcpy(frame.data(), &h, sizeof h);
  if (!w.buffer().empty())
    std::memcpy(frame.data() + sizeof h, w.buffer().data(), w.buffer().size());
  // A fresh socket's buffer takes a few bytes; if it somehow did not, the client sees a
  // closed connection instead, which is still a refusal.
  [[maybe_unused]] ssize_t n = ::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::close(fd);
}

void daemon::answer_version(int fd, std::uint16_t op) {
  const wire::header h{wire::magic, wire::version, op, 0, 0};
  [[maybe_unused]] ssize_t n = ::send(fd, &h, sizeof h, MSG_NOSIGNAL | MSG_DONTWAIT);
}

void daemon::on_readable(conn& c) {
  const std::uint64_t id = c.id;
  for (;;) {
    // While the header is incomplete, the payload's first bytes are read with it (a
    // request usually arrives whole, so one read takes it) into `first`.
    std::byte first[1024];
    iovec iov[2];
    std::size_t niov = 1;
    std::size_t want;
    if (c.hdr_have < sizeof c.hdr) {
      want = sizeof c.hdr - c.hdr_have;
      iov[0] = {reinterpret_cast<std::byte*>(&c.hdr) + c.hdr_have, want};
      iov[1] = {first, sizeof first};
      niov = 2;
    } else {
      // Grow the payload as bytes arrive: a header promising 96 MiB costs nothing until
      // the bytes are really sent.
      if (c.payload.size() == c.payload_have) {
        const std::size_t grow = std::min<std::size_t>(c.hdr.length - c.payload_have, 1 << 20);
        c.payload.resize(c.payload_have + grow);
      }
      want = c.payload.size() - c.payload_have;
      iov[0] = {c.payload.data() + c.payload_have, want};
    }
    // Every descriptor received is owned at once, so that any way out closes it. Some are
    // dropped when more came than a frame may carry, or when we are out of descriptors.
    const ssize_t n =
        want ? fd_passing::receive(c.fd, iov, niov, MSG_DONTWAIT, c.fds, c.fds_lost) : 0;
    if (want && n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      close_conn(id);
      return;
    }
    if (c.fds.size() > (c.hdr_have == sizeof c.hdr ? c.hdr.nfds : wire::max_frame_fds)) {
      // More than the frame announces (or than any frame may carry, before its header is
      // complete): no need to wait for the rest of a frame that is wrong already.
      kill_task(c.task, "unannounced descriptors");
      return;
    }
    if (want && n == 0) {
      // The thread closed its connection (or its process died): its task lives on until
      // the pidfd says the process is gone.
      close_conn(id);
      return;
    }
    if (c.hdr_have < sizeof c.hdr) {
      const std::size_t head = std::min(static_cast<std::size_t>(n), want);
      c.hdr_have += head;
      if (c.hdr_have < sizeof c.hdr) continue;
      if (const wire::header_check why = wire::check(c.hdr); why != wire::header_check::ok) {
        // A client of another build: tell it our version (an empty answer in our
        // framing) so that it can say why it cannot talk to us.
        if (why == wire::header_check::bad_version) answer_version(c.fd, c.hdr.op);
        kill_task(c.task, why == wire::header_check::bad_version ? "another wire version" : "bad frame header");
        return;
      }
      const std::size_t spill = static_cast<std::size_t>(n) - head;
      if (spill > c.hdr.length) {
        // Bytes beyond this frame: a second request before the reply to the first.
        kill_task(c.task, "protocol violation");
        return;
      }
      c.payload.assign(first, first + spill);
      c.payload_have = spill;
    } else {
      c.payload_have += static_cast<std::size_t>(n);
    }
    if (c.payload_have < c.hdr.length) continue;
    if (c.parked != parked_kind::none || c.fds.size() > c.hdr.nfds ||
        (c.fds.size() < c.hdr.nfds && !c.fds_lost)) {
      // A second request while one is pending, or descriptors the frame did not announce
      // (closed with the connection).
      kill_task(c.task, "protocol violation");
      return;
    }
    c.payload.resize(c.hdr.length);
    const bool ok = c.fds_lost ? handle_lost_fds(c) : handle_frame(c);
    if (!ok) {
      kill_task(c.task, "malformed request");
      return;
    }
    auto it = conns_.find(id);
    if (it == conns_.end()) return;
    c.hdr_have = 0;
    c.payload_have = 0;
    c.payload.clear();
    c.fds.clear();  // closes any the request did not take
    c.fds_lost = false;
    // A client sends its next request only after this one's reply, so nothing more is
    // expected now; if something came anyway, the socket is still readable and (level
    // triggered) epoll reports it again. Reading on would cost a read that finds nothing.
    return;
  }
}

void daemon::on_writable(conn& c) {
  while (c.out_off < c.out.size()) {
    // Descriptors go with the first byte of their frame: send up to the next such frame,
    // then that frame's first bytes with its descriptors.
    std::size_t end = c.out.size();
    std::vector<kern::ref<fd_region>>* attach = nullptr;
    if (!c.out_fds.empty()) {
      if (c.out_fds.front().first == c.out_off)
        attach = &c.out_fds.front().second;
      else
        end = c.out_fds.front().first;
    }
    iovec iov{c.out.data() + c.out_off, end - c.out_off};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    fd_passing::control_buffer cb;
    int fds[wire::max_frame_fds];
    if (attach) {
      for (std::size_t i = 0; i < attach->size(); ++i) fds[i] = (*attach)[i]->fd.get();
      fd_passing::attach(mh, cb, fds, attach->size());
    }
    const ssize_t n = ::sendmsg(c.fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN) return;
      close_conn(c.id);
      return;
    }
    // Sent: the socket holds its own references to the files; ours may go.
    if (attach) c.out_fds.erase(c.out_fds.begin());
    c.out_off += static_cast<std::size_t>(n);
  }
  c.out.clear();
  c.out_off = 0;
  if (!c.watch_out) return;  // written at once, as nearly every reply is: epoll untouched
  c.watch_out = false;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = tag_conn | c.id;
  ::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
}

void daemon::reply(conn& c, wire::op o, wire::writer& w,
                   std::vector<kern::ref<fd_region>> fds) {
  wire::header h{wire::magic, wire::version, static_cast<std::uint16_t>(o),
                 static_cast<std::uint32_t>(w.buffer().size()),
                 static_cast<std::uint32_t>(fds.size())};
  const bool idle = c.out.empty();
  if (!fds.empty()) c.out_fds.emplace_back(c.out.size(), std::move(fds));
  const auto* hp = reinterpret_cast<const std::byte*>(&h);
  c.out.insert(c.out.end(), hp, hp + sizeof h);
  c.out.insert(c.out.end(), w.buffer().begin(), w.buffer().end());
  if (!idle) return;
  const std::uint64_t id = c.id;
  on_writable(c);
  auto it = conns_.find(id);
  if (it != conns_.end() && !it->second->out.empty() && !it->second->watch_out) {
    it->second->watch_out = true;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = tag_conn | id;
    ::epoll_ctl(epoll_, EPOLL_CTL_MOD, it->second->fd, &ev);
  }
}

bool daemon::handle_frame(conn& c) {
  switch (static_cast<wire::op>(c.hdr.op)) {
    case wire::op::hello: return on_hello(c);
    case wire::op::port_call: return on_port_call(c);
    case wire::op::msg: return on_msg(c);
    case wire::op::kq_create: return on_kq_create(c);
    case wire::op::kq_event: return on_kevent(c);
    case wire::op::kq_close: return on_kq_close(c);
    case wire::op::counts: on_counts(c); return true;
  }
  return false;
}

// We ran out of descriptors while receiving the frame's: a kqueue() fails (the client
// sees ENOMEM), a message is refused before anything of it was copied in, with the code
// XNU gives when the kernel cannot take a message.
bool daemon::handle_lost_fds(conn& c) {
  log("out of descriptors: a request's descriptors were dropped");
  wire::writer w;
  if (c.hdr.op == static_cast<std::uint16_t>(wire::op::kq_create)) {
    reply(c, wire::op::kq_create, w);
    return true;
  }
  if (c.hdr.op != static_cast<std::uint16_t>(wire::op::msg)) return false;
  w.i32(MACH_SEND_NO_BUFFER);
  w.u32(0);             // send phase
  w.bytes(nullptr, 0);  // the message as the client has it
  w.u32(0);             // no regions
  w.u32(0);             // no deallocations
  reply(c, wire::op::msg, w);
  return true;
}

// A new task for the process \p cred names, watched through a pidfd so that its death is
// noticed; nullptr when the process is already gone.
daemon::task_rec* daemon::create_task(const ucred& cred) {
  const int pfd = pidfd_open(cred.pid);
  if (pfd < 0) return nullptr;
  auto rec = std::make_unique<task_rec>();
  rec->pid = cred.pid;
  rec->pidfd = pfd;
  kern::task_identity who;
  who.pid = static_cast<std::uint32_t>(cred.pid);
  who.euid = who.ruid = cred.uid;
  who.egid = who.rgid = cred.gid;
  const pid_t sid = ::getsid(cred.pid);
  who.asid = sid > 0 ? static_cast<std::uint32_t>(sid) : 0;
  // XNU's pid version tells apart processes that had the same pid; ours numbers the
  // tasks of this daemon (a new process with a recycled pid, or a new program image after
  // exec, gets a new one).
  who.pidversion = next_pidversion_++;
  rec->task = kernel_.create_task(who);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = tag_pidfd | static_cast<std::uint32_t>(cred.pid);
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, pfd, &ev);
  task_rec* tr = rec.get();
  tasks_[cred.pid] = std::move(rec);
  log("task for pid " + std::to_string(cred.pid));
  return tr;
}

bool daemon::on_hello(conn& c) {
  wire::hello_request r;
  if (!wire::decode(c.payload, r)) return false;
  if (c.task->image == 0) {
    c.task->image = r.image;
  } else if (c.task->image != r.image) {
    // The same live process speaking for another program image: it called exec. XNU gives
    // the new image a new task whose space holds only the special ports; the old space is
    // destroyed as if the process had exited (its connections closed at exec anyway).
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(c.fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return false;
    c.task->conns.erase(c.id);
    kill_task(c.task, "the process called exec");
    c.task = create_task(cred);
    if (c.task == nullptr) return false;
    c.task->conns.insert(c.id);
    c.task->image = r.image;
  }
  kern::task& t = *c.task->task;
  if (r.max_names != 0 && r.max_names < t.names.limit) t.names.limit = r.max_names;
  wire::writer w;
  w.u32(KERN_SUCCESS);
  w.u32(t.self_name);
  w.u64(boot_id_);
  reply(c, wire::op::hello, w);
  return true;
}

bool daemon::on_port_call(conn& c) {
  wire::port_call_request r;
  if (!wire::decode(c.payload, r)) return false;
  if (r.call == 0 || r.call > static_cast<std::uint32_t>(lib::call::last)) return false;
  lib::port_call pc;
  pc.what = static_cast<lib::call>(r.call);
  std::copy(std::begin(r.a), std::end(r.a), pc.a);
  pc.in.assign(r.in.begin(), r.in.end());
  lib::port_result res;
  if (lib::is_iokit_call(pc.what))
    iokit_.execute(*c.task->task, pc, res);
  else
    lib::execute(kernel_, *c.task->task, pc, res);
  reply_lease buf(reply_buf_);
  wire::writer w(buf.bytes);
  w.i32(res.kr);
  for (std::uint64_t o : res.out) w.u64(o);
  w.bytes(res.blob);
  w.u64(res.guard_code);
  w.u64(res.guard_subcode);
  reply(c, wire::op::port_call, w);
  return true;
}

bool daemon::on_msg(conn& c) {
  c.msg = {};
  if (!wire::decode(c.payload, c.msg, static_cast<std::uint32_t>(c.fds.size()))) return false;
  // Fresh waiters: what a previous request waited on must not look like a port change.
  c.rw.object.reset();
  c.sw.pending = nullptr;
  c.sw.blocked_on.reset();
  const wire::msg_request& m = c.msg;
  c.mem.clear();
  std::size_t next_fd = 0;
  for (const wire::region& g : m.regions) {
    frame_memory::captured r;
    if (g.in_fd) {
      // A client may only hand us a memfd whose bytes can no longer change.
      unique_fd& f = c.fds[next_fd++];
      if (!memfd_region::sealed(f.get(), g.size)) return false;
      r.fd = kern::make_ref<fd_region>(std::move(f), static_cast<std::size_t>(g.size));
    } else {
      r.bytes = g.data;
    }
    c.mem.regions[{g.address, g.size}] = std::move(r);
  }
  const bool send = m.option & MACH_SEND_MSG;
  const bool receive = m.option & MACH_RCV_MSG;
  c.rcv_len = receive ? std::min<std::size_t>(m.rcv_size, max_receive) : 0;
  c.prefix_len = std::min(m.rcv_prefix.size(), c.rcv_len);
  // One buffer: the send bytes, and (receive) the client's receive-buffer prefix, so that
  // bytes the core leaves alone go back unchanged.
  const std::size_t size = std::max<std::size_t>(send ? m.send_size : 0, c.rcv_len);
  if (c.buf.size() < size) c.buf.resize(size);
  if (c.prefix_len) std::memcpy(c.buf.data(), m.rcv_prefix.data(), c.prefix_len);
  if (send) {
    if (m.send_size) std::memcpy(c.buf.data(), m.message.data(), m.send_size);
    c.sent.assign(m.message.begin(), m.message.end());
    const bool has_timeout = m.option & MACH_SEND_TIMEOUT;
    const mach_msg_return_t mr =
        kernel_.send(*c.task->task, std::span(c.buf.data(), m.send_size), m.option,
                     has_timeout && m.timeout == 0, c.mem, &c.sw);
    // Copy-in is over: regions the message did not take are let go of (closed) now.
    c.mem.regions.clear();
    if (mr == kern::send_would_block) {
      c.parked = parked_kind::send;
      park(c, has_timeout ? std::optional(clock::now() + std::chrono::milliseconds(m.timeout))
                          : std::nullopt);
      return true;
    }
    if (mr != MACH_MSG_SUCCESS || !receive) {
      finish_msg(c, mr, false);
      return true;
    }
  }
  if ((m.separate_rcv || !send) && c.prefix_len)
    std::memcpy(c.buf.data(), m.rcv_prefix.data(), c.prefix_len);
  c.parked = parked_kind::receive;
  const bool has_timeout = m.option & MACH_RCV_TIMEOUT;
  c.deadline = has_timeout ? std::optional(clock::now() + std::chrono::milliseconds(m.timeout))
                           : std::nullopt;
  resume(c);
  return true;
}

void daemon::park(conn& c, std::optional<clock::time_point> deadline) {
  c.deadline = deadline;
  if (deadline) deadlines_.emplace(*deadline, c.id);
}

void daemon::unpark(conn& c) {
  if (c.deadline) deadlines_.erase({*c.deadline, c.id});
  c.deadline.reset();
  c.parked = parked_kind::none;
}

// Retries the parked request; completes it or leaves it parked (re-registered).
void daemon::resume(conn& c) {
  kern::task& t = *c.task->task;
  switch (c.parked) {
    case parked_kind::none: return;
    case parked_kind::send: {
      mach_msg_return_t mr = kernel_.send_retry(t, c.sw);
      if (mr == kern::send_would_block) return;
      if (mr != MACH_MSG_SUCCESS || !(c.msg.option & MACH_RCV_MSG)) {
        unpark(c);
        finish_msg(c, mr, false);
        return;
      }
      // On to the receive phase, with its own deadline.
      unpark(c);
      if (c.msg.separate_rcv && c.prefix_len)
        std::memcpy(c.buf.data(), c.msg.rcv_prefix.data(), c.prefix_len);
      c.parked = parked_kind::receive;
      if (c.msg.option & MACH_RCV_TIMEOUT)
        c.deadline = clock::now() + std::chrono::milliseconds(c.msg.timeout);
      [[fallthrough]];
    }
    case parked_kind::receive: {
      const bool had_deadline_entry = c.deadline && deadlines_.count({*c.deadline, c.id});
      c.mem.rcv_base = c.buf.data();
      c.mem.rcv_len = c.rcv_len;
      c.mem.rcv_address = c.msg.rcv_address;
      const mach_msg_return_t mr =
          kernel_.receive(t, c.msg.rcv_name, std::span(c.buf.data(), c.rcv_len), c.msg.option,
                          c.mem, &c.rw);
      if (mr == kern::receive_would_block) {
        if ((c.msg.option & MACH_RCV_TIMEOUT) && c.msg.timeout == 0) {
          kernel_.cancel_wait(c.rw);
          unpark(c);
          finish_msg(c, MACH_RCV_TIMED_OUT, true);
        } else if (c.deadline && !had_deadline_entry) {
          deadlines_.emplace(*c.deadline, c.id);
        }
        return;
      }
      unpark(c);
      finish_msg(c, mr, true);
      return;
    }
    case parked_kind::kevent: {
      std::span<kevent64_s> events(c.events);
      const int n = kernel_.kevent(*c.kq, {}, events, c.msg.option, true, c.mem, &c.kw);
      if (n == -EWOULDBLOCK) return;
      unpark(c);
      finish_kevent(c, n);
      return;
    }
  }
}

void daemon::expire(conn& c) {
  // The deadline entry is already erased by the caller.
  c.deadline.reset();
  kern::task& t = *c.task->task;
  switch (c.parked) {
    case parked_kind::none: return;
    case parked_kind::send: {
      const mach_msg_return_t mr = kernel_.send_abandon(
          t, c.sw, std::span(c.buf.data(), c.msg.send_size), c.mem, MACH_SEND_TIMED_OUT);
      unpark(c);
      finish_msg(c, mr, false);
      return;
    }
    case parked_kind::receive:
      kernel_.cancel_wait(c.rw);
      unpark(c);
      finish_msg(c, MACH_RCV_TIMED_OUT, true);
      return;
    case parked_kind::kevent:
      kernel_.cancel_wait(c.kw);
      unpark(c);
      finish_kevent(c, 0);
      return;
  }
}

// Gives up a parked request without replying (its connection or task is going away).
void daemon::abort_parked(conn& c) {
  if (c.task && c.task->task) {
    kern::task& t = *c.task->task;
    frame_memory scratch;
    switch (c.parked) {
      case parked_kind::none: break;
      case parked_kind::send:
        kernel_.send_abandon(t, c.sw, std::span(c.buf.data(), c.msg.send_size), scratch,
                             MACH_SEND_INTERRUPTED);
        break;
      case parked_kind::receive: kernel_.cancel_wait(c.rw); break;
      case parked_kind::kevent: kernel_.cancel_wait(c.kw); break;
    }
  }
  unpark(c);
}

namespace {
// The regions a reply hands out, and the descriptors to attach for those held as memfds
// (at most wire::max_frame_fds: see frame_memory::map_region).
std::vector<kern::ref<fd_region>> encode_outs(wire::writer& w, const frame_memory& mem) {
  std::vector<kern::ref<fd_region>> fds;
  w.u32(static_cast<std::uint32_t>(mem.outs.size()));
  for (const frame_memory::out& o : mem.outs) {
    wire::region g;
    g.address = o.token;
    if (o.fd) {
      g.in_fd = true;
      g.size = o.fd->size;
      fds.push_back(o.fd);
    } else {
      g.data = o.bytes;
    }
    wire::encode(w, g);
  }
  return fds;
}
}  // namespace

void daemon::finish_msg(conn& c, mach_msg_return_t mr, bool receive_phase) {
  reply_lease buf(reply_buf_);
  wire::writer w(buf.bytes);
  w.i32(mr);
  w.u32(receive_phase ? 1 : 0);
  std::size_t len = 0;
  if (receive_phase) {
    len = c.prefix_len;
    if (mr == MACH_MSG_SUCCESS || (mr & ~MACH_MSG_MASK) == MACH_RCV_BODY_ERROR) {
      mach_msg_header_t h;
      std::memcpy(&h, c.buf.data(), sizeof h);
      mach_msg_trailer_t tr;
      std::memcpy(&tr, c.buf.data() + h.msgh_size, sizeof tr);
      len = std::max<std::size_t>(len, std::size_t{h.msgh_size} + tr.msgh_trailer_size);
    }
    len = std::min(len, c.rcv_len);
  } else if (mr != MACH_MSG_SUCCESS && c.msg.send_size &&
             std::memcmp(c.buf.data(), c.sent.data(), c.msg.send_size) != 0) {
    len = c.msg.send_size;  // a pseudo-receive rewrote the message
  }
  w.bytes(c.buf.data(), len);
  auto fds = encode_outs(w, c.mem);
  w.u32(static_cast<std::uint32_t>(c.mem.deallocs.size()));
  for (auto [a, n] : c.mem.deallocs) {
    w.u64(a);
    w.u64(n);
  }
  c.mem.clear();
  c.sent.clear();
  reply(c, wire::op::msg, w, std::move(fds));
}

bool daemon::on_kq_create(conn& c) {
  if (!c.payload.empty() || c.fds.size() != 2) return false;
  auto rec = std::make_unique<kq_rec>();
  rec->write_fd = c.fds[0].release();
  rec->read_fd = c.fds[1].release();
  rec->kq = kernel_.kqueue_create(*c.task->task, rec.get());
  const std::uint64_t id = next_kq_++;
  c.task->kqueues[id] = std::move(rec);
  wire::writer w;
  w.u64(id);
  reply(c, wire::op::kq_create, w);
  return true;
}

bool daemon::on_kq_close(conn& c) {
  wire::reader rd(c.payload);
  std::uint64_t id = 0;
  if (!rd.u64(id) || !rd.done()) return false;
  auto it = c.task->kqueues.find(id);
  if (it != c.task->kqueues.end()) {
    kernel_.kqueue_destroy(*it->second->kq);
    c.task->kqueues.erase(it);
  }
  wire::writer w;
  w.u32(0);
  reply(c, wire::op::kq_close, w);
  return true;
}

bool daemon::on_kevent(conn& c) {
  wire::kevent_request r;
  if (!c.fds.empty() || !wire::decode(c.payload, r)) return false;
  auto it = c.task->kqueues.find(r.kq);
  if (it == c.task->kqueues.end()) {
    finish_kevent(c, -EBADF);
    return true;
  }
  c.kq = it->second->kq;
  c.mem.clear();
  c.events.assign(r.nevents, kevent64_s{});
  // Copied out of the payload, which need not be aligned for them.
  std::vector<kevent64_s>& changes = c.changes;
  changes.resize(r.changes.size() / sizeof(kevent64_s));
  if (!changes.empty()) std::memcpy(changes.data(), r.changes.data(), r.changes.size());
  const bool immediate = (r.flags & KEVENT_FLAG_IMMEDIATE) ||
                         (r.has_timeout && r.timeout_ns == 0) || r.nevents == 0;
  c.msg.option = static_cast<mach_msg_option_t>(r.flags);  // kept for the retries
  const int n = kernel_.kevent(*c.kq, changes, c.events, r.flags, !immediate, c.mem, &c.kw);
  if (n == -EWOULDBLOCK) {
    c.parked = parked_kind::kevent;
    park(c, r.has_timeout ? std::optional(clock::now() + std::chrono::nanoseconds(r.timeout_ns))
                          : std::nullopt);
    return true;
  }
  finish_kevent(c, n);
  return true;
}

void daemon::finish_kevent(conn& c, int n) {
  reply_lease buf(reply_buf_);
  wire::writer w(buf.bytes);
  w.i32(n);
  const std::size_t count = n > 0 ? static_cast<std::size_t>(n) : 0;
  w.bytes(c.events.data(), count * sizeof(kevent64_s));
  // Direct receives: what the core wrote into each registered buffer, in the order written.
  std::uint32_t writes = 0;
  for (const auto& b : c.mem.writables) writes += b.written != 0;
  w.u32(writes);
  for (const auto& b : c.mem.writables) {
    if (!b.written) continue;
    w.u64(b.address);
    w.bytes(b.bytes.data(), b.written);
  }
  auto fds = encode_outs(w, c.mem);
  c.mem.clear();
  c.events.clear();
  c.kq.reset();
  reply(c, wire::op::kq_event, w, std::move(fds));
}

void daemon::on_counts(conn& c) {
  // Tasks of processes that already exited go first, so that a test that reaped a child
  // sees counts without that child's task, whatever order epoll reports things in.
  std::vector<task_rec*> dead;
  for (auto& [pid, tr] : tasks_)
    if (pidfd_exited(tr->pidfd)) dead.push_back(tr.get());
  for (task_rec* tr : dead) kill_task(tr, "process exited");
  wire::writer w;
  w.u64(kernel_.task_count());
  w.u64(kernel_.port_count());
  w.u64(conns_.size());
  w.u64(static_cast<std::uint64_t>(::getpid()));
  reply(c, wire::op::counts, w);
}

void daemon::drain_ready() {
  while (!ready_.empty()) {
    const std::uint64_t id = ready_.back();
    ready_.pop_back();
    auto it = conns_.find(id);
    if (it == conns_.end()) continue;
    it->second->queued_ready = false;
    resume(*it->second);
  }
}

void daemon::close_conn(std::uint64_t id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  conn& c = *it->second;
  abort_parked(c);
  if (c.task) c.task->conns.erase(id);
  ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
  conns_.erase(it);
}

void daemon::kill_task(task_rec* tr, const char* why) {
  log("task of pid " + std::to_string(tr->pid) + " destroyed: " + why);
  // Every parked request of the task first (their waiters are linked into the core),
  // then its connections, then its space.
  const std::set<std::uint64_t> ids = tr->conns;
  for (std::uint64_t id : ids) {
    auto it = conns_.find(id);
    if (it != conns_.end()) abort_parked(*it->second);
  }
  for (std::uint64_t id : ids) close_conn(id);
  for (auto& [id, kq] : tr->kqueues) kernel_.kqueue_destroy(*kq->kq);
  kernel_.destroy_task(tr->task);
  tr->kqueues.clear();
  ::epoll_ctl(epoll_, EPOLL_CTL_DEL, tr->pidfd, nullptr);
  ::close(tr->pidfd);
  tasks_.erase(tr->pid);
}

}  // namespace machemu::machd
