# SPDX-License-Identifier: BSL-1.0
# cmake -DCOMPILER=... -DSOURCE=... -DINCLUDES="a;b" -DEXPECTED=... -P MachioCheckFirstError.cmake
# Compiles SOURCE as C++17 (syntax only) and fails unless the compilation fails and its first
# diagnostic that is an error says EXPECTED: what a user in the wrong language mode reads
# first, with gcc's and clang's wording alike.
set(args -std=c++17 -fsyntax-only)
foreach(dir IN LISTS INCLUDES)
  list(APPEND args "-I${dir}")
endforeach()
execute_process(COMMAND "${COMPILER}" ${args} "${SOURCE}" RESULT_VARIABLE rc ERROR_VARIABLE out OUTPUT_VARIABLE out2)
if(rc EQUAL 0)
  message(FATAL_ERROR "compiling ${SOURCE} as C++17 succeeded")
endif()
string(REGEX MATCH "error:[^\n]*" first "${out}${out2}")
if(NOT first MATCHES "${EXPECTED}")
  message(FATAL_ERROR "the first error is not machio's: ${first}")
endif()
message(STATUS "first error: ${first}")
