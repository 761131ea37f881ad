// SPDX-License-Identifier: BSL-1.0
// machio/config.hpp — version and feature macros shared by every machio header.
#ifndef MACHIO_CONFIG_HPP
#define MACHIO_CONFIG_HPP

// Said first, so that a compiler in an older mode reports this and not a hundred
// errors from the concepts and coroutines below.
#if __cplusplus < 202002L
#error "machio needs C++20: compile with -std=c++20 (CMake: machio::machio requires cxx_std_20)"
#endif

#include <boost/version.hpp>

//! machio's version as MAJOR * 10000 + MINOR * 100 + PATCH.
#define MACHIO_VERSION 100

static_assert(BOOST_VERSION >= 108100, "machio needs Boost 1.81 or newer");

//! Defined to 1 when Asio can dispatch immediate completions through
//! associated_immediate_executor (Boost 1.82+).
#if BOOST_VERSION >= 108200
#define MACHIO_HAS_IMMEDIATE_EXECUTOR 1
#else
#define MACHIO_HAS_IMMEDIATE_EXECUTOR 0
#endif

//! Defined to 1 when Asio has cancel_after (Boost 1.86+); used by docs and tests only.
#if BOOST_VERSION >= 108600
#define MACHIO_HAS_CANCEL_AFTER 1
#else
#define MACHIO_HAS_CANCEL_AFTER 0
#endif

#endif  // MACHIO_CONFIG_HPP
