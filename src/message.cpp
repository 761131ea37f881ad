// SPDX-License-Identifier: BSL-1.0
// Outgoing messages: building, laying out for mach_msg, and who owns what after a send.
#include <machio/detail/guard.hpp>
#include <machio/detail/message_access.hpp>
#include <machio/message.hpp>
#include <machio/message_builder.hpp>

#include <algorithm>
#include <new>

namespace machio {
namespace {

bool is_move(mach_msg_type_name_t disposition) noexcept {
  return disposition == MACH_MSG_TYPE_MOVE_RECEIVE || disposition == MACH_MSG_TYPE_MOVE_SEND ||
         disposition == MACH_MSG_TYPE_MOVE_SEND_ONCE;
}

// Releases one right the message owns. \p guard_context is only meaningful for a receive
// right that travels guarded (IMMOVABLE_RECEIVE guarded descriptor).
void release_owned(mach_port_name_t name, mach_msg_type_name_t disposition,
                   bool guarded = false, mach_port_context_t guard_context = 0) noexcept {
  if (!MACH_PORT_VALID(name) || !is_move(disposition)) return;
  kern_return_t kr;
  const char* what;
  if (disposition == MACH_MSG_TYPE_MOVE_RECEIVE) {
    if (guarded) {
      what = "mach_port_destruct";
      kr = mach_port_destruct(mach_task_self(), name, 0, guard_context);
    } else {
      what = "mach_port_mod_refs";
      kr = mach_port_mod_refs(mach_task_self(), name, MACH_PORT_RIGHT_RECEIVE, -1);
    }
  } else {
    what = "mach_port_deallocate";
    kr = mach_port_deallocate(mach_task_self(), name);
  }
  if (kr != KERN_SUCCESS) detail::ownership_violation(what, name, kr);
}

void unmap(std::uint64_t address, std::uint64_t size) noexcept {
  if (address != 0 && size != 0)
    (void)vm_deallocate(mach_task_self(), static_cast<vm_address_t>(address),
                        static_cast<vm_size_t>(size));
}

constexpr std::size_t descriptor_size(mach_msg_descriptor_type_t type) noexcept {
  return type == MACH_MSG_PORT_DESCRIPTOR ? sizeof(mach_msg_port_descriptor_t)
         : type == MACH_MSG_GUARDED_PORT_DESCRIPTOR ? sizeof(mach_msg_guarded_port_descriptor_t)
         : type == MACH_MSG_OOL_PORTS_DESCRIPTOR ? sizeof(mach_msg_ool_ports_descriptor_t)
                                                 : sizeof(mach_msg_ool_descriptor_t);
}

bool travels_guarded(const detail::descriptor_part& d) noexcept {
  return d.type == MACH_MSG_GUARDED_PORT_DESCRIPTOR &&
         (d.guard_flags & MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE) != 0;
}

// Makes \p right travel as a plain receive right: a guarded right is unguarded with the
// guard only its owner knows, which cannot fail while the owner's invariant holds.
mach_port_name_t unguarded_name(receive_right&& right) {
  if (right.is_guarded()) {
    boost::system::error_code ec;
    const mach_port_name_t name = right.get();
    mach_port_name_t out = right.unguard_and_release(ec);
    if (ec) detail::ownership_violation("mach_port_unguard", name, ec.value());
    return out;
  }
  return right.release();
}

}  // namespace

// message --------------------------------------------------------------------------------

mach_msg_size_t message::size() const noexcept {
  std::size_t size = sizeof(mach_msg_header_t);
  if (!descriptors_.empty()) {
    size += sizeof(mach_msg_body_t);
    for (const auto& d : descriptors_) size += descriptor_size(d.type);
  }
  size += (body_.size() + 3) / 4 * 4;
  return static_cast<mach_msg_size_t>(size);
}

void message::destroy() noexcept {
  if (!valid_) return;
  release_owned(remote_.name, remote_.disposition);
  release_owned(local_.name, local_.disposition);
  for (auto& d : descriptors_) {
    switch (d.type) {
      case MACH_MSG_PORT_DESCRIPTOR:
        release_owned(d.port.name, d.port.disposition);
        break;
      case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
        release_owned(d.port.name, d.port.disposition, travels_guarded(d), d.guard_context);
        break;
      case MACH_MSG_OOL_PORTS_DESCRIPTOR:
        for (mach_port_name_t n : d.ool_port_names) release_owned(n, d.port.disposition);
        break;
      default:
        if (d.ool_owned) unmap(reinterpret_cast<std::uintptr_t>(d.ool_address), d.ool_size);
        break;
    }
  }
  forget();
}

void message::forget() noexcept {
  remote_ = {};
  local_ = {};
  descriptors_.clear();
  body_.clear();
  valid_ = false;
}

// message_builder ------------------------------------------------------------------------

message_builder& message_builder::set(detail::port_part& part, mach_port_name_t name,
                                      mach_msg_type_name_t disposition) {
  release_owned(part.name, part.disposition);
  part = {name, disposition};
  return *this;
}

message_builder& message_builder::add_port_part(mach_port_name_t name,
                                                mach_msg_type_name_t disposition) {
  detail::descriptor_part d;
  d.type = MACH_MSG_PORT_DESCRIPTOR;
  d.port = {name, disposition};
  try {
    msg_.descriptors_.push_back(std::move(d));
  } catch (...) {
    release_owned(name, disposition);  // the right was already given up by its owner
    throw;
  }
  return *this;
}

message_builder& message_builder::add_port(receive_right&& right) {
  return add_port_part(unguarded_name(std::move(right)), MACH_MSG_TYPE_MOVE_RECEIVE);
}

message_builder& message_builder::add_guarded_port(receive_right&& right,
                                                   mach_msg_guard_flags_t flags) {
  detail::descriptor_part d;
  d.type = MACH_MSG_GUARDED_PORT_DESCRIPTOR;
  d.guard_flags = flags & MACH_MSG_GUARD_FLAGS_MASK;
  if (d.guard_flags & MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND) {
    d.guard_flags = MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND;
    d.port = {unguarded_name(std::move(right)), MACH_MSG_TYPE_MOVE_RECEIVE};
  } else {
    // The kernel wants the right guarded with exactly the context the descriptor names.
    d.guard_flags = MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE;
    if (!right.is_guarded()) {
      boost::system::error_code ec;
      right = receive_right::adopt_and_guard(right.release(), ec);
      detail::throw_if(ec, "machio::message_builder::add_guarded_port", BOOST_CURRENT_LOCATION);
    }
    d.guard_context = right.guard();
    d.port = {right.release(), MACH_MSG_TYPE_MOVE_RECEIVE};
  }
  try {
    msg_.descriptors_.push_back(std::move(d));
  } catch (...) {
    release_owned(d.port.name, d.port.disposition, travels_guarded(d), d.guard_context);
    throw;
  }
  return *this;
}

message_builder& message_builder::add_ool(std::span<const std::byte> bytes, ool_copy copy) {
  detail::descriptor_part d;
  d.type = MACH_MSG_OOL_DESCRIPTOR;
  d.ool_address = bytes.data();
  d.ool_size = static_cast<mach_msg_size_t>(bytes.size());
  d.ool_copy = static_cast<mach_msg_copy_options_t>(copy);
  msg_.descriptors_.push_back(std::move(d));
  return *this;
}

message_builder& message_builder::add_ool(ool_region&& region, ool_copy copy) {
  detail::descriptor_part d;
  d.type = MACH_MSG_OOL_DESCRIPTOR;
  d.ool_size = static_cast<mach_msg_size_t>(region.size());
  d.ool_copy = static_cast<mach_msg_copy_options_t>(copy);
  d.ool_owned = true;
  msg_.descriptors_.reserve(msg_.descriptors_.size() + 1);  // nothrow push below
  d.ool_address = region.release().data();
  msg_.descriptors_.push_back(std::move(d));
  return *this;
}

namespace {

template <class Right, class Release>
detail::descriptor_part ool_ports_part(std::vector<Right>& rights, mach_msg_type_name_t disposition,
                                       Release release) {
  detail::descriptor_part d;
  d.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
  d.port.disposition = disposition;
  d.ool_copy = MACH_MSG_PHYSICAL_COPY;
  d.ool_port_names.reserve(rights.size());  // may throw before anything is given up
  for (auto& r : rights) d.ool_port_names.push_back(release(r));
  rights.clear();
  return d;
}

}  // namespace

message_builder& message_builder::add_ool_ports(std::vector<send_right>&& rights) {
  msg_.descriptors_.reserve(msg_.descriptors_.size() + 1);
  msg_.descriptors_.push_back(ool_ports_part(rights, MACH_MSG_TYPE_MOVE_SEND,
                                             [](send_right& r) { return r.release(); }));
  return *this;
}

message_builder& message_builder::add_ool_ports(std::vector<send_once_right>&& rights) {
  msg_.descriptors_.reserve(msg_.descriptors_.size() + 1);
  msg_.descriptors_.push_back(ool_ports_part(rights, MACH_MSG_TYPE_MOVE_SEND_ONCE,
                                             [](send_once_right& r) { return r.release(); }));
  return *this;
}

message_builder& message_builder::add_ool_ports(std::vector<receive_right>&& rights) {
  msg_.descriptors_.reserve(msg_.descriptors_.size() + 1);
  msg_.descriptors_.push_back(ool_ports_part(
      rights, MACH_MSG_TYPE_MOVE_RECEIVE,
      [](receive_right& r) { return unguarded_name(std::move(r)); }));
  return *this;
}

message_builder& message_builder::add_ool_ports(std::span<const send_right> rights) {
  detail::descriptor_part d;
  d.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
  d.port.disposition = MACH_MSG_TYPE_COPY_SEND;
  d.ool_copy = MACH_MSG_PHYSICAL_COPY;
  for (const auto& r : rights) d.ool_port_names.push_back(r.get());
  msg_.descriptors_.push_back(std::move(d));
  return *this;
}

// message_access -------------------------------------------------------------------------

namespace detail {

message_buffer message_access::serialize(const message& msg, std::size_t min_capacity,
                                         mach_msg_size_t& size) {
  size = msg.size();
  message_buffer buf(std::max<std::size_t>(size, min_capacity));
  std::byte* p = buf.data();
  mach_msg_header_t h{};
  h.msgh_bits = MACH_MSGH_BITS(msg.remote_.disposition, msg.local_.disposition);
  if (!msg.descriptors_.empty()) h.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
  h.msgh_size = size;
  h.msgh_remote_port = msg.remote_.name;
  h.msgh_local_port = msg.local_.name;
  h.msgh_voucher_port = MACH_PORT_NULL;
  h.msgh_id = msg.id_;
  store(p, h);
  std::size_t off = sizeof h;
  if (!msg.descriptors_.empty()) {
    mach_msg_body_t body{};
    body.msgh_descriptor_count = static_cast<mach_msg_size_t>(msg.descriptors_.size());
    store(p + off, body);
    off += sizeof body;
    for (const auto& d : msg.descriptors_) {
      switch (d.type) {
        case MACH_MSG_PORT_DESCRIPTOR: {
          mach_msg_port_descriptor_t pd{};
          pd.name = d.port.name;
          pd.disposition = d.port.disposition;
          pd.type = MACH_MSG_PORT_DESCRIPTOR;
          store(p + off, pd);
          break;
        }
        case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
          mach_msg_guarded_port_descriptor_t gd{};
          gd.context = d.guard_context;
          gd.flags = d.guard_flags;
          gd.disposition = d.port.disposition;
          gd.type = MACH_MSG_GUARDED_PORT_DESCRIPTOR;
          gd.name = d.port.name;
          store(p + off, gd);
          break;
        }
        case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
          mach_msg_ool_ports_descriptor_t od{};
          od.address = const_cast<mach_port_name_t*>(d.ool_port_names.data());
          od.deallocate = false;  // the names live in the message's own storage
          od.copy = d.ool_copy;
          od.disposition = d.port.disposition;
          od.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
          od.count = static_cast<mach_msg_size_t>(d.ool_port_names.size());
          store(p + off, od);
          break;
        }
        default: {
          // Owned regions are sent without "deallocate" and unmapped by machio once the
          // send succeeded: a failed send then never leaves it unsure whether they exist.
          mach_msg_ool_descriptor_t od{};
          od.address = const_cast<void*>(d.ool_address);
          od.deallocate = false;
          od.copy = d.ool_copy;
          od.type = MACH_MSG_OOL_DESCRIPTOR;
          od.size = d.ool_size;
          store(p + off, od);
          break;
        }
      }
      off += descriptor_size(d.type);
    }
  }
  if (!msg.body_.empty()) std::memcpy(p + off, msg.body_.data(), msg.body_.size());
  return buf;
}

namespace {

enum class send_outcome { sent, untouched, pseudo_received, lost };

// MACH_SEND_INVALID_OPTIONS, missing from older SDKs (the macOS 13 one among them).
constexpr mach_msg_return_t send_invalid_options = 0x10000013;

send_outcome classify(mach_msg_return_t mr) noexcept {
  if (mr == MACH_MSG_SUCCESS) return send_outcome::sent;
  // A receive-phase failure of a combined call means the send went through.
  if ((static_cast<std::uint32_t>(mr) & 0xFFFFC000u & ~static_cast<std::uint32_t>(MACH_MSG_MASK)) ==
      0x10004000u)
    return send_outcome::sent;
  switch (mr) {
    case MACH_SEND_TIMED_OUT:
    case MACH_SEND_INTERRUPTED:
    case MACH_SEND_NO_BUFFER:
      return send_outcome::pseudo_received;
    case MACH_SEND_MSG_TOO_SMALL:
    case MACH_SEND_TOO_LARGE:
    case MACH_SEND_INVALID_DATA:
    case MACH_SEND_INVALID_TYPE:
    case MACH_SEND_INVALID_HEADER:
    case MACH_SEND_INVALID_VOUCHER:
    case MACH_SEND_INVALID_DEST:
    case MACH_SEND_INVALID_REPLY:
    case MACH_SEND_INVALID_NOTIFY:
    case send_invalid_options:
      return send_outcome::untouched;
    default:
      return send_outcome::lost;
  }
}

void unmap_owned_regions(message& msg, std::vector<descriptor_part>& descriptors) noexcept {
  (void)msg;
  for (auto& d : descriptors)
    if ((d.type == MACH_MSG_OOL_DESCRIPTOR || d.type == MACH_MSG_OOL_VOLATILE_DESCRIPTOR) &&
        d.ool_owned) {
      unmap(reinterpret_cast<std::uintptr_t>(d.ool_address), d.ool_size);
      d.ool_owned = false;
    }
}

}  // namespace

void message_access::clear_reply(message& msg) noexcept {
  release_owned(msg.local_.name, msg.local_.disposition);
  msg.local_ = {};
}

bool message_access::settle(message& msg, mach_msg_return_t mr,
                            const message_buffer& buffer) noexcept {
  const send_outcome outcome = classify(mr);
  switch (outcome) {
    case send_outcome::untouched:
      return false;
    case send_outcome::sent:
    case send_outcome::lost:
      // Sent: the kernel consumed the moved rights. Lost: it destroyed an unknown subset;
      // forgetting them all is the only choice that never releases a right twice.
      unmap_owned_regions(msg, msg.descriptors_);
      msg.forget();
      return outcome == send_outcome::sent;
    case send_outcome::pseudo_received:
      break;
  }
  // The kernel copied every right back out under names it chose and rewrote the header
  // and descriptors with received types (which equal the MOVE_* dispositions): the message
  // now owns all of them, including copies of what it had only borrowed.
  const std::byte* p = buffer.data();
  const auto h = load<mach_msg_header_t>(p);
  msg.remote_ = {h.msgh_remote_port, MACH_MSGH_BITS_REMOTE(h.msgh_bits)};
  msg.local_ = {h.msgh_local_port, MACH_MSGH_BITS_LOCAL(h.msgh_bits)};
  std::size_t off = sizeof(mach_msg_header_t) + sizeof(mach_msg_body_t);
  for (auto& d : msg.descriptors_) {
    switch (d.type) {
      case MACH_MSG_PORT_DESCRIPTOR: {
        const auto pd = load<mach_msg_port_descriptor_t>(p + off);
        d.port = {pd.name, pd.disposition};
        break;
      }
      case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
        const auto gd = load<mach_msg_guarded_port_descriptor_t>(p + off);
        d.port = {gd.name, gd.disposition};
        d.guard_context = gd.context;
        d.guard_flags = gd.flags;
        break;
      }
      case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
        const auto od = load<mach_msg_ool_ports_descriptor_t>(p + off);
        d.port.disposition = od.disposition;
        auto* names = static_cast<const mach_port_name_t*>(od.address);
        if (names != nullptr && names != d.ool_port_names.data()) {
          const std::size_t n = std::min<std::size_t>(od.count, d.ool_port_names.size());
          std::copy(names, names + n, d.ool_port_names.begin());
          unmap(reinterpret_cast<std::uintptr_t>(names), od.count * sizeof(mach_port_name_t));
        }
        break;
      }
      default: {
        // The kernel mapped a fresh copy of the data; the original is still ours.
        const auto od = load<mach_msg_ool_descriptor_t>(p + off);
        if (od.address != nullptr && od.address != d.ool_address)
          unmap(reinterpret_cast<std::uintptr_t>(od.address), od.size);
        break;
      }
    }
    off += descriptor_size(d.type);
  }
  return false;
}

}  // namespace detail
}  // namespace machio
