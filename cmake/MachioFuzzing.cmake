# SPDX-License-Identifier: BSL-1.0
# machio_add_fuzzer(<name> SOURCES <files...> [LIBS <targets...>])
#
# Builds a libFuzzer target when MACHIO_BUILD_FUZZERS is ON and does nothing otherwise, so
# it may sit in any CMakeLists.txt. <name> must start with fuzz_: .ci/run builds and runs
# every fuzzer listed in <build>/fuzzers.txt for a short while.
function(machio_add_fuzzer name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;LIBS")
  if(NOT name MATCHES "^fuzz_")
    message(FATAL_ERROR "machio_add_fuzzer(${name}): fuzzer names start with fuzz_")
  endif()
  if(NOT MACHIO_BUILD_FUZZERS)
    return()
  endif()
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ${arg_LIBS} machio_compile_options)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/fuzzers")
  set_property(GLOBAL APPEND PROPERTY MACHIO_FUZZERS ${name})
  get_property(all GLOBAL PROPERTY MACHIO_FUZZERS)
  list(JOIN all "\n" lines)
  file(WRITE "${PROJECT_BINARY_DIR}/fuzzers.txt" "${lines}\n")
endfunction()

if(MACHIO_BUILD_FUZZERS)
  # Start each configure from an empty list; machio_add_fuzzer calls fill it.
  file(WRITE "${PROJECT_BINARY_DIR}/fuzzers.txt" "")
endif()
