# SPDX-License-Identifier: BSL-1.0
# Runs machio-mig on INPUT, a .defs file it must refuse: it must exit 1, write no header,
# and say on stderr what the file's first line `// expect: REGEX` says, at the line
# `// at: N` names (the line of the mistake).
file(STRINGS "${INPUT}" header LIMIT_COUNT 2)
list(GET header 0 expect_line)
list(GET header 1 at_line)
string(REGEX REPLACE "^// expect: " "" expected "${expect_line}")
string(REGEX REPLACE "^// at: " "" at "${at_line}")
set(out "${CMAKE_CURRENT_BINARY_DIR}/refused.hpp")
file(REMOVE "${out}")
execute_process(COMMAND "${TOOL}" "-I${DEFS_DIR}" -o "${out}" "${INPUT}"
                RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_VARIABLE stdout)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "machio-mig exited ${rc} (want 1) for ${INPUT}\n${err}")
endif()
if(EXISTS "${out}")
  message(FATAL_ERROR "machio-mig wrote a header for ${INPUT}")
endif()
get_filename_component(name "${INPUT}" NAME)
if(NOT err MATCHES "${name}:${at}: .*${expected}")
  message(FATAL_ERROR "machio-mig said:\n${err}\nwant '${name}:${at}: ...${expected}'")
endif()
message(STATUS "refused as expected: ${err}")
