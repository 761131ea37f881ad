// SPDX-License-Identifier: BSL-1.0
// Bootstrap: typed rights in and out, errors in the bootstrap category.
#include <machio/bootstrap.hpp>
#include <machio/sync.hpp>
#include <machio/message_builder.hpp>

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <string>

#include "print_machio.hpp"
#include "right_accounting.hpp"

namespace {

std::string unique_name(const char* what) {
  return std::string("org.machio.test.") + what + "." + std::to_string(getpid());
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(core_bootstrap, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(unknown_service) {
  boost::system::error_code ec;
  auto s = machio::bootstrap::look_up(unique_name("nobody"), ec);
  BOOST_TEST(ec == machio::make_mach_error_code(BOOTSTRAP_UNKNOWN_SERVICE));
  BOOST_TEST((ec.category() == machio::bootstrap_category()));
  BOOST_TEST(ec == boost::system::errc::no_such_file_or_directory);
  BOOST_TEST(!s);
}

BOOST_AUTO_TEST_CASE(name_too_long) {
  boost::system::error_code ec;
  (void)machio::bootstrap::look_up(std::string(BOOTSTRAP_MAX_NAME_LEN, 'a'), ec);
  BOOST_TEST(ec == machio::error::name_too_long);
  (void)machio::bootstrap::check_in(std::string(200, 'a'), ec);
  BOOST_TEST(ec == machio::error::name_too_long);
  BOOST_CHECK_THROW((void)machio::bootstrap::look_up(std::string(500, 'a')), boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(register_then_look_up) {
  auto port = machio::receive_right::allocate();
  auto send = port.make_send();
  const std::string name = unique_name("registered");
  machio::bootstrap::register_name(name, send);
  BOOST_TEST(send.get() == port.get());  // the caller keeps its right
  auto found = machio::bootstrap::look_up(name);
  BOOST_TEST(found.get() == port.get());
  machio::send(machio::message_builder(3).destination(found).build());
  BOOST_TEST(machio::receive(port).id() == 3);
  boost::system::error_code ec;
  machio::bootstrap::register_name(name, send, ec);
  BOOST_TEST((ec.category() == machio::bootstrap_category()));
  BOOST_TEST(ec.failed());
}

BOOST_AUTO_TEST_SUITE_END()
