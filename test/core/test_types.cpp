// SPDX-License-Identifier: BSL-1.0
// Compile-time guarantees: owners are move-only, a send-once right is only ever moved
// into a message, and wrong conversions do not compile.
#include <machio/machio.hpp>

#include <boost/test/unit_test.hpp>

#include <type_traits>

namespace {

template <class T>
constexpr bool move_only = !std::is_copy_constructible_v<T> && !std::is_copy_assignable_v<T> &&
                           std::is_nothrow_move_constructible_v<T> &&
                           std::is_nothrow_move_assignable_v<T>;

static_assert(move_only<machio::receive_right>);
static_assert(move_only<machio::send_right>);
static_assert(move_only<machio::send_once_right>);
static_assert(move_only<machio::dead_name>);
static_assert(move_only<machio::port_set>);
static_assert(move_only<machio::ool_region>);
static_assert(move_only<machio::message>);
static_assert(move_only<machio::received_message>);

// A raw name never becomes an owner implicitly, and owners never decay to raw names.
static_assert(!std::is_convertible_v<mach_port_name_t, machio::send_right>);
static_assert(!std::is_constructible_v<machio::send_right, mach_port_name_t>);
static_assert(!std::is_convertible_v<machio::send_right, mach_port_name_t>);
static_assert(!std::is_convertible_v<machio::receive_right, mach_port_name_t>);
static_assert(!std::is_convertible_v<machio::send_right, bool>);  // explicit operator bool only

// The shared owner base is private: no owner is usable as, or sliced into, a bare base.
template <class Owner, class Traits>
constexpr bool base_hidden =
    !std::is_convertible_v<Owner*, machio::detail::basic_right<Traits>*> &&
    !std::is_convertible_v<Owner&&, machio::detail::basic_right<Traits>&&>;
static_assert(base_hidden<machio::send_right, machio::detail::send_right_traits>);
static_assert(base_hidden<machio::send_once_right, machio::detail::send_once_right_traits>);
static_assert(base_hidden<machio::dead_name, machio::detail::dead_name_traits>);
static_assert(base_hidden<machio::port_set, machio::detail::port_set_traits>);

// One kind of right never turns into another.
static_assert(!std::is_constructible_v<machio::send_right, machio::send_once_right&&>);
static_assert(!std::is_constructible_v<machio::send_once_right, machio::send_right&&>);
static_assert(!std::is_constructible_v<machio::send_right, machio::receive_right&&>);
static_assert(!std::is_constructible_v<machio::receive_right, machio::send_right&&>);
static_assert(!std::is_constructible_v<machio::dead_name, machio::send_right&&>);
// The tag must be spelled out: `{}` does not make one.
template <class R>
concept adopts_from_braces = requires(mach_port_name_t n) { R({}, n); };
static_assert(!adopts_from_braces<machio::send_right>);
static_assert(!adopts_from_braces<machio::receive_right>);

// A send-once right goes into a message only by rvalue: after that the caller's object
// is empty, so it cannot be used twice. A send right may be lent (COPY_SEND).
template <class B, class R>
concept can_add_port = requires(B b, R r) { b.add_port(static_cast<R>(r)); };
template <class B, class R>
concept can_set_destination = requires(B b, R r) { b.destination(static_cast<R>(r)); };
template <class B, class R>
concept can_reply_to = requires(B b, R r) { b.reply_to(static_cast<R>(r)); };

static_assert(can_add_port<machio::message_builder&, machio::send_once_right&&>);
static_assert(!can_add_port<machio::message_builder&, machio::send_once_right&>);
static_assert(!can_add_port<machio::message_builder&, const machio::send_once_right&>);
static_assert(!can_set_destination<machio::message_builder&, machio::send_once_right&>);
static_assert(!can_reply_to<machio::message_builder&, machio::send_once_right&>);
static_assert(can_add_port<machio::message_builder&, const machio::send_right&>);
static_assert(can_add_port<machio::message_builder&, machio::receive_right&&>);
// Lending a receive right makes no sense (only MAKE_* with a tag, or MOVE_RECEIVE).
static_assert(!can_add_port<machio::message_builder&, const machio::receive_right&>);
static_assert(!can_add_port<machio::message_builder&, mach_port_name_t>);
static_assert(!can_set_destination<machio::message_builder&, mach_port_name_t>);
static_assert(!can_set_destination<machio::message_builder&, machio::receive_right&&>);

// append_value refuses pointers: their value means nothing in another task.
template <class B, class T>
concept can_append_value = requires(B b, T t) { b.append_value(t); };
static_assert(can_append_value<machio::message_builder&, int>);
static_assert(!can_append_value<machio::message_builder&, int*>);

}  // namespace

BOOST_AUTO_TEST_CASE(type_properties_hold) {
  // Everything above is checked at compile time; this case exists so the binary runs.
  BOOST_TEST(move_only<machio::send_once_right>);
}
