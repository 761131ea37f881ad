// SPDX-License-Identifier: BSL-1.0
// The kernel's status of a receive right (MACH_PORT_RECEIVE_STATUS): queued messages,
// send-once rights, requests. Written against the Darwin C API only, for the emu, core and
// Asio tests alike.
#pragma once

#include <mach/mach.h>

#include <boost/test/unit_test.hpp>

namespace machio_test {

inline mach_port_status_t receive_status(mach_port_name_t name) {
  mach_port_status_t st{};
  mach_msg_type_number_t count = MACH_PORT_RECEIVE_STATUS_COUNT;
  BOOST_REQUIRE_EQUAL(mach_port_get_attributes(mach_task_self(), name, MACH_PORT_RECEIVE_STATUS,
                                               reinterpret_cast<mach_port_info_t>(&st), &count),
                      KERN_SUCCESS);
  return st;
}

}  // namespace machio_test
