# SPDX-License-Identifier: BSL-1.0
# Boost 1.81 is the floor: per-operation cancellation and the completion-token machinery
# machio relies on are missing from Debian's default Boost 1.74.
# Defines Boost::headers and Threads::Threads.
set(MACHIO_BOOST_MIN_VERSION 1.81)

if(MACHIO_CROSS_DARWIN)
  # The zig cross build has no Boost package for the target, only headers: the toolchain
  # file points MACHIO_BOOST_INCLUDE_DIR at a folder holding nothing but boost/.
  set(_version_hpp "${MACHIO_BOOST_INCLUDE_DIR}/boost/version.hpp")
  if(NOT EXISTS "${_version_hpp}")
    message(FATAL_ERROR "No Boost headers in MACHIO_BOOST_INCLUDE_DIR='${MACHIO_BOOST_INCLUDE_DIR}'")
  endif()
  file(STRINGS "${_version_hpp}" _line REGEX "^#define BOOST_VERSION [0-9]+$")
  string(REGEX REPLACE "^#define BOOST_VERSION ([0-9]+)$" "\\1" _number "${_line}")
  math(EXPR _major "${_number} / 100000")
  math(EXPR _minor "${_number} / 100 % 1000")
  set(Boost_VERSION "${_major}.${_minor}")
  if(Boost_VERSION VERSION_LESS MACHIO_BOOST_MIN_VERSION)
    message(FATAL_ERROR "machio needs Boost >= ${MACHIO_BOOST_MIN_VERSION}; "
      "${MACHIO_BOOST_INCLUDE_DIR} has ${Boost_VERSION}")
  endif()
  add_library(Boost::headers INTERFACE IMPORTED GLOBAL)
  set_target_properties(Boost::headers PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${MACHIO_BOOST_INCLUDE_DIR}")
  set(Boost_FOUND TRUE)
  message(STATUS "Boost ${Boost_VERSION} headers (only) from ${MACHIO_BOOST_INCLUDE_DIR}")
else()
  # Headers only: Boost.System has been header-only since 1.69 (and 1.89 has no
  # boost_system package at all), so no component is asked for.
  find_package(Boost ${MACHIO_BOOST_MIN_VERSION} CONFIG QUIET)
  if(NOT Boost_FOUND)
    find_package(Boost CONFIG QUIET)
    if(Boost_FOUND)
      set(_found "found Boost ${Boost_VERSION}, which is too old")
    else()
      set(_found "found no Boost")
    endif()
    message(FATAL_ERROR
      "machio needs Boost >= ${MACHIO_BOOST_MIN_VERSION} (${_found}).\n"
      "On Debian 12 install it with:\n"
      "  apt-get install libboost1.81-dev libboost-test1.81-dev\n"
      "(not libboost-dev, which is 1.74). scripts/setup does this for you.")
  endif()
  message(STATUS "Boost ${Boost_VERSION} from ${Boost_DIR}")
endif()

set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
