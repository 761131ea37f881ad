// SPDX-License-Identifier: BSL-1.0
// machio/server/server_options.hpp — how a server receives and how much it takes on.
#ifndef MACHIO_SERVER_SERVER_OPTIONS_HPP
#define MACHIO_SERVER_SERVER_OPTIONS_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/sync.hpp>

#include <cstddef>

namespace machio {

//! Settings of a basic_server.
struct server_options {
  //! Requests whose handlers have not finished, at most. At the limit the server stops
  //! receiving (requests wait in the port's queue, and senders block or time out on its
  //! queue limit as the kernel decides) until a handler finishes. At least 1.
  std::size_t max_in_flight = 64;
  //! How each request is received. The trailer is raised to at least the audit token,
  //! whatever is set here, so every handler can see its caller.
  receive_options receive{};
};

//! What a server has done, for logs and tests. Counts since construction.
struct server_stats {
  std::size_t received = 0;       //!< requests taken off the port
  std::size_t replied = 0;        //!< replies the kernel accepted (typed and error replies)
  std::size_t error_replies = 0;  //!< of those made, error replies (handler error, bad id, bad arguments)
  std::size_t bad_id = 0;         //!< requests with no handler for their id (MIG_BAD_ID)
  std::size_t bad_arguments = 0;  //!< requests that did not match their shape (MIG_BAD_ARGUMENTS)
  std::size_t no_reply = 0;       //!< requests answered later (defer) or never (no reply right, MIG_NO_REPLY)
  std::size_t dropped = 0;        //!< replies the kernel refused (client gone: MACH_SEND_INVALID_DEST)
};

}  // namespace machio

#endif  // MACHIO_SERVER_SERVER_OPTIONS_HPP
