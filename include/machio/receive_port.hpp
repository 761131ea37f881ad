// SPDX-License-Identifier: BSL-1.0
// machio/receive_port.hpp — basic_receive_port on any_io_executor.
#ifndef MACHIO_RECEIVE_PORT_HPP
#define MACHIO_RECEIVE_PORT_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/basic_receive_port.hpp>

namespace machio {

//! A receive port I/O object on boost::asio::any_io_executor.
using receive_port = basic_receive_port<>;

}  // namespace machio

#endif  // MACHIO_RECEIVE_PORT_HPP
