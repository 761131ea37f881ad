// SPDX-License-Identifier: BSL-1.0
// The part of a kqueue that is not Mach: knotes of EVFILT_READ, WRITE, TIMER, USER, SIGNAL
// and PROC. They watch this process's own descriptors, signals and children, so they live
// in the process (in both transports), beside the kernel core's EVFILT_MACHPORT knotes.
//
// Each kqueue with such knotes gets an epoll set. A knote whose readiness Linux can report
// on a descriptor (a watched fd, a timerfd, a pidfd, the signal counter's eventfd) has a
// `watch` in it; EVFILT_USER knotes are triggered by calls, which write the set's wake
// eventfd so that a thread blocked in kevent() sees them. Delivery applies XNU's flag rules
// (EV_ONESHOT, EV_DISPATCH, EV_CLEAR, EV_RECEIPT, EV_ERROR) in one place; the filters only
// say whether a knote has an event and fill its data.
#pragma once

#include <sys/event.h>
#include <time.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

namespace machemu::lib::kevent {

struct local_knote;
class local_kqueue;

// A descriptor registered in the epoll set, and the knotes it reports for. A watched fd
// (EVFILT_READ/WRITE) can serve one read and one write knote; a descriptor a knote owns
// (timerfd, pidfd, eventfd) serves that knote as `read`.
struct watch {
  int fd = -1;
  local_knote* read = nullptr;
  local_knote* write = nullptr;
  bool always_ready = false;  // a regular file: epoll refuses it; kqueue reports it ready
};

struct local_knote {
  std::int16_t filter = 0;
  std::uint64_t ident = 0;
  std::uint16_t flags = 0;   // as given at EV_ADD, less the action bits XNU does not keep
  std::uint32_t fflags = 0;  // the registration's (EVFILT_USER: the stored user flags)
  std::int64_t data = 0;     // the registration's
  std::uint64_t udata = 0;
  std::uint64_t ext[2] = {};
  bool enabled = true;
  int owned_fd = -1;          // closed with the knote
  int watched_fd = -1;        // the descriptor whose watch reports for it
  bool polled = false;        // checked at every collect (EVFILT_USER, regular files)
  std::uint64_t seen = 0;     // EVFILT_SIGNAL: the signal count already reported
  bool triggered = false;     // EVFILT_USER
};

// One filter's behaviour. `attach` checks a new registration and prepares what the knote
// watches; `touch` applies a later change to an existing knote (XNU's f_touch); `event`
// fills `ev` (data, fflags, EV_EOF) and says whether the knote has an event now; `detach`
// releases what attach took. Errors are errno values.
struct filter_ops {
  int (*attach)(local_kqueue&, local_knote&, const kevent64_s&);
  int (*touch)(local_kqueue&, local_knote&, const kevent64_s&);
  bool (*event)(local_kqueue&, local_knote&, kevent64_s& ev);
  void (*detach)(local_kqueue&, local_knote&);
};

// The filters, one file each (filter_*.cpp).
extern const filter_ops read_filter;
extern const filter_ops write_filter;
extern const filter_ops timer_filter;
extern const filter_ops user_filter;
extern const filter_ops signal_filter;
extern const filter_ops proc_filter;
const filter_ops* filter_for(std::int16_t filter);

class local_kqueue {
 public:
  local_kqueue(const local_kqueue&) = delete;
  local_kqueue& operator=(const local_kqueue&) = delete;
  ~local_kqueue();

  // A new set, or null with errno.
  static std::shared_ptr<local_kqueue> create();

  // Applies one change (the caller holds mutex()). Returns 0 or an errno.
  int apply(const kevent64_s& change);
  // Moves up to events.size() pending events into `events` (the caller holds mutex()).
  std::size_t collect(std::span<kevent64_s> events);
  // Readable while events may be pending: the epoll set.
  int wait_fd() const noexcept { return epoll_fd_; }
  std::mutex& mutex() noexcept { return mutex_; }
  bool empty() const noexcept { return knotes_.empty(); }

  // For the filters.
  // Registers (or updates) the watch on `fd` for `kn` as the read or the write side.
  int watch_fd(int fd, local_knote& kn, bool write_side);
  void unwatch_fd(int fd, local_knote& kn);
  // Has `kn` checked at every collect: its readiness comes from calls, not a descriptor.
  void poll_each_time(local_knote& kn);
  // Wakes a thread blocked on wait_fd() (an EVFILT_USER trigger).
  void wake() noexcept;
  // A thread about to poll the kqueue's descriptor (and wait_fd()) says so, and says when
  // it is done; begin_wait() is false once the kqueue is drained.
  bool begin_wait();
  void end_wait();
  // The kqueue's descriptor is being closed: threads in kevent64 on it return EBADF. Like
  // XNU's close, which waits for the descriptor's other users to leave (fp_close's drain),
  // this returns once no thread polls the descriptor, so that it can be closed.
  void drain();
  bool drained() const noexcept { return drained_.load(std::memory_order_acquire); }

 private:
  local_kqueue() = default;
  using key = std::pair<std::int16_t, std::uint64_t>;
  void drop(std::map<key, std::unique_ptr<local_knote>>::iterator it);
  int update(watch& w);
  bool deliver(local_knote& kn, kevent64_s& ev);

  std::mutex mutex_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::map<key, std::unique_ptr<local_knote>> knotes_;
  std::unordered_map<int, std::unique_ptr<watch>> watches_;
  std::vector<local_knote*> polled_;
  // Knotes epoll reported that did not fit in the last event list: edge-triggered ones
  // would not be reported again.
  std::vector<local_knote*> carried_;
  std::atomic<bool> drained_{false};
  std::mutex wait_mutex_;  // guards waiting_; never held with mutex_
  std::condition_variable all_left_;
  int waiting_ = 0;
};

// A descriptor number that names an open file, as EVFILT_READ/WRITE require (EBADF).
bool open_fd(std::uint64_t ident);
// A socket's pending error (SO_ERROR), which an EV_EOF event carries in fflags.
std::uint32_t socket_error(int fd);

// The local part of kqueue `kq`, made on first use when `create`. Null if there is none
// (or it cannot be made: errno is set). A kqueue descriptor that was closed and reused is
// noticed by its inode, and its old set dropped.
std::shared_ptr<local_kqueue> local_for(int kq, bool create);

// How many kqueues have a local set (none: kevent64 needs no look-up).
extern std::atomic<int> local_sets;
// Drops the sets of kqueue descriptors that were closed (called by kqueue()).
void reap_closed_local();
// Drops and drains the set of kqueue `kq`, whose descriptor is being closed.
void drain_local(int kq);

// kevent64 on a kqueue with a local set: local changes here, Mach changes and events
// through the transport, and a wait on both (kevent_mixed.cpp).
int kevent_mixed(local_kqueue& local, int kq, const kevent64_s* changes, int nchanges,
                 kevent64_s* events, int nevents, unsigned flags, const timespec* timeout);

// Whether a change is for a filter this layer handles.
inline bool is_local_filter(std::int16_t filter) { return filter_for(filter) != nullptr; }

}  // namespace machemu::lib::kevent
