# SPDX-License-Identifier: BSL-1.0
# Shared by the consumer-project scripts of test/cmake (cmake -P): running commands, and
# running a consumer as its user would, checking which machd it started.

# run(<command> <args>...): runs it, fails the test naming it when it fails.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "failed (${rc}): ${command}")
  endif()
endfunction()

# configure_consumer(<source> <build> [<cmake args>...]): the consumer project configured
# with the compiler, build type and sanitizer flags of the build under test (its
# libraries need the sanitizer runtime when they were built with one).
function(configure_consumer source build)
  run("${CMAKE_COMMAND}" -S "${source}" -B "${build}" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
    "-DCMAKE_CXX_FLAGS=${FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${FLAGS}"
    "-DCMAKE_SHARED_LINKER_FLAGS=${FLAGS}" ${ARGN})
endfunction()

# run_consumer(<program> <machd prefix> [<extra PATH dir>]): runs <program> with nothing
# telling it where machd is (MACHEMU_MACHD unset) on a socket of its own, so that it
# must start a daemon, and fails unless the daemon it started was run from a path under
# <machd prefix>.
function(run_consumer program machd_prefix)
  set(socket_dir "${WORK_DIR}/socket")
  file(REMOVE_RECURSE "${socket_dir}")
  file(MAKE_DIRECTORY "${socket_dir}")
  file(CHMOD "${socket_dir}" DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
  set(path "$ENV{PATH}")
  if(ARGC GREATER 2)
    set(path "${ARGV2}:${path}")
  endif()
  run("${CMAKE_COMMAND}" -E env --unset=MACHEMU_MACHD --unset=MACHEMU_MODE
    "MACHEMU_SOCKET=${socket_dir}/machd.sock" MACHEMU_MACHD_IDLE_MS=60000 "PATH=${path}"
    "${program}")
  # Which machd serves that socket: its command line starts with the binary it was run as.
  execute_process(COMMAND ps -eo args= OUTPUT_VARIABLE daemons)
  string(REGEX MATCH "[^\n]*--socket ${socket_dir}/machd.sock[^\n]*" daemon "${daemons}")
  execute_process(COMMAND pkill -f -- "--socket ${socket_dir}/machd.sock")
  string(REGEX MATCH "^[^ ]+" binary "${daemon}")
  if(binary)
    file(REAL_PATH "${binary}" binary)
  endif()
  file(REAL_PATH "${machd_prefix}" machd_prefix)
  string(FIND "${binary}" "${machd_prefix}/" at)
  if(NOT at EQUAL 0)
    message(FATAL_ERROR "${program} started \"${daemon}\", not a machd under ${machd_prefix}")
  endif()
endfunction()
