// SPDX-License-Identifier: BSL-1.0
// The port service's cache of async_call reply ports.
//
// A fresh reply port per call costs a port allocation, a knote added to the kqueue, and at
// the end the knote's deletion, the right's destruction and the service's per-port state.
// A port whose call ended cleanly goes back to this cache instead, as it is: its receive
// right, its registration on the live list, and its knote, still in the kqueue and
// disabled (EV_DISPATCH disabled it when it delivered the reply). The next call's receive
// enables it with that receive's buffer — the one kevent64 any receive pays — and nothing
// else. Safety rests on one invariant: a cached port has no send or send-once right
// anywhere and no message queued, so nothing can ever reach it until the next call makes
// its own send-once right (see give_back_reply, and async_call.hpp for when a call says
// `answered`).
#include <machio/detail/port_service.hpp>
#include <machio/receive_right.hpp>

#include <memory>
#include <utility>

namespace machio::detail {
namespace {

// True when nothing can reach the port `name` any more: no message queued, no send-once
// right left anywhere (XNU counts them in mps_sorights wherever they are, queued
// messages included) and no send right. Only the holder of the receive right can make
// more, and the cache is that holder.
bool unreachable(mach_port_name_t name) noexcept {
  mach_port_status_t status{};
  return get_receive_status(name, status) == KERN_SUCCESS && status.mps_msgcount == 0 &&
         status.mps_sorights == 0 && !status.mps_srights;
}

// Destroys the receive right `name` (its queued messages with it).
void destroy_receive(mach_port_name_t name) noexcept {
  (void)mach_port_mod_refs(mach_task_self(), name, MACH_PORT_RIGHT_RECEIVE, -1);
}

}  // namespace

reply_impl* port_service::take_reply(boost::system::error_code& ec) {
  {
    std::lock_guard lock(mutex_);
    if (reply_impl* r = reply_cache_) {
      reply_cache_ = r->next_cached;
      r->next_cached = nullptr;
      --cached_;
      ec = {};
      return r;
    }
  }
  auto r = std::make_unique<reply_impl>();  // first: a throw must not leak a right
  mach_port_name_t name = MACH_PORT_NULL;
  const kern_return_t kr = mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &name);
  if (kr != KERN_SUCCESS) {
    ec = make_mach_error_code(kr);
    return nullptr;
  }
  ec = {};
  {
    std::lock_guard lock(mutex_);
    r->forks = forks_;
  }
  construct(*r, name);
  return r.release();
}

void port_service::give_back_reply(reply_impl* r, reply_fate fate) noexcept {
  if (!r) return;
  if (fate == reply_fate::unknown) fate = unreachable(r->name) ? reply_fate::answered : reply_fate::abandoned;
  {
    std::lock_guard lock(mutex_);
    if (r->forks != forks_) {
      // Made before a fork, given back in the child: the name is not the child's to
      // destroy (see notify_fork), and its knote was in the parent's kqueue.
      unlink_locked(*r);
      delete r;
      return;
    }
    // The call's one receive has completed, so no operation is queued or armed; checked
    // all the same, since a knote armed with a gone operation's buffer must never be kept.
    if (fate == reply_fate::answered && !shut_down_ && cached_ < reply_cache_limit && r->ops.empty() &&
        !r->armed) {
      r->next_cached = reply_cache_;
      reply_cache_ = r;
      ++cached_;
      return;
    }
  }
  destroy(*r);  // deletes the knote, takes it off the live list
  destroy_receive(r->name);
  delete r;
}

// Takes the whole cache out (the caller owns the list through next_cached); the entries
// are still on the live list.
reply_impl* port_service::detach_reply_cache_locked() noexcept {
  cached_ = 0;
  return std::exchange(reply_cache_, nullptr);
}

std::size_t port_service::drain_reply_cache() noexcept {
  reply_impl* list = nullptr;
  {
    std::lock_guard lock(mutex_);
    list = detach_reply_cache_locked();
    for (reply_impl* r = list; r; r = r->next_cached) {
      delete_knote_locked(*r);
      unlink_locked(*r);
    }
  }
  std::size_t n = 0;
  for (; list; ++n) {
    reply_impl* r = std::exchange(list, list->next_cached);
    destroy_receive(r->name);
    delete r;
  }
  return n;
}

std::size_t port_service::cached_replies() noexcept {
  std::lock_guard lock(mutex_);
  return cached_;
}

}  // namespace machio::detail
