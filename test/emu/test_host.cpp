// SPDX-License-Identifier: BSL-1.0
// The host and thread calls Darwin programs make besides IPC (XNU osfmk/kern/host.c,
// thread_policy.c, libsyscall's mach_init and mach_time): mach_host_self and
// mach_thread_self hand out one more user reference per call, host_info(HOST_BASIC_INFO)
// follows XNU's count rules, thread_policy_set checks what XNU checks, and the Mach clock
// is nanoseconds. Built in both modes (label emu, and label machd through the daemon).
#include <mach/mach.h>
#include <mach/mach_time.h>
#include <mach/thread_policy.h>

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdint>
#include <thread>

#include "emu_test_util.hpp"

using namespace emu_test;

namespace {
const mach_port_t self = mach_task_self();

// XNU keeps HOST_BASIC_INFO_OLD_COUNT kernel-private: the five words max_cpus..cpu_subtype.
constexpr mach_msg_type_number_t basic_info_old_count = 5;

void drop_send(mach_port_name_t name, mach_port_urefs_t n) {
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, name, MACH_PORT_RIGHT_SEND,
                                       -static_cast<mach_port_delta_t>(n)),
                    KERN_SUCCESS);
}
}  // namespace

BOOST_FIXTURE_TEST_SUITE(host, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(mach_host_self_adds_a_uref_to_one_name_per_call) {
  const mach_port_t a = mach_host_self();
  BOOST_REQUIRE_NE(a, MACH_PORT_NULL);
  const mach_port_t b = mach_host_self();
  BOOST_TEST(a == b);
  BOOST_TEST(type_of(a) == MACH_PORT_TYPE_SEND);
  BOOST_TEST(refs(a, MACH_PORT_RIGHT_SEND) == 2u);
  BOOST_TEST(a != self);
  drop_send(a, 2);
  BOOST_TEST(type_kr(a) == KERN_INVALID_NAME);
}

BOOST_AUTO_TEST_CASE(mach_thread_self_names_one_port_per_thread) {
  const mach_port_t mine = mach_thread_self();
  BOOST_REQUIRE_NE(mine, MACH_PORT_NULL);
  BOOST_TEST(mach_thread_self() == mine);
  BOOST_TEST(refs(mine, MACH_PORT_RIGHT_SEND) == 2u);

  mach_port_t theirs = MACH_PORT_NULL;
  std::thread([&] { theirs = mach_thread_self(); }).join();
  BOOST_REQUIRE_NE(theirs, MACH_PORT_NULL);
  BOOST_TEST(theirs != mine);
  BOOST_TEST(type_of(theirs) == MACH_PORT_TYPE_SEND);

  drop_send(mine, 2);
  drop_send(theirs, 1);
}

BOOST_AUTO_TEST_CASE(host_basic_info_fills_as_many_words_as_the_count_allows) {
  const mach_port_t host = mach_host_self();
  host_basic_info_data_t info{};
  mach_msg_type_number_t count = HOST_BASIC_INFO_COUNT;
  BOOST_REQUIRE_EQUAL(host_info(host, HOST_BASIC_INFO, reinterpret_cast<host_info_t>(&info), &count),
                      KERN_SUCCESS);
  BOOST_TEST(count == HOST_BASIC_INFO_COUNT);
  BOOST_TEST(info.avail_cpus == static_cast<integer_t>(::sysconf(_SC_NPROCESSORS_ONLN)));
  BOOST_TEST(info.max_cpus >= info.avail_cpus);
  BOOST_TEST(info.logical_cpu == info.avail_cpus);
  BOOST_TEST(info.logical_cpu_max == info.max_cpus);
  BOOST_TEST(info.max_mem ==
             static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) * static_cast<std::uint64_t>(vm_page_size));
  BOOST_TEST(info.memory_size > 0u);

  // A count between the old count and the full count gets the old layout.
  host_basic_info_data_t old{};
  old.max_mem = 0xDEADu;
  count = basic_info_old_count + 1;
  BOOST_REQUIRE_EQUAL(host_info(host, HOST_BASIC_INFO, reinterpret_cast<host_info_t>(&old), &count),
                      KERN_SUCCESS);
  BOOST_TEST(count == basic_info_old_count);
  BOOST_TEST(old.avail_cpus == info.avail_cpus);
  BOOST_TEST(old.cpu_type == info.cpu_type);
  BOOST_TEST(old.max_mem == 0xDEADu);  // beyond the old layout: untouched

  count = basic_info_old_count - 1;
  BOOST_TEST(host_info(host, HOST_BASIC_INFO, reinterpret_cast<host_info_t>(&old), &count) ==
             KERN_FAILURE);
  drop_send(host, 1);
}

BOOST_AUTO_TEST_CASE(host_info_needs_a_host_right) {
  host_basic_info_data_t info{};
  mach_msg_type_number_t count = HOST_BASIC_INFO_COUNT;
  BOOST_TEST(host_info(MACH_PORT_NULL, HOST_BASIC_INFO, reinterpret_cast<host_info_t>(&info), &count) ==
             MACH_SEND_INVALID_DEST);
  // Another send right is not the host (XNU would queue the request there; mach-emu says
  // so at once, doc/emu-divergences.md).
  const mach_port_name_t other = new_receive_send();
  BOOST_TEST(host_info(other, HOST_BASIC_INFO, reinterpret_cast<host_info_t>(&info), &count) ==
             KERN_INVALID_ARGUMENT);
  drop_port(other);
}

BOOST_AUTO_TEST_CASE(thread_policy_set_checks_counts_and_real_time_bounds) {
  const mach_port_t thread = mach_thread_self();

  thread_extended_policy_data_t ext{false};
  BOOST_TEST(thread_policy_set(thread, THREAD_EXTENDED_POLICY, reinterpret_cast<thread_policy_t>(&ext),
                               THREAD_EXTENDED_POLICY_COUNT) == KERN_SUCCESS);
  // THREAD_STANDARD_POLICY: the same flavor with no words.
  BOOST_TEST(thread_policy_set(thread, THREAD_STANDARD_POLICY, nullptr, 0) == KERN_SUCCESS);

  thread_precedence_policy_data_t prec{};
  BOOST_TEST(thread_policy_set(thread, THREAD_PRECEDENCE_POLICY, reinterpret_cast<thread_policy_t>(&prec),
                               THREAD_PRECEDENCE_POLICY_COUNT - 1) == KERN_INVALID_ARGUMENT);
  BOOST_TEST(thread_policy_set(thread, 9999, reinterpret_cast<thread_policy_t>(&prec), 1) ==
             KERN_INVALID_ARGUMENT);

  // An audio-thread constraint (5 ms period, 1 ms computation) is accepted; a computation
  // beyond its constraint or below XNU's minimum quantum is not.
  thread_time_constraint_policy_data_t rt{5000000, 1000000, 2000000, true};
  BOOST_TEST(thread_policy_set(thread, THREAD_TIME_CONSTRAINT_POLICY, reinterpret_cast<thread_policy_t>(&rt),
                               THREAD_TIME_CONSTRAINT_POLICY_COUNT) == KERN_SUCCESS);
  rt.computation = rt.constraint + 1;
  BOOST_TEST(thread_policy_set(thread, THREAD_TIME_CONSTRAINT_POLICY, reinterpret_cast<thread_policy_t>(&rt),
                               THREAD_TIME_CONSTRAINT_POLICY_COUNT) == KERN_INVALID_ARGUMENT);
  rt.computation = 10;
  BOOST_TEST(thread_policy_set(thread, THREAD_TIME_CONSTRAINT_POLICY, reinterpret_cast<thread_policy_t>(&rt),
                               THREAD_TIME_CONSTRAINT_POLICY_COUNT) == KERN_INVALID_ARGUMENT);

  BOOST_TEST(thread_policy_set(MACH_PORT_NULL, THREAD_EXTENDED_POLICY, reinterpret_cast<thread_policy_t>(&ext),
                               THREAD_EXTENDED_POLICY_COUNT) == MACH_SEND_INVALID_DEST);
  drop_send(thread, 1);
}

BOOST_AUTO_TEST_CASE(the_mach_clock_counts_nanoseconds_forwards) {
  mach_timebase_info_data_t tb{};
  BOOST_REQUIRE_EQUAL(mach_timebase_info(&tb), KERN_SUCCESS);
  BOOST_TEST(tb.numer == 1u);
  BOOST_TEST(tb.denom == 1u);

  const std::uint64_t t0 = mach_absolute_time();
  ::usleep(2000);
  const std::uint64_t t1 = mach_absolute_time();
  BOOST_TEST(t1 - t0 >= 2000000u);  // at least the 2 ms slept, in timebase units
  BOOST_TEST(mach_continuous_time() >= t1);  // continuous time also counts sleep
  BOOST_TEST(mach_approximate_time() > 0u);
}

BOOST_AUTO_TEST_CASE(vm_page_globals_agree_with_the_system) {
  BOOST_TEST(vm_page_size == static_cast<vm_size_t>(::sysconf(_SC_PAGESIZE)));
  BOOST_TEST(vm_page_mask == vm_page_size - 1);
  BOOST_TEST((vm_size_t{1} << vm_page_shift) == vm_page_size);
}

BOOST_AUTO_TEST_SUITE_END()
