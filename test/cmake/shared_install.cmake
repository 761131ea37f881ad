# SPDX-License-Identifier: BSL-1.0
# cmake -DSOURCE_DIR=... -DCONSUMER_SOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=...
#       -DCXX_COMPILER=... -DBUILD_TYPE=... -DFLAGS=... -DDETAIL_ABI=... -P shared_install.cmake
# machio as a distribution packages it: built with BUILD_SHARED_LIBS=ON, installed, the
# build tree deleted and the prefix moved elsewhere (so neither the build tree nor the
# compiled-in install path can be fallen back on). Then:
# - every library has the versioned soname and a $ORIGIN RUNPATH, machd one that reaches
#   lib/ from bin/, and the moved machd runs;
# - libmachio exports no machio::detail function but those the headers' inline code calls
#   (the list in DETAIL_ABI: adding one is an ABI decision, made by editing that file);
#   the C libraries export no C++ but what their version scripts name;
# - a find_package consumer builds against the moved prefix and runs, starting the machd
#   beside its libraries with nothing on PATH.
include("${CMAKE_CURRENT_LIST_DIR}/consumer_common.cmake")

file(REMOVE_RECURSE "${WORK_DIR}")
set(build "${WORK_DIR}/machio-build")
set(staging "${WORK_DIR}/staging")
set(prefix "${WORK_DIR}/moved-prefix")
configure_consumer("${SOURCE_DIR}" "${build}" -DBUILD_SHARED_LIBS=ON
  -DMACHIO_BUILD_TESTS=OFF -DMACHIO_BUILD_EXAMPLES=OFF -DMACHIO_WARNINGS_AS_ERRORS=ON
  "-DCMAKE_INSTALL_PREFIX=${staging}")
run("${CMAKE_COMMAND}" --build "${build}")
run("${CMAKE_COMMAND}" --install "${build}")
file(REMOVE_RECURSE "${build}")
file(RENAME "${staging}" "${prefix}")

file(GLOB_RECURSE version_file "${prefix}/machioConfigVersion.cmake")
file(READ "${version_file}" version_file)
string(REGEX MATCH "PACKAGE_VERSION \"([0-9]+)\\.([0-9]+)\\.[0-9]+\"" _ "${version_file}")
if(CMAKE_MATCH_1 EQUAL 0)
  set(soversion "0.${CMAKE_MATCH_2}")
else()
  set(soversion "${CMAKE_MATCH_1}")
endif()

function(dynamic_section file out)
  execute_process(COMMAND readelf -d "${file}" OUTPUT_VARIABLE text RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "readelf -d ${file} failed")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

foreach(lib machio machemu machemu_cf machemu_iokit)
  set(file "${prefix}/lib/lib${lib}.so")
  if(NOT EXISTS "${file}")
    file(GLOB file "${prefix}/lib*/lib${lib}.so")
  endif()
  dynamic_section("${file}" dyn)
  if(NOT dyn MATCHES "soname: \\[lib${lib}\\.so\\.${soversion}\\]")
    message(FATAL_ERROR "lib${lib}.so: soname is not lib${lib}.so.${soversion}:\n${dyn}")
  endif()
  if(NOT dyn MATCHES "RUNPATH\\)[^\n]*\\[\\$ORIGIN\\]")
    message(FATAL_ERROR "lib${lib}.so: RUNPATH is not $ORIGIN:\n${dyn}")
  endif()
  execute_process(COMMAND nm -DC --defined-only "${file}" OUTPUT_VARIABLE symbols)
  set(lib_${lib}_symbols "${symbols}")
endforeach()
dynamic_section("${prefix}/bin/machd" dyn)
if(NOT dyn MATCHES "RUNPATH\\)[^\n]*\\[\\$ORIGIN/\\.\\./lib[^\n]*\\]")
  message(FATAL_ERROR "machd: RUNPATH does not reach lib/ from bin/:\n${dyn}")
endif()
run("${prefix}/bin/machd" --version)

# The machio::detail functions libmachio exports, by name.
string(REGEX MATCHALL "[0-9a-f]+ T machio::([a-z]+::)?detail::[^(\n]*" exported "${lib_machio_symbols}")
list(TRANSFORM exported REPLACE "^[0-9a-f]+ T " "")
list(REMOVE_DUPLICATES exported)
list(SORT exported)
file(STRINGS "${DETAIL_ABI}" allowed REGEX "^machio::")
list(SORT allowed)
if(NOT exported STREQUAL allowed)
  set(extra ${exported})
  list(REMOVE_ITEM extra ${allowed})
  set(gone ${allowed})
  list(REMOVE_ITEM gone ${exported})
  list(JOIN extra "\n  " extra)
  list(JOIN gone "\n  " gone)
  message(FATAL_ERROR "libmachio's exported machio::detail functions differ from ${DETAIL_ABI}:\n"
    "exported, not listed:\n  ${extra}\nlisted, not exported:\n  ${gone}")
endif()
# mach-emu's C libraries: C++ only where their version scripts say.
foreach(lib machemu machemu_cf machemu_iokit)
  string(REGEX MATCHALL "[0-9a-f]+ [TDBRVW] [^\n]*::[^\n]*" cxx "${lib_${lib}_symbols}")
  list(FILTER cxx EXCLUDE REGEX " T machemu::(lib::current_transport|lib::deliver_guard_exception|cf::serialize|cf::deserialize)\\(")
  if(cxx)
    list(JOIN cxx "\n  " cxx)
    message(FATAL_ERROR "lib${lib}.so exports C++ symbols its version script does not name:\n  ${cxx}")
  endif()
endforeach()

configure_consumer("${CONSUMER_SOURCE_DIR}" "${WORK_DIR}/consumer" "-DCMAKE_PREFIX_PATH=${prefix}")
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/consumer")
run_consumer("${WORK_DIR}/consumer/consumer" "${prefix}/bin")
