// SPDX-License-Identifier: BSL-1.0
// machio/detail/darwin.hpp — the Darwin C API machio is written against, in one place.
//
// On macOS these headers come from the SDK, on Linux from mach-emu; machio never asks
// which. The bootstrap declarations some SDKs lack come from darwin_sdk_gaps.h.
#ifndef MACHIO_DETAIL_DARWIN_HPP
#define MACHIO_DETAIL_DARWIN_HPP

#include <mach/mach.h>
#include <mach/message.h>
#include <mach/mig.h>
#include <mach/mig_errors.h>
#include <mach/ndr.h>
#include <mach/notify.h>

#include <machio/detail/darwin_sdk_gaps.h>

#endif  // MACHIO_DETAIL_DARWIN_HPP
