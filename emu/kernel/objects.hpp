// SPDX-License-Identifier: BSL-1.0
// The kernel core's objects: ports, port sets, messages in flight, name-space entries,
// tasks, kqueues and knotes.
//
// Ownership follows XNU's: a name-space entry, a message carrying a right, a registered
// notification request and a knote each hold a reference on the object they name; the
// per-port counters (srights, sorights) count *rights*, wherever they are, and drive
// no-senders and send-once notifications. Nothing here locks: the kernel's caller does.
#pragma once

#include <mach/message.h>
#include <mach/port.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <unordered_map>
#include <vector>

#include "kernel/port_lists.hpp"
#include "kernel/ref.hpp"

namespace machemu::kern {

// XNU's uref ceiling (ipc_entry.h, kernel-private): counts peg here instead of overflowing.
inline constexpr mach_port_urefs_t urefs_max = 0xFFFF;

struct task;
struct port;
struct port_set;
struct kmsg;
struct knote;
struct kqueue;

// Something that waits for a kernel state change: a thread blocked in mach_msg or kevent64
// (in-process), or a parked request (machd). The kernel only calls wake(); the waiter then
// retries its operation, which either completes or registers the waiter again.
struct waiter {
  virtual void wake() = 0;

 protected:
  ~waiter() = default;

 private:
  friend struct wait_queue;
  waiter* prev_ = nullptr;
  waiter* next_ = nullptr;
  struct wait_queue* queue_ = nullptr;
};

// An intrusive list of waiters; waking removes every waiter (they retry and re-register).
struct wait_queue {
  wait_queue() = default;
  wait_queue(const wait_queue&) = delete;
  wait_queue& operator=(const wait_queue&) = delete;
  ~wait_queue() { clear(); }

  void add(waiter& w) noexcept;
  static void remove(waiter& w) noexcept;
  static bool linked(const waiter& w) noexcept { return w.queue_ != nullptr; }
  bool empty() const noexcept { return head_ == nullptr; }
  // Unlinks every waiter first, then wakes them, so that wake() may re-register.
  void wake_all();
  // Unlinks at most one waiter and wakes it.
  bool wake_one();
  void clear() noexcept;

 private:
  waiter* head_ = nullptr;
  waiter* tail_ = nullptr;
};

enum class object_kind : std::uint8_t { port, port_set };

// Common part of ports and port sets: what a receive or a knote can wait on.
struct ipc_object : refcounted {
  explicit ipc_object(object_kind k) : kind(k) {}
  virtual ~ipc_object() = default;

  const object_kind kind;
  bool active = true;
  wait_queue receivers;              // threads blocked receiving on this object
  std::vector<knote*> knotes;        // EVFILT_MACHPORT registrations watching it

  port* as_port() noexcept;
  port_set* as_set() noexcept;
};

// Out-of-line memory captured at send time. The sender's later writes are not seen
// (XNU snapshots the region: physical copy or copy-on-write). The core never reads the
// bytes: it weighs a region by `size` and hands it to user_memory::map_region. A transport
// may keep the bytes elsewhere by deriving from it (machd keeps large regions in a sealed
// memfd); such a region has no `bytes`, and its destructor releases what it holds.
struct ool_region : refcounted {
  explicit ool_region(std::size_t n) : size(n), bytes(n ? new std::byte[n] : nullptr) {}
  virtual ~ool_region() = default;
  std::size_t size;
  std::unique_ptr<std::byte[]> bytes;

 protected:
  struct held_elsewhere {};
  ool_region(held_elsewhere, std::size_t n) noexcept : size(n) {}
};

// A right held by the kernel: inside a message, or as a notification request's send-once
// right. `type` is the received form (MACH_MSG_TYPE_PORT_RECEIVE/SEND/SEND_ONCE), or 0 for
// MACH_PORT_NULL. `dead` marks MACH_PORT_DEAD (a dead name moved in a body).
struct kright {
  ref<port> p;
  mach_msg_type_name_t type = 0;
  bool dead = false;

  bool empty() const noexcept { return !p && !dead; }
};

// A registered dead-name or send-possible request. XNU keeps one per (space, name).
struct name_request {
  task* owner = nullptr;            // whose name it watches
  mach_port_name_t name = 0;
  ref<port> notify;                 // the send-once right the notification consumes
  bool send_possible = false;       // MACH_NOTIFY_SEND_POSSIBLE rather than DEAD_NAME
  bool armed = false;               // send-possible: fire on the next dequeue
};

inline constexpr std::uint8_t kobject_plain = 1;
inline constexpr std::uint8_t kobject_foreign = 2;

struct port : ipc_object {
  port() : ipc_object(object_kind::port) {}
  ~port() override;

  // Members are ordered so that the small ones share words: machd keeps one of these per
  // live port (target: 256 bytes per port with its name entry, benchmarks/machd_ipc.cpp).
  std::uint64_t id = 0;
  // Where the receive right is: a task's space, or nowhere (in a message, or dead).
  task* receiver = nullptr;
  mach_port_name_t receiver_name = 0;
  bool guarded = false;
  bool strict_guard = false;
  bool immovable_receive = false;
  // A kernel object: nobody receives from it and messages sent to it are dropped.
  // kobject_plain for the core's own (task, host, thread, name service), kobject_foreign
  // for the ports of the kernel's kobject_owner (kernel.hpp).
  std::uint8_t kernel_object = 0;
  // The message carrying the receive right while it is in transit (circularity check).
  kmsg* carried_by = nullptr;

  // Message queue (FIFO).
  kmsg* head = nullptr;
  kmsg* tail = nullptr;
  std::uint32_t msgcount = 0;
  std::uint32_t qlimit = MACH_PORT_QLIMIT_DEFAULT;

  std::uint32_t seqno = 0;
  std::uint32_t mscount = 0;
  std::uint32_t srights = 0;   // send rights anywhere (entries count once per name)
  std::uint32_t sorights = 0;  // send-once rights anywhere
  mach_port_mscount_t nssync = 0;  // of nsrequest

  std::uint64_t context = 0;

  // One-shot requests on the receive right.
  ref<port> nsrequest;
  ref<port> pdrequest;

  lazy_vector<name_request> requests;  // dead-name / send-possible, across all spaces
  lazy_vector<port_set*> sets;         // port sets this port is a member of
  // (space, name) pairs naming this port with a send and/or receive right. Coalescing
  // looks here; send-once names never do.
  name_list names;

  wait_queue senders;  // senders blocked on a full queue

  bool full() const noexcept { return msgcount >= qlimit; }
};
// 216 bytes are one 224-byte malloc chunk: with a 24-byte name entry, 248 bytes per port.
static_assert(sizeof(port) <= 216, "one per live port in machd: keep it small");

struct port_set : ipc_object {
  port_set() : ipc_object(object_kind::port_set) {}
  ~port_set() override;

  task* owner = nullptr;
  mach_port_name_t name = 0;
  std::vector<port*> members;
  // The members that got messages, in the order they got them (XNU's preposts on the
  // set's wait queue): a receive from the set takes the front member's first message and
  // moves that member to the back, so busy members take turns, and finding the next
  // message costs the same for one member as for 100,000. A member emptied by a receive
  // on the member itself stays listed until it reaches the front (XNU drops its stale
  // preposts the same lazy way). A member that leaves `ready` keeps its node in `idle`,
  // so that the message after the next costs no allocation.
  struct ready_node {
    std::list<port*>::iterator at;
    bool listed = false;  // in `ready` (else in `idle`)
  };
  std::list<port*> ready;
  std::list<port*> idle;
  std::unordered_map<port*, ready_node> ready_at;
};

inline port* ipc_object::as_port() noexcept {
  return kind == object_kind::port ? static_cast<port*>(this) : nullptr;
}
inline port_set* ipc_object::as_set() noexcept {
  return kind == object_kind::port_set ? static_cast<port_set*>(this) : nullptr;
}

// One descriptor of a message in kernel form, in the order they appear in the body.
struct kdesc {
  std::uint32_t offset = 0;          // of the descriptor inside the message
  mach_msg_descriptor_type_t type = MACH_MSG_PORT_DESCRIPTOR;
  kright right;                      // PORT and GUARDED_PORT
  std::vector<kright> ports;         // OOL_PORTS
  ref<ool_region> memory;            // OOL / OOL_VOLATILE
  std::uint32_t size = 0;            // OOL bytes or OOL-ports count
  mach_msg_copy_options_t copy = MACH_MSG_VIRTUAL_COPY;
  mach_msg_type_name_t disposition = 0;  // as received (16/17/18)
  mach_msg_guard_flags_t guard_flags = 0;
  std::uint64_t context = 0;
};

// Identity stamped into trailers.
struct task_identity {
  std::uint32_t auid = 0xFFFFFFFFu;  // AU_DEFAUDITID: no audit user set
  std::uint32_t euid = 0, egid = 0, ruid = 0, rgid = 0;
  std::uint32_t pid = 0, asid = 0, pidversion = 0;
};

// What a task's sent messages still held by the kernel weigh (config's
// max_queued_bytes_per_task). Shared by the task and its messages: a message may outlive
// its sender.
struct queue_charge : refcounted {
  std::size_t bytes = 0;
  // Senders of the task waiting for its held bytes to drop below the budget; woken
  // whenever a charged message is freed (received, or destroyed).
  wait_queue waiters;
  // The task's last send was refused for want of budget: a send-possible request it
  // registers on a port holding messages waits for the next one to leave (by then the
  // budget has room) instead of firing at once into another refusal.
  bool refused = false;
};

// A message after copy-in: the user's bytes plus the rights and memory it carries.
struct kmsg {
  kmsg* next = nullptr;
  std::vector<std::byte> bytes;  // header + body exactly as sent (names rewritten at copyout)
  std::uint32_t size = 0;        // send size
  mach_msg_bits_t bits = 0;      // COMPLEX and other non-port bits as sent
  kright dest;                   // the right the message was sent on (consumed at receive)
  kright reply;                  // msgh_local_port at send → msgh_remote_port at receive
  std::uint32_t voucher_raw = 0; // passed through when no voucher disposition is given
  mach_msg_id_t id = 0;
  std::vector<kdesc> descs;
  bool kernel_sender = false;    // notifications: sender {0,1}, zero audit token
  task_identity sender;
  port* queued_on = nullptr;
  ref<queue_charge> charge;         // the sender's account, while the message weighs on it
  std::size_t charged = 0;

  void reset() noexcept;
};

// A name-space entry.
struct entry {
  ref<ipc_object> object;
  mach_port_type_t type = 0;    // MACH_PORT_TYPE_* right bits (no request bits)
  mach_port_urefs_t urefs = 0;
  std::uint32_t next_free = 0;
  std::uint8_t gen = 0x03;      // generation byte; low two bits always set
  bool dn_fired = false;        // a dead-name notification was delivered for this name
  bool has_request = false;     // a dead-name / send-possible request is registered
};
static_assert(sizeof(entry) <= 24, "one per name: keep it small");

struct space {
  std::vector<entry> table{1};  // index 0 is never a name
  std::uint32_t free_head = 0;  // 0: no free slot, grow the table
  std::uint32_t live = 0;
  std::uint32_t limit = 0;
};

struct task : refcounted {
  std::uint64_t id = 0;
  bool active = true;
  space names;
  task_identity identity;
  mach_port_name_t self_name = MACH_PORT_NULL;
  ref<port> self_port;  // the task port: dies with the task, whoever holds rights to it
  ref<queue_charge> queued = make_ref<queue_charge>();
  std::vector<ref<kqueue>> kqueues;
  // Thread ports by the transport's thread id (Linux's tid): kernel objects that die with
  // the task (mach-emu does not see a thread exit; doc/emu-divergences.md).
  std::unordered_map<std::uint64_t, ref<port>> thread_ports;
  // The settable special ports (task_set_special_port), indexed by TASK_*_PORT: naked send
  // rights the task holds outside its name space, as XNU's itk_bootstrap and friends.
  // `dead` stands for MACH_PORT_DEAD stored as the port.
  struct special_port {
    ref<port> p;
    bool dead = false;
  };
  special_port special[12];
  // The last EXC_GUARD this task's call raised and the transport has not yet passed on
  // (kernel::guard_exception): XNU's exception code (type, flavor, target name) and
  // subcode, 0 when none.
  std::uint64_t guard_code = 0;
  std::uint64_t guard_subcode = 0;
};

// The transport's hook on a kqueue's readiness: the fd that poll/epoll watch must be
// readable exactly while ready() is true.
struct kqueue_listener {
  virtual void readiness_changed(bool ready) = 0;

 protected:
  ~kqueue_listener() = default;
};

struct knote {
  kqueue* kq = nullptr;
  std::uint64_t ident = 0;
  ref<ipc_object> object;        // null once the object is gone (EOF delivered or pending)
  std::uint16_t flags = 0;       // as given at EV_ADD (EV_CLEAR, EV_DISPATCH, ...); kept
  std::uint32_t fflags = 0;      // MACH_RCV_MSG and receive options, from the last change
  std::uint64_t udata = 0;
  std::uint64_t ext0 = 0, ext1 = 0;
  bool enabled = true;
  bool eof = false;              // the port or set went away: one final EV_EOF
  bool fired = false;            // EV_CLEAR: an empty→non-empty transition happened
  bool queued = false;           // on kq's active list
  knote* active_prev = nullptr;  // kq's active list (intrusive: queueing never allocates)
  knote* active_next = nullptr;
};

struct kqueue : refcounted {
  task* owner = nullptr;
  // Owns the knotes, by ident (one EVFILT_MACHPORT knote per name): finding one for a
  // change is O(1), so registering many ports costs linear time in total.
  std::unordered_map<std::uint64_t, std::unique_ptr<knote>> knotes;
  // Knotes that may be ready (checked at kevent time), in delivery order. Intrusive, so
  // that queueing, unqueueing and a delivery pass neither allocate nor scan.
  knote* active_head = nullptr;
  knote* active_tail = nullptr;
  std::size_t active_count = 0;
  wait_queue waiters;            // threads blocked in kevent64
  kqueue_listener* listener = nullptr;
  bool last_ready = false;
};

}  // namespace machemu::kern
