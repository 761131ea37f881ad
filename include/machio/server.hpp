// SPDX-License-Identifier: BSL-1.0
// machio/server.hpp — the server layer (see doc/server.md): MIG-style requests served by
// coroutines on a receive port, with MIG's ownership rule applied for the handler.
#ifndef MACHIO_SERVER_HPP
#define MACHIO_SERVER_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/server/basic_server.hpp>
#include <machio/server/deferred_reply.hpp>
#include <machio/server/mig_layout.hpp>
#include <machio/server/request_shape.hpp>
#include <machio/server/server_options.hpp>
#include <machio/server/server_request.hpp>

#endif  // MACHIO_SERVER_HPP
