# SPDX-License-Identifier: BSL-1.0
# The API reference: a `docs` target (not part of ALL) that runs Doxygen on doc/Doxyfile.in,
# configured into the build tree, over the public headers under include/machio (not
# detail/). HTML goes to <build>/doc/api/index.html; any Doxygen warning fails the target
# (WARN_AS_ERROR). Without doxygen (scripts/setup --ci installs it) there is no `docs`
# target, and configuring says so.
#
# Only for machio's own build: a project that adds machio with add_subdirectory or
# FetchContent may have a `docs` target of its own.
if(NOT PROJECT_IS_TOP_LEVEL)
  return()
endif()
find_package(Doxygen QUIET)
if(NOT DOXYGEN_FOUND)
  message(STATUS "doxygen not found: no `docs` target (the API reference)")
  return()
endif()

set(machio_doxyfile "${PROJECT_BINARY_DIR}/doc/Doxyfile")
configure_file("${PROJECT_SOURCE_DIR}/doc/Doxyfile.in" "${machio_doxyfile}" @ONLY)

add_custom_target(docs
  COMMAND Doxygen::doxygen "${machio_doxyfile}"
  COMMAND "${CMAKE_COMMAND}" -E echo "API reference: ${PROJECT_BINARY_DIR}/doc/api/index.html"
  WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
  SOURCES "${PROJECT_SOURCE_DIR}/doc/Doxyfile.in"
  COMMENT "Doxygen: the API reference of include/machio"
  VERBATIM)
