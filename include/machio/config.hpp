// SPDX-License-Identifier: BSL-1.0
// machio/config.hpp — version and feature macros shared by every machio header.
#ifndef MACHIO_CONFIG_HPP
#define MACHIO_CONFIG_HPP

// Said first, so that a compiler in an older mode reports this and not a hundred
// errors from the concepts and coroutines below.
#if __cplusplus < 202002L
#error "machio needs C++20: compile with -std=c++20 (CMake: machio::machio requires cxx_std_20)"
#endif

#include <boost/asio/version.hpp>
#include <boost/version.hpp>

//! \file
//! machio's version and feature macros. Every machio header includes this one first.

//! \namespace machio
//! Darwin Mach ports as Boost.Asio I/O objects: typed, move-only rights that release
//! themselves (send_right, send_once_right, receive_right), messages (message_builder,
//! message, received_message), blocking calls (sync.hpp), the Asio I/O objects
//! (basic_receive_port, basic_port_set, basic_dispatch_port), bootstrap look-ups and the
//! server layer (basic_server).

//! \namespace machio::mig
//! MIG routines: requests and replies laid out and checked exactly as the stubs Apple's
//! MIG generates from a `.defs` file, an awaitable client call and a typed server call
//! (what machio_mig_generate() generates code for).

//! \namespace machio::iokit
//! IOKit on an io_context: owned IOKit object references (object) and IOKit
//! notifications as asynchronous operations (basic_notification_port, event).

//! machio's version as MAJOR * 10000 + MINOR * 100 + PATCH.
#define MACHIO_VERSION 100

static_assert(BOOST_VERSION >= 108100, "machio needs Boost 1.81 or newer");

//! Marks a member function compiled into libmachio that only libmachio's own code calls,
//! so that a shared libmachio does not export it (cmake/MachioLibraryAbi.cmake says why
//! the rest of the library keeps default visibility).
#if defined(__GNUC__) || defined(__clang__)
#define MACHIO_DETAIL_HIDDEN __attribute__((visibility("hidden")))
#else
#define MACHIO_DETAIL_HIDDEN
#endif

//! Defined to 1 when Asio can dispatch immediate completions through
//! associated_immediate_executor (Asio 1.28+, Boost 1.82+). Asio's own version is
//! asked, not Boost's: Asio's headers may be newer than the rest of Boost.
#if BOOST_ASIO_VERSION >= 102800
#define MACHIO_HAS_IMMEDIATE_EXECUTOR 1
#else
#define MACHIO_HAS_IMMEDIATE_EXECUTOR 0
#endif

//! Defined to 1 when Asio has cancel_after (Asio 1.31+, Boost 1.86+); used by docs and tests only.
#if BOOST_ASIO_VERSION >= 103100
#define MACHIO_HAS_CANCEL_AFTER 1
#else
#define MACHIO_HAS_CANCEL_AFTER 0
#endif

#endif  // MACHIO_CONFIG_HPP
