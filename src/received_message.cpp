// SPDX-License-Identifier: BSL-1.0
// Received messages: taking things out, and releasing what was not taken.
#include <machio/received_message.hpp>

#include <cstring>

namespace machio {

using detail::load;
using detail::store;

namespace {

// Releases one right the message holds, by the type it arrived as. \p guard is used only
// for receive rights that arrived guarded.
void release_received(mach_port_name_t name, mach_msg_type_name_t type, bool guarded = false,
                      mach_port_context_t guard = 0) noexcept {
  if (!MACH_PORT_VALID(name)) return;
  kern_return_t kr;
  const char* what;
  switch (type) {
    case MACH_MSG_TYPE_PORT_RECEIVE:
      if (guarded) {
        what = "mach_port_destruct";
        kr = mach_port_destruct(mach_task_self(), name, 0, guard);
      } else {
        what = "mach_port_mod_refs";
        kr = mach_port_mod_refs(mach_task_self(), name, MACH_PORT_RIGHT_RECEIVE, -1);
      }
      break;
    case MACH_MSG_TYPE_PORT_SEND:
    case MACH_MSG_TYPE_PORT_SEND_ONCE:
      what = "mach_port_deallocate";
      kr = mach_port_deallocate(mach_task_self(), name);
      break;
    default:
      return;  // PORT_NAME and unknown types carry no right
  }
  if (kr != KERN_SUCCESS) detail::ownership_violation(what, name, kr);
}

void unmap(std::uint64_t address, std::uint64_t size) noexcept {
  if (address != 0 && size != 0)
    (void)vm_deallocate(mach_task_self(), static_cast<vm_address_t>(address),
                        static_cast<vm_size_t>(size));
}

bool arrived_guarded(const descriptor_view& d) noexcept {
  return d.type() == MACH_MSG_GUARDED_PORT_DESCRIPTOR &&
         (d.guard_flags() & MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE) != 0;
}

}  // namespace

received_message received_message::from_buffer(detail::message_buffer buffer, mach_msg_size_t total_size,
                                         boost::system::error_code& ec) {
  if (total_size > buffer.capacity()) {
    ec = error::malformed_message;
    return {};
  }
  received_message m;
  m.view_ = message_view::parse({buffer.data(), total_size}, ec);
  if (ec) return {};
  m.buffer_ = std::move(buffer);  // the view's bytes live in the heap block, which moves along
  return m;
}

received_message received_message::from_bytes(std::span<const std::byte> bytes,
                                              boost::system::error_code& ec) {
  detail::message_buffer buffer(bytes.size());
  if (!bytes.empty()) std::memcpy(buffer.data(), bytes.data(), bytes.size());
  return from_buffer(std::move(buffer), static_cast<mach_msg_size_t>(bytes.size()), ec);
}

void received_message::destroy() noexcept {
  if (!valid()) return;
  const auto h = view_.header();
  release_received(h.msgh_remote_port, MACH_MSGH_BITS_REMOTE(h.msgh_bits));
  if (MACH_MSGH_BITS_VOUCHER(h.msgh_bits) != 0)
    release_received(h.msgh_voucher_port, MACH_MSG_TYPE_PORT_SEND);
  boost::system::error_code ec;
  for (std::size_t i = 0; i < view_.descriptor_count(); ++i) {
    const descriptor_view d = view_.descriptor(i, ec);
    switch (d.type()) {
      case MACH_MSG_PORT_DESCRIPTOR:
      case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
        release_received(d.name(), d.disposition(), arrived_guarded(d), d.guard_context());
        break;
      case MACH_MSG_OOL_DESCRIPTOR:
      case MACH_MSG_OOL_VOLATILE_DESCRIPTOR:
        unmap(d.address(), d.size());
        break;
      case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
        const auto* names = reinterpret_cast<const mach_port_name_t*>(d.address());
        if (names) {
          for (std::size_t k = 0; k < d.count(); ++k) {
            mach_port_name_t n;
            std::memcpy(&n, names + k, sizeof n);
            release_received(n, d.disposition());
          }
          unmap(d.address(), std::uint64_t{d.count()} * sizeof(mach_port_name_t));
        }
        break;
      }
      default:
        break;
    }
  }
  view_ = message_view();
  buffer_ = detail::message_buffer();
}

std::byte* received_message::mutable_descriptor(std::size_t index, mach_msg_descriptor_type_t want,
                                                boost::system::error_code& ec) noexcept {
  const descriptor_view d = view_.descriptor(index, ec);
  if (ec) return nullptr;
  const bool ok = want == MACH_MSG_PORT_DESCRIPTOR ? d.is_port()
                  : want == MACH_MSG_OOL_DESCRIPTOR ? d.is_ool()
                                                    : d.type() == want;
  if (!ok) {
    ec = error::wrong_descriptor_type;
    return nullptr;
  }
  return buffer_.data() + view_.descriptor_offset(index);
}

mach_msg_type_name_t received_message::reply_type() const noexcept {
  const auto h = view_.header();
  return MACH_PORT_VALID(h.msgh_remote_port) ? MACH_MSGH_BITS_REMOTE(h.msgh_bits) : 0;
}

reply_right received_message::take_reply() noexcept {
  const mach_msg_type_name_t type = reply_type();
  if (type != MACH_MSG_TYPE_PORT_SEND && type != MACH_MSG_TYPE_PORT_SEND_ONCE) return {};
  auto* h = buffer_.header();
  const mach_port_name_t name = h->msgh_remote_port;
  h->msgh_remote_port = MACH_PORT_NULL;  // taken: destroy() will skip it
  if (type == MACH_MSG_TYPE_PORT_SEND) return send_right(adopt, name);
  return send_once_right(adopt, name);
}

send_once_right received_message::take_reply_send_once(boost::system::error_code& ec) noexcept {
  const mach_msg_type_name_t type = reply_type();
  if (type == 0) {
    ec = error::already_taken;
    return {};
  }
  if (type != MACH_MSG_TYPE_PORT_SEND_ONCE) {
    ec = error::wrong_descriptor_type;
    return {};
  }
  ec.clear();
  return std::get<send_once_right>(take_reply());
}

namespace {

// Reads the name and type of a port or guarded-port descriptor at \p p and clears the
// name in the buffer, so the message no longer owns the right.
mach_port_name_t take_port_name(std::byte* p, bool& guarded, mach_port_context_t& context,
                                mach_msg_type_name_t& type) noexcept {
  const auto t = static_cast<mach_msg_descriptor_type_t>(p[11]);
  if (t == MACH_MSG_GUARDED_PORT_DESCRIPTOR) {
    auto gd = load<mach_msg_guarded_port_descriptor_t>(p);
    guarded = (gd.flags & MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE) != 0;
    context = gd.context;
    type = gd.disposition;
    const mach_port_name_t n = gd.name;
    gd.name = MACH_PORT_NULL;
    store(p, gd);
    return n;
  }
  auto pd = load<mach_msg_port_descriptor_t>(p);
  guarded = false;
  context = 0;
  type = pd.disposition;
  const mach_port_name_t n = pd.name;
  pd.name = MACH_PORT_NULL;
  store(p, pd);
  return n;
}

// Checks a port descriptor holds a right of \p want before it is taken.
bool check_port(const descriptor_view& d, mach_msg_type_name_t want, boost::system::error_code& ec) noexcept {
  if (d.disposition() != want) {
    ec = error::wrong_descriptor_type;
    return false;
  }
  if (d.name() == MACH_PORT_NULL) {
    ec = error::already_taken;
    return false;
  }
  if (d.name() == MACH_PORT_DEAD) {
    ec = error::dead_name;
    return false;
  }
  return true;
}

}  // namespace

receive_right received_message::take_receive_right(std::size_t index, boost::system::error_code& ec) {
  std::byte* p = mutable_descriptor(index, MACH_MSG_PORT_DESCRIPTOR, ec);
  if (!p) return {};
  if (!check_port(view_.descriptor(index, ec), MACH_MSG_TYPE_PORT_RECEIVE, ec)) return {};
  bool guarded;
  mach_port_context_t context;
  mach_msg_type_name_t type;
  const mach_port_name_t name = take_port_name(p, guarded, context, type);
  if (guarded) {
    ec.clear();
    return receive_right(adopt, name, context);
  }
  return receive_right::adopt_and_guard(name, ec);
}

send_right received_message::take_send_right(std::size_t index, boost::system::error_code& ec) noexcept {
  std::byte* p = mutable_descriptor(index, MACH_MSG_PORT_DESCRIPTOR, ec);
  if (!p) return {};
  if (!check_port(view_.descriptor(index, ec), MACH_MSG_TYPE_PORT_SEND, ec)) return {};
  bool guarded;
  mach_port_context_t context;
  mach_msg_type_name_t type;
  ec.clear();
  return send_right(adopt, take_port_name(p, guarded, context, type));
}

send_once_right received_message::take_send_once_right(std::size_t index,
                                                       boost::system::error_code& ec) noexcept {
  std::byte* p = mutable_descriptor(index, MACH_MSG_PORT_DESCRIPTOR, ec);
  if (!p) return {};
  if (!check_port(view_.descriptor(index, ec), MACH_MSG_TYPE_PORT_SEND_ONCE, ec)) return {};
  bool guarded;
  mach_port_context_t context;
  mach_msg_type_name_t type;
  ec.clear();
  return send_once_right(adopt, take_port_name(p, guarded, context, type));
}

ool_region received_message::take_ool(std::size_t index, boost::system::error_code& ec) noexcept {
  std::byte* p = mutable_descriptor(index, MACH_MSG_OOL_DESCRIPTOR, ec);
  if (!p) return {};
  auto od = load<mach_msg_ool_descriptor_t>(p);
  if (od.address == nullptr) {
    // A zero-sized region arrives as address 0; a sized one with address 0 was taken (or
    // could not be mapped).
    if (od.size != 0) ec = error::already_taken;
    return {};
  }
  ool_region region(adopt, reinterpret_cast<vm_address_t>(od.address), od.size);
  od.address = nullptr;  // the size stays: it marks the region as taken
  store(p, od);
  return region;
}

template <class Right>
std::vector<Right> received_message::take_ool_ports(std::size_t index, mach_msg_type_name_t want,
                                                    boost::system::error_code& ec) {
  std::byte* p = mutable_descriptor(index, MACH_MSG_OOL_PORTS_DESCRIPTOR, ec);
  if (!p) return {};
  auto od = load<mach_msg_ool_ports_descriptor_t>(p);
  if (od.disposition != want) {
    ec = error::wrong_descriptor_type;
    return {};
  }
  if (od.address == nullptr) {
    if (od.count != 0) ec = error::already_taken;
    return {};
  }
  std::vector<Right> out;
  out.reserve(od.count);  // may throw: nothing taken yet
  std::vector<mach_port_name_t> names(od.count);
  std::memcpy(names.data(), od.address, names.size() * sizeof(mach_port_name_t));
  const auto array = reinterpret_cast<std::uintptr_t>(od.address);
  const std::uint64_t array_size = std::uint64_t{od.count} * sizeof(mach_port_name_t);
  od.address = nullptr;  // the count stays: it marks the array as taken
  store(p, od);
  unmap(array, array_size);
  ec.clear();
  for (mach_port_name_t n : names) {
    if constexpr (std::is_same_v<Right, receive_right>) {
      if (!MACH_PORT_VALID(n)) {
        out.emplace_back();
        continue;
      }
      boost::system::error_code gec;
      out.push_back(receive_right::adopt_and_guard(n, gec));
      if (gec && !ec) ec = gec;
    } else {
      out.emplace_back(adopt, n);
    }
  }
  return out;
}

std::vector<send_right> received_message::take_ool_send_rights(std::size_t index,
                                                               boost::system::error_code& ec) {
  return take_ool_ports<send_right>(index, MACH_MSG_TYPE_PORT_SEND, ec);
}

std::vector<send_once_right> received_message::take_ool_send_once_rights(
    std::size_t index, boost::system::error_code& ec) {
  return take_ool_ports<send_once_right>(index, MACH_MSG_TYPE_PORT_SEND_ONCE, ec);
}

std::vector<receive_right> received_message::take_ool_receive_rights(
    std::size_t index, boost::system::error_code& ec) {
  return take_ool_ports<receive_right>(index, MACH_MSG_TYPE_PORT_RECEIVE, ec);
}

// ool_region -----------------------------------------------------------------------------

ool_region ool_region::allocate(vm_size_t size, boost::system::error_code& ec) {
  vm_address_t address = 0;
  if (detail::fail(vm_allocate(mach_task_self(), &address, size, VM_FLAGS_ANYWHERE), ec)) return {};
  return ool_region(adopt, address, size);
}

void ool_region::reset() noexcept {
  if (address_ != 0 && size_ != 0) (void)vm_deallocate(mach_task_self(), address_, size_);
  address_ = 0;
  size_ = 0;
}

}  // namespace machio
