// SPDX-License-Identifier: BSL-1.0
// A full name space is an error the program can recover from, not a crash.
#include <machio/receive_right.hpp>

#include <boost/test/unit_test.hpp>

#include <vector>

#include "print_machio.hpp"
#include "right_accounting.hpp"

BOOST_FIXTURE_TEST_SUITE(core_name_space_full, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(kern_no_space_is_reported_and_recoverable) {
  std::vector<machio::receive_right> ports;
  boost::system::error_code ec;
  for (int i = 0; i < 10000 && !ec; ++i) {
    auto r = machio::receive_right::allocate({}, ec);
    if (!ec) ports.push_back(std::move(r));
  }
  BOOST_TEST(ec == machio::make_mach_error_code(KERN_NO_SPACE));
  BOOST_TEST(ec == boost::system::errc::not_enough_memory);
  BOOST_TEST(!ports.empty());
  BOOST_CHECK_THROW((void)machio::receive_right::allocate(), boost::system::system_error);
  ports.pop_back();  // free one name: allocation works again
  auto again = machio::receive_right::allocate({}, ec);
  BOOST_TEST(!ec);
  BOOST_TEST(static_cast<bool>(again));
}

BOOST_AUTO_TEST_SUITE_END()
