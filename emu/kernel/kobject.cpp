// SPDX-License-Identifier: BSL-1.0
// Foreign kernel objects: ports the core makes and counts for another part of mach-emu
// (its IOKit registry), which gives them meaning. XNU's counterpart is ipc_kobject with
// IKOT_IOKIT_OBJECT: user space holds send rights, the kernel receives nothing on them,
// and the last send right going away tells IOKit (iokit_no_senders) to drop its reference.
#include <cstring>

#include "kernel/kernel.hpp"

namespace machemu::kern {

ref<port> kernel::kobject_create() {
  ref<port> p = new_port();
  p->kernel_object = kobject_foreign;
  return p;
}

kern_return_t kernel::kobject_copy_out(task& t, port& p, mach_port_name_t* name) {
  if (!p.active) return KERN_INVALID_ARGUMENT;
  ++p.mscount;
  ++p.srights;
  kright r{ref<port>(&p), MACH_MSG_TYPE_PORT_SEND, false};
  return copy_out_right(t, std::move(r), name);
}

port* kernel::kobject_named(task& t, mach_port_name_t name) {
  entry* e = lookup_live(t, name);
  if (!e || !(e->type & MACH_PORT_TYPE_SEND)) return nullptr;
  port* p = e->object->as_port();
  return p && p->active && p->kernel_object == kobject_foreign ? p : nullptr;
}

void kernel::kobject_retire(ref<port> p) {
  if (p && p->active) port_dies(std::move(p));
}

kern_return_t kernel::copy_in_send(task& t, mach_port_name_t name, mach_msg_type_name_t disposition,
                                   ref<port>* out) {
  if (disposition != MACH_MSG_TYPE_MAKE_SEND && disposition != MACH_MSG_TYPE_COPY_SEND)
    return KERN_INVALID_ARGUMENT;
  kright r;
  const kern_return_t kr = copy_in_right(t, name, disposition, &r, /*body=*/false);
  if (kr != KERN_SUCCESS) return kr;
  if (!r.p) {  // a dead name: nothing to hold
    release_right(r);
    return KERN_INVALID_RIGHT;
  }
  *out = std::move(r.p);
  return KERN_SUCCESS;
}

void kernel::release_held_send(ref<port> p) {
  if (p) release_send(p.get());
}

void kernel::send_from_kernel(const kernel_message& m) {
  if (!m.dest) return;
  const bool complex = !m.ports.empty();
  const std::size_t descriptors = complex ? sizeof(mach_msg_body_t) + m.ports.size() * sizeof(mach_msg_port_descriptor_t) : 0;
  const std::size_t size = sizeof(mach_msg_header_t) + descriptors + m.payload.size();
  kmsg* k = kmsg_new();
  k->bytes.assign(size, std::byte{0});
  k->size = static_cast<std::uint32_t>(size);
  k->id = m.id;
  k->kernel_sender = true;
  k->sender = task_identity{};
  k->sender.auid = 0;
  ++m.dest->srights;  // COPY_SEND of the right the sender holds
  k->dest = kright{m.dest, MACH_MSG_TYPE_PORT_SEND, false};
  if (m.local && m.local->active) {
    ++m.local->mscount;
    ++m.local->srights;
    k->reply = kright{m.local, MACH_MSG_TYPE_PORT_SEND, false};
  }
  std::size_t at = sizeof(mach_msg_header_t);
  if (complex) {
    k->bits = MACH_MSGH_BITS_COMPLEX;
    const mach_msg_body_t body{static_cast<mach_msg_size_t>(m.ports.size())};
    std::memcpy(k->bytes.data() + at, &body, sizeof body);
    at += sizeof body;
    for (const ref<port>& p : m.ports) {
      kdesc d;
      d.offset = static_cast<std::uint32_t>(at);
      d.type = MACH_MSG_PORT_DESCRIPTOR;
      d.disposition = MACH_MSG_TYPE_PORT_SEND;
      if (p && p->active) {
        ++p->mscount;
        ++p->srights;
        d.right = kright{p, MACH_MSG_TYPE_PORT_SEND, false};
      }
      k->descs.push_back(std::move(d));
      at += sizeof(mach_msg_port_descriptor_t);
    }
  }
  if (!m.payload.empty()) std::memcpy(k->bytes.data() + at, m.payload.data(), m.payload.size());
  deliver_kernel(k);
}

}  // namespace machemu::kern
