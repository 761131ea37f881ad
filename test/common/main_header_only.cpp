// SPDX-License-Identifier: BSL-1.0
// main() of every test executable, with the whole header-only Boost.Test framework
// compiled into this one translation unit (the macOS cross build has no Boost library).
#define BOOST_TEST_MODULE machio
#include <boost/test/included/unit_test.hpp>
