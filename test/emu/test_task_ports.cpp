// SPDX-License-Identifier: BSL-1.0
// A task's special ports (XNU osfmk/kern/ipc_tt.c, task_get_special_port and
// task_set_special_port): getting one clones a send right (one more user reference on one
// name), setting one stores a copy of the caller's send right in the task and releases the
// old one, the kernel's own ports cannot be replaced, and the bootstrap_port global is the
// name task_get_bootstrap_port gives. Built in both modes (label emu, and label machd
// through the daemon).
#include <mach/mach.h>
#include <mach/task.h>
#include <servers/bootstrap.h>

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <string>

#include "emu_test_util.hpp"

using namespace emu_test;

namespace {
const mach_port_t self = mach_task_self();

void drop_send(mach_port_name_t name, mach_port_urefs_t n) {
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, name, MACH_PORT_RIGHT_SEND,
                                       -static_cast<mach_port_delta_t>(n)),
                    KERN_SUCCESS);
}

mach_port_t special(int which) {
  mach_port_t p = 0xBAD;
  BOOST_REQUIRE_EQUAL(task_get_special_port(self, which, &p), KERN_SUCCESS);
  return p;
}

// Asks for a no-senders notification of `port` to `notify` (a send-once right made from
// `notify`'s receive right).
void request_no_senders(mach_port_name_t port, mach_port_name_t notify) {
  mach_port_t previous = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_request_notification(self, port, MACH_NOTIFY_NO_SENDERS, 0, notify,
                                                     MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous),
                      KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(previous, MACH_PORT_NULL);
}
}  // namespace

BOOST_FIXTURE_TEST_SUITE(task_ports, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(bootstrap_port_is_the_name_task_get_bootstrap_port_gives) {
  BOOST_REQUIRE_NE(bootstrap_port, MACH_PORT_NULL);
  BOOST_TEST(type_of(bootstrap_port) == MACH_PORT_TYPE_SEND);
  const mach_port_urefs_t before = refs(bootstrap_port, MACH_PORT_RIGHT_SEND);

  mach_port_t bp = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(task_get_bootstrap_port(self, &bp), KERN_SUCCESS);
  BOOST_TEST(bp == bootstrap_port);
  BOOST_TEST(refs(bootstrap_port, MACH_PORT_RIGHT_SEND) == before + 1);
  BOOST_TEST(special(TASK_BOOTSTRAP_PORT) == bootstrap_port);
  BOOST_TEST(refs(bootstrap_port, MACH_PORT_RIGHT_SEND) == before + 2);
  drop_send(bootstrap_port, 2);
}

BOOST_AUTO_TEST_CASE(the_bootstrap_calls_answer_only_the_name_service_port) {
  const std::string service = "org.machio.test.task_ports." + std::to_string(::getpid());
  mach_port_t server = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(bootstrap_check_in(bootstrap_port, service.c_str(), &server), BOOTSTRAP_SUCCESS);

  mach_port_t found = MACH_PORT_NULL;
  BOOST_TEST(bootstrap_look_up(bootstrap_port, service.c_str(), &found) == BOOTSTRAP_SUCCESS);
  BOOST_TEST(found == server);
  drop_send(found, 1);

  // A send right to any other port is not a bootstrap server.
  const mach_port_name_t other = new_receive_send();
  BOOST_TEST(bootstrap_look_up(other, service.c_str(), &found) == MACH_SEND_INVALID_DEST);
  BOOST_TEST(bootstrap_look_up(self, service.c_str(), &found) == MACH_SEND_INVALID_DEST);
  BOOST_TEST(bootstrap_look_up(MACH_PORT_NULL, service.c_str(), &found) == MACH_SEND_INVALID_DEST);
  drop_port(other);
  drop_port(server);
}

BOOST_AUTO_TEST_CASE(the_kernel_ports_come_from_the_task_and_host) {
  const mach_port_urefs_t self_refs = refs(self, MACH_PORT_RIGHT_SEND);
  for (int which : {TASK_KERNEL_PORT, TASK_NAME_PORT, TASK_INSPECT_PORT, TASK_READ_PORT}) {
    BOOST_TEST_CONTEXT("which " << which) {
      BOOST_TEST(special(which) == self);
      BOOST_TEST(refs(self, MACH_PORT_RIGHT_SEND) == self_refs + 1);
      drop_send(self, 1);
    }
  }
  const mach_port_t host = mach_host_self();
  BOOST_TEST(special(TASK_HOST_PORT) == host);
  BOOST_TEST(refs(host, MACH_PORT_RIGHT_SEND) == 2u);
  drop_send(host, 2);

  // Unset ports come back as MACH_PORT_NULL, which is no right.
  BOOST_TEST(special(TASK_DEBUG_CONTROL_PORT) == MACH_PORT_NULL);
  BOOST_TEST(special(TASK_RESOURCE_NOTIFY_PORT) == MACH_PORT_NULL);
}

BOOST_AUTO_TEST_CASE(unknown_ids_and_targets_are_refused) {
  mach_port_t p = 0xBAD;
  for (int which : {0, 7, 8, TASK_MAX_SPECIAL_PORT + 1, -1, 1000}) {
    BOOST_TEST_CONTEXT("which " << which) {
      BOOST_TEST(task_get_special_port(self, which, &p) == KERN_INVALID_ARGUMENT);
      BOOST_TEST(task_set_special_port(self, which, MACH_PORT_NULL) == KERN_INVALID_ARGUMENT);
    }
  }
  BOOST_TEST(p == 0xBADu);  // not written on failure, as MIG's user stub leaves it

  // The task, host and name ports are the kernel's: XNU with SIP refuses to replace the
  // first two, and the others are not settable at all.
  const mach_port_name_t mine = new_receive_send();
  BOOST_TEST(task_set_special_port(self, TASK_KERNEL_PORT, mine) == KERN_NO_ACCESS);
  BOOST_TEST(task_set_special_port(self, TASK_HOST_PORT, mine) == KERN_NO_ACCESS);
  BOOST_TEST(task_set_special_port(self, TASK_NAME_PORT, mine) == KERN_INVALID_ARGUMENT);
  BOOST_TEST(task_set_special_port(self, TASK_READ_PORT, mine) == KERN_INVALID_ARGUMENT);
  BOOST_TEST(special(TASK_KERNEL_PORT) == self);
  drop_send(self, 1);

  // No destination fails the send; a port that is not a task is TASK_NULL to the routine.
  BOOST_TEST(task_get_special_port(MACH_PORT_NULL, TASK_BOOTSTRAP_PORT, &p) == MACH_SEND_INVALID_DEST);
  BOOST_TEST(task_get_special_port(mine, TASK_BOOTSTRAP_PORT, &p) == KERN_INVALID_ARGUMENT);
  BOOST_TEST(task_set_special_port(mine, TASK_BOOTSTRAP_PORT, mine) == KERN_INVALID_ARGUMENT);
  BOOST_TEST(refs(mine, MACH_PORT_RIGHT_SEND) == 1u);  // refused calls keep the caller's right
  drop_port(mine);
}

BOOST_AUTO_TEST_CASE(setting_copies_the_send_right_and_replacing_releases_it) {
  const mach_port_name_t port = new_receive_send();
  const mach_port_name_t notify = new_receive();
  request_no_senders(port, notify);

  BOOST_REQUIRE_EQUAL(task_set_special_port(self, TASK_DEBUG_CONTROL_PORT, port), KERN_SUCCESS);
  BOOST_TEST(refs(port, MACH_PORT_RIGHT_SEND) == 1u);  // COPY_SEND: the caller keeps its own
  BOOST_TEST(special(TASK_DEBUG_CONTROL_PORT) == port);
  BOOST_TEST(refs(port, MACH_PORT_RIGHT_SEND) == 2u);
  drop_send(port, 2);
  // The task still holds a send right, so there is no no-senders yet.
  BOOST_TEST(receive_and_destroy(notify) == MACH_RCV_TIMED_OUT);
  BOOST_TEST(type_of(port) == MACH_PORT_TYPE_RECEIVE);

  // Unsetting releases the task's right: the last sender is gone.
  BOOST_REQUIRE_EQUAL(task_set_special_port(self, TASK_DEBUG_CONTROL_PORT, MACH_PORT_NULL), KERN_SUCCESS);
  mach_msg_id_t id = 0;
  BOOST_TEST(receive_and_destroy(notify, &id) == MACH_MSG_SUCCESS);
  BOOST_TEST(id == MACH_NOTIFY_NO_SENDERS);
  BOOST_TEST(special(TASK_DEBUG_CONTROL_PORT) == MACH_PORT_NULL);

  drop_port(port);
  drop_port(notify);
}

BOOST_AUTO_TEST_CASE(a_replaced_bootstrap_port_is_what_task_get_bootstrap_port_gives) {
  const mach_port_name_t mine = new_receive_send();
  BOOST_REQUIRE_EQUAL(task_set_bootstrap_port(self, mine), KERN_SUCCESS);
  mach_port_t bp = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(task_get_bootstrap_port(self, &bp), KERN_SUCCESS);
  BOOST_TEST(bp == mine);
  drop_send(mine, 1);
  // The global keeps the name service's right, as libsystem's does until it re-reads it.
  BOOST_TEST(type_of(bootstrap_port) == MACH_PORT_TYPE_SEND);

  BOOST_REQUIRE_EQUAL(task_set_bootstrap_port(self, bootstrap_port), KERN_SUCCESS);
  BOOST_TEST(special(TASK_BOOTSTRAP_PORT) == bootstrap_port);
  drop_send(bootstrap_port, 1);
  drop_port(mine);
}

BOOST_AUTO_TEST_CASE(the_argument_must_be_a_send_right_or_dead) {
  const mach_port_name_t receive_only = new_receive();
  BOOST_TEST(task_set_special_port(self, TASK_DEBUG_CONTROL_PORT, receive_only) == MACH_SEND_INVALID_RIGHT);
  BOOST_TEST(task_set_special_port(self, TASK_DEBUG_CONTROL_PORT, 0x4242'0003u) == MACH_SEND_INVALID_RIGHT);
  BOOST_TEST(special(TASK_DEBUG_CONTROL_PORT) == MACH_PORT_NULL);

  // MACH_PORT_DEAD is a valid port argument and comes back as it went in.
  BOOST_REQUIRE_EQUAL(task_set_special_port(self, TASK_DEBUG_CONTROL_PORT, MACH_PORT_DEAD), KERN_SUCCESS);
  BOOST_TEST(special(TASK_DEBUG_CONTROL_PORT) == MACH_PORT_DEAD);

  // A send right whose receive right died is stored dead too.
  const mach_port_name_t doomed = new_receive_send();
  BOOST_REQUIRE_EQUAL(mach_port_mod_refs(self, doomed, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(type_of(doomed), MACH_PORT_TYPE_DEAD_NAME);
  BOOST_REQUIRE_EQUAL(task_set_special_port(self, TASK_DEBUG_CONTROL_PORT, doomed), KERN_SUCCESS);
  BOOST_TEST(special(TASK_DEBUG_CONTROL_PORT) == MACH_PORT_DEAD);
  BOOST_TEST(refs(doomed, MACH_PORT_RIGHT_DEAD_NAME) == 1u);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, doomed), KERN_SUCCESS);

  BOOST_REQUIRE_EQUAL(task_set_special_port(self, TASK_DEBUG_CONTROL_PORT, MACH_PORT_NULL), KERN_SUCCESS);
  drop_port(receive_only);
}

BOOST_AUTO_TEST_CASE(the_task_access_port_is_set_once) {
  const mach_port_name_t access = new_receive_send();
  BOOST_REQUIRE_EQUAL(task_set_special_port(self, TASK_ACCESS_PORT, access), KERN_SUCCESS);
  const mach_port_name_t other = new_receive_send();
  BOOST_TEST(task_set_special_port(self, TASK_ACCESS_PORT, other) == KERN_NO_ACCESS);
  BOOST_TEST(task_set_special_port(self, TASK_ACCESS_PORT, MACH_PORT_NULL) == KERN_NO_ACCESS);
  BOOST_TEST(refs(other, MACH_PORT_RIGHT_SEND) == 1u);
  BOOST_TEST(special(TASK_ACCESS_PORT) == access);
  drop_send(access, 1);
  drop_port(other);
  // The task keeps its right to the receive right's port, which dies with this test's
  // receive right: the stored right is then a dead one.
  drop_port(access);
  BOOST_TEST(special(TASK_ACCESS_PORT) == MACH_PORT_DEAD);
}

BOOST_AUTO_TEST_SUITE_END()
