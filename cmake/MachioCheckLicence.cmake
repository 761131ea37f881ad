# SPDX-License-Identifier: BSL-1.0
# cmake -DSOURCE_DIR=... -P MachioCheckLicence.cmake
# Fails, naming them, when source files lack an SPDX-License-Identifier line among their
# first three lines. Not checked: what Apple's migcom generated (test/mig/interop, kept as
# generated), the .defs files whose diagnostics name their lines (test/mig/generator/bad),
# fuzz seeds, and formats without comments (JSON, the .tbd stubs).
file(GLOB_RECURSE files RELATIVE "${SOURCE_DIR}"
  "${SOURCE_DIR}/*.cpp" "${SOURCE_DIR}/*.hpp" "${SOURCE_DIR}/*.h" "${SOURCE_DIR}/*.c"
  "${SOURCE_DIR}/*.defs" "${SOURCE_DIR}/*.cmake" "${SOURCE_DIR}/*.in" "${SOURCE_DIR}/*.sh" "${SOURCE_DIR}/*.map"
  "${SOURCE_DIR}/CMakeLists.txt")
list(APPEND files run scripts/setup scripts/setup-zig scripts/migcom-regenerate .ci/run)
list(FILTER files EXCLUDE REGEX "^(build|\\.git|node_modules)/|^test/mig/interop/|^test/mig/generator/bad/")
set(missing "")
foreach(f IN LISTS files)
  file(STRINGS "${SOURCE_DIR}/${f}" head LIMIT_COUNT 3)
  if(NOT head MATCHES "SPDX-License-Identifier: BSL-1.0")
    list(APPEND missing "${f}")
  endif()
endforeach()
list(LENGTH files checked)
if(missing)
  list(JOIN missing "\n  " text)
  message(FATAL_ERROR "no SPDX-License-Identifier: BSL-1.0 line in:\n  ${text}")
endif()
message(STATUS "${checked} files carry the licence identifier")
