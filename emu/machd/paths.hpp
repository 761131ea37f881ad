// SPDX-License-Identifier: BSL-1.0
// Where a user's machd listens, shared by the daemon and the client library.
//
//  1. $MACHEMU_SOCKET, when set (tests use a private path under the build directory);
//  2. $XDG_RUNTIME_DIR/machemu/machd.sock (a directory only the user can open);
//  3. /tmp/machemu-<uid>/machd.sock, whose directory must be owned by the user with mode
//     0700 (it is created so when missing; anything else is refused, since another user
//     could otherwise have planted a socket there).
// Next to the socket: <socket>.lock, held by the live daemon for its whole life (so that
// two daemons never serve one path), and <socket>.start, which clients hold while starting
// one (so that many processes starting at once start exactly one daemon).
#pragma once

#include <string>

namespace machemu::paths {

// The socket path, creating and checking its directory. Empty (with a message in `error`)
// when the directory is unsafe or cannot be made.
std::string socket_path(std::string& error);

}  // namespace machemu::paths
