// SPDX-License-Identifier: BSL-1.0
// A Boost.Test fixture that fails a test which leaves the calling task's port names
// different from how it found them: every name, its type bits and its send/dead-name urefs
// must be the same at the end as at the start. Works against the Darwin C API only, so it
// holds on macOS and on mach-emu alike.
#pragma once

#include <mach/mach.h>

#include <boost/test/unit_test.hpp>

#include <map>
#include <utility>

namespace machio_test {

// name -> (type bits, urefs of the send or dead-name right, 0 when it has neither).
using name_table = std::map<mach_port_name_t, std::pair<mach_port_type_t, mach_port_urefs_t>>;

// A snapshot of the calling task's space. Frees the arrays mach_port_names hands out.
inline name_table snapshot_names() {
  name_table out;
  mach_port_name_array_t names = nullptr;
  mach_port_type_array_t types = nullptr;
  mach_msg_type_number_t ncount = 0;
  mach_msg_type_number_t tcount = 0;
  kern_return_t kr = mach_port_names(mach_task_self(), &names, &ncount, &types, &tcount);
  BOOST_REQUIRE_EQUAL(kr, KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(ncount, tcount);
  for (mach_msg_type_number_t i = 0; i < ncount; ++i) {
    mach_port_urefs_t refs = 0;
    if (types[i] & MACH_PORT_TYPE_SEND)
      (void)mach_port_get_refs(mach_task_self(), names[i], MACH_PORT_RIGHT_SEND, &refs);
    else if (types[i] & MACH_PORT_TYPE_DEAD_NAME)
      (void)mach_port_get_refs(mach_task_self(), names[i], MACH_PORT_RIGHT_DEAD_NAME, &refs);
    out[names[i]] = {types[i], refs};
  }
  if (ncount)
    vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(names), ncount * sizeof *names);
  if (tcount)
    vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(types), tcount * sizeof *types);
  return out;
}

// Use as BOOST_FIXTURE_TEST_SUITE(x, machio_test::right_accounting): every test case in
// the suite then checks that it leaked no right and lost none.
struct right_accounting {
  right_accounting() : before(snapshot_names()) {}
  ~right_accounting() {
    name_table after = snapshot_names();
    for (const auto& [name, info] : after) {
      auto it = before.find(name);
      BOOST_CHECK_MESSAGE(it != before.end(), "leaked name 0x" << std::hex << name << " type 0x"
                                                              << info.first);
      if (it != before.end())
        BOOST_CHECK_MESSAGE(it->second == info, "name 0x" << std::hex << name << " changed: type 0x"
                                                          << it->second.first << "->0x" << info.first
                                                          << std::dec << " urefs " << it->second.second
                                                          << "->" << info.second);
    }
    for (const auto& [name, info] : before)
      BOOST_CHECK_MESSAGE(after.count(name) == 1, "lost name 0x" << std::hex << name);
  }
  name_table before;
};

}  // namespace machio_test
