// SPDX-License-Identifier: BSL-1.0
// One IOKit routine through libmachemu's transport to the registry's host (host.hpp): what
// IOKitLib's calls (iokitlib.cpp) and the testing API (testing.cpp) are made of.
#ifndef MACHEMU_IOKIT_ROUTINE_HPP
#define MACHEMU_IOKIT_ROUTINE_HPP

#include <IOKit/IOKitLib.h>

#include <mach/mach.h>

#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "lib/transport.hpp"

namespace machemu::iokit {

//! Runs routine \p what on \p target (the MIG destination: the main port or an object)
//! with scalar \p args after it and bytes \p in; the code, and the results in \p r.
inline kern_return_t run(lib::call what, std::uint64_t target, lib::port_result& r,
                         std::initializer_list<std::uint64_t> args = {}, std::vector<std::byte> in = {}) {
  lib::port_call c;
  c.what = what;
  c.a[0] = target;
  int i = 1;
  for (std::uint64_t a : args) c.a[i++] = a;
  c.in = std::move(in);
  return lib::run(c, r);
}

//! IOKitUser's __IOGetDefaultMasterPort: \p given, or for MACH_PORT_NULL a reference of
//! the main port held for one call and released after it.
class main_port_for_call {
 public:
  explicit main_port_for_call(mach_port_t given) : port_(given) {
    if (port_ == MACH_PORT_NULL) owned_ = (status_ = IOMainPort(MACH_PORT_NULL, &port_)) == KERN_SUCCESS;
  }
  ~main_port_for_call() {
    if (owned_) (void)mach_port_deallocate(mach_task_self(), port_);
  }
  main_port_for_call(const main_port_for_call&) = delete;
  main_port_for_call& operator=(const main_port_for_call&) = delete;
  mach_port_t get() const noexcept { return port_; }
  //! IOMainPort's code when it was asked for the default (KERN_SUCCESS otherwise).
  kern_return_t status() const noexcept { return status_; }

 private:
  mach_port_t port_;
  kern_return_t status_ = KERN_SUCCESS;
  bool owned_ = false;
};

}  // namespace machemu::iokit

#endif  // MACHEMU_IOKIT_ROUTINE_HPP
