// SPDX-License-Identifier: BSL-1.0
// mach_msg and friends: the send and receive phases, with blocking and timeouts done here
// (the core never blocks), and mach_msg_destroy, which on Darwin is a user-space routine.
#include <mach/mach.h>

#include <cstring>

#include "lib/runtime.hpp"
#include "lib/transport.hpp"

using machemu::lib::blocking_waiter;
using machemu::lib::runtime;

namespace {

mach_msg_return_t send_phase(runtime& rt, machemu::lib::runtime_lock& lk,
                             mach_msg_header_t* msg, mach_msg_option_t option,
                             mach_msg_size_t send_size, mach_msg_timeout_t timeout) {
  if (!msg) return MACH_SEND_INVALID_DATA;
  auto& k = rt.core();
  auto& t = rt.calling_task();
  std::span<std::byte> buf(reinterpret_cast<std::byte*>(msg), send_size);
  const bool has_timeout = (option & MACH_SEND_TIMEOUT) != 0;
  blocking_waiter<machemu::kern::send_waiter> w;
  mach_msg_return_t mr =
      k.send(t, buf, option, has_timeout && timeout == 0, rt.memory(), &w);
  if (mr != machemu::kern::send_would_block) return mr;
  const auto deadline = machemu::lib::deadline_after(has_timeout, timeout);
  for (;;) {
    w.woken = false;
    if (!rt.park(lk, w, deadline))
      return k.send_abandon(t, w, buf, rt.memory(), MACH_SEND_TIMED_OUT);
    mr = k.send_retry(t, w);
    if (mr != machemu::kern::send_would_block) return mr;
  }
}

mach_msg_return_t receive_phase(runtime& rt, machemu::lib::runtime_lock& lk,
                                mach_msg_header_t* buffer, mach_msg_option_t option,
                                mach_msg_size_t rcv_size, mach_port_name_t rcv_name,
                                mach_msg_timeout_t timeout) {
  if (!buffer) return MACH_RCV_INVALID_DATA;
  auto& k = rt.core();
  auto& t = rt.calling_task();
  std::span<std::byte> buf(reinterpret_cast<std::byte*>(buffer), rcv_size);
  const bool has_timeout = (option & MACH_RCV_TIMEOUT) != 0;
  blocking_waiter<machemu::kern::receive_waiter> w;
  const auto deadline = machemu::lib::deadline_after(has_timeout, timeout);
  for (;;) {
    w.woken = false;
    const mach_msg_return_t mr = k.receive(t, rcv_name, buf, option, rt.memory(), &w);
    if (mr != machemu::kern::receive_would_block) return mr;
    if (has_timeout && timeout == 0) {
      k.cancel_wait(w);
      return MACH_RCV_TIMED_OUT;
    }
    if (!rt.park(lk, w, deadline)) {
      k.cancel_wait(w);
      return MACH_RCV_TIMED_OUT;
    }
  }
}

}  // namespace

namespace machemu::lib {

// The in-process transport's mach_msg: the core runs under the runtime's lock.
mach_msg_return_t inprocess_msg(mach_msg_header_t* msg, mach_msg_option_t option,
                                mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                                mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
                                mach_msg_header_t* rcv_msg) {
  runtime& rt = runtime::get();
  auto lk = rt.lock();
  if (option & MACH_SEND_MSG) {
    const mach_msg_return_t mr = send_phase(rt, lk, msg, option, send_size, timeout);
    if (mr != MACH_MSG_SUCCESS) return mr;
  }
  if (option & MACH_RCV_MSG)
    return receive_phase(rt, lk, rcv_msg ? rcv_msg : msg, option, rcv_size, rcv_name, timeout);
  return MACH_MSG_SUCCESS;
}

}  // namespace machemu::lib

extern "C" {

mach_msg_return_t mach_msg_overwrite(mach_msg_header_t* msg, mach_msg_option_t option,
                                     mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                                     mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
                                     mach_port_name_t notify, mach_msg_header_t* rcv_msg,
                                     mach_msg_size_t rcv_limit) {
  (void)notify;  // modern XNU reads this argument as a send priority; it has no effect here
  (void)rcv_limit;
  return machemu::lib::current_transport().msg(msg, option, send_size, rcv_size, rcv_name,
                                               timeout, rcv_msg);
}

mach_msg_return_t mach_msg(mach_msg_header_t* msg, mach_msg_option_t option,
                           mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                           mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
                           mach_port_name_t notify) {
  return mach_msg_overwrite(msg, option, send_size, rcv_size, rcv_name, timeout, notify,
                            nullptr, 0);
}

mach_msg_return_t mach_msg_send(mach_msg_header_t* msg) {
  return mach_msg(msg, MACH_SEND_MSG, msg->msgh_size, 0, MACH_PORT_NULL,
                  MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
}

mach_msg_return_t mach_msg_receive(mach_msg_header_t* msg) {
  return mach_msg(msg, MACH_RCV_MSG, 0, msg->msgh_size, msg->msgh_local_port,
                  MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
}

}  // extern "C"

namespace {

// Releases one right named in a message according to how it would travel (send side) or
// how it arrived (receive side; 16/17/18 coincide with the MOVE_* dispositions).
void destroy_right(mach_port_name_t name, mach_msg_type_name_t disposition) {
  if (!MACH_PORT_VALID(name)) return;
  const mach_port_t self = mach_task_self();
  switch (disposition) {
    case MACH_MSG_TYPE_MOVE_SEND:
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
      mach_port_deallocate(self, name);
      break;
    case MACH_MSG_TYPE_MOVE_RECEIVE:
      mach_port_mod_refs(self, name, MACH_PORT_RIGHT_RECEIVE, -1);
      break;
    case MACH_MSG_TYPE_MAKE_SEND:
      // A MAKE_SEND that never happened: make it and drop it, which is what the kernel
      // would have done with the message.
      if (mach_port_insert_right(self, name, name, MACH_MSG_TYPE_MAKE_SEND) == KERN_SUCCESS)
        mach_port_deallocate(self, name);
      break;
    case MACH_MSG_TYPE_MAKE_SEND_ONCE: {
      mach_port_t so = MACH_PORT_NULL;
      mach_msg_type_name_t type = 0;
      if (mach_port_extract_right(self, name, MACH_MSG_TYPE_MAKE_SEND_ONCE, &so, &type) ==
          KERN_SUCCESS)
        mach_port_deallocate(self, so);
      break;
    }
    default:
      break;
  }
}

}  // namespace

extern "C" void mach_msg_destroy(mach_msg_header_t* msg) {
  const mach_msg_bits_t bits = msg->msgh_bits;
  destroy_right(msg->msgh_remote_port, MACH_MSGH_BITS_REMOTE(bits));
  destroy_right(msg->msgh_voucher_port, MACH_MSGH_BITS_VOUCHER(bits));
  if (!(bits & MACH_MSGH_BITS_COMPLEX)) return;
  auto* base = reinterpret_cast<std::byte*>(msg);
  mach_msg_body_t body;
  std::memcpy(&body, base + sizeof(mach_msg_header_t), sizeof body);
  std::size_t off = sizeof(mach_msg_base_t);
  for (mach_msg_size_t i = 0; i < body.msgh_descriptor_count; ++i) {
    const auto type = static_cast<mach_msg_descriptor_type_t>(base[off + 11]);
    switch (type) {
      case MACH_MSG_PORT_DESCRIPTOR: {
        mach_msg_port_descriptor_t d;
        std::memcpy(&d, base + off, sizeof d);
        destroy_right(d.name, d.disposition);
        off += sizeof d;
        break;
      }
      case MACH_MSG_OOL_DESCRIPTOR:
      case MACH_MSG_OOL_VOLATILE_DESCRIPTOR: {
        mach_msg_ool_descriptor_t d;
        std::memcpy(&d, base + off, sizeof d);
        if (d.deallocate && d.size)
          vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(d.address), d.size);
        off += sizeof d;
        break;
      }
      case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
        mach_msg_ool_ports_descriptor_t d;
        std::memcpy(&d, base + off, sizeof d);
        if (d.address) {
          auto* names = static_cast<mach_port_name_t*>(d.address);
          for (mach_msg_size_t k = 0; k < d.count; ++k) destroy_right(names[k], d.disposition);
          if (d.deallocate)
            vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(d.address),
                          d.count * sizeof(mach_port_name_t));
        }
        off += sizeof d;
        break;
      }
      case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
        mach_msg_guarded_port_descriptor_t d;
        std::memcpy(&d, base + off, sizeof d);
        if (MACH_PORT_VALID(d.name)) {
          if (!(d.flags & MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND))
            mach_port_unguard(mach_task_self(), d.name, d.context);
          mach_port_mod_refs(mach_task_self(), d.name, MACH_PORT_RIGHT_RECEIVE, -1);
        }
        off += sizeof d;
        break;
      }
      default:
        return;  // unknown descriptor: nothing after it can be parsed
    }
  }
}
