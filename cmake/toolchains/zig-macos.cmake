# SPDX-License-Identifier: BSL-1.0
# Cross-compiles for macOS with zig (there is no Mac here). Included by
# zig-macos-arm64.cmake and zig-macos-x86_64.cmake, which set MACHIO_ZIG_TARGET and
# CMAKE_SYSTEM_PROCESSOR first.
#
# The compiler is a pair of wrapper scripts that scripts/setup-zig writes into a cache
# folder the build owns: $MACHIO_TOOLS_DIR, else ${XDG_CACHE_HOME:-~/.cache}/machio.
# It is per user, not per build tree, so a fresh clone (CI) reuses zig's cached libc++.
# The first configure installs zig there; later ones find it and return at once.
#
# Boost reaches the build only through <tools>/boost-only, which holds nothing but
# boost/, so no Linux header can take the place of a macOS SDK header.

set(CMAKE_SYSTEM_NAME Darwin)

if(DEFINED ENV{MACHIO_TOOLS_DIR})
  set(_machio_tools "$ENV{MACHIO_TOOLS_DIR}")
elseif(DEFINED ENV{XDG_CACHE_HOME})
  set(_machio_tools "$ENV{XDG_CACHE_HOME}/machio")
else()
  set(_machio_tools "$ENV{HOME}/.cache/machio")
endif()

set(_machio_bin "${_machio_tools}/bin/${MACHIO_ZIG_TARGET}")
# setup-zig returns at once when zig and its current wrappers are in place, so running it
# each time CMake reads this file (once per language and per try_compile) costs nothing.
if(NOT _MACHIO_ZIG_CHECKED)
  set(_MACHIO_ZIG_CHECKED ON)
  execute_process(
    COMMAND bash "${CMAKE_CURRENT_LIST_DIR}/../../scripts/setup-zig" "${_machio_tools}"
    RESULT_VARIABLE _machio_setup_result)
  if(NOT _machio_setup_result EQUAL 0)
    message(FATAL_ERROR "scripts/setup-zig failed; the macOS cross build needs zig")
  endif()
endif()

set(CMAKE_C_COMPILER "${_machio_bin}/zig-cc")
set(CMAKE_CXX_COMPILER "${_machio_bin}/zig-c++")
set(CMAKE_AR "${_machio_bin}/zig-ar" CACHE FILEPATH "Archiver (zig ar)")
set(CMAKE_RANLIB "${_machio_bin}/zig-ranlib" CACHE FILEPATH "Ranlib (zig ranlib)")

# Read by cmake/MachioBoost.cmake: find_package(Boost) cannot work in this build.
set(MACHIO_BOOST_INCLUDE_DIR "${_machio_tools}/boost-only" CACHE PATH
  "Folder holding only boost/ for the macOS cross build")

# Nothing may be found on the Linux host: libraries, headers and packages come from
# zig's SDK or from the boost-only folder.
set(CMAKE_FIND_ROOT_PATH "${_machio_tools}/boost-only")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
