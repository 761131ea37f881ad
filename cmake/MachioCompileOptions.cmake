# SPDX-License-Identifier: BSL-1.0
# Compiler settings shared by every machio target.
#
# machio_compile_options: an INTERFACE target carrying warnings (and -Werror when
# MACHIO_WARNINGS_AS_ERRORS). Link it PRIVATE, as $<BUILD_INTERFACE:machio_compile_options>
# from installed targets: it is a build rule of this project, not a usage requirement.
#
# Sanitizers, in contrast, are global (add_compile_options/add_link_options): every object
# in a process, tests and mach-emu included, must be instrumented alike.

option(MACHIO_CCACHE "Compile through ccache when it is installed" ON)
if(MACHIO_CCACHE)
  find_program(MACHIO_CCACHE_PROGRAM ccache)
  if(MACHIO_CCACHE_PROGRAM)
    set(CMAKE_C_COMPILER_LAUNCHER "${MACHIO_CCACHE_PROGRAM}")
    set(CMAKE_CXX_COMPILER_LAUNCHER "${MACHIO_CCACHE_PROGRAM}")
  endif()
endif()

add_library(machio_compile_options INTERFACE)
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(machio_compile_options INTERFACE
    -Wall -Wextra -Wpedantic
    -Wformat=2
    # Not -Wnon-virtual-dtor or -Woverloaded-virtual: deriving from Boost's
    # error_category (protected destructor, overloaded message()) trips both.
    $<$<COMPILE_LANGUAGE:C>:-Wstrict-prototypes>)
  if(MACHIO_WARNINGS_AS_ERRORS)
    target_compile_options(machio_compile_options INTERFACE -Werror)
  endif()
endif()

# Sanitizers: '', 'address;undefined' (ASan+UBSan) or 'thread' (TSan).
set(_sanitize "${MACHIO_SANITIZE}")
list(SORT _sanitize)
if(_sanitize STREQUAL "")
elseif(_sanitize STREQUAL "address;undefined" OR _sanitize STREQUAL "address"
       OR _sanitize STREQUAL "undefined" OR _sanitize STREQUAL "thread")
  if(MACHIO_CROSS_DARWIN)
    message(FATAL_ERROR "MACHIO_SANITIZE is not supported in the macOS cross build")
  endif()
  list(JOIN _sanitize "," _list)
  set(MACHIO_SANITIZER_FLAGS -fsanitize=${_list} -fno-omit-frame-pointer)
  if("undefined" IN_LIST _sanitize)
    # A UBSan report must fail the test that caused it, not scroll by.
    list(APPEND MACHIO_SANITIZER_FLAGS -fno-sanitize-recover=undefined)
  endif()
  add_compile_options(${MACHIO_SANITIZER_FLAGS})
  add_link_options(${MACHIO_SANITIZER_FLAGS})
  if("thread" IN_LIST _sanitize AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC warns at every std::atomic_thread_fence (Boost.Asio has some) that TSan does not
    # model fences; that is a limit of the tool, not a finding in the code.
    add_compile_options(-Wno-tsan)
  endif()
else()
  message(FATAL_ERROR
    "MACHIO_SANITIZE='${MACHIO_SANITIZE}': use '', 'address;undefined' or 'thread'")
endif()

# libFuzzer: every object gets coverage instrumentation; only fuzz_* targets link the
# fuzzer's main (cmake/MachioFuzzing.cmake).
if(MACHIO_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "MACHIO_BUILD_FUZZERS needs clang (libFuzzer), e.g. "
      "-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
include(MachioFuzzing)
