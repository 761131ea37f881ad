# SPDX-License-Identifier: BSL-1.0
# cmake -DMACHIO_BUILD_DIR=... -DCONSUMER_SOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=...
#       -DCXX_COMPILER=... -DBUILD_TYPE=... -DFLAGS=... -P install_and_build.cmake
# Installs the machio build tree into WORK_DIR/prefix, builds the consumer project there
# with nothing but CMAKE_PREFIX_PATH pointing at it, and runs the consumer as a user of
# the package would: MACHEMU_MACHD unset, a socket of its own (so that it must start a
# daemon), the prefix's bin/ on PATH. The daemon it starts must be the installed machd,
# not the build tree's, which the installed libraries know nothing of.
include("${CMAKE_CURRENT_LIST_DIR}/consumer_common.cmake")

file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
run("${CMAKE_COMMAND}" --install "${MACHIO_BUILD_DIR}" --prefix "${prefix}")
configure_consumer("${CONSUMER_SOURCE_DIR}" "${WORK_DIR}/build" "-DCMAKE_PREFIX_PATH=${prefix}")
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
run_consumer("${WORK_DIR}/build/consumer" "${prefix}/bin" "${prefix}/bin")
