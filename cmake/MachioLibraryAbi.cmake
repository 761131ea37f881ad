# SPDX-License-Identifier: BSL-1.0
# What a machio library looks like as a shared object (BUILD_SHARED_LIBS=ON); nothing
# changes for a static build.
#
# machio_library_abi(<target> [VERSION_SCRIPT <file>])
#   - VERSION/SOVERSION: the soname changes exactly when the package's compatibility rule
#     (machioConfigVersion.cmake) says the version no longer is compatible: before 1.0
#     every minor version (libmachio.so.0.1), from 1.0 every major one (libmachio.so.1).
#   - RUNPATH $ORIGIN: an installed library finds the libraries it needs (libmachio needs
#     libmachemu, which needs libmachemu_cf) beside itself, in any prefix, moved or not.
#   - inline functions hidden (-fvisibility-inlines-hidden): the template and inline code
#     of the headers (Asio's included) is compiled into every consumer anyway; exporting
#     the library's copies made them part of its ABI.
#   - VERSION_SCRIPT: a GNU ld version script saying what else the library exports; the
#     C libraries of mach-emu export their C API and hide every C++ symbol.
#
# machio_executable_abi(<target>): RUNPATH $ORIGIN/<bin to lib>, for installed programs
# (machd) that link machio's shared libraries.
#
# Why not -fvisibility=hidden for libmachio: its headers are mostly templates over Asio,
# whose per-process state (the thread call stacks, service identities) lives in template
# static members and typeinfo that must stay one per process, and on Darwin an exception
# type with hidden typeinfo is not caught across images. Inline code being hidden, what
# libmachio exports is its out-of-line functions: the public API and the few machio::detail
# entry points the headers' templates call (checked by test/cmake/check_shared_abi.cmake);
# what only its own code calls is marked MACHIO_DETAIL_HIDDEN (include/machio/config.hpp).

if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(MACHIO_SOVERSION "0.${PROJECT_VERSION_MINOR}")
else()
  set(MACHIO_SOVERSION "${PROJECT_VERSION_MAJOR}")
endif()

function(machio_library_abi target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "VERSION_SCRIPT" "")
  set_target_properties(${target} PROPERTIES
    VERSION "${PROJECT_VERSION}"
    SOVERSION "${MACHIO_SOVERSION}"
    VISIBILITY_INLINES_HIDDEN ON)
  if(NOT MACHIO_DARWIN)
    set_target_properties(${target} PROPERTIES INSTALL_RPATH "$ORIGIN")
  else()
    set_target_properties(${target} PROPERTIES INSTALL_RPATH "@loader_path")
  endif()
  get_target_property(type ${target} TYPE)
  if(arg_VERSION_SCRIPT AND type STREQUAL "SHARED_LIBRARY" AND NOT MACHIO_DARWIN)
    target_link_options(${target} PRIVATE "LINKER:--version-script=${arg_VERSION_SCRIPT}")
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${arg_VERSION_SCRIPT}")
  endif()
endfunction()

function(machio_executable_abi target)
  file(RELATIVE_PATH to_lib "${CMAKE_INSTALL_FULL_BINDIR}" "${CMAKE_INSTALL_FULL_LIBDIR}")
  if(NOT MACHIO_DARWIN)
    set_target_properties(${target} PROPERTIES INSTALL_RPATH "$ORIGIN/${to_lib}")
  else()
    set_target_properties(${target} PROPERTIES INSTALL_RPATH "@executable_path/${to_lib}")
  endif()
endfunction()
