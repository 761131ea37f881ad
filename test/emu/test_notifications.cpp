// SPDX-License-Identifier: BSL-1.0
// §7: notification ids, layouts and triggers, within one task and across tasks.
#include <mach/mach.h>
#include <mach/notify.h>
#include <servers/bootstrap.h>

#include <boost/test/unit_test.hpp>

#include "emu_test_util.hpp"
#include "testing/machemu_testing.h"

using namespace emu_test;

namespace {
const mach_port_t self = mach_task_self();

struct notice {
  mach_msg_header_t header;
  NDR_record_t ndr;
  std::uint32_t value;
};

// Receives one notification from `n` and checks the parts every notification shares.
notice expect_notice(mach_port_name_t n, mach_msg_id_t id, mach_msg_size_t size) {
  rcv_buffer buf;
  BOOST_REQUIRE_EQUAL(receive(n, buf), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(buf.header.msgh_id, id);
  BOOST_CHECK_EQUAL(buf.header.msgh_size, size);
  BOOST_CHECK_EQUAL(buf.header.msgh_remote_port, MACH_PORT_NULL);
  BOOST_CHECK_EQUAL(buf.header.msgh_local_port, n);
  BOOST_CHECK_EQUAL(buf.header.msgh_bits & ~MACH_MSGH_BITS_COMPLEX, 0x1200u);
  notice out{};
  std::memcpy(&out, &buf, sizeof out);
  return out;
}

kern_return_t request(mach_port_name_t name, mach_msg_id_t id, mach_port_mscount_t sync, mach_port_name_t notify,
                      mach_port_name_t* previous) {
  return mach_port_request_notification(self, name, id, sync, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE, previous);
}

// bootstrap_register is deprecated on Darwin but is the one call that lets a task publish
// a send right without a message channel to the other task.
kern_return_t publish(const char* service, mach_port_name_t port) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  name_t copy = {};
  std::strncpy(copy, service, sizeof copy - 1);
  return bootstrap_register(bootstrap_port, copy, port);
#pragma GCC diagnostic pop
}

// Gives the calling task a send right to `receive_name`, a receive right held by `owner`.
mach_port_name_t send_right_from(machemu_task_t owner, mach_port_name_t receive_name) {
  machemu_task_switch(owner);
  BOOST_REQUIRE_EQUAL(mach_port_insert_right(mach_task_self(), receive_name, receive_name, MACH_MSG_TYPE_MAKE_SEND),
                      KERN_SUCCESS);
  name_t service = "org.machio.test.notifications";
  BOOST_REQUIRE_EQUAL(publish(service, receive_name), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(mach_port_deallocate(mach_task_self(), receive_name), KERN_SUCCESS);
  machemu_task_switch(nullptr);
  mach_port_name_t s = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(bootstrap_look_up(bootstrap_port, service, &s), KERN_SUCCESS);
  machemu_task_switch(owner);
  BOOST_REQUIRE_EQUAL(publish(service, MACH_PORT_NULL), KERN_SUCCESS);
  machemu_task_switch(nullptr);
  return s;
}

mach_port_name_t receive_in(machemu_task_t owner) {
  machemu_task_switch(owner);
  mach_port_name_t r = new_receive();
  machemu_task_switch(nullptr);
  return r;
}
}  // namespace

BOOST_FIXTURE_TEST_SUITE(notifications, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(send_once_notification) {
  mach_port_name_t p = new_receive();
  mach_port_name_t so = make_send_once(p);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, so), KERN_SUCCESS);
  expect_notice(p, MACH_NOTIFY_SEND_ONCE, sizeof(mach_msg_header_t));
  BOOST_CHECK_EQUAL(status(p).mps_sorights, 0u);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(no_senders_fires_with_mscount) {
  mach_port_name_t p = new_receive_send();
  BOOST_CHECK_EQUAL(mach_port_insert_right(self, p, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
  mach_port_name_t n = new_receive();
  mach_port_name_t prev = 1;
  BOOST_REQUIRE_EQUAL(request(p, MACH_NOTIFY_NO_SENDERS, 0, n, &prev), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(prev, MACH_PORT_NULL);
  BOOST_CHECK_EQUAL(status(p).mps_nsrequest, 1u);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, -1), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(status(n).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, -1), KERN_SUCCESS);
  notice got = expect_notice(n, MACH_NOTIFY_NO_SENDERS, 36);
  BOOST_CHECK_EQUAL(got.value, 2u);
  BOOST_CHECK_EQUAL(status(p).mps_nsrequest, 0u);
  drop_port(p);
  drop_port(n);
}

BOOST_AUTO_TEST_CASE(no_senders_sync_rule) {
  mach_port_name_t p = new_receive();
  mach_port_name_t n = new_receive();
  mach_port_name_t prev = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_set_mscount(self, p, 3), KERN_SUCCESS);
  // sync > mscount: registered, not fired.
  BOOST_REQUIRE_EQUAL(request(p, MACH_NOTIFY_NO_SENDERS, 4, n, &prev), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(status(n).mps_msgcount, 0u);
  // Replacing returns the previous send-once right; sync <= mscount with no senders fires now.
  BOOST_REQUIRE_EQUAL(request(p, MACH_NOTIFY_NO_SENDERS, 3, n, &prev), KERN_SUCCESS);
  BOOST_REQUIRE_NE(prev, MACH_PORT_NULL);
  BOOST_CHECK_EQUAL(type_of(prev), MACH_PORT_TYPE_SEND_ONCE);
  notice got = expect_notice(n, MACH_NOTIFY_NO_SENDERS, 36);
  BOOST_CHECK_EQUAL(got.value, 3u);
  BOOST_CHECK_EQUAL(status(p).mps_nsrequest, 0u);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, prev), KERN_SUCCESS);
  expect_notice(n, MACH_NOTIFY_SEND_ONCE, sizeof(mach_msg_header_t));
  // Bad requests.
  BOOST_CHECK_EQUAL(request(MACH_PORT_NULL, MACH_NOTIFY_NO_SENDERS, 0, n, &prev), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(request(p, 999, 0, n, &prev), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(request(mach_task_self(), MACH_NOTIFY_NO_SENDERS, 0, n, &prev), KERN_INVALID_RIGHT);
  // Each destroyed the send-once right made for it.
  for (int i = 0; i < 3; ++i) expect_notice(n, MACH_NOTIFY_SEND_ONCE, sizeof(mach_msg_header_t));
  BOOST_CHECK_EQUAL(status(n).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(status(n).mps_sorights, 0u);
  drop_port(p);
  drop_port(n);
}

BOOST_AUTO_TEST_CASE(port_destroyed_returns_the_receive_right) {
  mach_port_name_t p = new_receive();
  mach_port_name_t n = new_receive();
  mach_port_name_t prev = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_set_context(self, p, 77), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(request(p, MACH_NOTIFY_PORT_DESTROYED, 1, n, &prev), KERN_INVALID_VALUE);
  expect_notice(n, MACH_NOTIFY_SEND_ONCE, sizeof(mach_msg_header_t));  // the refused right
  BOOST_REQUIRE_EQUAL(request(p, MACH_NOTIFY_PORT_DESTROYED, 0, n, &prev), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(request(p, MACH_NOTIFY_PORT_DESTROYED, 0, n, &prev), KERN_FAILURE);
  expect_notice(n, MACH_NOTIFY_SEND_ONCE, sizeof(mach_msg_header_t));
  BOOST_CHECK_EQUAL(status(p).mps_pdrequest, 1u);
  BOOST_CHECK_EQUAL(send_simple(p, MACH_MSG_TYPE_MAKE_SEND), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_kr(p), KERN_INVALID_NAME);
  rcv_buffer buf;
  BOOST_REQUIRE_EQUAL(receive(n, buf), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(buf.header.msgh_id, MACH_NOTIFY_PORT_DESTROYED);
  BOOST_CHECK_EQUAL(buf.header.msgh_bits, 0x80001200u);
  BOOST_CHECK_EQUAL(buf.header.msgh_size, 40u);
  const auto* d = reinterpret_cast<const mach_msg_port_descriptor_t*>(reinterpret_cast<const std::uint8_t*>(&buf) + 28);
  BOOST_CHECK_EQUAL(d->disposition, static_cast<mach_msg_type_name_t>(MACH_MSG_TYPE_PORT_RECEIVE));
  mach_port_name_t back = d->name;
  BOOST_CHECK_EQUAL(type_of(back), MACH_PORT_TYPE_RECEIVE);
  mach_port_status_t st = status(back);
  BOOST_CHECK_EQUAL(st.mps_msgcount, 1u);  // queued messages are kept
  BOOST_CHECK_EQUAL(st.mps_pdrequest, 0u);
  mach_port_context_t ctx = 1;
  BOOST_CHECK_EQUAL(mach_port_get_context(self, back, &ctx), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(ctx, 0u);
  drop_port(back);
  drop_port(n);
}

BOOST_AUTO_TEST_CASE(dead_name_across_tasks_adds_a_uref) {
  machemu_task_t other = machemu_task_create();
  mach_port_name_t r = receive_in(other);
  mach_port_name_t s = send_right_from(other, r);
  BOOST_CHECK_EQUAL(type_of(s), MACH_PORT_TYPE_SEND);
  mach_port_name_t n = new_receive();
  mach_port_name_t prev = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(request(s, MACH_NOTIFY_DEAD_NAME, 0, n, &prev), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_of(s), MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DNREQUEST);
  machemu_task_switch(other);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(mach_task_self(), r, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
  machemu_task_switch(nullptr);
  notice got = expect_notice(n, MACH_NOTIFY_DEAD_NAME, 36);
  BOOST_CHECK_EQUAL(got.value, s);
  BOOST_CHECK_EQUAL(type_of(s), MACH_PORT_TYPE_DEAD_NAME);
  BOOST_CHECK_EQUAL(refs(s, MACH_PORT_RIGHT_DEAD_NAME), 2u);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, s, MACH_PORT_RIGHT_SEND, -1), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(request(s, MACH_NOTIFY_DEAD_NAME, 0, n, &prev), KERN_INVALID_ARGUMENT);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, s), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, s), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_kr(s), KERN_INVALID_NAME);
  drop_port(n);
  machemu_task_destroy(other);
}

BOOST_AUTO_TEST_CASE(port_deleted_when_the_watched_right_goes) {
  machemu_task_t other = machemu_task_create();
  mach_port_name_t r = receive_in(other);
  mach_port_name_t s = send_right_from(other, r);
  mach_port_name_t n = new_receive();
  mach_port_name_t prev = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(request(s, MACH_NOTIFY_DEAD_NAME, 0, n, &prev), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, s), KERN_SUCCESS);
  notice got = expect_notice(n, MACH_NOTIFY_PORT_DELETED, 36);
  BOOST_CHECK_EQUAL(got.value, s);
  BOOST_CHECK_EQUAL(type_kr(s), KERN_INVALID_NAME);
  drop_port(n);
  machemu_task_destroy(other);
}

BOOST_AUTO_TEST_CASE(task_death_makes_dead_names) {
  machemu_task_t other = machemu_task_create();
  mach_port_name_t r = receive_in(other);
  mach_port_name_t s = send_right_from(other, r);
  const unsigned long before = machemu_port_count();
  machemu_task_destroy(other);
  BOOST_CHECK_LT(machemu_port_count(), before);
  BOOST_CHECK_EQUAL(type_of(s), MACH_PORT_TYPE_DEAD_NAME);
  BOOST_CHECK_EQUAL(send_simple(s, MACH_MSG_TYPE_COPY_SEND), MACH_SEND_INVALID_DEST);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, s), KERN_SUCCESS);
}

BOOST_AUTO_TEST_CASE(send_possible_when_not_full_fires_at_once) {
  mach_port_name_t p = new_receive_send();
  mach_port_name_t n = new_receive();
  mach_port_name_t prev = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(request(p, MACH_NOTIFY_SEND_POSSIBLE, 1, n, &prev), KERN_SUCCESS);
  notice got = expect_notice(n, MACH_NOTIFY_SEND_POSSIBLE, 36);
  BOOST_CHECK_EQUAL(got.value, p);
  mach_port_name_t set = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(request(set, MACH_NOTIFY_SEND_POSSIBLE, 1, n, &prev), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(request(MACH_PORT_NULL, MACH_NOTIFY_DEAD_NAME, 1, n, &prev), KERN_INVALID_ARGUMENT);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, set), KERN_SUCCESS);
  drop_port(p);
  drop_port(n);
}

namespace {
// The type bits mach_port_names reports for `name` (the SPREQUEST bits appear only there).
mach_port_type_t listed_type(mach_port_name_t name) {
  mach_port_name_array_t names = nullptr;
  mach_port_type_array_t types = nullptr;
  mach_msg_type_number_t n = 0, nt = 0;
  BOOST_REQUIRE_EQUAL(mach_port_names(self, &names, &n, &types, &nt), KERN_SUCCESS);
  mach_port_type_t out = 0;
  for (mach_msg_type_number_t i = 0; i < n; ++i)
    if (names[i] == name) out = types[i];
  vm_deallocate(self, reinterpret_cast<vm_address_t>(names), n * sizeof *names);
  vm_deallocate(self, reinterpret_cast<vm_address_t>(types), nt * sizeof *types);
  return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(send_possible_after_full_queue_drains) {
  machemu_task_t other = machemu_task_create();
  mach_port_name_t r = receive_in(other);
  mach_port_name_t s = send_right_from(other, r);
  for (int i = 0; i < 5; ++i) BOOST_REQUIRE_EQUAL(send_simple(s, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  mach_port_name_t n = new_receive();
  mach_port_name_t prev = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(request(s, MACH_NOTIFY_SEND_POSSIBLE, 1, n, &prev), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(status(n).mps_msgcount, 0u);
  // Registered armed (the queue is full): SPREQUEST without SPREQUEST_DELAYED.
  BOOST_CHECK_EQUAL(listed_type(s) & (MACH_PORT_TYPE_SPREQUEST | MACH_PORT_TYPE_SPREQUEST_DELAYED),
                    MACH_PORT_TYPE_SPREQUEST);
  machemu_task_switch(other);
  BOOST_CHECK_EQUAL(receive_and_destroy(r), MACH_MSG_SUCCESS);
  machemu_task_switch(nullptr);
  notice got = expect_notice(n, MACH_NOTIFY_SEND_POSSIBLE, 36);
  BOOST_CHECK_EQUAL(got.value, s);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, s), KERN_SUCCESS);
  drop_port(n);
  machemu_task_destroy(other);
}


// §4.9: a send-possible request with sync 0 waits unarmed; a MACH_SEND_NOTIFY send that
// finds the queue full arms it (and still times out, pseudo-receiving its message); the next
// dequeue fires it once.
BOOST_AUTO_TEST_CASE(send_notify_arms_a_delayed_send_possible_request) {
  mach_port_name_t p = new_receive_send();
  mach_port_name_t n = new_receive();
  mach_port_name_t prev = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(request(p, MACH_NOTIFY_SEND_POSSIBLE, 0, n, &prev), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(prev, MACH_PORT_NULL);
  BOOST_CHECK_EQUAL(status(n).mps_msgcount, 0u);
  // XNU's bits for an unarmed request: SPREQUEST and SPREQUEST_DELAYED together.
  constexpr mach_port_type_t sp_bits = MACH_PORT_TYPE_SPREQUEST | MACH_PORT_TYPE_SPREQUEST_DELAYED;
  BOOST_CHECK_EQUAL(listed_type(p) & sp_bits, sp_bits);
  BOOST_CHECK(listed_type(p) & MACH_PORT_TYPE_DNREQUEST);
  BOOST_CHECK_EQUAL(type_of(p) & sp_bits, 0u);  // mach_port_type masks them
  // Room in the queue: MACH_SEND_NOTIFY changes nothing.
  for (int i = 0; i < 5; ++i)
    BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 100, MACH_SEND_TIMEOUT | MACH_SEND_NOTIFY),
                        MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(listed_type(p) & sp_bits, sp_bits);
  // Full: the send times out and the request is armed.
  simple_msg m{};
  m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  m.header.msgh_remote_port = p;
  m.header.msgh_size = sizeof m;
  BOOST_CHECK_EQUAL(mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT | MACH_SEND_NOTIFY, sizeof m, 0,
                             MACH_PORT_NULL, 0, MACH_PORT_NULL),
                    MACH_SEND_TIMED_OUT);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 2u);  // the pseudo-received copy
  mach_msg_destroy(&m.header);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 1u);
  BOOST_CHECK_EQUAL(listed_type(p) & sp_bits, MACH_PORT_TYPE_SPREQUEST);  // armed
  BOOST_CHECK_EQUAL(status(n).mps_msgcount, 0u);
  // A dequeue fires it, once.
  BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  notice got = expect_notice(n, MACH_NOTIFY_SEND_POSSIBLE, 36);
  BOOST_CHECK_EQUAL(got.value, p);
  BOOST_CHECK_EQUAL(listed_type(p) & sp_bits, 0u);
  for (int i = 0; i < 4; ++i) BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(status(n).mps_msgcount, 0u);
  // A send without MACH_SEND_NOTIFY does not arm a delayed request.
  BOOST_REQUIRE_EQUAL(request(p, MACH_NOTIFY_SEND_POSSIBLE, 0, n, &prev), KERN_SUCCESS);
  for (int i = 0; i < 5; ++i) BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_MAKE_SEND), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(send_simple(p, MACH_MSG_TYPE_MAKE_SEND), MACH_SEND_TIMED_OUT);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 2u);  // the pseudo-received made right
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, p), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(listed_type(p) & sp_bits, sp_bits);
  for (int i = 0; i < 5; ++i) BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(status(n).mps_msgcount, 0u);
  // Cancelling hands the send-once right back in `previous`.
  BOOST_REQUIRE_EQUAL(request(p, MACH_NOTIFY_SEND_POSSIBLE, 0, MACH_PORT_NULL, &prev), KERN_SUCCESS);
  BOOST_REQUIRE_NE(prev, MACH_PORT_NULL);
  BOOST_CHECK_EQUAL(type_of(prev), MACH_PORT_TYPE_SEND_ONCE);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, prev), KERN_SUCCESS);
  expect_notice(n, MACH_NOTIFY_SEND_ONCE, sizeof(mach_msg_header_t));
  drop_port(p);
  drop_port(n);
}

// §3: XNU's trap copies the notify right in before it looks at the request, so a refused
// request destroys it: a made send-once right leaves MACH_NOTIFY_SEND_ONCE on the notify
// port, a moved one is gone from the caller's space. The watched names are untouched.
BOOST_AUTO_TEST_CASE(refused_requests_destroy_the_notify_right) {
  mach_port_name_t d = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_DEAD_NAME, &d), KERN_SUCCESS);
  mach_port_name_t n = new_receive();
  mach_port_name_t prev = 1;
  BOOST_CHECK_EQUAL(request(d, MACH_NOTIFY_DEAD_NAME, 0, n, &prev), KERN_INVALID_ARGUMENT);
  BOOST_CHECK_EQUAL(request(d, MACH_NOTIFY_DEAD_NAME, 1, n, &prev), KERN_INVALID_ARGUMENT);
  BOOST_CHECK_EQUAL(prev, MACH_PORT_NULL);
  BOOST_CHECK_EQUAL(refs(d, MACH_PORT_RIGHT_DEAD_NAME), 1u);
  BOOST_CHECK_EQUAL(type_of(d), MACH_PORT_TYPE_DEAD_NAME);
  expect_send_once_notification(n);
  expect_send_once_notification(n);
  BOOST_CHECK_EQUAL(status(n).mps_sorights, 0u);

  mach_port_name_t p = new_receive();
  BOOST_REQUIRE_EQUAL(request(p, MACH_NOTIFY_PORT_DESTROYED, 0, n, &prev), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(status(n).mps_sorights, 1u);
  BOOST_CHECK_EQUAL(request(p, MACH_NOTIFY_PORT_DESTROYED, 0, n, &prev), KERN_FAILURE);
  BOOST_CHECK_EQUAL(prev, MACH_PORT_NULL);
  expect_send_once_notification(n);
  BOOST_CHECK_EQUAL(status(n).mps_sorights, 1u);  // the registered request's right only
  BOOST_CHECK_EQUAL(status(p).mps_pdrequest, 1u);

  // A moved send-once right is consumed by a refused request: an unknown msgid here.
  mach_port_name_t so = make_send_once(n);
  BOOST_CHECK_EQUAL(status(n).mps_sorights, 2u);
  BOOST_CHECK_EQUAL(mach_port_request_notification(self, p, 12345, 0, so, MACH_MSG_TYPE_MOVE_SEND_ONCE, &prev),
                    KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(type_kr(so), KERN_INVALID_NAME);
  expect_send_once_notification(n);
  BOOST_CHECK_EQUAL(status(n).mps_sorights, 1u);
  // A bad notify right fails before anything is copied in: the request is not looked at.
  BOOST_CHECK_EQUAL(mach_port_request_notification(self, p, 12345, 0, p, MACH_MSG_TYPE_MOVE_SEND_ONCE, &prev),
                    KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(status(n).mps_msgcount, 0u);

  // Cancelling the port-destroyed request is refused too (it is never replaced).
  BOOST_CHECK_EQUAL(request(p, MACH_NOTIFY_PORT_DESTROYED, 0, MACH_PORT_NULL, &prev), KERN_FAILURE);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, d), KERN_SUCCESS);
  // The first request is the one that fires; destroying the returned receive right ends it.
  drop_port(p);
  mach_msg_id_t id = 0;
  BOOST_CHECK_EQUAL(receive_and_destroy(n, &id), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(id, MACH_NOTIFY_PORT_DESTROYED);
  BOOST_CHECK_EQUAL(status(n).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(status(n).mps_sorights, 0u);
  drop_port(n);
}

// §3: a replaced no-senders request returns the earlier send-once right as a new name; the
// new request is the one that fires.
BOOST_AUTO_TEST_CASE(no_senders_replacement_returns_the_previous_right) {
  mach_port_name_t p = new_receive_send();
  mach_port_name_t n1 = new_receive(), n2 = new_receive();
  mach_port_name_t prev = 1;
  BOOST_REQUIRE_EQUAL(request(p, MACH_NOTIFY_NO_SENDERS, 0, n1, &prev), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(prev, MACH_PORT_NULL);
  BOOST_REQUIRE_EQUAL(request(p, MACH_NOTIFY_NO_SENDERS, 0, n2, &prev), KERN_SUCCESS);
  BOOST_REQUIRE_NE(prev, MACH_PORT_NULL);
  BOOST_CHECK_EQUAL(type_of(prev), MACH_PORT_TYPE_SEND_ONCE);
  BOOST_CHECK_EQUAL(status(n1).mps_sorights, 1u);  // the previous right is n1's
  BOOST_CHECK_EQUAL(status(n2).mps_sorights, 1u);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, -1), KERN_SUCCESS);
  notice got = expect_notice(n2, MACH_NOTIFY_NO_SENDERS, 36);
  BOOST_CHECK_EQUAL(got.value, 1u);
  BOOST_CHECK_EQUAL(status(n1).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, prev), KERN_SUCCESS);
  expect_notice(n1, MACH_NOTIFY_SEND_ONCE, sizeof(mach_msg_header_t));
  drop_port(p);
  drop_port(n1);
  drop_port(n2);
}

BOOST_AUTO_TEST_SUITE_END()
