// SPDX-License-Identifier: BSL-1.0
// The kernel core's entry points that are not port or message calls: waiter lists, tasks
// and their teardown, and the bootstrap name service.
#include "kernel/kernel.hpp"

#include <mach/task_special_ports.h>
#include <servers/bootstrap.h>

namespace machemu::kern {

// ---- wait queues ------------------------------------------------------------------------

void wait_queue::add(waiter& w) noexcept {
  if (w.queue_) remove(w);
  w.queue_ = this;
  w.prev_ = tail_;
  w.next_ = nullptr;
  if (tail_)
    tail_->next_ = &w;
  else
    head_ = &w;
  tail_ = &w;
}

void wait_queue::remove(waiter& w) noexcept {
  wait_queue* q = w.queue_;
  if (!q) return;
  if (w.prev_)
    w.prev_->next_ = w.next_;
  else
    q->head_ = w.next_;
  if (w.next_)
    w.next_->prev_ = w.prev_;
  else
    q->tail_ = w.prev_;
  w.prev_ = w.next_ = nullptr;
  w.queue_ = nullptr;
}

void wait_queue::wake_all() {
  if (!head_) return;
  waiter* list = head_;
  head_ = tail_ = nullptr;
  for (waiter* w = list; w; w = w->next_) w->queue_ = nullptr;
  while (list) {
    waiter* w = list;
    list = w->next_;
    w->prev_ = w->next_ = nullptr;
    w->wake();
  }
}

bool wait_queue::wake_one() {
  waiter* w = head_;
  if (!w) return false;
  remove(*w);
  w->wake();
  return true;
}

void wait_queue::clear() noexcept {
  while (head_) remove(*head_);
}

// ---- kernel -----------------------------------------------------------------------------

kernel::kernel(config cfg) : cfg_(cfg) {}

kernel::~kernel() {
  while (!tasks_.empty()) destroy_task(tasks_.back());
  services_.clear();
  for (kmsg* m : free_kmsgs_) delete m;
}

task* kernel::create_task(const task_identity& who) {
  task* t = new task;
  t->retain();
  t->id = next_task_id_++;
  t->identity = who;
  t->names.limit = cfg_.max_names_per_task;
  tasks_.push_back(t);
  // Every task names its own task port with a send right, as mach_task_self() does on
  // Darwin. The port is a kernel object: messages sent to it are dropped.
  ref<port> self = new_port();
  self->kernel_object = kobject_plain;
  entry* e = nullptr;
  entry_alloc(*t, &t->self_name, &e);
  e->type = MACH_PORT_TYPE_SEND;
  e->urefs = 1;
  e->object = ref<ipc_object>(self.get());
  self->srights = 1;
  self->names.add(t, t->self_name);
  t->self_port = std::move(self);
  // Its bootstrap port is the name service's, as launchd hands every process it starts;
  // libsystem's start-up copies it into the space with task_get_special_port, which gives
  // every task the same second name (the `bootstrap_port` global, emu/lib/bootstrap.cpp).
  if (!bootstrap_port_) {
    bootstrap_port_ = new_port();
    bootstrap_port_->kernel_object = kobject_plain;
  }
  ++bootstrap_port_->srights;
  t->special[TASK_BOOTSTRAP_PORT].p = bootstrap_port_;
  mach_port_name_t bootstrap_name = MACH_PORT_NULL;
  (void)task_get_special_port(*t, TASK_BOOTSTRAP_PORT, &bootstrap_name);
  return t;
}

// XNU's ipc_space_terminate: every right in the space goes, with every notification that
// implies (dead names and no-senders for peers, send-once notifications, port-destroyed).
void kernel::destroy_task(task* t) {
  if (!t->active) return;
  t->active = false;
  while (!t->kqueues.empty()) kqueue_destroy(*t->kqueues.back());
  auto& table = t->names.table;
  // The task's own port dies with it (holders of send rights to it see a dead name), so
  // that a daemon serving processes for a long time does not keep one port per task.
  ref<port> self = std::move(t->self_port);
  for (std::uint32_t i = 1; i < table.size(); ++i) {
    entry& e = table[i];
    if (e.type == 0) continue;
    const mach_port_name_t name = (i << 8) | e.gen;
    convert_if_dead(*t, name, e);
    cancel_requests(*t, name, e, false);
    const mach_port_type_t type = e.type;
    if (type & MACH_PORT_TYPE_PORT_SET) {
      destroy_set(*t, name, e);
    } else if (type & MACH_PORT_TYPE_RECEIVE) {
      port* p = e.object->as_port();
      if (type & MACH_PORT_TYPE_SEND) {
        e.type &= ~MACH_PORT_TYPE_SEND;
        e.urefs = 0;
        if (p->srights) --p->srights;
      }
      // Guards do not protect a right from its task's death.
      p->guarded = false;
      receive_leaves_space(*t, name, e, true);
      if (table[i].type != 0) entry_free(*t, name);
    } else if (type & MACH_PORT_TYPE_SEND) {
      ref<port> p(e.object->as_port());
      forget_name(p.get(), t, name);
      entry_free(*t, name);
      release_send(p.get());
    } else if (type & MACH_PORT_TYPE_SEND_ONCE) {
      ref<port> p(e.object->as_port());
      entry_free(*t, name);
      release_send_once(std::move(p));
    } else {
      entry_free(*t, name);
    }
  }
  if (self && self->active) port_dies(std::move(self));
  // The naked send rights the task held as special ports go too (no-senders may follow).
  for (auto& slot : t->special) {
    ref<port> p = std::move(slot.p);
    slot = {};
    if (p) release_send(p.get());
  }
  for (auto& [id, port] : t->thread_ports)
    if (port->active) port_dies(std::move(port));
  t->thread_ports.clear();
  // Requests this task registered on other tasks' ports are gone with its names.
  std::erase(tasks_, t);
  if (t->release()) delete t;
}

// ---- bootstrap --------------------------------------------------------------------------
// launchd's name service, reduced to what a user's processes see: check-in creates the
// service on first use (launchd-842's behaviour for undeclared services), look-up hands out
// send rights, and a name whose receive right died is free again.

kern_return_t kernel::bootstrap_check_in(task& t, const char* service, mach_port_name_t* name) {
  if (!service) return BOOTSTRAP_UNKNOWN_SERVICE;
  std::string key(service);
  if (key.size() >= BOOTSTRAP_MAX_NAME_LEN) return BOOTSTRAP_BAD_COUNT;
  auto it = services_.find(key);
  if (it != services_.end()) {
    if (it->second->active) return BOOTSTRAP_SERVICE_ACTIVE;
    release_send(it->second.get());
    services_.erase(it);
  }
  ref<port> p = new_port();
  // The name service keeps a send right, as launchd does.
  ++p->srights;
  ++p->mscount;
  kright r{p, MACH_MSG_TYPE_PORT_RECEIVE, false};
  if (kern_return_t kr = copy_out_right(t, std::move(r), name); kr != KERN_SUCCESS) {
    release_send(p.get());
    return BOOTSTRAP_NO_MEMORY;
  }
  services_.emplace(std::move(key), std::move(p));
  return BOOTSTRAP_SUCCESS;
}

kern_return_t kernel::bootstrap_look_up(task& t, const char* service, mach_port_name_t* name) {
  if (!service) return BOOTSTRAP_UNKNOWN_SERVICE;
  auto it = services_.find(service);
  if (it == services_.end()) return BOOTSTRAP_UNKNOWN_SERVICE;
  if (!it->second->active) {
    services_.erase(it);
    return BOOTSTRAP_UNKNOWN_SERVICE;
  }
  ++it->second->srights;
  kright r{it->second, MACH_MSG_TYPE_PORT_SEND, false};
  if (copy_out_right(t, std::move(r), name) != KERN_SUCCESS) return BOOTSTRAP_NO_MEMORY;
  return BOOTSTRAP_SUCCESS;
}

kern_return_t kernel::bootstrap_register(task& t, const char* service, mach_port_name_t name) {
  if (!service) return BOOTSTRAP_UNKNOWN_SERVICE;
  std::string key(service);
  if (key.size() >= BOOTSTRAP_MAX_NAME_LEN) return BOOTSTRAP_BAD_COUNT;
  auto it = services_.find(key);
  if (it != services_.end() && !it->second->active) {
    services_.erase(it);
    it = services_.end();
  }
  if (name == MACH_PORT_NULL) {
    if (it == services_.end()) return BOOTSTRAP_UNKNOWN_SERVICE;
    release_send(it->second.get());
    services_.erase(it);
    return BOOTSTRAP_SUCCESS;
  }
  if (it != services_.end()) return BOOTSTRAP_SERVICE_ACTIVE;
  kright r;
  if (copy_in_right(t, name, MACH_MSG_TYPE_COPY_SEND, &r, false) != KERN_SUCCESS)
    return KERN_INVALID_RIGHT;
  services_.emplace(std::move(key), std::move(r.p));
  return BOOTSTRAP_SUCCESS;
}

}  // namespace machemu::kern
