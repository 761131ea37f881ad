// SPDX-License-Identifier: BSL-1.0
// machio/asio.hpp — everything machio offers on Boost.Asio (see doc/async.md).
#ifndef MACHIO_ASIO_HPP
#define MACHIO_ASIO_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/async_call.hpp>
#include <machio/async_notifications.hpp>
#include <machio/async_send.hpp>
#include <machio/basic_port_set.hpp>
#include <machio/basic_receive_port.hpp>
#include <machio/receive_port.hpp>

#endif  // MACHIO_ASIO_HPP
