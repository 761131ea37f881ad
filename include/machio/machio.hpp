// SPDX-License-Identifier: BSL-1.0
// machio/machio.hpp — everything in machio's core.
#ifndef MACHIO_MACHIO_HPP
#define MACHIO_MACHIO_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/adopt.hpp>
#include <machio/bootstrap.hpp>
#include <machio/dead_name.hpp>
#include <machio/error.hpp>
#include <machio/message.hpp>
#include <machio/message_builder.hpp>
#include <machio/message_view.hpp>
#include <machio/mig.hpp>
#include <machio/ool_region.hpp>
#include <machio/port_set.hpp>
#include <machio/receive_right.hpp>
#include <machio/received_message.hpp>
#include <machio/send_once_right.hpp>
#include <machio/send_right.hpp>
#include <machio/sync.hpp>
#include <machio/trailer.hpp>

#endif  // MACHIO_MACHIO_HPP
