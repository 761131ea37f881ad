// SPDX-License-Identifier: BSL-1.0
// The knote machinery of the non-Mach filters: registration and XNU's flag rules
// (kern_event.c, kevent_register and knote_process), epoll bookkeeping, and the registry
// that finds a kqueue descriptor's local set.
#include "lib/kevent/local_kqueue.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

namespace machemu::lib::kevent {

const filter_ops* filter_for(std::int16_t filter) {
  switch (filter) {
    case EVFILT_READ: return &read_filter;
    case EVFILT_WRITE: return &write_filter;
    case EVFILT_TIMER: return &timer_filter;
    case EVFILT_USER: return &user_filter;
    case EVFILT_SIGNAL: return &signal_filter;
    case EVFILT_PROC: return &proc_filter;
    default: return nullptr;
  }
}

bool open_fd(std::uint64_t ident) {
  return ident <= static_cast<std::uint64_t>(INT_MAX) && ::fcntl(static_cast<int>(ident), F_GETFD) >= 0;
}

std::uint32_t socket_error(int fd) {
  int error = 0;
  socklen_t len = sizeof error;
  return ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 ? static_cast<std::uint32_t>(error) : 0;
}

std::shared_ptr<local_kqueue> local_kqueue::create() {
  std::shared_ptr<local_kqueue> q(new local_kqueue);
  q->epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  q->wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (q->epoll_fd_ < 0 || q->wake_fd_ < 0) return nullptr;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the wake descriptor
  if (::epoll_ctl(q->epoll_fd_, EPOLL_CTL_ADD, q->wake_fd_, &ev) != 0) return nullptr;
  return q;
}

local_kqueue::~local_kqueue() {
  while (!knotes_.empty()) drop(knotes_.begin());
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

void local_kqueue::wake() noexcept {
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

bool local_kqueue::begin_wait() {
  std::lock_guard lk(wait_mutex_);
  if (drained()) return false;
  ++waiting_;
  return true;
}

void local_kqueue::end_wait() {
  std::lock_guard lk(wait_mutex_);
  if (--waiting_ == 0) all_left_.notify_all();
}

void local_kqueue::drain() {
  std::unique_lock lk(wait_mutex_);
  drained_.store(true, std::memory_order_release);
  wake();  // the wake descriptor is in the epoll set every waiter polls
  all_left_.wait(lk, [&] { return waiting_ == 0; });
}

void local_kqueue::poll_each_time(local_knote& kn) {
  if (!kn.polled) polled_.push_back(&kn);
  kn.polled = true;
}

// The epoll registration a watch needs now: the sides whose knotes are enabled,
// edge-triggered when every such knote is EV_CLEAR. No enabled side: not registered at all,
// since epoll reports a hang-up even for an empty mask and a disabled knote must not spin
// a waiting kevent().
int local_kqueue::update(watch& w) {
  std::uint32_t mask = 0;
  bool all_clear = true;
  if (w.read && w.read->enabled) {
    mask |= EPOLLIN | EPOLLRDHUP;
    all_clear = all_clear && (w.read->flags & EV_CLEAR);
  }
  if (w.write && w.write->enabled) {
    mask |= EPOLLOUT;
    all_clear = all_clear && (w.write->flags & EV_CLEAR);
  }
  if (w.always_ready) return 0;
  if (mask == 0) {
    (void)::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, w.fd, nullptr);
    return 0;
  }
  epoll_event ev{};
  ev.events = mask | (all_clear ? EPOLLET : 0u);
  ev.data.ptr = &w;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, w.fd, &ev) == 0) return 0;
  // Not registered yet, or no longer: closing a descriptor takes it out of every epoll set.
  if (errno == ENOENT && ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, w.fd, &ev) == 0) return 0;
  if (errno == EPERM) {
    // A regular file or a directory, which epoll cannot watch; kqueue reports it by its
    // size, so it is checked at every collect.
    w.always_ready = true;
    if (w.read) poll_each_time(*w.read);
    if (w.write) poll_each_time(*w.write);
    return 0;
  }
  return errno;
}

int local_kqueue::watch_fd(int fd, local_knote& kn, bool write_side) {
  auto& slot = watches_[fd];
  if (!slot) {
    slot = std::make_unique<watch>();
    slot->fd = fd;
  }
  watch& w = *slot;
  (write_side ? w.write : w.read) = &kn;
  kn.watched_fd = fd;
  if (w.always_ready) poll_each_time(kn);
  if (const int error = update(w); error != 0) {
    unwatch_fd(fd, kn);
    return error;
  }
  return 0;
}

void local_kqueue::unwatch_fd(int fd, local_knote& kn) {
  auto it = watches_.find(fd);
  kn.watched_fd = -1;
  if (it == watches_.end()) return;
  watch& w = *it->second;
  if (w.read == &kn) w.read = nullptr;
  if (w.write == &kn) w.write = nullptr;
  if (!w.read && !w.write) {
    if (!w.always_ready) (void)::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    watches_.erase(it);
  } else {
    (void)update(w);
  }
}

void local_kqueue::drop(std::map<key, std::unique_ptr<local_knote>>::iterator it) {
  local_knote& kn = *it->second;
  const filter_ops* ops = filter_for(kn.filter);
  if (ops && ops->detach) ops->detach(*this, kn);
  if (kn.watched_fd >= 0) unwatch_fd(kn.watched_fd, kn);
  if (kn.owned_fd >= 0) ::close(kn.owned_fd);
  std::erase(polled_, &kn);
  std::erase(carried_, &kn);
  knotes_.erase(it);
}

int local_kqueue::apply(const kevent64_s& ch) {
  const filter_ops* ops = filter_for(ch.filter);
  if (!ops) return EINVAL;
  auto it = knotes_.find({ch.filter, ch.ident});
  if (ch.flags & EV_DELETE) {
    if (it == knotes_.end()) return ENOENT;
    drop(it);
    return 0;
  }
  if (it != knotes_.end()) {
    // XNU's kevent_register on an existing knote: the filter's touch takes the new
    // fflags/data (and udata unless EV_UDATA_SPECIFIC), then EV_DISABLE or EV_ENABLE.
    local_knote& kn = *it->second;
    int error = 0;
    if (ops->touch) {
      error = ops->touch(*this, kn, ch);
    } else {
      kn.fflags = ch.fflags;
      kn.data = ch.data;
    }
    if (!(kn.flags & EV_UDATA_SPECIFIC)) kn.udata = ch.udata;
    if (ch.flags & EV_DISABLE)
      kn.enabled = false;
    else if (ch.flags & EV_ENABLE)
      kn.enabled = true;
    if (kn.watched_fd >= 0) {
      auto w = watches_.find(kn.watched_fd);
      if (w != watches_.end() && error == 0) error = update(*w->second);
    }
    return error;
  }
  if (!(ch.flags & EV_ADD)) return ENOENT;
  auto owned = std::make_unique<local_knote>();
  local_knote& kn = *owned;
  kn.filter = ch.filter;
  kn.ident = ch.ident;
  kn.flags = ch.flags & ~(EV_VANISHED | EV_SYSFLAGS);
  kn.fflags = ch.fflags;
  kn.data = ch.data;
  kn.udata = ch.udata;
  kn.ext[0] = ch.ext[0];
  kn.ext[1] = ch.ext[1];
  kn.enabled = !(ch.flags & EV_DISABLE);
  if (const int error = ops->attach(*this, kn, ch); error != 0) {
    if (kn.watched_fd >= 0) unwatch_fd(kn.watched_fd, kn);
    if (kn.owned_fd >= 0) ::close(kn.owned_fd);
    std::erase(polled_, &kn);
    return error;
  }
  knotes_.emplace(key{ch.filter, ch.ident}, std::move(owned));
  return 0;
}

// One knote's event, with XNU's after-delivery rules: EV_ONESHOT (or a filter's final
// event, EV_EOF | EV_ONESHOT) drops the knote, EV_DISPATCH disables it.
bool local_kqueue::deliver(local_knote& kn, kevent64_s& ev) {
  if (!kn.enabled) return false;
  ev = {};
  ev.ident = kn.ident;
  ev.filter = kn.filter;
  ev.flags = kn.flags;
  ev.udata = kn.udata;
  ev.ext[0] = kn.ext[0];
  ev.ext[1] = kn.ext[1];
  if (!filter_for(kn.filter)->event(*this, kn, ev)) return false;
  if (ev.flags & EV_ONESHOT) {
    drop(knotes_.find({kn.filter, kn.ident}));
  } else if (kn.flags & EV_DISPATCH) {
    kn.enabled = false;
    if (kn.watched_fd >= 0) {
      auto w = watches_.find(kn.watched_fd);
      if (w != watches_.end()) (void)update(*w->second);
    }
  }
  return true;
}

std::size_t local_kqueue::collect(std::span<kevent64_s> events) {
  std::size_t out = 0;
  std::vector<local_knote*> ready;
  ready.swap(carried_);
  epoll_event evs[64];
  const int n = ::epoll_wait(epoll_fd_, evs, 64, 0);
  for (int i = 0; i < n; ++i) {
    auto* w = static_cast<watch*>(evs[i].data.ptr);
    if (!w) {
      std::uint64_t count;
      [[maybe_unused]] ssize_t r = ::read(wake_fd_, &count, sizeof count);
      continue;
    }
    const std::uint32_t e = evs[i].events;
    if (w->read && (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) ready.push_back(w->read);
    if (w->write && (e & (EPOLLOUT | EPOLLHUP | EPOLLERR))) ready.push_back(w->write);
  }
  for (local_knote* kn : polled_)
    if (std::find(ready.begin(), ready.end(), kn) == ready.end()) ready.push_back(kn);
  std::size_t i = 0;
  for (; i < ready.size() && out < events.size(); ++i) {
    local_knote* kn = ready[i];
    // A knote delivered (and dropped) earlier in this pass is no longer in any list.
    if (std::find(ready.begin() + static_cast<std::ptrdiff_t>(i) + 1, ready.end(), kn) !=
        ready.end())
      continue;
    if (deliver(*kn, events[out])) ++out;
  }
  for (; i < ready.size(); ++i)
    if (!ready[i]->polled) carried_.push_back(ready[i]);
  return out;
}

// ---- registry ---------------------------------------------------------------------------

namespace {

ino_t inode_of(int fd) {
  struct stat st;
  return ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

struct registered {
  std::shared_ptr<local_kqueue> set;
  ino_t inode = 0;
};

std::mutex& registry_mutex() {
  static auto* m = new std::mutex;
  return *m;
}
std::map<int, registered>& registry() {
  static auto* r = new std::map<int, registered>;
  return *r;
}

}  // namespace

std::atomic<int> local_sets{0};

std::shared_ptr<local_kqueue> local_for(int kq, bool create) {
  std::lock_guard lk(registry_mutex());
  auto& reg = registry();
  auto it = reg.find(kq);
  // The fstat only when it can matter: a kqueue without local knotes costs no system call.
  if (it == reg.end() && !create) return nullptr;
  const ino_t now = inode_of(kq);
  if (it != reg.end()) {
    if (it->second.inode == now && now != 0) return it->second.set;
    reg.erase(it);  // the kqueue was closed; its knotes go with it
    local_sets.fetch_sub(1, std::memory_order_relaxed);
  }
  if (!create) return nullptr;
  auto set = local_kqueue::create();
  if (!set) return nullptr;
  reg[kq] = registered{set, now};
  local_sets.fetch_add(1, std::memory_order_relaxed);
  return set;
}

void reap_closed_local() {
  if (local_sets.load(std::memory_order_relaxed) == 0) return;
  std::lock_guard lk(registry_mutex());
  auto& reg = registry();
  for (auto it = reg.begin(); it != reg.end();) {
    if (inode_of(it->first) != it->second.inode) {
      it = reg.erase(it);
      local_sets.fetch_sub(1, std::memory_order_relaxed);
    } else {
      ++it;
    }
  }
}

void drain_local(int kq) {
  if (local_sets.load(std::memory_order_relaxed) == 0) return;
  std::shared_ptr<local_kqueue> set;
  {
    std::lock_guard lk(registry_mutex());
    auto& reg = registry();
    auto it = reg.find(kq);
    if (it == reg.end()) return;
    set = std::move(it->second.set);
    reg.erase(it);
    local_sets.fetch_sub(1, std::memory_order_relaxed);
  }
  set->drain();  // the threads waiting hold their own references to it
}

}  // namespace machemu::lib::kevent
