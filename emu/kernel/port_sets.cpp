// SPDX-License-Identifier: BSL-1.0
// Which member of a port set a receive from the set takes its message from. As in XNU, a
// member that gets a message while empty is "preposted" at the back of the set's list; a
// receive from the set takes the first message of the front member and moves that member
// to the back (waitq_set_first_prepost rotates its prepost queue; an EVFILT_MACHPORT event
// on the set, with or without MACH_RCV_MSG, does the same), so members with
// messages take turns and one busy member cannot starve the others. Every step is O(1):
// a set of 100,000 members costs per message what a set of one costs.
#include <algorithm>

#include "kernel/kernel.hpp"

namespace machemu::kern {

port* kernel::pick_port(ipc_object* obj) {
  if (port* p = obj->as_port()) return p->head ? p : nullptr;
  port_set* s = obj->as_set();
  while (!s->ready.empty()) {
    port* front = s->ready.front();
    if (front->head) return front;
    unprepost(s, front);  // emptied by a receive on the member itself
  }
  return nullptr;
}

void kernel::prepost(port_set* s, port* p) {
  auto it = s->ready_at.find(p);
  if (it == s->ready_at.end()) {
    s->ready.push_back(p);
    s->ready_at.emplace(p, port_set::ready_node{std::prev(s->ready.end()), true});
  } else if (!it->second.listed) {
    s->ready.splice(s->ready.end(), s->idle, it->second.at);
    it->second.listed = true;
  }
}

void kernel::unprepost(port_set* s, port* p) noexcept {
  auto it = s->ready_at.find(p);
  if (it == s->ready_at.end() || !it->second.listed) return;
  s->idle.splice(s->idle.end(), s->ready, it->second.at);
  it->second.listed = false;
}

// `p` just had its turn in `s` (a receive from the set took its message, or a kevent on
// the set reported it): it goes to the back while it has more.
void kernel::turn_taken(port_set* s, port* p) {
  auto it = s->ready_at.find(p);
  if (it == s->ready_at.end() || !it->second.listed) return;
  if (p->head)
    s->ready.splice(s->ready.end(), s->ready, it->second.at);
  else
    unprepost(s, p);
}

// `p` leaves `s` (the caller takes `s` out of p->sets).
void kernel::remove_member(port_set* s, port* p) noexcept {
  if (auto it = s->ready_at.find(p); it != s->ready_at.end()) {
    (it->second.listed ? s->ready : s->idle).erase(it->second.at);
    s->ready_at.erase(it);
  }
  auto& m = s->members;
  m.erase(std::remove(m.begin(), m.end(), p), m.end());
}

}  // namespace machemu::kern
