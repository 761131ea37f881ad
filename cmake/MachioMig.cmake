# SPDX-License-Identifier: BSL-1.0
# machio_mig_generate(): machio::mig routine descriptions from a MIG .defs file.
#
#   machio_mig_generate(<target> <file.defs>
#                       [NAMESPACE <ns>]            # default: the subsystem's name
#                       [OUTPUT <name.hpp>]         # default: <file>.hpp
#                       [INCLUDE_DIRECTORIES <dir>...]
#                       [DEFINES <NAME[=VALUE]>...])
#
# Runs machio-mig (tools/mig) on <file.defs> at build time and adds the generated header's
# folder to <target>'s include path, so <target>'s sources `#include "<file>.hpp"`. Regenerated
# when the .defs file or anything it includes changes. <mach/std_types.defs> and
# <mach/mach_types.defs> resolve to machio's copies after INCLUDE_DIRECTORIES.
#
# The generator: MACHIO_MIG_EXECUTABLE when set (a path); else the machio_mig target of this
# build; else machio::machio_mig from an installed package. A cross build builds it for the
# build machine (machio_mig_build_host_tool below).
include_guard(GLOBAL)

function(machio_mig_generate target defs)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "NAMESPACE;OUTPUT" "INCLUDE_DIRECTORIES;DEFINES")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "machio_mig_generate: unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(MACHIO_MIG_EXECUTABLE)
    set(tool "${MACHIO_MIG_EXECUTABLE}")
    set(tool_depends "${MACHIO_MIG_EXECUTABLE_DEPENDS}")
  elseif(TARGET machio_mig)
    set(tool machio_mig)
    set(tool_depends machio_mig)
  elseif(TARGET machio::machio_mig)
    set(tool machio::machio_mig)
    set(tool_depends machio::machio_mig)
  else()
    message(FATAL_ERROR "machio_mig_generate: no machio-mig (set MACHIO_MIG_EXECUTABLE)")
  endif()

  cmake_path(ABSOLUTE_PATH defs BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" NORMALIZE)
  cmake_path(GET defs STEM stem)
  if(NOT arg_OUTPUT)
    set(arg_OUTPUT "${stem}.hpp")
  endif()
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/machio_mig/${target}")
  set(out "${dir}/${arg_OUTPUT}")

  set(defs_dirs "${MACHIO_MIG_DEFS_DIRS}")
  if(NOT defs_dirs)  # machio is a subproject of the caller's (add_subdirectory, FetchContent)
    get_property(defs_dirs GLOBAL PROPERTY MACHIO_MIG_DEFS_DIRS)
  endif()
  set(args)
  foreach(include IN LISTS arg_INCLUDE_DIRECTORIES defs_dirs)
    cmake_path(ABSOLUTE_PATH include BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" NORMALIZE)
    list(APPEND args "-I${include}")
  endforeach()
  # What the C compiler Apple's mig runs defines for the target, which SDK .defs files test
  # (through <mach/machine/thread_state.h>, for one).
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(arm64|aarch64|ARM64)$")
    list(APPEND args -D__arm64__=1)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    list(APPEND args -D__x86_64__=1)
  endif()
  foreach(define IN LISTS arg_DEFINES)
    list(APPEND args "-D${define}")
  endforeach()
  if(arg_NAMESPACE)
    list(APPEND args --namespace "${arg_NAMESPACE}")
  endif()

  file(MAKE_DIRECTORY "${dir}")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${tool} ${args} --depfile "${out}.d" -o "${out}" "${defs}"
    DEPENDS "${defs}" ${tool_depends}
    DEPFILE "${out}.d"
    COMMENT "machio-mig: ${stem}.defs -> ${arg_OUTPUT}"
    VERBATIM)
  target_sources(${target} PRIVATE "${out}")
  target_include_directories(${target} PRIVATE "${dir}")
endfunction()

# In a cross build the generator must run on the build machine: build tools/mig with the
# host's compiler, under CMakeFiles/ (nothing there is taken for a target binary).
function(machio_mig_build_host_tool source_dir)
  include(ExternalProject)
  set(host "${CMAKE_BINARY_DIR}/CMakeFiles/machio-mig-host")
  # The build machine's C++ compiler: $MACHIO_HOST_CXX, or c++/g++/clang++ on PATH.
  if(DEFINED ENV{MACHIO_HOST_CXX})
    set(MACHIO_HOST_CXX "$ENV{MACHIO_HOST_CXX}" CACHE FILEPATH "C++ compiler for the build machine")
  endif()
  find_program(MACHIO_HOST_CXX NAMES c++ g++ clang++ NO_CMAKE_FIND_ROOT_PATH REQUIRED)
  set(host_cxx "${MACHIO_HOST_CXX}")
  ExternalProject_Add(machio_mig_host
    SOURCE_DIR "${source_dir}"
    PREFIX "${host}"
    BINARY_DIR "${host}/build"
    CMAKE_ARGS -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_COMPILER=${host_cxx}"
    BUILD_ALWAYS ON
    INSTALL_COMMAND ""
    BUILD_BYPRODUCTS "${host}/build/machio-mig")
  set(MACHIO_MIG_EXECUTABLE "${host}/build/machio-mig" PARENT_SCOPE)
  set(MACHIO_MIG_EXECUTABLE_DEPENDS machio_mig_host PARENT_SCOPE)
endfunction()
