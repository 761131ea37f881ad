# SPDX-License-Identifier: BSL-1.0
# cmake -DSOURCE_DIR=... -DHOW=add_subdirectory|FetchContent -DWORK_DIR=... -DGENERATOR=...
#       -DCXX_COMPILER=... -DBUILD_TYPE=... -DFLAGS=... -P subproject.cmake
# Builds test/cmake/subproject, which brings machio in with HOW, and runs its consumer as
# a user would (nothing says where machd is): it must start the machd built beside it in
# its own build tree.
include("${CMAKE_CURRENT_LIST_DIR}/consumer_common.cmake")

file(REMOVE_RECURSE "${WORK_DIR}")
set(build "${WORK_DIR}/build")
configure_consumer("${CMAKE_CURRENT_LIST_DIR}/subproject" "${build}" "-DMACHIO_HOW=${HOW}"
  "-DMACHIO_SOURCE_DIR=${SOURCE_DIR}" "-DFETCHCONTENT_SOURCE_DIR_MACHIO=${SOURCE_DIR}"
  -DFETCHCONTENT_FULLY_DISCONNECTED=ON)
run("${CMAKE_COMMAND}" --build "${build}")
run_consumer("${build}/consumer" "${build}")
