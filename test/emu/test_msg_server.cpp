// SPDX-License-Identifier: BSL-1.0
// The generic MIG server loops (libsyscall/mach/mach_msg.c: mach_msg_server_once,
// mach_msg_server, mach_msg_server_importance) and MIG's runtime helpers
// (mig_strncpy, mig_strncpy_zerofill, mig_allocate). A MIG server hands these loops its
// generated <subsystem>_server; what it relies on is who owns each right afterwards:
// a routine's RetCode decides whether the request is destroyed, MIG_NO_REPLY leaves the
// reply right with the routine, and a reply that cannot be delivered is destroyed rather
// than leaked or blocking the server. Built in both modes (label emu, and label machd
// through the daemon).
#include <mach/mach.h>
#include <mach/mig.h>
#include <mach/mig_errors.h>
#include <mach/ndr.h>
#include <mach/vm_param.h>

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <cstring>

#include "emu_test_util.hpp"

using namespace emu_test;

namespace {
const mach_port_t self = mach_task_self();

// The routines of a small MIG-shaped subsystem, laid out as MIG lays them out.
enum routine_id : mach_msg_id_t {
  add_one_id = 400,    // (int) -> int
  defer_id = 401,      // the routine keeps the reply right and answers later
  refuse_id = 402,     // carries a port; the routine fails with MIG_BAD_ARGUMENTS
  swap_port_id = 403,  // carries a port the routine keeps; the reply carries another
  trailer_id = 404,    // -> the size of the trailer the request arrived with
};
constexpr mach_msg_id_t reply_offset = 100;

struct simple_request {
  mach_msg_header_t head;
  NDR_record_t ndr;
  int value;
};

struct port_request {
  mach_msg_header_t head;
  mach_msg_body_t body;
  mach_msg_port_descriptor_t port;
  NDR_record_t ndr;
  int value;
};

struct int_reply {
  mach_msg_header_t head;
  NDR_record_t ndr;
  kern_return_t ret_code;
  int result;
};

struct port_reply {
  mach_msg_header_t head;
  mach_msg_body_t body;
  mach_msg_port_descriptor_t port;
};

// A request larger than any max_size the tests give the loops.
struct large_request {
  simple_request request;
  std::array<char, 6000> padding;
};

// What the routines keep between the loop's call and the test's checks.
struct routine_state {
  mach_port_t kept_reply = MACH_PORT_NULL;
  mach_msg_type_name_t kept_reply_type = 0;
  mach_port_t kept_right = MACH_PORT_NULL;
  mach_port_t handed_out = MACH_PORT_NULL;  // swap_port's reply makes a send right to this
  int calls = 0;
};
routine_state state;

void begin_reply(const mach_msg_header_t* in, mach_msg_header_t* out, mach_msg_size_t size) {
  out->msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(in->msgh_bits), 0);
  out->msgh_remote_port = in->msgh_remote_port;
  out->msgh_local_port = MACH_PORT_NULL;
  out->msgh_voucher_port = MACH_PORT_NULL;
  out->msgh_size = size;
  out->msgh_id = in->msgh_id + reply_offset;
}

void error_reply(const mach_msg_header_t* in, mach_msg_header_t* out, kern_return_t code) {
  begin_reply(in, out, sizeof(mig_reply_error_t));
  auto* error = reinterpret_cast<mig_reply_error_t*>(out);
  error->NDR = NDR_record;
  error->RetCode = code;
}

// Our stand-in for a MIG-generated <subsystem>_server.
boolean_t demux(mach_msg_header_t* in, mach_msg_header_t* out) {
  ++state.calls;
  switch (in->msgh_id) {
    case add_one_id:
    case trailer_id: {
      const auto* request = reinterpret_cast<const simple_request*>(in);
      auto* reply = reinterpret_cast<int_reply*>(out);
      begin_reply(in, out, sizeof *reply);
      reply->ndr = NDR_record;
      reply->ret_code = KERN_SUCCESS;
      if (in->msgh_id == add_one_id) {
        reply->result = request->value + 1;
      } else {
        const auto* trailer = reinterpret_cast<const mach_msg_trailer_t*>(
            reinterpret_cast<const char*>(in) + round_msg(in->msgh_size));
        reply->result = static_cast<int>(trailer->msgh_trailer_size);
      }
      return TRUE;
    }
    case defer_id:
      state.kept_reply = in->msgh_remote_port;
      state.kept_reply_type = MACH_MSGH_BITS_REMOTE(in->msgh_bits);
      error_reply(in, out, MIG_NO_REPLY);
      return TRUE;
    case refuse_id:
      error_reply(in, out, MIG_BAD_ARGUMENTS);
      return TRUE;
    case swap_port_id: {
      state.kept_right = reinterpret_cast<const port_request*>(in)->port.name;
      auto* reply = reinterpret_cast<port_reply*>(out);
      begin_reply(in, out, sizeof *reply);
      reply->head.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
      reply->body.msgh_descriptor_count = 1;
      reply->port = mach_msg_port_descriptor_t{};
      reply->port.name = state.handed_out;
      reply->port.disposition = MACH_MSG_TYPE_MAKE_SEND;
      reply->port.type = MACH_MSG_PORT_DESCRIPTOR;
      return TRUE;
    }
    default:
      error_reply(in, out, MIG_BAD_ID);
      return FALSE;
  }
}

// Resets the routines' memory; each case starts from nothing kept.
struct server_fixture : machio_test::right_accounting {
  server_fixture() { state = routine_state{}; }
};

void fill_header(mach_msg_header_t& head, mach_port_t service, mach_msg_id_t id, mach_port_t reply,
                 mach_msg_type_name_t reply_disposition, mach_msg_size_t size) {
  head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, reply_disposition);
  head.msgh_remote_port = service;
  head.msgh_local_port = reply;
  head.msgh_size = size;
  head.msgh_id = id;
}

mach_msg_return_t send_request(mach_port_t service, mach_msg_id_t id, int value, mach_port_t reply,
                               mach_msg_type_name_t reply_disposition = MACH_MSG_TYPE_MAKE_SEND_ONCE) {
  simple_request m{};
  fill_header(m.head, service, id, reply, reply_disposition, sizeof m);
  m.ndr = NDR_record;
  m.value = value;
  return mach_msg(&m.head, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof m, 0, MACH_PORT_NULL, 0,
                  MACH_PORT_NULL);
}

mach_msg_return_t send_port_request(mach_port_t service, mach_msg_id_t id, mach_port_t reply,
                                    mach_port_t carried, mach_msg_type_name_t carried_disposition) {
  port_request m{};
  fill_header(m.head, service, id, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE, sizeof m);
  m.head.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
  m.body.msgh_descriptor_count = 1;
  m.port.name = carried;
  m.port.disposition = carried_disposition;
  m.port.type = MACH_MSG_PORT_DESCRIPTOR;
  m.ndr = NDR_record;
  return mach_msg(&m.head, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof m, 0, MACH_PORT_NULL, 0,
                  MACH_PORT_NULL);
}

mach_msg_return_t send_large_request(mach_port_t service, int value, mach_port_t reply) {
  static large_request m;
  m = large_request{};
  fill_header(m.request.head, service, add_one_id, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE, sizeof m);
  m.request.ndr = NDR_record;
  m.request.value = value;
  return mach_msg(&m.request.head, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof m, 0, MACH_PORT_NULL,
                  0, MACH_PORT_NULL);
}

// Receives one int_reply from `port` and returns its result, checking the MIG framing.
int receive_int_reply(mach_port_t port, mach_msg_id_t request_id,
                      kern_return_t expected_code = KERN_SUCCESS) {
  rcv_buffer buf;
  BOOST_REQUIRE_EQUAL(receive(port, buf), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(buf.header.msgh_id, request_id + reply_offset);
  const auto& reply = reinterpret_cast<const int_reply&>(buf);
  BOOST_CHECK_EQUAL(reply.ret_code, expected_code);
  const int result = expected_code == KERN_SUCCESS ? reply.result : 0;
  BOOST_CHECK_EQUAL(buf.header.msgh_size,
                    expected_code == KERN_SUCCESS ? sizeof(int_reply) : sizeof(mig_reply_error_t));
  mach_msg_destroy(&buf.header);
  return result;
}

bool queue_is_empty(mach_port_t port) { return status(port).mps_msgcount == 0; }

constexpr mach_msg_size_t max_size = 256;
}  // namespace

BOOST_FIXTURE_TEST_SUITE(msg_server, server_fixture)

BOOST_AUTO_TEST_CASE(server_once_answers_one_request_and_returns) {
  const mach_port_t service = new_receive();
  const mach_port_t reply = new_receive();
  BOOST_REQUIRE_EQUAL(send_request(service, add_one_id, 41, reply), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(send_request(service, add_one_id, 9, reply), MACH_MSG_SUCCESS);

  BOOST_CHECK_EQUAL(mach_msg_server_once(demux, max_size, service, 0), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(state.calls, 1);
  BOOST_CHECK_EQUAL(receive_int_reply(reply, add_one_id), 42);
  BOOST_CHECK_EQUAL(status(service).mps_msgcount, 1u);  // only one request was taken

  BOOST_CHECK_EQUAL(mach_msg_server_once(demux, max_size, service, 0), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(receive_int_reply(reply, add_one_id), 10);
  BOOST_CHECK(queue_is_empty(reply));
  drop_port(service);
  drop_port(reply);
}

BOOST_AUTO_TEST_CASE(server_once_returns_the_receive_error) {
  const mach_port_t service = new_receive();
  BOOST_CHECK_EQUAL(mach_msg_server_once(demux, max_size, service, MACH_RCV_TIMEOUT),
                    MACH_RCV_TIMED_OUT);
  BOOST_CHECK_EQUAL(mach_msg_server_once(demux, max_size, MACH_PORT_NULL, MACH_RCV_TIMEOUT),
                    MACH_RCV_INVALID_NAME);
  BOOST_CHECK_EQUAL(state.calls, 0);
  drop_port(service);
}

BOOST_AUTO_TEST_CASE(mig_no_reply_leaves_the_reply_right_with_the_routine) {
  const mach_port_t service = new_receive();
  const mach_port_t reply = new_receive();
  BOOST_REQUIRE_EQUAL(send_request(service, defer_id, 0, reply), MACH_MSG_SUCCESS);

  BOOST_CHECK_EQUAL(mach_msg_server_once(demux, max_size, service, 0), MACH_MSG_SUCCESS);
  BOOST_CHECK(queue_is_empty(reply));
  BOOST_REQUIRE(MACH_PORT_VALID(state.kept_reply));
  BOOST_CHECK_EQUAL(state.kept_reply_type,
                    static_cast<mach_msg_type_name_t>(MACH_MSG_TYPE_PORT_SEND_ONCE));
  BOOST_CHECK_EQUAL(type_of(state.kept_reply), MACH_PORT_TYPE_SEND_ONCE);

  // The routine answers later with the right it kept.
  BOOST_CHECK_EQUAL(send_simple(state.kept_reply, MACH_MSG_TYPE_MOVE_SEND_ONCE), MACH_MSG_SUCCESS);
  mach_msg_id_t id = 0;
  BOOST_CHECK_EQUAL(receive_and_destroy(reply, &id), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(id, 100);
  drop_port(service);
  drop_port(reply);
}

BOOST_AUTO_TEST_CASE(an_error_return_destroys_the_request_but_still_answers) {
  const mach_port_t service = new_receive();
  const mach_port_t reply = new_receive();
  const mach_port_t carried = new_receive();
  BOOST_REQUIRE_EQUAL(
      send_port_request(service, refuse_id, reply, carried, MACH_MSG_TYPE_MAKE_SEND),
      MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(status(carried).mps_srights, 1u);  // in flight

  BOOST_CHECK_EQUAL(mach_msg_server_once(demux, max_size, service, 0), MACH_MSG_SUCCESS);
  receive_int_reply(reply, refuse_id, MIG_BAD_ARGUMENTS);
  // The send right the request carried was released, not left under the carried name.
  BOOST_CHECK_EQUAL(type_of(carried), MACH_PORT_TYPE_RECEIVE);
  BOOST_CHECK_EQUAL(status(carried).mps_srights, 0u);
  drop_port(carried);
  drop_port(service);
  drop_port(reply);
}

BOOST_AUTO_TEST_CASE(an_unknown_routine_is_answered_mig_bad_id) {
  const mach_port_t service = new_receive();
  const mach_port_t reply = new_receive();
  const mach_port_t carried = new_receive();
  BOOST_REQUIRE_EQUAL(send_port_request(service, 999, reply, carried, MACH_MSG_TYPE_MAKE_SEND),
                      MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(mach_msg_server_once(demux, max_size, service, 0), MACH_MSG_SUCCESS);
  receive_int_reply(reply, 999, MIG_BAD_ID);
  BOOST_CHECK_EQUAL(type_of(carried), MACH_PORT_TYPE_RECEIVE);
  drop_port(carried);
  drop_port(service);
  drop_port(reply);
}

// A complex reply's RetCode slot holds its descriptor count (here 1, which as a code
// would be KERN_INVALID_ADDRESS); the loop must take it as success and leave the request's
// right with the routine that kept it.
BOOST_AUTO_TEST_CASE(a_complex_reply_counts_as_success) {
  const mach_port_t service = new_receive();
  const mach_port_t reply = new_receive();
  const mach_port_t carried = new_receive();
  state.handed_out = new_receive();
  BOOST_REQUIRE_EQUAL(
      send_port_request(service, swap_port_id, reply, carried, MACH_MSG_TYPE_MAKE_SEND),
      MACH_MSG_SUCCESS);

  BOOST_CHECK_EQUAL(mach_msg_server_once(demux, max_size, service, 0), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(state.kept_right, carried);
  BOOST_CHECK_EQUAL(type_of(carried), MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND);

  rcv_buffer buf;
  BOOST_REQUIRE_EQUAL(receive(reply, buf), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(buf.header.msgh_id, swap_port_id + reply_offset);
  BOOST_REQUIRE(MACH_MSGH_BITS_IS_COMPLEX(buf.header.msgh_bits));
  const auto& got = reinterpret_cast<const port_reply&>(buf);
  BOOST_CHECK_EQUAL(got.port.name, state.handed_out);
  BOOST_CHECK_EQUAL(refs(state.handed_out, MACH_PORT_RIGHT_SEND), 1u);

  drop_port(carried);
  drop_port(state.handed_out);
  drop_port(service);
  drop_port(reply);
}

BOOST_AUTO_TEST_CASE(a_reply_to_a_dead_port_is_destroyed_and_the_server_goes_on) {
  const mach_port_t service = new_receive();
  for (const mach_msg_type_name_t disposition :
       {MACH_MSG_TYPE_MAKE_SEND_ONCE, MACH_MSG_TYPE_MAKE_SEND}) {
    const mach_port_t reply = new_receive();
    BOOST_REQUIRE_EQUAL(send_request(service, add_one_id, 1, reply, disposition), MACH_MSG_SUCCESS);
    drop_port(reply);  // the client dies before the server answers
    BOOST_CHECK_EQUAL(mach_msg_server_once(demux, max_size, service, 0), MACH_MSG_SUCCESS);
  }
  BOOST_CHECK_EQUAL(state.calls, 2);
  drop_port(service);
}

// A reply to a send right goes out with MACH_SEND_TIMEOUT 0: a client whose queue is full
// costs it its reply, never the server its thread.
BOOST_AUTO_TEST_CASE(a_send_right_reply_to_a_full_queue_is_dropped_not_waited_for) {
  const mach_port_t service = new_receive();
  const mach_port_t reply = new_receive_send();
  set_queue_limit(reply, 1);
  BOOST_REQUIRE_EQUAL(send_simple(reply, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(status(reply).mps_qlimit, 1u);  // so the queue is now full
  BOOST_REQUIRE_EQUAL(send_request(service, add_one_id, 1, reply, MACH_MSG_TYPE_MAKE_SEND),
                      MACH_MSG_SUCCESS);

  BOOST_CHECK_EQUAL(mach_msg_server_once(demux, max_size, service, 0), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(status(reply).mps_msgcount, 1u);
  BOOST_CHECK_EQUAL(refs(reply, MACH_PORT_RIGHT_SEND), 1u);  // the reply's right is gone

  // A send-once reply ignores the limit, as a send-once message always does.
  BOOST_REQUIRE_EQUAL(send_request(service, add_one_id, 2, reply), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(mach_msg_server_once(demux, max_size, service, 0), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(status(reply).mps_msgcount, 2u);
  BOOST_CHECK_EQUAL(receive_and_destroy(reply), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(receive_int_reply(reply, add_one_id), 3);
  drop_port(service);
  drop_port(reply);
}

BOOST_AUTO_TEST_CASE(rcv_large_grows_the_buffer_to_the_queued_request) {
  const mach_port_t service = new_receive();
  const mach_port_t reply = new_receive();
  BOOST_REQUIRE_EQUAL(send_large_request(service, 6, reply), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(mach_msg_server_once(demux, max_size, service, MACH_RCV_LARGE),
                    MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(receive_int_reply(reply, add_one_id), 7);
  drop_port(service);
  drop_port(reply);
}

// Without MACH_RCV_LARGE the kernel drops a request that does not fit, so the client's
// send-once reply right dies and the client hears of it as a send-once notification.
BOOST_AUTO_TEST_CASE(without_rcv_large_a_too_large_request_is_dropped) {
  const mach_port_t service = new_receive();
  const mach_port_t reply = new_receive();
  BOOST_REQUIRE_EQUAL(send_large_request(service, 6, reply), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(mach_msg_server_once(demux, max_size, service, 0), MACH_RCV_TOO_LARGE);
  BOOST_CHECK_EQUAL(state.calls, 0);
  BOOST_CHECK(queue_is_empty(service));
  expect_send_once_notification(reply);
  drop_port(service);
  drop_port(reply);
}

BOOST_AUTO_TEST_CASE(the_callers_trailer_request_reaches_the_routine) {
  const mach_port_t service = new_receive();
  const mach_port_t reply = new_receive();
  BOOST_REQUIRE_EQUAL(send_request(service, trailer_id, 0, reply), MACH_MSG_SUCCESS);
  const mach_msg_options_t audit = MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
                                   MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT);
  BOOST_CHECK_EQUAL(mach_msg_server_once(demux, max_size, service, audit), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(receive_int_reply(reply, trailer_id),
                    static_cast<int>(sizeof(mach_msg_audit_trailer_t)));
  drop_port(service);
  drop_port(reply);
}

// mach_msg_server answers until a receive fails; with MACH_RCV_TIMEOUT (and the loop's
// timeout of 0) that is as soon as the queue is empty.
BOOST_AUTO_TEST_CASE(server_answers_everything_queued_then_returns_the_timeout) {
  const mach_port_t service = new_receive();
  const mach_port_t reply = new_receive();
  BOOST_REQUIRE_EQUAL(send_request(service, add_one_id, 10, reply), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(send_request(service, add_one_id, 20, reply, MACH_MSG_TYPE_MAKE_SEND),
                      MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(send_request(service, defer_id, 0, reply), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(send_large_request(service, 30, reply), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(send_request(service, add_one_id, 40, reply), MACH_MSG_SUCCESS);

  BOOST_CHECK_EQUAL(mach_msg_server(demux, max_size, service, MACH_RCV_TIMEOUT | MACH_RCV_LARGE),
                    MACH_RCV_TIMED_OUT);
  BOOST_CHECK_EQUAL(state.calls, 5);
  BOOST_CHECK(queue_is_empty(service));
  BOOST_CHECK_EQUAL(receive_int_reply(reply, add_one_id), 11);
  BOOST_CHECK_EQUAL(receive_int_reply(reply, add_one_id), 21);
  BOOST_CHECK_EQUAL(receive_int_reply(reply, add_one_id), 31);
  BOOST_CHECK_EQUAL(receive_int_reply(reply, add_one_id), 41);
  BOOST_CHECK(queue_is_empty(reply));
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, state.kept_reply), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(receive_and_destroy(reply), MACH_MSG_SUCCESS);  // its send-once notification
  drop_port(service);
  drop_port(reply);
}

BOOST_AUTO_TEST_CASE(server_stops_at_a_too_large_request_without_rcv_large) {
  const mach_port_t service = new_receive();
  const mach_port_t reply = new_receive();
  BOOST_REQUIRE_EQUAL(send_request(service, add_one_id, 1, reply), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(send_large_request(service, 2, reply), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(send_request(service, add_one_id, 3, reply), MACH_MSG_SUCCESS);

  BOOST_CHECK_EQUAL(mach_msg_server(demux, max_size, service, MACH_RCV_TIMEOUT), MACH_RCV_TOO_LARGE);
  BOOST_CHECK_EQUAL(state.calls, 1);
  BOOST_CHECK_EQUAL(status(service).mps_msgcount, 1u);
  BOOST_CHECK_EQUAL(receive_int_reply(reply, add_one_id), 2);
  expect_send_once_notification(reply);  // the dropped request's reply right

  BOOST_CHECK_EQUAL(mach_msg_server_importance(demux, max_size, service, MACH_RCV_TIMEOUT),
                    MACH_RCV_TIMED_OUT);
  BOOST_CHECK_EQUAL(receive_int_reply(reply, add_one_id), 4);
  drop_port(service);
  drop_port(reply);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(mig_runtime, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(mig_strncpy_counts_the_nul_and_cuts_at_len) {
  char dest[8];
  std::memset(dest, 'x', sizeof dest);
  BOOST_CHECK_EQUAL(mig_strncpy(dest, "abc", 8), 4);
  BOOST_CHECK(std::memcmp(dest, "abc\0xxxx", 8) == 0);  // the tail is left alone

  std::memset(dest, 'x', sizeof dest);
  BOOST_CHECK_EQUAL(mig_strncpy(dest, "abcdefghij", 4), 4);
  BOOST_CHECK(std::memcmp(dest, "abc\0xxxx", 8) == 0);

  std::memset(dest, 'x', sizeof dest);
  BOOST_CHECK_EQUAL(mig_strncpy(dest, "abc", 4), 4);  // exactly fits
  BOOST_CHECK(std::memcmp(dest, "abc\0", 4) == 0);
  BOOST_CHECK_EQUAL(mig_strncpy(dest, "", 8), 1);
  BOOST_CHECK_EQUAL(dest[0], '\0');

  std::memset(dest, 'x', sizeof dest);
  BOOST_CHECK_EQUAL(mig_strncpy(dest, "abc", 0), 0);
  BOOST_CHECK_EQUAL(mig_strncpy(dest, "abc", -1), 0);
  BOOST_CHECK_EQUAL(dest[0], 'x');
  BOOST_CHECK_EQUAL(mig_strncpy(dest, "abc", 1), 1);
  BOOST_CHECK_EQUAL(dest[0], '\0');
}

BOOST_AUTO_TEST_CASE(mig_strncpy_zerofill_clears_what_follows_the_string) {
  char dest[8];
  std::memset(dest, 'x', sizeof dest);
  BOOST_CHECK_EQUAL(mig_strncpy_zerofill(dest, "abc", 8), 4);
  BOOST_CHECK(std::memcmp(dest, "abc\0\0\0\0\0", 8) == 0);

  std::memset(dest, 'x', sizeof dest);
  BOOST_CHECK_EQUAL(mig_strncpy_zerofill(dest, "abcdefghij", 5), 5);
  BOOST_CHECK(std::memcmp(dest, "abcd\0xxx", 8) == 0);

  std::memset(dest, 'x', sizeof dest);
  BOOST_CHECK_EQUAL(mig_strncpy_zerofill(dest, nullptr, 6), 0);
  BOOST_CHECK(std::memcmp(dest, "\0\0\0\0\0\0xx", 8) == 0);

  BOOST_CHECK_EQUAL(mig_strncpy_zerofill(nullptr, "abc", 6), 0);
  BOOST_CHECK_EQUAL(mig_strncpy_zerofill(dest, "abc", 0), 0);
}

BOOST_AUTO_TEST_CASE(mig_allocate_gives_zeroed_pages_mig_deallocate_returns) {
  vm_address_t address = 0;
  mig_allocate(&address, 3 * PAGE_SIZE + 1);
  BOOST_REQUIRE_NE(address, 0u);
  BOOST_CHECK_EQUAL(address % PAGE_SIZE, 0u);
  const auto* bytes = reinterpret_cast<const unsigned char*>(address);
  bool zero = true;
  for (vm_size_t i = 0; i < 4 * PAGE_SIZE; ++i) zero = zero && bytes[i] == 0;
  BOOST_CHECK(zero);
  std::memset(reinterpret_cast<void*>(address), 0xAB, 4 * PAGE_SIZE);
  mig_deallocate(address, 3 * PAGE_SIZE + 1);
}

BOOST_AUTO_TEST_SUITE_END()
