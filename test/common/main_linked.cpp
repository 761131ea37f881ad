// SPDX-License-Identifier: BSL-1.0
// main() of every test executable, from the shared Boost.Test library (Linux builds).
// BOOST_TEST_DYN_LINK is a usage requirement of machio_test_main.
#define BOOST_TEST_MODULE machio
#include <boost/test/unit_test.hpp>
