// SPDX-License-Identifier: BSL-1.0
// Bootstrap look-up, check-in and registration with typed rights.
#include <machio/bootstrap.hpp>

#include <cstring>

namespace machio::bootstrap {
namespace {

// name_t is a fixed 128-byte array; longer names cannot be expressed, and truncating one
// would silently talk to a different service.
bool to_name(std::string_view in, name_t& out, boost::system::error_code& ec) noexcept {
  if (in.size() >= sizeof(name_t)) {
    ec = error::name_too_long;
    return false;
  }
  std::memset(out, 0, sizeof(name_t));
  std::memcpy(out, in.data(), in.size());
  return true;
}

}  // namespace

send_right look_up(std::string_view name, boost::system::error_code& ec) {
  name_t n;
  if (!to_name(name, n, ec)) return {};
  mach_port_t port = MACH_PORT_NULL;
  if (detail::fail(bootstrap_look_up(bootstrap_port, n, &port), ec)) return {};
  return send_right(adopt, port);
}

receive_right check_in(std::string_view name, boost::system::error_code& ec) {
  name_t n;
  if (!to_name(name, n, ec)) return {};
  mach_port_t port = MACH_PORT_NULL;
  if (detail::fail(bootstrap_check_in(bootstrap_port, n, &port), ec)) return {};
  return receive_right::adopt_and_guard(port, ec);
}

void register_name(std::string_view name, const send_right& right, boost::system::error_code& ec) {
  name_t n;
  if (!to_name(name, n, ec)) return;
  // Deprecated on macOS but still the only public way to publish a port from a process
  // launchd did not declare; the warning is expected here and nowhere else.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  detail::fail(bootstrap_register(bootstrap_port, n, right.get()), ec);
#pragma GCC diagnostic pop
}

}  // namespace machio::bootstrap
