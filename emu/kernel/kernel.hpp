// SPDX-License-Identifier: BSL-1.0
// The mach-emu kernel core: XNU's Mach IPC as a deterministic, single-threaded state
// machine.
//
// Every public member mirrors one Darwin call and returns the code XNU returns. The core
// never blocks and never touches a process's memory directly:
//  - an operation that would have to wait returns MACH_SEND_IN_PROGRESS /
//    MACH_RCV_IN_PROGRESS (internal codes, never seen by users) after registering the
//    caller's waiter; the core wakes the waiter when the state may have changed and the
//    caller retries;
//  - out-of-line memory moves through the `user_memory` interface that the transport
//    implements for the calling task.
// The caller serialises all calls (a mutex in-process, the event loop in machd).
#pragma once

#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/port.h>
#include <sys/event.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernel/objects.hpp"

namespace machemu::kern {

// How the core reaches the memory of the task it is working for.
struct user_memory {
  // Snapshots [address, address+size) of the task's memory. Null when unreadable.
  virtual ref<ool_region> copy_in(std::uint64_t address, std::size_t size) = 0;
  // Reads a small array (OOL port names). False when unreadable.
  virtual bool read(std::uint64_t address, void* out, std::size_t size) = 0;
  // Removes [address, address+size) from the task (deallocate = TRUE on send).
  virtual void deallocate(std::uint64_t address, std::size_t size) = 0;
  // Maps a fresh copy of `size` bytes of `data` into the task; 0 on failure.
  virtual std::uint64_t copy_out(const std::byte* data, std::size_t size) = 0;
  // Maps `region` into the task as memory of its own (a copy, or a copy-on-write view of
  // where a derived region keeps its bytes); 0 on failure.
  virtual std::uint64_t map_region(const ool_region& region) {
    return copy_out(region.bytes.get(), region.size);
  }
  // The task's receive buffer at [address, address+size) for a kevent direct receive.
  virtual std::span<std::byte> writable(std::uint64_t address, std::size_t size) = 0;
  // The core filled the first `size` bytes of the buffer writable() gave for `address`;
  // only those reach the task (XNU writes nothing else). Nothing to do where writable() is
  // the task's own memory.
  virtual void written(std::uint64_t address, std::size_t size) {
    (void)address;
    (void)size;
  }
  // The task's own address of `p`, a byte of the buffer a message is being received into
  // (XNU's receive-buffer address, which a guarded immovable receive right takes as its
  // guard). The same pointer where the buffer is the task's own memory.
  virtual std::uint64_t receive_address(const std::byte* p) {
    return reinterpret_cast<std::uintptr_t>(p);
  }

 protected:
  ~user_memory() = default;
};

// The trailer size a receive asks for, from MACH_RCV_TRAILER_ELEMENTS (msg.cpp).
std::uint32_t requested_trailer_size(mach_msg_option_t options);

struct config {
  std::uint32_t max_names_per_task = 262144;
  // Bytes (message bytes plus OOL memory) of the messages a task sent that are still held
  // by the kernel (queued, in transit, or pending on a full queue). A send that would go
  // beyond it waits, as for a full queue, until the task's earlier messages are received
  // (MACH_SEND_TIMED_OUT when its timeout ends first); a single message heavier than the
  // whole budget could never be taken and fails with MACH_SEND_NO_BUFFER. 0: no limit
  // (Darwin has none; machd sets one so that no client can make the daemon's memory grow
  // without bound).
  std::size_t max_queued_bytes_per_task = 0;
};

// Who implements the kernel objects the core does not (mach-emu's IOKit registry): the
// core makes their ports, hands out and counts send rights to them, and tells the owner
// when the last one goes, as XNU's ipc_kobject no-senders path tells IOKit. The owner
// may call back into the core from there.
class kobject_owner {
 public:
  //! The last send right to foreign kernel object `port_id` went away.
  virtual void kobject_no_senders(std::uint64_t port_id) = 0;

 protected:
  ~kobject_owner() = default;
};

// A message the kernel sends on behalf of a kernel object (kernel::send_from_kernel).
struct kernel_message {
  ref<port> dest;                  // a send right the sender holds; the message copies it
  ref<port> local;                 // a foreign kernel object, made send (or none)
  std::vector<ref<port>> ports;    // foreign kernel objects, each made send in a port
                                   // descriptor; the message is complex when there are any
  mach_msg_id_t id = 0;
  std::span<const std::byte> payload;  // what follows the header and the descriptors
};

// A send that could not complete yet (queue full): the message stays copied in.
struct send_waiter : waiter {
  kmsg* pending = nullptr;
  ref<port> blocked_on;
};

// A receive that could not complete yet; remembers what it waited on so that a port or set
// that died or moved meanwhile reports MACH_RCV_PORT_CHANGED, as XNU does.
struct receive_waiter : waiter {
  ref<ipc_object> object;
};

// A thread blocked in kevent64.
struct kevent_waiter : waiter {};

// The internal "would block" codes.
inline constexpr mach_msg_return_t send_would_block = MACH_SEND_IN_PROGRESS;
inline constexpr mach_msg_return_t receive_would_block = MACH_RCV_IN_PROGRESS;

struct inspection;

class kernel {
 public:
  explicit kernel(config cfg = {});
  ~kernel();
  kernel(const kernel&) = delete;
  kernel& operator=(const kernel&) = delete;

  // ---- tasks ----------------------------------------------------------------------------
  // Creates a task with an empty space holding only its self send right.
  task* create_task(const task_identity& who);
  // Destroys every right of the task, as XNU does when a task's space is torn down, and
  // releases the kernel's reference. The pointer must not be used afterwards.
  void destroy_task(task* t);
  std::size_t task_count() const noexcept { return tasks_.size(); }
  std::size_t port_count() const noexcept { return live_ports_; }
  const config& settings() const noexcept { return cfg_; }

  // ---- host and thread ports (host.cpp) -----------------------------------------------
  // A new send right (one more uref) on the host port, as mach_host_self() gives.
  kern_return_t host_self(task& t, mach_port_name_t* name);
  // A new send right on the port of thread `thread_id` of `t` (made on first use).
  kern_return_t thread_self(task& t, std::uint64_t thread_id, mach_port_name_t* name);
  // Whether `name` is a send right of `t` to the host port (host_info's target check).
  bool names_host(task& t, mach_port_name_t name);
  kern_return_t kernel_object_send(task& t, ref<port>& slot, mach_port_name_t* name);

  // ---- foreign kernel objects (kobject.cpp) ------------------------------------------
  // The one owner of foreign kernel objects (null: none). Must outlive their ports or
  // retire them all before it goes.
  void set_kobject_owner(kobject_owner* owner) noexcept { kobject_owner_ = owner; }
  // A new foreign kernel object port, with no rights yet (its id names it to the owner).
  ref<port> kobject_create();
  // One more send right on foreign kernel object `p`, copied out to `t` (XNU's
  // iokit_make_send_right: the same name gains a user reference).
  kern_return_t kobject_copy_out(task& t, port& p, mach_port_name_t* name);
  // The foreign kernel object `name` names in `t` with a send right (borrowed), or null.
  port* kobject_named(task& t, mach_port_name_t name);
  // Ends a foreign kernel object: its port dies and its holders see a dead name.
  void kobject_retire(ref<port> p);
  // A send right, for the kernel to hold, from `t`'s `name` by MAKE_SEND or COPY_SEND
  // (what a MIG routine's port argument does). Null with the error on failure.
  kern_return_t copy_in_send(task& t, mach_port_name_t name, mach_msg_type_name_t disposition,
                             ref<port>* out);
  // Gives up a send right the kernel held (from copy_in_send).
  void release_held_send(ref<port> p);
  // Queues `m` on its destination, ignoring the queue limit (XNU's kernel sends use
  // MACH_SEND_ALWAYS); a dead destination destroys it. The message carries kernel
  // sender credentials like every notification.
  void send_from_kernel(const kernel_message& m);

  // ---- task special ports (task_ports.cpp) ---------------------------------------------
  // XNU's task_get_special_port: one more send right on special port `which` of `t`
  // (MACH_PORT_NULL when none is set), copied out to `t`.
  kern_return_t task_get_special_port(task& t, int which, mach_port_name_t* name);
  // XNU's task_set_special_port with MIG's COPY_SEND of `name`: the caller keeps its right;
  // the task holds another until it is replaced or the task dies.
  kern_return_t task_set_special_port(task& t, int which, mach_port_name_t name);
  // Whether `name` is a send right of `t` to the name service (the bootstrap calls' check).
  bool names_bootstrap(task& t, mach_port_name_t name);

  // ---- mach_port_* ----------------------------------------------------------------------
  kern_return_t port_allocate(task& t, mach_port_right_t right, mach_port_name_t* name);
  kern_return_t port_allocate_name(task& t, mach_port_right_t right, mach_port_name_t name);
  kern_return_t port_construct(task& t, const mach_port_options_t* options,
                               mach_port_context_t context, mach_port_name_t* name);
  kern_return_t port_destruct(task& t, mach_port_name_t name, mach_port_delta_t srdelta,
                              mach_port_context_t guard);
  kern_return_t port_guard(task& t, mach_port_name_t name, mach_port_context_t guard,
                           std::uint64_t flags);
  kern_return_t port_unguard(task& t, mach_port_name_t name, mach_port_context_t guard);
  kern_return_t port_swap_guard(task& t, mach_port_name_t name, mach_port_context_t old_guard,
                                mach_port_context_t new_guard);
  kern_return_t port_deallocate(task& t, mach_port_name_t name);
  kern_return_t port_destroy(task& t, mach_port_name_t name);
  kern_return_t port_mod_refs(task& t, mach_port_name_t name, mach_port_right_t right,
                              mach_port_delta_t delta);
  kern_return_t port_get_refs(task& t, mach_port_name_t name, mach_port_right_t right,
                              mach_port_urefs_t* refs);
  kern_return_t port_type(task& t, mach_port_name_t name, mach_port_type_t* type);
  kern_return_t port_names(task& t, std::vector<mach_port_name_t>& names,
                           std::vector<mach_port_type_t>& types);
  kern_return_t port_insert_right(task& t, mach_port_name_t name, mach_port_name_t poly,
                                  mach_msg_type_name_t poly_poly);
  kern_return_t port_extract_right(task& t, mach_port_name_t name,
                                   mach_msg_type_name_t msgt_name, mach_port_name_t* poly,
                                   mach_msg_type_name_t* poly_poly);
  kern_return_t port_request_notification(task& t, mach_port_name_t name, mach_msg_id_t msgid,
                                          mach_port_mscount_t sync, mach_port_name_t notify,
                                          mach_msg_type_name_t notify_poly,
                                          mach_port_name_t* previous);
  kern_return_t port_get_attributes(task& t, mach_port_name_t name, mach_port_flavor_t flavor,
                                    mach_port_info_t info, mach_msg_type_number_t* count);
  kern_return_t port_set_attributes(task& t, mach_port_name_t name, mach_port_flavor_t flavor,
                                    mach_port_info_t info, mach_msg_type_number_t count);
  kern_return_t port_insert_member(task& t, mach_port_name_t member, mach_port_name_t set);
  kern_return_t port_extract_member(task& t, mach_port_name_t member, mach_port_name_t set);
  kern_return_t port_move_member(task& t, mach_port_name_t member, mach_port_name_t after);
  kern_return_t port_get_set_status(task& t, mach_port_name_t set,
                                    std::vector<mach_port_name_t>& members);
  kern_return_t port_get_context(task& t, mach_port_name_t name, mach_port_context_t* context);
  kern_return_t port_set_context(task& t, mach_port_name_t name, mach_port_context_t context);
  kern_return_t port_set_mscount(task& t, mach_port_name_t name, mach_port_mscount_t mscount);
  kern_return_t port_set_seqno(task& t, mach_port_name_t name, mach_port_seqno_t seqno);
  kern_return_t port_get_srights(task& t, mach_port_name_t name, mach_port_rights_t* srights);
  kern_return_t port_peek(task& t, mach_port_name_t name, mach_msg_trailer_type_t trailer_type,
                          mach_port_seqno_t* seqno, mach_msg_size_t* size, mach_msg_id_t* id,
                          mach_msg_trailer_info_t trailer, mach_msg_type_number_t* count);

  // ---- mach_msg ---------------------------------------------------------------------------
  // Send phase. `buffer` is the caller's message (send_size bytes); on MACH_SEND_TIMED_OUT
  // it is rewritten by the pseudo-receive. With `w` given and a full queue (and not a zero
  // timeout) the message stays copied in inside `w` and send_would_block is returned.
  mach_msg_return_t send(task& t, std::span<std::byte> buffer, mach_msg_option_t options,
                         bool poll_only, user_memory& mem, send_waiter* w);
  // Retries a blocked send. Returns send_would_block while still full, or while the
  // sender is still over its byte budget (re-registered).
  mach_msg_return_t send_retry(task& t, send_waiter& w);
  // Gives up a blocked send (timeout or interrupt): the message is pseudo-received into
  // `buffer`, which must be at least as large as at send time, and `why` is returned.
  mach_msg_return_t send_abandon(task& t, send_waiter& w, std::span<std::byte> buffer,
                                 user_memory& mem, mach_msg_return_t why);

  // Receive phase into `buffer` (rcv_size bytes). With `w` given and nothing queued,
  // registers `w` and returns receive_would_block; retry with the same waiter.
  mach_msg_return_t receive(task& t, mach_port_name_t name, std::span<std::byte> buffer,
                            mach_msg_option_t options, user_memory& mem, receive_waiter* w);
  // Stops waiting (timeout, interrupt, or the transport is going away).
  void cancel_wait(waiter& w);

  // mach_msg_destroy is a user-space routine on Darwin; the library implements it with the
  // port calls above.

  // ---- kqueue ---------------------------------------------------------------------------
  ref<kqueue> kqueue_create(task& t, kqueue_listener* listener);
  void kqueue_destroy(kqueue& kq);
  // kevent64 with the kernel's semantics. Returns the number of events written, or -errno.
  // With a non-zero wait and nothing ready, registers `w` (if given) and returns -EWOULDBLOCK.
  int kevent(kqueue& kq, std::span<const kevent64_s> changes, std::span<kevent64_s> events,
             unsigned flags, bool may_wait, user_memory& mem, kevent_waiter* w);

  // ---- inspection (inspect.cpp) --------------------------------------------------------
  // Copies what `machd status` shows (kernel/inspection.hpp) into `out`. Dead names are
  // converted first, as any call naming them would.
  void inspect(inspection& out);

  // ---- bootstrap (launchd's name service, in-kernel for the in-process mode) -----------
  kern_return_t bootstrap_check_in(task& t, const char* service, mach_port_name_t* port);
  kern_return_t bootstrap_look_up(task& t, const char* service, mach_port_name_t* port);
  kern_return_t bootstrap_register(task& t, const char* service, mach_port_name_t port);

 private:
  // ports.cpp
  // The port whose receive right `name` holds in `t`: `special_name` for NULL/DEAD (the
  // calls differ), KERN_INVALID_NAME for no live entry, KERN_INVALID_RIGHT for no receive
  // right. Borrows; takes no reference.
  kern_return_t receive_port_of(task& t, mach_port_name_t name, port** out,
                                kern_return_t special_name = KERN_INVALID_RIGHT);

  // Records the EXC_GUARD of type GUARD_TYPE_MACH_PORT XNU raises for `name` with
  // `flavor` (kGUARD_EXC_*) and `subcode` (mach_port_guard_exception). The call still
  // returns its error; whether the process then dies is the client's choice
  // (lib/guard_exception.cpp), as it is XNU's task policy.
  void guard_exception(task& t, mach_port_name_t name, std::uint32_t flavor,
                       std::uint64_t subcode);

  // Gives a freshly allocated or claimed entry its receive right, port set or dead name.
  void fill_new_entry(task& t, mach_port_name_t name, entry& e, mach_port_right_t right);
  // port_insert_right once the right is copied in: names it `name` in `t`, taking it from
  // `r`. On failure `r` is left to the caller, who destroys it.
  kern_return_t insert_copied_in(task& t, mach_port_name_t name, kright& r);
  // port_request_notification once the notify right is copied in: registers (or fires)
  // the request, moving from `notify` what it keeps. On failure `notify` is left to the
  // caller, who destroys it.
  kern_return_t register_notification(task& t, mach_port_name_t name, mach_msg_id_t msgid,
                                      mach_port_mscount_t sync, ref<port>& notify,
                                      mach_port_name_t* previous);

  // names.cpp
  entry* entry_at(task& t, mach_port_name_t name);
  kern_return_t entry_alloc(task& t, mach_port_name_t* name, entry** e);
  kern_return_t entry_claim(task& t, mach_port_name_t name, entry** e);
  void entry_free(task& t, mach_port_name_t name);
  entry* lookup_live(task& t, mach_port_name_t name);
  void convert_if_dead(task& t, mach_port_name_t name, entry& e);
  mach_port_name_t name_of(task& t, port* p);
  void forget_name(port* p, task* t, mach_port_name_t name);

  // rights.cpp
  ref<port> new_port();
  void retire_port();
  void release_send(port* p);
  void release_send_once(ref<port> p);
  void release_right(kright& r);
  void destroy_receive(ref<port> p);
  void port_dies(ref<port> p);
  void leave_sets(port* p);
  void destroy_set(task& t, mach_port_name_t name, entry& e);
  void cancel_requests(task& t, mach_port_name_t name, entry& e, bool notify_deleted);
  void drop_send_uref(task& t, mach_port_name_t name, entry& e, mach_port_urefs_t n);
  void receive_leaves_space(task& t, mach_port_name_t name, entry& e, bool destroyed);
  kern_return_t copy_out_right(task& t, kright&& r, mach_port_name_t* name);
  kern_return_t copy_in_right(task& t, mach_port_name_t name, mach_msg_type_name_t disp,
                              kright* out, bool body);
  bool copy_in_would_succeed(task& t, mach_port_name_t name, mach_msg_type_name_t disp,
                             bool body, bool* dead_ok);
  void check_no_senders(port* p);

  // notify.cpp
  void notify_simple(ref<port> to, mach_msg_id_t id, std::uint32_t value);
  void notify_send_once(ref<port> to);
  void notify_port_destroyed(ref<port> to, ref<port> receive);
  void enqueue_kernel(ref<port> dest, kmsg* m);
  void deliver_kernel(kmsg* m);  // queues a kernel message, or destroys it past the hard cap
  void fire_send_possible(port* p);

  // msg.cpp
  kmsg* kmsg_new();
  void kmsg_free(kmsg* m);
  void kmsg_destroy(kmsg* m);
  mach_msg_return_t enqueue(kmsg* m, bool ignore_limit);
  static std::size_t message_weight(const kmsg& m) noexcept;
  bool try_charge(task& t, kmsg& m);
  kmsg* dequeue(port* p);
  mach_msg_return_t copy_out(task& t, kmsg* m, std::span<std::byte> buffer,
                             mach_msg_option_t options, user_memory& mem, port* from);
  void pseudo_receive(task& t, kmsg* m, std::span<std::byte> buffer, user_memory& mem);

  // port_sets.cpp: which member of a set a receive takes from.
  port* pick_port(ipc_object* obj);
  static void prepost(port_set* s, port* p);
  static void unprepost(port_set* s, port* p) noexcept;
  static void turn_taken(port_set* s, port* p);
  static void remove_member(port_set* s, port* p) noexcept;
  mach_msg_return_t receive_from(task& t, ipc_object* obj, mach_port_name_t name,
                                 std::span<std::byte> buffer, mach_msg_option_t options,
                                 user_memory& mem);

  // knote.cpp
  int knote_attach(kqueue& kq, const kevent64_s& ch);
  int knote_touch(knote* kn, const kevent64_s& ch);
  void knote_receive(task& t, knote* kn, port* p, kevent64_s& ev, user_memory& mem);
  void knotes_changed(ipc_object* obj);
  void knotes_eof(ipc_object* obj);
  void knote_activate(knote* kn);
  bool knote_ready(knote* kn);
  void kq_update(kqueue* kq);
  void knote_drop(knote* kn);

  config cfg_;
  std::vector<task*> tasks_;
  std::uint64_t next_task_id_ = 1;
  std::uint64_t next_port_id_ = 1;
  std::size_t live_ports_ = 0;
  std::vector<kmsg*> free_kmsgs_;
  std::unordered_map<std::string, ref<port>> services_;  // bootstrap: name → port
  ref<port> bootstrap_port_;  // the name service's port: every task's default bootstrap
  ref<port> host_port_;  // the host's kernel port, made at the first mach_host_self()
  kobject_owner* kobject_owner_ = nullptr;
};

}  // namespace machemu::kern
