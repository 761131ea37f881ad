# SPDX-License-Identifier: BSL-1.0
# Test helpers used by every test/<label>/CMakeLists.txt.
#
# machio_add_test(<name> LABEL <label> SOURCES <files...> [LIBS <targets...>]
#                 [LINUX_ONLY] [TIMEOUT <seconds>])
#   A Boost.Test executable. Its sources include <boost/test/unit_test.hpp> and define
#   neither BOOST_TEST_MODULE nor main: machio_test_main provides both. Registered with
#   ctest under <label>. LINUX_ONLY tests (mach-emu internals, machd) are not built for
#   Darwin.
#
# machio_add_c_check(<name> LABEL <label> SOURCES <file.c...> [LIBS <targets...>]
#                    [LINUX_ONLY])
#   A plain C11 program (no extensions), compiled with the project's warnings and run by
#   ctest; it passes when it exits 0.
#
# On Linux every test talks to a private machd (socket under the build directory, the
# daemon built here, a short idle timeout) so that no test ever touches a user's daemon;
# tests labelled emu use the in-process test API (emu/testing/machemu_testing.h) and run
# with MACHEMU_MODE=inprocess. ENVIRONMENT_MODIFICATION keeps these apart from the
# ENVIRONMENT a test sets for itself.
#
# In the macOS cross build nothing can run, so each of these registers a check that the
# binary is a Mach-O executable for the target architecture instead (label macho).

# On the cross build: a ctest test named <test> checking that <target> is a Mach-O
# executable for the target architecture.
function(machio_add_macho_check test target label)
  add_test(NAME ${test}
    COMMAND "${CMAKE_COMMAND}" "-DFILE=$<TARGET_FILE:${target}>"
            "-DARCH=${CMAKE_SYSTEM_PROCESSOR}"
            -P "${PROJECT_SOURCE_DIR}/cmake/MachioCheckMachO.cmake")
  set_tests_properties(${test} PROPERTIES LABELS "macho;${label}")
endfunction()

# $<TARGET_FILE> of a test, or on the cross build the Mach-O check of it.
function(_machio_register_test name label timeout)
  if(MACHIO_CROSS_DARWIN)
    machio_add_macho_check(${name} ${name} ${label})
  else()
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES LABELS "${label}" TIMEOUT ${timeout})
    machio_test_environment(${name} ${label})
  endif()
endfunction()

# The mach-emu environment of test <name> (see above). Also used by test/machd.
function(machio_test_environment name label)
  if(MACHIO_DARWIN OR NOT TARGET machd)
    return()
  endif()
  set(dir "${CMAKE_BINARY_DIR}/machd-test")
  file(MAKE_DIRECTORY "${dir}")
  file(CHMOD "${dir}" DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
  set(mods "MACHEMU_SOCKET=set:${dir}/machd.sock"
           "MACHEMU_MACHD=set:$<TARGET_FILE:machd>"
           "MACHEMU_MACHD_IDLE_MS=set:2000")
  if(label STREQUAL "emu")
    list(APPEND mods "MACHEMU_MODE=set:inprocess")
  endif()
  set_property(TEST ${name} APPEND PROPERTY ENVIRONMENT_MODIFICATION ${mods})
endfunction()

# Parses the shared arguments of machio_add_test and machio_add_c_check into arg_* in the
# caller's scope; sets arg_SKIP when the check does not exist on this platform.
macro(_machio_parse_check_args fn name default_timeout)
  cmake_parse_arguments(PARSE_ARGV 1 arg "LINUX_ONLY" "LABEL;TIMEOUT" "SOURCES;LIBS")
  if(NOT arg_LABEL OR NOT arg_SOURCES)
    message(FATAL_ERROR "${fn}(${name}): LABEL and SOURCES are required")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${fn}(${name}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  set(arg_SKIP OFF)
  if(arg_LINUX_ONLY AND MACHIO_DARWIN)
    set(arg_SKIP ON)
  endif()
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT ${default_timeout})
  endif()
endmacro()

# A Boost.Test executable (test/common provides main and the fixtures' support).
function(machio_add_test name)
  _machio_parse_check_args(machio_add_test ${name} 300)
  if(arg_SKIP)
    return()
  endif()
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE machio_test_main ${arg_LIBS} machio_compile_options)
  _machio_register_test(${name} ${arg_LABEL} ${arg_TIMEOUT})
endfunction()

# A plain C11 program that passes by exiting 0 (used to prove the headers are C).
function(machio_add_c_check name)
  _machio_parse_check_args(machio_add_c_check ${name} 60)
  if(arg_SKIP)
    return()
  endif()
  add_executable(${name} ${arg_SOURCES})
  set_target_properties(${name} PROPERTIES
    LINKER_LANGUAGE C C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  target_link_libraries(${name} PRIVATE ${arg_LIBS} machio_compile_options)
  _machio_register_test(${name} ${arg_LABEL} ${arg_TIMEOUT})
endfunction()
