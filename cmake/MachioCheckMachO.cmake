# SPDX-License-Identifier: BSL-1.0
# cmake -DFILE=<binary> -DARCH=<arm64|x86_64> -P MachioCheckMachO.cmake
# The macOS cross build's stand-in for running a test: the binary must be a Mach-O
# executable for ARCH, as `file` reports it.
find_program(FILE_PROGRAM file)
if(NOT FILE_PROGRAM)
  message(FATAL_ERROR "`file` is not installed (apt-get install file)")
endif()
execute_process(COMMAND "${FILE_PROGRAM}" -b "${FILE}" OUTPUT_VARIABLE out RESULT_VARIABLE rc)
message(STATUS "${FILE}: ${out}")
if(NOT rc EQUAL 0 OR NOT out MATCHES "^Mach-O 64-bit ${ARCH} executable")
  message(FATAL_ERROR "${FILE} is not a Mach-O ${ARCH} executable")
endif()
