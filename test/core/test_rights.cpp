// SPDX-License-Identifier: BSL-1.0
// Right owners: creation, ownership transfer, attributes, dead names, port sets.
#include <machio/dead_name.hpp>
#include <machio/port_set.hpp>
#include <machio/receive_right.hpp>
#include <machio/send_once_right.hpp>
#include <machio/send_right.hpp>

#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>

#include "print_machio.hpp"
#include "right_accounting.hpp"

namespace {

mach_port_type_t type_of(mach_port_name_t name) {
  mach_port_type_t type = 0;
  BOOST_REQUIRE_EQUAL(mach_port_type(mach_task_self(), name, &type), KERN_SUCCESS);
  return type;
}

mach_port_urefs_t refs_of(mach_port_name_t name, mach_port_right_t right) {
  mach_port_urefs_t refs = 0;
  BOOST_REQUIRE_EQUAL(mach_port_get_refs(mach_task_self(), name, right, &refs), KERN_SUCCESS);
  return refs;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(core_rights, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(allocate_makes_a_guarded_receive_right) {
  auto r = machio::receive_right::allocate();
  BOOST_TEST(static_cast<bool>(r));
  BOOST_TEST(r.is_guarded());
  BOOST_TEST(r.guard() != 0u);
  BOOST_TEST(type_of(r.get()) == MACH_PORT_TYPE_RECEIVE);
  const auto st = r.status();
  BOOST_TEST((st.mps_flags & MACH_PORT_STATUS_FLAG_GUARDED) != 0u);
  BOOST_TEST((st.mps_flags & MACH_PORT_STATUS_FLAG_STRICT_GUARD) != 0u);
  // Code that only knows the name cannot destroy the right.
  BOOST_TEST(mach_port_mod_refs(mach_task_self(), r.get(), MACH_PORT_RIGHT_RECEIVE, -1) != KERN_SUCCESS);
  BOOST_TEST(type_of(r.get()) == MACH_PORT_TYPE_RECEIVE);
}

BOOST_AUTO_TEST_CASE(guards_are_unique) {
  auto a = machio::receive_right::allocate();
  auto b = machio::receive_right::allocate();
  BOOST_TEST(a.guard() != b.guard());
  BOOST_TEST(a.context() == a.guard());
}

BOOST_AUTO_TEST_CASE(unguarded_allocate_with_qlimit_and_context) {
  machio::port_options o;
  o.guarded = false;
  o.qlimit = 3;
  o.context = 0x1234;
  auto r = machio::receive_right::allocate(o);
  BOOST_TEST(!r.is_guarded());
  BOOST_TEST(r.qlimit() == 3u);
  BOOST_TEST(r.context() == 0x1234u);
  r.set_context(0x99);
  BOOST_TEST(r.context() == 0x99u);
}

BOOST_AUTO_TEST_CASE(context_with_guard_is_invalid_options) {
  machio::port_options o;
  o.context = 7;
  boost::system::error_code ec;
  auto r = machio::receive_right::allocate(o, ec);
  BOOST_TEST(ec == machio::error::invalid_options);
  BOOST_TEST(!r);
}

BOOST_AUTO_TEST_CASE(set_context_on_guarded_right_is_refused) {
  auto r = machio::receive_right::allocate();
  boost::system::error_code ec;
  r.set_context(5, ec);
  BOOST_TEST(ec == machio::error::right_is_guarded);
  BOOST_TEST(r.context() == r.guard());
}

BOOST_AUTO_TEST_CASE(qlimit_over_max_is_an_error) {
  machio::port_options o;
  o.qlimit = MACH_PORT_QLIMIT_MAX + 1;
  boost::system::error_code ec;
  auto r = machio::receive_right::allocate(o, ec);
  BOOST_TEST(ec.failed());
  BOOST_TEST(!r);
  auto ok = machio::receive_right::allocate();
  ok.set_qlimit(MACH_PORT_QLIMIT_MAX + 1, ec);
  BOOST_TEST(ec == machio::make_mach_error_code(KERN_INVALID_VALUE));
  ok.set_qlimit(1);
  BOOST_TEST(ok.qlimit() == 1u);
}

BOOST_AUTO_TEST_CASE(allocate_pair_shares_one_name) {
  auto pair = machio::receive_right::allocate_pair();
  BOOST_TEST(pair.receive.get() == pair.send.get());
  BOOST_TEST(type_of(pair.receive.get()) == MACH_PORT_TYPE_SEND_RECEIVE);
  BOOST_TEST(pair.receive.make_send_count() == 1u);
  BOOST_TEST(refs_of(pair.send.get(), MACH_PORT_RIGHT_SEND) == 1u);
}

BOOST_AUTO_TEST_CASE(make_send_counts_and_copy_adds_a_uref) {
  auto r = machio::receive_right::allocate();
  auto s1 = r.make_send();
  BOOST_TEST(s1.get() == r.get());
  BOOST_TEST(r.make_send_count() == 1u);
  auto s2 = s1.copy();
  BOOST_TEST(s2.get() == s1.get());
  BOOST_TEST(refs_of(r.get(), MACH_PORT_RIGHT_SEND) == 2u);
  BOOST_TEST(r.make_send_count() == 1u);  // copies do not make
  s2.reset();
  BOOST_TEST(refs_of(r.get(), MACH_PORT_RIGHT_SEND) == 1u);
  r.set_make_send_count(7);
  BOOST_TEST(r.make_send_count() == 7u);
}

BOOST_AUTO_TEST_CASE(make_send_once_gets_its_own_name) {
  auto r = machio::receive_right::allocate();
  auto once = r.make_send_once();
  BOOST_TEST(once.get() != r.get());
  BOOST_TEST(type_of(once.get()) == MACH_PORT_TYPE_SEND_ONCE);
  BOOST_TEST(r.status().mps_sorights == 1u);
  BOOST_TEST(r.make_send_count() == 0u);
  once.reset();
  // Destroying it unused tells the port: a send-once notification is now queued.
  BOOST_TEST(r.status().mps_msgcount == 1u);
}

BOOST_AUTO_TEST_CASE(seqno_can_be_set) {
  auto r = machio::receive_right::allocate();
  BOOST_TEST(r.seqno() == 0u);
  r.set_seqno(41);
  BOOST_TEST(r.seqno() == 41u);
}

BOOST_AUTO_TEST_CASE(release_and_adopt_hand_over_exactly_one_uref) {
  auto r = machio::receive_right::allocate();
  auto s = r.make_send();
  const mach_port_name_t raw = s.release();
  BOOST_TEST(!s);
  BOOST_TEST(s.get() == MACH_PORT_NULL);
  BOOST_TEST(refs_of(raw, MACH_PORT_RIGHT_SEND) == 1u);
  {
    machio::send_right again(machio::adopt, raw);
    BOOST_TEST(again.get() == raw);
  }
  BOOST_TEST(type_of(r.get()) == MACH_PORT_TYPE_RECEIVE);
}

BOOST_AUTO_TEST_CASE(moves_transfer_ownership) {
  auto r = machio::receive_right::allocate();
  const auto name = r.get();
  const auto guard = r.guard();
  machio::receive_right moved(std::move(r));
  BOOST_TEST(!r);  // NOLINT(bugprone-use-after-move): the moved-from state is specified
  BOOST_TEST(moved.get() == name);
  BOOST_TEST(moved.guard() == guard);
  machio::receive_right other = machio::receive_right::allocate();
  other = std::move(moved);  // destroys other's old right
  BOOST_TEST(other.get() == name);
  auto s = other.make_send();
  machio::send_right t;
  t = std::move(s);
  BOOST_TEST(t.get() == name);
  BOOST_TEST(!s);  // NOLINT(bugprone-use-after-move)
}

BOOST_AUTO_TEST_CASE(guarded_release_then_adopt_with_guard) {
  auto r = machio::receive_right::allocate();
  const auto guard = r.guard();
  const auto name = r.release();
  machio::receive_right back(machio::adopt, name, guard);
  BOOST_TEST(back.is_guarded());
}

BOOST_AUTO_TEST_CASE(unguard_and_release_gives_a_plain_right_to_c_code) {
  auto r = machio::receive_right::allocate();
  const mach_port_name_t name = r.unguard_and_release();
  BOOST_TEST(!r);
  BOOST_REQUIRE_EQUAL(mach_port_mod_refs(mach_task_self(), name, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
}

BOOST_AUTO_TEST_CASE(adopt_and_guard_guards_a_plain_right) {
  mach_port_name_t name = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
  boost::system::error_code ec;
  auto r = machio::receive_right::adopt_and_guard(name, ec);
  BOOST_TEST(!ec);
  BOOST_TEST(r.is_guarded());
  BOOST_TEST((r.status().mps_flags & MACH_PORT_STATUS_FLAG_GUARDED) != 0u);
}

BOOST_AUTO_TEST_CASE(a_send_right_whose_port_died_is_a_dead_name) {
  auto r = machio::receive_right::allocate();
  auto s = r.make_send();
  BOOST_TEST(!s.is_dead());
  r.reset();
  BOOST_TEST(s.is_dead());
  boost::system::error_code ec;
  auto c = s.copy(ec);
  BOOST_TEST(ec == machio::error::dead_name);
  BOOST_TEST(!c);
  BOOST_CHECK_THROW((void)s.copy(), boost::system::system_error);
  machio::dead_name d = std::move(s).into_dead_name();
  BOOST_TEST(!s);  // NOLINT(bugprone-use-after-move)
  BOOST_TEST(type_of(d.get()) == MACH_PORT_TYPE_DEAD_NAME);
}

BOOST_AUTO_TEST_CASE(into_dead_name_refuses_a_live_right) {
  auto r = machio::receive_right::allocate();
  auto s = r.make_send();
  boost::system::error_code ec;
  auto d = std::move(s).into_dead_name(ec);
  BOOST_TEST(ec == boost::system::errc::invalid_argument);
  BOOST_TEST(static_cast<bool>(s));  // NOLINT(bugprone-use-after-move): unchanged on failure
  BOOST_TEST(!d);
}

BOOST_AUTO_TEST_CASE(send_once_right_dies_with_its_port) {
  auto r = machio::receive_right::allocate();
  auto once = r.make_send_once();
  r.reset();
  BOOST_TEST(once.is_dead());
}

BOOST_AUTO_TEST_CASE(special_names_own_nothing) {
  machio::send_right dead(machio::adopt, MACH_PORT_DEAD);
  BOOST_TEST(dead.is_dead());
  boost::system::error_code ec;
  (void)dead.copy(ec);
  BOOST_TEST(ec == machio::error::dead_name);
  machio::send_right null(machio::adopt, MACH_PORT_NULL);
  BOOST_TEST(!null.is_dead());
  auto copy = null.copy(ec);  // copying nothing gives nothing
  BOOST_TEST(!ec);
  BOOST_TEST(!copy);
}

BOOST_AUTO_TEST_CASE(port_set_membership) {
  auto set = machio::port_set::allocate();
  auto other = machio::port_set::allocate();
  auto a = machio::receive_right::allocate();
  auto b = machio::receive_right::allocate();
  set.insert(a);
  set.insert(b);
  auto members = set.members();
  std::sort(members.begin(), members.end());
  std::vector<mach_port_name_t> want{a.get(), b.get()};
  std::sort(want.begin(), want.end());
  BOOST_TEST(members == want, boost::test_tools::per_element());
  boost::system::error_code ec;
  set.insert(a, ec);
  BOOST_TEST(ec == machio::make_mach_error_code(KERN_ALREADY_IN_SET));
  BOOST_TEST(a.status().mps_pset == 1u);

  other.move_in(a);  // leaves `set`
  BOOST_TEST(set.members() == std::vector<mach_port_name_t>{b.get()}, boost::test_tools::per_element());
  BOOST_TEST(other.members() == std::vector<mach_port_name_t>{a.get()}, boost::test_tools::per_element());

  set.extract(b);
  BOOST_TEST(set.members().empty());
  set.extract(b, ec);
  BOOST_TEST(ec == machio::make_mach_error_code(KERN_NOT_IN_SET));

  machio::port_set::remove_from_all(a, ec);
  BOOST_TEST(!ec);
  BOOST_TEST(other.members().empty());
}

BOOST_AUTO_TEST_CASE(destroying_a_set_keeps_its_members) {
  auto a = machio::receive_right::allocate();
  {
    auto set = machio::port_set::allocate();
    set.insert(a);
  }
  BOOST_TEST(type_of(a.get()) == MACH_PORT_TYPE_RECEIVE);
  BOOST_TEST(a.status().mps_pset == 0u);
}

BOOST_AUTO_TEST_CASE(ownership_violation_aborts) {
  // A send right released behind the owner's back: the owner's destructor must not go on
  // to release whatever reuses the name. The child process shows it aborts instead.
  auto r = machio::receive_right::allocate();
  auto s = r.make_send();
  const pid_t child = fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    std::signal(SIGABRT, SIG_DFL);  // Boost.Test's handler would turn the abort into a report
    machio::send_right bogus(machio::adopt, 0x7fff0003);  // a name the task never had
    bogus.reset();
    _exit(0);
  }
  int status = 0;
  BOOST_REQUIRE_EQUAL(waitpid(child, &status, 0), child);
  BOOST_TEST(WIFSIGNALED(status));
  if (WIFSIGNALED(status)) BOOST_TEST(WTERMSIG(status) == SIGABRT);
}

// The single-owner contract every right owner shares (detail::basic_right): moves hand the
// right over, a move onto an owner releases its old right first, a self-move keeps the
// right, release() hands out exactly one uref and reset() drops exactly one.
BOOST_AUTO_TEST_CASE(send_right_drops_exactly_its_own_uref) {
  auto r = machio::receive_right::allocate();
  auto a = r.make_send();
  auto b = a.copy();
  BOOST_TEST(refs_of(r.get(), MACH_PORT_RIGHT_SEND) == 2u);
  a.reset();
  BOOST_TEST(!a);
  BOOST_TEST(refs_of(r.get(), MACH_PORT_RIGHT_SEND) == 1u);
  a.reset();  // resetting an empty owner does nothing
  BOOST_TEST(refs_of(r.get(), MACH_PORT_RIGHT_SEND) == 1u);
  auto c = b.copy();
  b = std::move(c);  // b's old uref is dropped, c's taken over
  BOOST_TEST(refs_of(r.get(), MACH_PORT_RIGHT_SEND) == 1u);
  auto& alias = b;
  b = std::move(alias);  // a self-move keeps the right
  BOOST_TEST(b.get() == r.get());
  BOOST_TEST(refs_of(r.get(), MACH_PORT_RIGHT_SEND) == 1u);
  b.reset();
  BOOST_TEST(r.status().mps_srights == 0u);
}

BOOST_AUTO_TEST_CASE(send_once_right_reset_and_move_notify_the_port) {
  auto r = machio::receive_right::allocate();
  auto once = r.make_send_once();
  BOOST_TEST(r.status().mps_sorights == 1u);
  const mach_port_name_t raw = once.release();
  BOOST_TEST(!once);
  BOOST_TEST(type_of(raw) == MACH_PORT_TYPE_SEND_ONCE);
  machio::send_once_right back(machio::adopt, raw);
  machio::send_once_right moved(std::move(back));
  BOOST_TEST(!back);  // NOLINT(bugprone-use-after-move)
  BOOST_TEST(moved.get() == raw);
  BOOST_TEST(r.status().mps_msgcount == 0u);
  moved = r.make_send_once();  // the old right is destroyed: a send-once notification
  BOOST_TEST(r.status().mps_msgcount == 1u);
  moved.reset();
  BOOST_TEST(!moved);
  BOOST_TEST(r.status().mps_msgcount == 2u);
  moved.reset();  // empty: nothing happens
  BOOST_TEST(r.status().mps_msgcount == 2u);
}  // r's destruction destroys the two queued notifications

BOOST_AUTO_TEST_CASE(dead_name_owns_one_uref) {
  auto r = machio::receive_right::allocate();
  auto s1 = r.make_send();
  auto s2 = s1.copy();
  const mach_port_name_t name = s1.get();
  r.reset();
  machio::dead_name d1 = std::move(s1).into_dead_name();
  machio::dead_name d2 = std::move(s2).into_dead_name();
  BOOST_TEST(refs_of(name, MACH_PORT_RIGHT_DEAD_NAME) == 2u);
  machio::dead_name moved(std::move(d1));
  BOOST_TEST(!d1);  // NOLINT(bugprone-use-after-move)
  moved.reset();
  BOOST_TEST(!moved);
  BOOST_TEST(refs_of(name, MACH_PORT_RIGHT_DEAD_NAME) == 1u);
  const mach_port_name_t raw = d2.release();
  BOOST_TEST(!d2);
  BOOST_TEST(raw == name);
  moved = machio::dead_name(machio::adopt, raw);
  BOOST_TEST(moved.get() == name);
  moved = machio::dead_name();  // drops the last uref: the name is gone
  mach_port_type_t type = 0;
  BOOST_TEST(mach_port_type(mach_task_self(), name, &type) == KERN_INVALID_NAME);
  machio::dead_name special(machio::adopt, MACH_PORT_DEAD);  // owns nothing
  BOOST_TEST(static_cast<bool>(special));
}

BOOST_AUTO_TEST_CASE(port_set_release_adopt_and_move) {
  auto set = machio::port_set::allocate();
  const mach_port_name_t name = set.release();
  BOOST_TEST(!set);
  BOOST_TEST(type_of(name) == MACH_PORT_TYPE_PORT_SET);
  machio::port_set back(machio::adopt, name);
  machio::port_set moved(std::move(back));
  BOOST_TEST(!back);  // NOLINT(bugprone-use-after-move)
  BOOST_TEST(moved.get() == name);
  moved = machio::port_set::allocate();  // destroys the old set
  mach_port_type_t type = 0;
  BOOST_TEST(mach_port_type(mach_task_self(), name, &type) == KERN_INVALID_NAME);
  moved.reset();
  BOOST_TEST(!moved);
}

BOOST_AUTO_TEST_CASE(port_set_error_paths) {
  auto set = machio::port_set::allocate();
  auto a = machio::receive_right::allocate();
  machio::receive_right empty;
  boost::system::error_code ec;
  set.insert(empty, ec);
  BOOST_TEST(ec == machio::make_mach_error_code(KERN_INVALID_RIGHT));
  BOOST_CHECK_THROW(set.insert(empty), boost::system::system_error);
  set.move_in(empty, ec);
  BOOST_TEST(ec == machio::make_mach_error_code(KERN_INVALID_RIGHT));
  machio::port_set::remove_from_all(a, ec);
  BOOST_TEST(ec == machio::make_mach_error_code(KERN_NOT_IN_SET));
  BOOST_CHECK_THROW(machio::port_set::remove_from_all(a), boost::system::system_error);
  set.insert(a);
  machio::port_set::remove_from_all(a);
  BOOST_TEST(set.members().empty());
  BOOST_CHECK_THROW(set.extract(a), boost::system::system_error);
  machio::port_set none;
  auto members = none.members(ec);
  BOOST_TEST(ec == machio::make_mach_error_code(KERN_INVALID_NAME));
  BOOST_TEST(members.empty());
  BOOST_CHECK_THROW((void)none.members(), boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(empty_receive_right_reports_errors) {
  machio::receive_right empty;
  boost::system::error_code ec;
  auto s = empty.make_send(ec);
  BOOST_TEST(static_cast<bool>(ec));
  BOOST_TEST(!s);
  auto once = empty.make_send_once(ec);
  BOOST_TEST(static_cast<bool>(ec));
  BOOST_TEST(!once);
  (void)empty.status(ec);
  BOOST_TEST(static_cast<bool>(ec));
  // LIMITS_INFO on a null name "succeeds" with nothing filled in; qlimit() must not
  // report that as a limit of 0.
  (void)empty.qlimit(ec);
  BOOST_TEST(ec == machio::make_mach_error_code(KERN_INVALID_RIGHT));
  BOOST_CHECK_THROW((void)empty.qlimit(), boost::system::system_error);
  BOOST_CHECK_THROW(empty.set_seqno(1), boost::system::system_error);
  BOOST_CHECK_THROW(empty.set_make_send_count(1), boost::system::system_error);
}

// adopt_and_guard owns the right from the call on: when guarding fails (the port already has
// a context) the right is destroyed, not leaked, and the result is empty.
BOOST_AUTO_TEST_CASE(adopt_and_guard_failure_destroys_the_right) {
  mach_port_name_t name = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(mach_port_set_context(mach_task_self(), name, 5), KERN_SUCCESS);
  boost::system::error_code ec;
  auto r = machio::receive_right::adopt_and_guard(name, ec);
  BOOST_TEST(ec == machio::make_mach_error_code(KERN_INVALID_ARGUMENT));
  BOOST_TEST(!r);
  mach_port_type_t type = 0;
  BOOST_TEST(mach_port_type(mach_task_self(), name, &type) == KERN_INVALID_NAME);
  // The throwing form: same outcome, reported by exception.
  BOOST_REQUIRE_EQUAL(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(mach_port_set_context(mach_task_self(), name, 5), KERN_SUCCESS);
  BOOST_CHECK_THROW((void)machio::receive_right::adopt_and_guard(name), boost::system::system_error);
  BOOST_TEST(mach_port_type(mach_task_self(), name, &type) == KERN_INVALID_NAME);
  BOOST_REQUIRE_EQUAL(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
  auto guarded = machio::receive_right::adopt_and_guard(name);
  BOOST_TEST(guarded.is_guarded());
}

BOOST_AUTO_TEST_SUITE_END()
