// SPDX-License-Identifier: BSL-1.0
// A copy of the core's state as Darwin's inspection tools show it — lsmp (a task's names,
// rights, reference counts, queues and requests) and `launchctl print` (the bootstrap
// names and who serves them) — taken by kernel::inspect for `machd status`.
#pragma once

#include <mach/mach_types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kernel/objects.hpp"

namespace machemu::kern {

// One name of a task's space.
struct inspected_name {
  mach_port_name_t name = 0;
  mach_port_type_t rights = 0;  // MACH_PORT_TYPE_* right bits (no request bits)
  mach_port_urefs_t urefs = 0;  // send and dead-name user references
  // The port's kernel-wide id (0 for a port set): the same id in two tasks
  // is the same port, as lsmp's "identifier" column.
  std::uint64_t port_id = 0;
  bool kernel_object = false;   // a task, thread, host or IOKit port

  // Of the receive right only: the queue and its counters.
  std::uint32_t msgcount = 0, qlimit = 0, seqno = 0, mscount = 0, srights = 0, sorights = 0;
  bool no_senders_request = false;      // MACH_NOTIFY_NO_SENDERS armed on the port
  bool port_destroyed_request = false;  // MACH_NOTIFY_PORT_DESTROYED armed on the port
  std::vector<mach_port_name_t> sets;   // the port sets (names in this task) it belongs to

  // This task's requests on this name.
  bool dead_name_request = false;
  bool send_possible_request = false;

  // Of a port set: its members (their receive rights' names in this task).
  std::vector<mach_port_name_t> members;
};

struct inspected_task {
  std::uint64_t id = 0;
  task_identity identity;
  std::vector<inspected_name> names;  // by name, ascending
};

// A bootstrap name and the port it stands for.
struct inspected_service {
  std::string name;
  std::uint64_t port_id = 0;
  bool active = false;                // the port is alive
  std::uint32_t server_pid = 0;       // who holds its receive right (0: nobody: in transit)
  mach_port_name_t server_name = 0;   // and under which name
};

struct inspection {
  std::vector<inspected_task> tasks;        // in creation order
  std::vector<inspected_service> services;  // by name
};

}  // namespace machemu::kern
