# SPDX-License-Identifier: BSL-1.0
# install() and the CMake package: find_package(machio CONFIG) gives machio::machio, and
# on Linux machio::emu (mach-emu's Darwin C API, headers under include/machio/emu),
# machio::corefoundation (its CoreFoundation subset, headers beside them), machio::iokit
# (its IOKitLib, headers beside them) and machio::machd, the daemon (installed in bin/,
# where libmachemu looks for it).
set(MACHIO_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/machio")

set(_machio_exported machio)
if(NOT MACHIO_DARWIN)
  list(APPEND _machio_exported machio_emu machio_emu_corefoundation machio_emu_iokit)
  if(TARGET machd)
    list(APPEND _machio_exported machd)  # machio::machd, the daemon libmachemu starts
  endif()
endif()
if(TARGET machio_mig)  # not in a cross build: there it is built for the build machine
  list(APPEND _machio_exported machio_mig)
endif()

install(TARGETS ${_machio_exported}
  EXPORT machioTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/machio"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")

if(NOT MACHIO_DARWIN)
  # Under include/machio/emu, not include/: the Darwin-compatible <mach/*.h> must never
  # shadow anything on a consumer's default include path.
  install(DIRECTORY "${PROJECT_SOURCE_DIR}/emu/include/"
                    "${PROJECT_SOURCE_DIR}/emu/corefoundation/include/"
                    "${PROJECT_SOURCE_DIR}/emu/iokit/include/"
    DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/machio/emu"
    FILES_MATCHING PATTERN "*.h")
endif()

# machio_mig_generate() for consumers, and the .defs files it resolves <mach/...> to.
install(FILES "${PROJECT_SOURCE_DIR}/cmake/MachioMig.cmake" DESTINATION "${MACHIO_INSTALL_CMAKEDIR}")
set(MACHIO_INSTALL_MIG_DEFS_DIR "${CMAKE_INSTALL_DATADIR}/machio/mig")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/emu/include/mach"
  DESTINATION "${MACHIO_INSTALL_MIG_DEFS_DIR}"
  FILES_MATCHING PATTERN "*.defs")

install(EXPORT machioTargets
  NAMESPACE machio::
  DESTINATION "${MACHIO_INSTALL_CMAKEDIR}")

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/machioConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/machioConfig.cmake"
  INSTALL_DESTINATION "${MACHIO_INSTALL_CMAKEDIR}"
  PATH_VARS MACHIO_INSTALL_MIG_DEFS_DIR)
# 0.x: every minor version may break; SameMinorVersion until 1.0.
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/machioConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/machioConfig.cmake"
  "${PROJECT_BINARY_DIR}/machioConfigVersion.cmake"
  DESTINATION "${MACHIO_INSTALL_CMAKEDIR}")

# The licence travels with the package.
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION "${CMAKE_INSTALL_DOCDIR}")
