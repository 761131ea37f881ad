// SPDX-License-Identifier: BSL-1.0
// The right owners: how each releases what it owns and makes new rights.
#include <machio/dead_name.hpp>
#include <machio/detail/guard.hpp>
#include <machio/port_set.hpp>
#include <machio/receive_right.hpp>
#include <machio/send_once_right.hpp>
#include <machio/send_right.hpp>

namespace machio {
namespace {

bool owns_something(mach_port_name_t name) noexcept { return MACH_PORT_VALID(name); }

// mach_port_deallocate drops one uref whatever the right became (a dead send right is
// first converted to a dead name), so it fits send, send-once and dead names alike.
void deallocate_or_abort(const char* what, mach_port_name_t name) noexcept {
  if (!owns_something(name)) return;
  kern_return_t kr = mach_port_deallocate(mach_task_self(), name);
  if (kr != KERN_SUCCESS) detail::ownership_violation(what, name, kr);
}

bool name_is_dead(mach_port_name_t name) noexcept {
  if (name == MACH_PORT_DEAD) return true;
  if (name == MACH_PORT_NULL) return false;
  mach_port_type_t type = 0;
  if (mach_port_type(mach_task_self(), name, &type) != KERN_SUCCESS) return false;
  return (type & MACH_PORT_TYPE_DEAD_NAME) != 0;
}

}  // namespace

// send_right -----------------------------------------------------------------------------

void detail::send_right_traits::release(mach_port_name_t name) noexcept {
  deallocate_or_abort("mach_port_deallocate", name);
}

send_right send_right::copy(boost::system::error_code& ec) const {
  const mach_port_name_t name = get();
  if (name == MACH_PORT_DEAD) {
    ec = error::dead_name;
    return {};
  }
  kern_return_t kr = mach_port_mod_refs(mach_task_self(), name, MACH_PORT_RIGHT_SEND, 1);
  if (kr != KERN_SUCCESS) {
    // A send right whose port died answers KERN_INVALID_RIGHT; say why instead.
    if (kr == KERN_INVALID_RIGHT && name_is_dead(name))
      ec = error::dead_name;
    else
      detail::fail(kr, ec);
    return {};
  }
  ec.clear();
  return send_right(adopt, name);
}

bool send_right::is_dead() const noexcept { return name_is_dead(get()); }

dead_name send_right::into_dead_name(boost::system::error_code& ec) && {
  if (get() == MACH_PORT_NULL || !is_dead()) {
    ec = boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
    return {};
  }
  ec.clear();
  return dead_name(adopt, release());
}

// send_once_right ------------------------------------------------------------------------

void detail::send_once_right_traits::release(mach_port_name_t name) noexcept {
  deallocate_or_abort("mach_port_deallocate", name);
}

bool send_once_right::is_dead() const noexcept { return name_is_dead(get()); }

// dead_name ------------------------------------------------------------------------------

void detail::dead_name_traits::release(mach_port_name_t name) noexcept {
  deallocate_or_abort("mach_port_deallocate", name);
}

// receive_right --------------------------------------------------------------------------

namespace {

receive_right construct(const port_options& options, bool with_send, port_pair* pair,
                        boost::system::error_code& ec) {
  if (options.guarded && options.context != 0) {
    ec = error::invalid_options;
    return {};
  }
  mach_port_options_t mpo{};
  mach_port_context_t context = options.context;
  if (options.guarded) {
    mpo.flags |= MPO_CONTEXT_AS_GUARD | MPO_STRICT;
    context = detail::new_guard();
  }
  if (options.qlimit) {
    mpo.flags |= MPO_QLIMIT;
    mpo.mpl.mpl_qlimit = *options.qlimit;
  }
  if (with_send) mpo.flags |= MPO_INSERT_SEND_RIGHT;
  mach_port_name_t name = MACH_PORT_NULL;
  kern_return_t kr = mach_port_construct(mach_task_self(), &mpo, context, &name);
  if (detail::fail(kr, ec)) return {};
  receive_right r = options.guarded ? receive_right(adopt, name, context)
                                    : receive_right(adopt, name);
  if (pair) pair->send = send_right(adopt, name);
  return r;
}

}  // namespace

receive_right receive_right::allocate(const port_options& options,
                                      boost::system::error_code& ec) {
  return construct(options, false, nullptr, ec);
}

port_pair receive_right::allocate_pair(const port_options& options,
                                       boost::system::error_code& ec) {
  port_pair pair;
  pair.receive = construct(options, true, &pair, ec);
  return pair;
}

receive_right receive_right::adopt_and_guard(mach_port_name_t name,
                                             boost::system::error_code& ec) {
  receive_right r(adopt, name);
  const mach_port_context_t guard = detail::new_guard();
  kern_return_t kr = mach_port_guard(mach_task_self(), name, guard, /*strict=*/1);
  if (detail::fail(kr, ec)) return {};  // r destroys the unguarded right
  (void)r.release();
  return receive_right(adopt, name, guard);
}

void receive_right::reset() noexcept {
  if (!owns_something(name_)) {
    (void)release();
    return;
  }
  const bool guarded = guarded_;
  const mach_port_context_t guard = guard_;
  const mach_port_name_t name = release();
  // destruct ignores the guard argument on an unguarded port, but mod_refs is what C code
  // does and what older emulations are sure to have.
  kern_return_t kr =
      guarded ? mach_port_destruct(mach_task_self(), name, 0, guard)
              : mach_port_mod_refs(mach_task_self(), name, MACH_PORT_RIGHT_RECEIVE, -1);
  if (kr != KERN_SUCCESS)
    detail::ownership_violation(guarded ? "mach_port_destruct" : "mach_port_mod_refs", name, kr);
}

mach_port_name_t receive_right::unguard_and_release(boost::system::error_code& ec) {
  if (guarded_) {
    kern_return_t kr = mach_port_unguard(mach_task_self(), name_, guard_);
    if (detail::fail(kr, ec)) return MACH_PORT_NULL;
  }
  ec.clear();
  return release();
}

send_right receive_right::make_send(boost::system::error_code& ec) const {
  kern_return_t kr =
      mach_port_insert_right(mach_task_self(), name_, name_, MACH_MSG_TYPE_MAKE_SEND);
  if (detail::fail(kr, ec)) return {};
  return send_right(adopt, name_);
}

send_once_right receive_right::make_send_once(boost::system::error_code& ec) const {
  mach_port_t right = MACH_PORT_NULL;
  mach_msg_type_name_t type = 0;
  kern_return_t kr = mach_port_extract_right(mach_task_self(), name_,
                                             MACH_MSG_TYPE_MAKE_SEND_ONCE, &right, &type);
  if (detail::fail(kr, ec)) return {};
  return send_once_right(adopt, right);
}

kern_return_t detail::get_receive_status(mach_port_name_t name, mach_port_status_t& out) noexcept {
  mach_msg_type_number_t count = MACH_PORT_RECEIVE_STATUS_COUNT;
  return mach_port_get_attributes(mach_task_self(), name, MACH_PORT_RECEIVE_STATUS,
                                  reinterpret_cast<mach_port_info_t>(&out), &count);
}

mach_port_status_t receive_right::status(boost::system::error_code& ec) const {
  mach_port_status_t st{};
  if (detail::fail(detail::get_receive_status(name_, st), ec)) return {};
  return st;
}

void receive_right::set_make_send_count(mach_port_mscount_t count,
                                        boost::system::error_code& ec) const {
  detail::fail(mach_port_set_mscount(mach_task_self(), name_, count), ec);
}

void receive_right::set_seqno(mach_port_seqno_t seqno, boost::system::error_code& ec) const {
  detail::fail(mach_port_set_seqno(mach_task_self(), name_, seqno), ec);
}

mach_port_msgcount_t receive_right::qlimit(boost::system::error_code& ec) const {
  mach_port_limits_t limits{};
  mach_msg_type_number_t count = MACH_PORT_LIMITS_INFO_COUNT;
  kern_return_t kr = mach_port_get_attributes(mach_task_self(), name_, MACH_PORT_LIMITS_INFO,
                                              reinterpret_cast<mach_port_info_t>(&limits), &count);
  // For MACH_PORT_NULL/DEAD (an empty object) the kernel answers success with nothing filled
  // in (count 0); report it as the other attribute calls do for a name without the right.
  if (kr == KERN_SUCCESS && count < MACH_PORT_LIMITS_INFO_COUNT) kr = KERN_INVALID_RIGHT;
  if (detail::fail(kr, ec)) return 0;
  return limits.mpl_qlimit;
}

void receive_right::set_qlimit(mach_port_msgcount_t limit, boost::system::error_code& ec) const {
  mach_port_limits_t limits{};
  limits.mpl_qlimit = limit;
  detail::fail(mach_port_set_attributes(mach_task_self(), name_, MACH_PORT_LIMITS_INFO,
                                        reinterpret_cast<mach_port_info_t>(&limits),
                                        MACH_PORT_LIMITS_INFO_COUNT),
               ec);
}

mach_port_context_t receive_right::context(boost::system::error_code& ec) const {
  if (guarded_ && owns_something(name_)) {
    // A strict guard reads back as 0 from the kernel; the owner knows the real value.
    ec.clear();
    return guard_;
  }
  mach_port_context_t ctx = 0;
  if (detail::fail(mach_port_get_context(mach_task_self(), name_, &ctx), ec)) return 0;
  return ctx;
}

void receive_right::set_context(mach_port_context_t context,
                                boost::system::error_code& ec) const {
  if (guarded_) {
    ec = error::right_is_guarded;
    return;
  }
  detail::fail(mach_port_set_context(mach_task_self(), name_, context), ec);
}

// port_set -------------------------------------------------------------------------------

port_set port_set::allocate(boost::system::error_code& ec) {
  mach_port_name_t name = MACH_PORT_NULL;
  if (detail::fail(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_PORT_SET, &name), ec))
    return {};
  return port_set(adopt, name);
}

void detail::port_set_traits::release(mach_port_name_t name) noexcept {
  if (!owns_something(name)) return;
  kern_return_t kr = mach_port_mod_refs(mach_task_self(), name, MACH_PORT_RIGHT_PORT_SET, -1);
  if (kr != KERN_SUCCESS) detail::ownership_violation("mach_port_mod_refs", name, kr);
}

void port_set::insert(const receive_right& port, boost::system::error_code& ec) const {
  detail::fail(mach_port_insert_member(mach_task_self(), port.get(), get()), ec);
}

void port_set::extract(const receive_right& port, boost::system::error_code& ec) const {
  detail::fail(mach_port_extract_member(mach_task_self(), port.get(), get()), ec);
}

void port_set::move_in(const receive_right& port, boost::system::error_code& ec) const {
  detail::fail(mach_port_move_member(mach_task_self(), port.get(), get()), ec);
}

void port_set::remove_from_all(const receive_right& port, boost::system::error_code& ec) {
  detail::fail(mach_port_move_member(mach_task_self(), port.get(), MACH_PORT_NULL), ec);
}

std::vector<mach_port_name_t> port_set::members(boost::system::error_code& ec) const {
  mach_port_name_array_t names = nullptr;
  mach_msg_type_number_t count = 0;
  if (detail::fail(mach_port_get_set_status(mach_task_self(), get(), &names, &count), ec))
    return {};
  // The kernel handed the array out as fresh memory; it is ours to unmap, also when
  // copying it out throws.
  struct unmap_on_exit {
    mach_port_name_array_t names;
    mach_msg_type_number_t count;
    ~unmap_on_exit() {
      if (names)
        (void)vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(names),
                            count * sizeof(mach_port_name_t));
    }
  } guard{names, count};
  return std::vector<mach_port_name_t>(names, names + count);
}

}  // namespace machio
