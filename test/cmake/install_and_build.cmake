# SPDX-License-Identifier: BSL-1.0
# cmake -DMACHIO_BUILD_DIR=... -DCONSUMER_SOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=...
#       -DCXX_COMPILER=... -DBUILD_TYPE=... -DFLAGS=... -P install_and_build.cmake
# Installs the machio build tree into WORK_DIR/prefix, builds the consumer project there
# with nothing but CMAKE_PREFIX_PATH pointing at it, and runs the consumer as a user of
# the package would: MACHEMU_MACHD unset, a socket of its own (so that it must start a
# daemon), the prefix's bin/ on PATH. The daemon it starts must be the installed machd,
# not the build tree's, which the installed libraries know nothing of.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "failed (${rc}): ${command}")
  endif()
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
run("${CMAKE_COMMAND}" --install "${MACHIO_BUILD_DIR}" --prefix "${prefix}")
# The sanitizer flags of the build under test, since its libraries need their runtime.
run("${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
  "-DCMAKE_PREFIX_PATH=${prefix}"
  "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
  "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
  "-DCMAKE_CXX_FLAGS=${FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${FLAGS}")
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
set(socket_dir "${WORK_DIR}/socket")
file(MAKE_DIRECTORY "${socket_dir}")
file(CHMOD "${socket_dir}" DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
set(consumer_env -E env --unset=MACHEMU_MACHD --unset=MACHEMU_MODE "MACHEMU_SOCKET=${socket_dir}/machd.sock"
    MACHEMU_MACHD_IDLE_MS=60000 "PATH=${prefix}/bin:$ENV{PATH}")
run("${CMAKE_COMMAND}" ${consumer_env} "${WORK_DIR}/build/consumer")
# Which machd serves that socket: its command line starts with the binary it was run as.
execute_process(COMMAND ps -eo args= OUTPUT_VARIABLE daemons)
string(REGEX MATCH "[^\n]*--socket ${socket_dir}/machd.sock[^\n]*" daemon "${daemons}")
execute_process(COMMAND pkill -f -- "--socket ${socket_dir}/machd.sock")
if(NOT daemon MATCHES "^${prefix}/bin/machd ")
  message(FATAL_ERROR "the consumer started \"${daemon}\", not ${prefix}/bin/machd")
endif()
