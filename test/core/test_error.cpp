// SPDX-License-Identifier: BSL-1.0
// Error categories: which category a code lands in, its message, and what it compares to.
#include <machio/error.hpp>
#include <machio/receive_right.hpp>

#include <boost/test/unit_test.hpp>

#include "print_machio.hpp"
#include "right_accounting.hpp"

namespace errc = boost::system::errc;

BOOST_FIXTURE_TEST_SUITE(core_error, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(success_is_no_error) {
  BOOST_TEST(!machio::make_mach_error_code(KERN_SUCCESS));
}

BOOST_AUTO_TEST_CASE(codes_pick_their_category_by_value) {
  BOOST_TEST((machio::make_mach_error_code(KERN_INVALID_NAME).category() == machio::kern_category()));
  BOOST_TEST((machio::make_mach_error_code(KERN_NO_SPACE).category() == machio::kern_category()));
  BOOST_TEST((machio::make_mach_error_code(MACH_SEND_TIMED_OUT).category() == machio::mach_msg_category()));
  BOOST_TEST((machio::make_mach_error_code(MACH_RCV_TOO_LARGE).category() == machio::mach_msg_category()));
  BOOST_TEST((machio::make_mach_error_code(MACH_RCV_BODY_ERROR | MACH_MSG_IPC_SPACE).category() ==
             machio::mach_msg_category()));
  BOOST_TEST((machio::make_mach_error_code(MACH_MSG_VM_KERNEL).category() == machio::mach_msg_category()));
  BOOST_TEST((machio::make_mach_error_code(BOOTSTRAP_UNKNOWN_SERVICE).category() ==
             machio::bootstrap_category()));
  BOOST_TEST((machio::make_mach_error_code(BOOTSTRAP_NOT_PRIVILEGED).category() ==
             machio::bootstrap_category()));
  BOOST_TEST((machio::make_mach_error_code(MIG_SERVER_DIED).category() == machio::mig_category()));
  BOOST_TEST((machio::make_mach_error_code(MIG_TYPE_ERROR).category() == machio::mig_category()));
  BOOST_TEST(machio::make_mach_error_code(MACH_SEND_TIMED_OUT).value() == MACH_SEND_TIMED_OUT);
}

BOOST_AUTO_TEST_CASE(categories_have_distinct_names) {
  BOOST_TEST(std::string(machio::kern_category().name()) == "mach.kern");
  BOOST_TEST(std::string(machio::mach_msg_category().name()) == "mach.msg");
  BOOST_TEST(std::string(machio::bootstrap_category().name()) == "mach.bootstrap");
  BOOST_TEST(std::string(machio::mig_category().name()) == "mach.mig");
  BOOST_TEST(std::string(machio::error_category().name()) == "machio");
}

BOOST_AUTO_TEST_CASE(messages_come_from_the_platform) {
  BOOST_TEST(machio::make_mach_error_code(KERN_INVALID_NAME).message() ==
             std::string(mach_error_string(KERN_INVALID_NAME)));
  BOOST_TEST(machio::make_mach_error_code(MACH_SEND_INVALID_DEST).message() ==
             std::string(mach_error_string(MACH_SEND_INVALID_DEST)));
  BOOST_TEST(machio::make_mach_error_code(BOOTSTRAP_UNKNOWN_SERVICE).message() ==
             std::string(bootstrap_strerror(BOOTSTRAP_UNKNOWN_SERVICE)));
  BOOST_TEST(!machio::make_error_code(machio::error::dead_name).message().empty());
}

BOOST_AUTO_TEST_CASE(timeouts_compare_equal_to_timed_out) {
  BOOST_TEST(machio::make_mach_error_code(MACH_SEND_TIMED_OUT) == errc::timed_out);
  BOOST_TEST(machio::make_mach_error_code(MACH_RCV_TIMED_OUT) == errc::timed_out);
  BOOST_TEST(machio::is_timeout(machio::make_mach_error_code(MACH_RCV_TIMED_OUT)));
  BOOST_TEST(machio::is_timeout(machio::make_mach_error_code(MACH_SEND_INTERRUPTED)));
  BOOST_TEST(!machio::is_timeout(machio::make_mach_error_code(MACH_SEND_INVALID_DEST)));
}

BOOST_AUTO_TEST_CASE(other_conditions) {
  BOOST_TEST(machio::make_mach_error_code(KERN_NO_SPACE) == errc::not_enough_memory);
  BOOST_TEST(machio::make_mach_error_code(KERN_INVALID_ARGUMENT) == errc::invalid_argument);
  BOOST_TEST(machio::make_mach_error_code(MACH_SEND_INVALID_DEST) == errc::broken_pipe);
  BOOST_TEST(machio::make_mach_error_code(MACH_RCV_TOO_LARGE) == errc::message_size);
  BOOST_TEST(machio::make_mach_error_code(BOOTSTRAP_UNKNOWN_SERVICE) == errc::no_such_file_or_directory);
  BOOST_TEST(machio::make_mach_error_code(BOOTSTRAP_SERVICE_ACTIVE) == errc::address_in_use);
  BOOST_TEST(machio::make_mach_error_code(MIG_SERVER_DIED) == errc::broken_pipe);
  BOOST_TEST(machio::make_error_code(machio::error::dead_name) == errc::broken_pipe);
  BOOST_TEST(machio::make_error_code(machio::error::malformed_message) == errc::bad_message);
  // Codes without a portable meaning compare equal only to themselves.
  BOOST_TEST(machio::make_mach_error_code(KERN_INVALID_RIGHT) != errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(error_enum_converts_implicitly) {
  boost::system::error_code ec = machio::error::reply_mismatch;
  BOOST_TEST((ec.category() == machio::error_category()));
  BOOST_TEST(ec.value() == static_cast<int>(machio::error::reply_mismatch));
}

BOOST_AUTO_TEST_CASE(throwing_forms_carry_the_code_and_the_callers_location) {
  machio::receive_right empty;
  try {
    (void)empty.make_send();
    BOOST_FAIL("make_send on an empty right must throw");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code().category() == machio::kern_category()));
    BOOST_TEST(std::string(e.what()).find("machio::receive_right::make_send") != std::string::npos);
    const boost::source_location loc = boost::get_throw_location(e);
    BOOST_TEST(std::string(loc.file_name()).find("test_error.cpp") != std::string::npos);
  }
  boost::system::error_code ec;
  (void)empty.make_send(ec);
  BOOST_TEST(ec.failed());
  BOOST_TEST((ec.category() == machio::kern_category()));
}

BOOST_AUTO_TEST_SUITE_END()
