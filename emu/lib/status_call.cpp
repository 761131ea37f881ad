// SPDX-License-Identifier: BSL-1.0
// machemu_status (lib/status.hpp): `machd status`'s one call, made as any port call.
#include <mach/mach_init.h>

#include <cstdlib>
#include <cstring>

#include "lib/status.hpp"
#include "lib/transport.hpp"

extern "C" char* machemu_status(int json, kern_return_t* kr) {
  machemu::lib::port_call c;
  c.what = machemu::lib::call::status;
  c.a[0] = mach_task_self();
  c.a[1] = static_cast<std::uint64_t>(json ? machemu::lib::status_format::json
                                           : machemu::lib::status_format::text);
  machemu::lib::port_result r;
  *kr = machemu::lib::run(c, r);
  if (*kr != KERN_SUCCESS) return nullptr;
  char* out = static_cast<char*>(std::malloc(r.blob.size() + 1));
  if (out == nullptr) {
    *kr = KERN_RESOURCE_SHORTAGE;
    return nullptr;
  }
  std::memcpy(out, r.blob.data(), r.blob.size());
  out[r.blob.size()] = '\0';
  return out;
}
