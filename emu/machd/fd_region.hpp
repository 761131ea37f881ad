// SPDX-License-Identifier: BSL-1.0
// An out-of-line region machd holds as the sealed memfd its sender made (wire.hpp): queued,
// it costs one descriptor instead of its bytes. The descriptor is closed when the last
// message or reply holding the region lets go of it, whatever way that happens.
//
// Its own header, complete wherever a kern::ref<fd_region> may be destroyed (daemon.hpp's
// reply() default argument is one such place: a forward declaration there made clang
// delete an incomplete type).
#pragma once

#include <cstddef>
#include <utility>

#include "kernel/objects.hpp"
#include "machd/fd_passing.hpp"

namespace machemu::machd {

struct fd_region final : kern::ool_region {
  fd_region(fd_passing::unique_fd f, std::size_t n) : ool_region(held_elsewhere{}, n), fd(std::move(f)) {}
  fd_passing::unique_fd fd;
};

}  // namespace machemu::machd
