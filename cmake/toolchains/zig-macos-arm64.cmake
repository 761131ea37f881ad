# SPDX-License-Identifier: BSL-1.0
# macOS on Apple silicon, through zig. See zig-macos.cmake.
set(CMAKE_SYSTEM_PROCESSOR arm64)
set(MACHIO_ZIG_TARGET aarch64-macos)
include("${CMAKE_CURRENT_LIST_DIR}/zig-macos.cmake")
