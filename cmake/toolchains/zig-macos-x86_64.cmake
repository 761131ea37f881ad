# SPDX-License-Identifier: BSL-1.0
# macOS on Intel, through zig. See zig-macos.cmake.
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(MACHIO_ZIG_TARGET x86_64-macos)
include("${CMAKE_CURRENT_LIST_DIR}/zig-macos.cmake")
