# SPDX-License-Identifier: BSL-1.0
# machio's IOKit layer (Darwin only): links <target> with IOKit and CoreFoundation.
#
# A Mac's SDK has both frameworks. The SDK zig brings for the cross build has none, so
# there the linker is pointed at cmake/darwin-stubs, which holds text stubs (.tbd) naming
# the frameworks' install paths and the symbols machio uses: the program links as it would
# against the real SDK and binds to the real frameworks when it runs. The headers' gap is
# filled the same way by include/machio/detail/iokit_sdk_gaps.h.
include(CheckIncludeFileCXX)

function(machio_link_iokit target)
  check_include_file_cxx("IOKit/IOKitLib.h" MACHIO_SDK_HAS_IOKIT)
  if(NOT MACHIO_SDK_HAS_IOKIT)
    target_link_options(${target} PUBLIC "$<BUILD_INTERFACE:-F${PROJECT_SOURCE_DIR}/cmake/darwin-stubs>")
  endif()
  target_link_libraries(${target} PUBLIC "-framework IOKit" "-framework CoreFoundation")
endfunction()
