// SPDX-License-Identifier: BSL-1.0
// kernel::inspect: the state `machd status` shows, copied out of the core.
#include <algorithm>

#include "kernel/inspection.hpp"
#include "kernel/kernel.hpp"

namespace machemu::kern {

namespace {

inspected_name describe(const task& t, mach_port_name_t name, const entry& e) {
  inspected_name n;
  n.name = name;
  n.rights = e.type;
  n.urefs = e.urefs;
  ipc_object* obj = e.object.get();
  if (port* p = obj ? obj->as_port() : nullptr) {
    n.port_id = p->id;
    n.kernel_object = p->kernel_object != 0;
    if (e.type & MACH_PORT_TYPE_RECEIVE) {
      n.msgcount = p->msgcount;
      n.qlimit = p->qlimit;
      n.seqno = p->seqno;
      n.mscount = p->mscount;
      n.srights = p->srights;
      n.sorights = p->sorights;
      n.no_senders_request = static_cast<bool>(p->nsrequest);
      n.port_destroyed_request = static_cast<bool>(p->pdrequest);
      for (const port_set* s : p->sets) n.sets.push_back(s->name);
      std::sort(n.sets.begin(), n.sets.end());
    }
    if (e.has_request) {
      for (const name_request& r : p->requests) {
        if (r.owner != &t || r.name != name) continue;
        (r.send_possible ? n.send_possible_request : n.dead_name_request) = true;
      }
    }
  } else if (port_set* s = obj ? obj->as_set() : nullptr) {
    for (const port* m : s->members) n.members.push_back(m->receiver_name);
    std::sort(n.members.begin(), n.members.end());
  }
  return n;
}

}  // namespace

void kernel::inspect(inspection& out) {
  out = {};
  for (task* t : tasks_) {
    inspected_task& it = out.tasks.emplace_back();
    it.id = t->id;
    it.identity = t->identity;
    auto& table = t->names.table;
    for (std::uint32_t i = 1; i < table.size(); ++i) {
      if (table[i].type == 0) continue;
      const mach_port_name_t name = (i << 8) | table[i].gen;
      convert_if_dead(*t, name, table[i]);  // as any call naming it would see it
      it.names.push_back(describe(*t, name, table[i]));
    }
    std::sort(it.names.begin(), it.names.end(),
              [](const inspected_name& a, const inspected_name& b) { return a.name < b.name; });
  }
  for (const auto& [name, p] : services_) {
    inspected_service& s = out.services.emplace_back();
    s.name = name;
    s.port_id = p->id;
    s.active = p->active;
    if (p->receiver) {
      s.server_pid = p->receiver->identity.pid;
      s.server_name = p->receiver_name;
    }
  }
  std::sort(out.services.begin(), out.services.end(),
            [](const inspected_service& a, const inspected_service& b) { return a.name < b.name; });
}

}  // namespace machemu::kern
