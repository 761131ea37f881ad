// SPDX-License-Identifier: BSL-1.0
// §3: construct/destruct, guards, attributes, context, mscount, seqno, peek, port sets.
#include <mach/mach.h>

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstring>
#include <functional>
#include <utility>
#include <vector>

#include "emu_test_util.hpp"

using namespace emu_test;

namespace {
const mach_port_t self = mach_task_self();

std::vector<mach_port_name_t> members(mach_port_name_t set) {
  mach_port_name_array_t arr = nullptr;
  mach_msg_type_number_t n = 0;
  BOOST_REQUIRE_EQUAL(mach_port_get_set_status(self, set, &arr, &n), KERN_SUCCESS);
  std::vector<mach_port_name_t> out(arr, arr + n);
  if (n) vm_deallocate(self, reinterpret_cast<vm_address_t>(arr), n * sizeof *arr);
  return out;
}
}  // namespace

BOOST_FIXTURE_TEST_SUITE(port_calls, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(allocate_defaults) {
  mach_port_name_t p = new_receive();
  mach_port_status_t st = status(p);
  BOOST_CHECK_EQUAL(st.mps_qlimit, static_cast<natural_t>(MACH_PORT_QLIMIT_DEFAULT));
  BOOST_CHECK_EQUAL(st.mps_qlimit, 5u);
  BOOST_CHECK_EQUAL(st.mps_mscount, 0u);
  BOOST_CHECK_EQUAL(st.mps_seqno, 0u);
  BOOST_CHECK_EQUAL(st.mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(st.mps_srights, 0u);
  BOOST_CHECK_EQUAL(st.mps_pset, 0u);
  mach_port_context_t ctx = 1;
  BOOST_CHECK_EQUAL(mach_port_get_context(self, p, &ctx), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(ctx, 0u);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(construct_insert_send_right_counts_one_make_send) {
  mach_port_options_t o{};
  o.flags = MPO_INSERT_SEND_RIGHT | MPO_QLIMIT;
  o.mpl.mpl_qlimit = 9;
  mach_port_name_t p = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_construct(self, &o, 0x1234, &p), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_of(p), MACH_PORT_TYPE_SEND_RECEIVE);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 1u);
  BOOST_CHECK_EQUAL(status(p).mps_mscount, 1u);
  BOOST_CHECK_EQUAL(status(p).mps_qlimit, 9u);
  mach_port_context_t ctx = 0;
  BOOST_CHECK_EQUAL(mach_port_get_context(self, p, &ctx), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(ctx, 0x1234u);
  BOOST_CHECK_EQUAL(mach_port_destruct(self, p, -1, 0), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_kr(p), KERN_INVALID_NAME);
}

BOOST_AUTO_TEST_CASE(construct_option_errors) {
  mach_port_name_t p = MACH_PORT_NULL;
  mach_port_options_t o{};
  o.flags = MPO_QLIMIT;
  o.mpl.mpl_qlimit = MACH_PORT_QLIMIT_MAX + 1;
  BOOST_CHECK_EQUAL(mach_port_construct(self, &o, 0, &p), KERN_INVALID_VALUE);
  o = {};
  o.flags = MPO_REPLY_PORT | MPO_EXCEPTION_PORT;
  BOOST_CHECK_EQUAL(mach_port_construct(self, &o, 0, &p), KERN_INVALID_ARGUMENT);
  o.flags = MPO_CONNECTION_PORT | MPO_SERVICE_PORT;
  BOOST_CHECK_EQUAL(mach_port_construct(self, &o, 0, &p), KERN_INVALID_ARGUMENT);
  o = {};
  o.flags = MPO_QLIMIT;
  o.mpl.mpl_qlimit = MACH_PORT_QLIMIT_MAX;
  BOOST_REQUIRE_EQUAL(mach_port_construct(self, &o, 0, &p), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(status(p).mps_qlimit, 1024u);
  BOOST_CHECK_EQUAL(mach_port_destruct(self, p, 0, 0), KERN_SUCCESS);
}

BOOST_AUTO_TEST_CASE(destruct_codes) {
  mach_port_options_t o{};
  o.flags = MPO_INSERT_SEND_RIGHT;
  mach_port_name_t p = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_construct(self, &o, 0, &p), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_destruct(self, MACH_PORT_NULL, 0, 0), KERN_INVALID_NAME);
  BOOST_CHECK_EQUAL(mach_port_destruct(self, MACH_PORT_DEAD, 0, 0), KERN_INVALID_NAME);
  BOOST_CHECK_EQUAL(mach_port_destruct(self, p, 1, 0), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(mach_port_destruct(self, p, -2, 0), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(type_of(p), MACH_PORT_TYPE_SEND_RECEIVE);
  // srdelta 0 leaves the send uref as a dead name.
  BOOST_CHECK_EQUAL(mach_port_destruct(self, p, 0, 0), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_of(p), MACH_PORT_TYPE_DEAD_NAME);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_DEAD_NAME), 1u);
  BOOST_CHECK_EQUAL(mach_port_destruct(self, p, 0, 0), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, p), KERN_SUCCESS);
  mach_port_name_t q = new_receive();
  BOOST_CHECK_EQUAL(mach_port_destruct(self, q, -1, 0), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(mach_port_destruct(self, q, 0, 99), KERN_SUCCESS);  // unguarded: guard ignored
}

BOOST_AUTO_TEST_CASE(guards) {
  mach_port_options_t o{};
  o.flags = MPO_CONTEXT_AS_GUARD | MPO_STRICT;
  mach_port_name_t p = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_construct(self, &o, 0xABCD, &p), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(status(p).mps_flags & (MACH_PORT_STATUS_FLAG_GUARDED | MACH_PORT_STATUS_FLAG_STRICT_GUARD),
                    static_cast<natural_t>(MACH_PORT_STATUS_FLAG_GUARDED | MACH_PORT_STATUS_FLAG_STRICT_GUARD));
  mach_port_context_t ctx = 1;
  BOOST_CHECK_EQUAL(mach_port_get_context(self, p, &ctx), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(ctx, 0u);  // strict guards hide the value
  BOOST_CHECK_EQUAL(mach_port_guard(self, p, 5, 0), KERN_INVALID_ARGUMENT);
  BOOST_CHECK_EQUAL(mach_port_unguard(self, p, 0xABCD), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(status(p).mps_flags & MACH_PORT_STATUS_FLAG_GUARDED, 0u);
  BOOST_CHECK_EQUAL(mach_port_guard(self, p, 7, 0), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_get_context(self, p, &ctx), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(ctx, 7u);  // non-strict: the context is the guard
  BOOST_CHECK_EQUAL(mach_port_guard(self, MACH_PORT_NULL, 7, 0), KERN_INVALID_NAME);
  BOOST_CHECK_EQUAL(mach_port_destruct(self, p, 0, 7), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_kr(p), KERN_INVALID_NAME);
}

BOOST_AUTO_TEST_CASE(attributes) {
  mach_port_name_t p = new_receive();
  mach_port_limits_t lim{};
  mach_msg_type_number_t count = MACH_PORT_LIMITS_INFO_COUNT;
  lim.mpl_qlimit = 1025;
  BOOST_CHECK_EQUAL(mach_port_set_attributes(self, p, MACH_PORT_LIMITS_INFO, reinterpret_cast<mach_port_info_t>(&lim), count),
                    KERN_INVALID_VALUE);
  lim.mpl_qlimit = 0;
  BOOST_CHECK_EQUAL(mach_port_set_attributes(self, p, MACH_PORT_LIMITS_INFO, reinterpret_cast<mach_port_info_t>(&lim), count),
                    KERN_SUCCESS);
  lim.mpl_qlimit = 77;
  BOOST_CHECK_EQUAL(mach_port_get_attributes(self, p, MACH_PORT_LIMITS_INFO, reinterpret_cast<mach_port_info_t>(&lim), &count),
                    KERN_SUCCESS);
  BOOST_CHECK_EQUAL(lim.mpl_qlimit, 0u);
  BOOST_CHECK_EQUAL(count, static_cast<mach_msg_type_number_t>(MACH_PORT_LIMITS_INFO_COUNT));
  mach_port_status_t st{};
  count = MACH_PORT_RECEIVE_STATUS_COUNT - 1;
  BOOST_CHECK_EQUAL(mach_port_get_attributes(self, p, MACH_PORT_RECEIVE_STATUS, reinterpret_cast<mach_port_info_t>(&st), &count),
                    KERN_FAILURE);
  count = MACH_PORT_RECEIVE_STATUS_COUNT;
  BOOST_CHECK_EQUAL(mach_port_get_attributes(self, p, 999, reinterpret_cast<mach_port_info_t>(&st), &count),
                    KERN_INVALID_ARGUMENT);
  count = MACH_PORT_LIMITS_INFO_COUNT;
  BOOST_CHECK_EQUAL(mach_port_get_attributes(self, MACH_PORT_NULL, MACH_PORT_LIMITS_INFO, reinterpret_cast<mach_port_info_t>(&lim), &count),
                    KERN_SUCCESS);
  BOOST_CHECK_EQUAL(count, 0u);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(context_mscount_seqno) {
  mach_port_name_t p = new_receive_send();
  BOOST_CHECK_EQUAL(mach_port_set_context(self, p, 0xFEEDFACECAFEull), KERN_SUCCESS);
  mach_port_context_t ctx = 0;
  BOOST_CHECK_EQUAL(mach_port_get_context(self, p, &ctx), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(ctx, 0xFEEDFACECAFEull);
  BOOST_CHECK_EQUAL(mach_port_get_context(self, MACH_PORT_NULL, &ctx), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(mach_port_set_context(self, mach_task_self(), 1), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(mach_port_set_mscount(self, p, 40), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(status(p).mps_mscount, 40u);
  BOOST_CHECK_EQUAL(mach_port_set_seqno(self, p, 9), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(status(p).mps_mscount, 40u);  // COPY_SEND does not count
  BOOST_CHECK_EQUAL(send_simple(p, MACH_MSG_TYPE_MAKE_SEND), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(status(p).mps_mscount, 41u);
  BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(status(p).mps_seqno, 10u);
  BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(status(p).mps_seqno, 11u);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(peek_reports_size_plus_eight) {
  mach_port_name_t p = new_receive_send();
  mach_port_seqno_t seq = 0;
  mach_msg_size_t size = 0;
  mach_msg_id_t id = 0;
  mach_msg_max_trailer_t trailer{};
  mach_msg_type_number_t tcount = MACH_MSG_TRAILER_FORMAT_0_SIZE;
  BOOST_CHECK_EQUAL(mach_port_peek(self, p, MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_NULL), &seq, &size, &id,
                                   reinterpret_cast<mach_msg_trailer_info_t>(&trailer), &tcount),
                    KERN_FAILURE);
  BOOST_CHECK_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 4242), MACH_MSG_SUCCESS);
  seq = 0;
  tcount = MACH_MSG_TRAILER_FORMAT_0_SIZE;
  BOOST_CHECK_EQUAL(mach_port_peek(self, p, MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_NULL), &seq, &size, &id,
                                   reinterpret_cast<mach_msg_trailer_info_t>(&trailer), &tcount),
                    KERN_SUCCESS);
  BOOST_CHECK_EQUAL(size, sizeof(simple_msg) + 8);
  BOOST_CHECK_EQUAL(id, 4242);
  BOOST_CHECK_EQUAL(seq, 0u);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 1u);
  BOOST_CHECK_EQUAL(mach_port_peek(self, mach_task_self(), 0, &seq, &size, &id,
                                   reinterpret_cast<mach_msg_trailer_info_t>(&trailer), &tcount),
                    KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(port_sets) {
  mach_port_name_t a = new_receive_send(), b = new_receive();
  mach_port_name_t s1 = MACH_PORT_NULL, s2 = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &s1), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &s2), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_insert_member(self, a, s1), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_insert_member(self, a, s1), KERN_ALREADY_IN_SET);
  BOOST_CHECK_EQUAL(mach_port_insert_member(self, a, s2), KERN_SUCCESS);  // several sets at once
  BOOST_CHECK_EQUAL(mach_port_insert_member(self, MACH_PORT_NULL, s1), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(mach_port_insert_member(self, a, b), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(mach_port_insert_member(self, s2, s1), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(status(a).mps_pset, 1u);
  BOOST_CHECK(members(s1) == std::vector<mach_port_name_t>{a});
  BOOST_CHECK_EQUAL(mach_port_extract_member(self, b, s1), KERN_NOT_IN_SET);
  BOOST_CHECK_EQUAL(mach_port_move_member(self, b, s1), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_move_member(self, a, s1), KERN_SUCCESS);  // leaves s2
  BOOST_CHECK(members(s2).empty());
  BOOST_CHECK_EQUAL(members(s1).size(), 2u);
  BOOST_CHECK_EQUAL(mach_port_move_member(self, a, MACH_PORT_DEAD), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(mach_port_move_member(self, a, MACH_PORT_NULL), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_move_member(self, a, MACH_PORT_NULL), KERN_NOT_IN_SET);
  BOOST_CHECK_EQUAL(status(a).mps_pset, 0u);
  // A message queued before insertion is receivable through the set; local = member name.
  BOOST_CHECK_EQUAL(send_simple(a, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_insert_member(self, a, s2), KERN_SUCCESS);
  rcv_buffer buf;
  BOOST_CHECK_EQUAL(receive(s2, buf), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(buf.header.msgh_local_port, a);
  BOOST_CHECK_EQUAL(receive(s2, buf), MACH_RCV_TIMED_OUT);
  BOOST_CHECK_EQUAL(mach_port_extract_member(self, b, s1), KERN_SUCCESS);
  // Destroying a set removes members without destroying them.
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, s2, MACH_PORT_RIGHT_PORT_SET, -1), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_of(a), MACH_PORT_TYPE_SEND_RECEIVE);
  BOOST_CHECK_EQUAL(status(a).mps_pset, 0u);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, s1), KERN_SUCCESS);
  drop_port(a);
  drop_port(b);
}

// §3 peek: a non-zero seqno selects the queued message that will get that seqno; a seqno
// no queued message will get is KERN_FAILURE. Peeking dequeues nothing.
BOOST_AUTO_TEST_CASE(peek_by_seqno) {
  mach_port_name_t p = new_receive_send();
  BOOST_REQUIRE_EQUAL(mach_port_set_seqno(self, p, 10), KERN_SUCCESS);
  for (mach_msg_id_t id : {501, 502, 503})
    BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, id), MACH_MSG_SUCCESS);
  mach_msg_size_t size = 0;
  mach_msg_id_t id = 0;
  mach_msg_seqno_trailer_t trailer{};
  auto peek = [&](mach_port_seqno_t& seq) {
    mach_msg_type_number_t tcount = sizeof trailer;
    return mach_port_peek(self, p, MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_SEQNO), &seq, &size, &id,
                          reinterpret_cast<mach_msg_trailer_info_t>(&trailer), &tcount);
  };
  mach_port_seqno_t seq = 0;
  BOOST_CHECK_EQUAL(peek(seq), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(seq, 10u);
  BOOST_CHECK_EQUAL(id, 501);
  seq = 12;
  BOOST_CHECK_EQUAL(peek(seq), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(seq, 12u);
  BOOST_CHECK_EQUAL(id, 503);
  BOOST_CHECK_EQUAL(trailer.msgh_seqno, 12u);
  BOOST_CHECK_EQUAL(trailer.msgh_trailer_size, sizeof trailer);
  seq = 11;
  BOOST_CHECK_EQUAL(peek(seq), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(id, 502);
  BOOST_CHECK_EQUAL(size, sizeof(simple_msg) + 8);
  id = 0;
  seq = 13;
  BOOST_CHECK_EQUAL(peek(seq), KERN_FAILURE);
  seq = 9;  // already dequeued seqnos are gone as well
  BOOST_CHECK_EQUAL(peek(seq), KERN_FAILURE);
  BOOST_CHECK_EQUAL(id, 0);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 3u);
  BOOST_CHECK_EQUAL(status(p).mps_seqno, 10u);
  // Trailer requests above the audit trailer, and buffers too small, are bad values.
  mach_msg_type_number_t tcount = sizeof trailer;
  seq = 0;
  BOOST_CHECK_EQUAL(mach_port_peek(self, p, MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_CTX), &seq, &size, &id,
                                   reinterpret_cast<mach_msg_trailer_info_t>(&trailer), &tcount),
                    KERN_INVALID_VALUE);
  tcount = 4;
  BOOST_CHECK_EQUAL(mach_port_peek(self, p, 0, &seq, &size, &id, reinterpret_cast<mach_msg_trailer_info_t>(&trailer),
                                   &tcount),
                    KERN_INVALID_VALUE);
  tcount = sizeof trailer;
  BOOST_CHECK_EQUAL(mach_port_peek(self, MACH_PORT_NULL, 0, &seq, &size, &id,
                                   reinterpret_cast<mach_msg_trailer_info_t>(&trailer), &tcount),
                    KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(mach_port_peek(self, 0x7F0003, 0, &seq, &size, &id,
                                   reinterpret_cast<mach_msg_trailer_info_t>(&trailer), &tcount),
                    KERN_INVALID_NAME);
  for (mach_msg_id_t want : {501, 502, 503}) {
    mach_msg_id_t got = 0;
    BOOST_CHECK_EQUAL(receive_and_destroy(p, &got), MACH_MSG_SUCCESS);
    BOOST_CHECK_EQUAL(got, want);
  }
  drop_port(p);
}

// §4.6: through a set, members come out in the order they got messages (one message per
// member here: XNU's preposting), FIFO per member, and
// each carries its member's name and that member's seqno.
BOOST_AUTO_TEST_CASE(port_set_receive_order) {
  mach_port_name_t a = new_receive_send(), b = new_receive_send();
  mach_port_name_t s = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &s), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(mach_port_insert_member(self, a, s), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(mach_port_insert_member(self, b, s), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(send_simple(b, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 1), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(send_simple(a, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 2), MACH_MSG_SUCCESS);
  rcv_buffer buf;
  auto next = [&](mach_port_name_t want_port, mach_msg_id_t want_id, mach_port_seqno_t want_seqno) {
    BOOST_REQUIRE_EQUAL(receive(s, buf, MACH_RCV_TIMEOUT | MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_SEQNO)),
                        MACH_MSG_SUCCESS);
    BOOST_CHECK_EQUAL(buf.header.msgh_local_port, want_port);
    BOOST_CHECK_EQUAL(buf.header.msgh_id, want_id);
    mach_msg_seqno_trailer_t tr{};
    std::memcpy(&tr, reinterpret_cast<const std::uint8_t*>(&buf) + buf.header.msgh_size, sizeof tr);
    BOOST_CHECK_EQUAL(tr.msgh_seqno, want_seqno);
  };
  next(b, 1, 0);
  next(a, 2, 0);
  BOOST_CHECK_EQUAL(receive(s, buf), MACH_RCV_TIMED_OUT);
  // FIFO within one member through the set, while the other member is empty.
  for (mach_msg_id_t id : {3, 4, 5})
    BOOST_REQUIRE_EQUAL(send_simple(a, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, id), MACH_MSG_SUCCESS);
  next(a, 3, 1);
  next(a, 4, 2);
  // A receive on the member itself takes from the same queue.
  BOOST_CHECK_EQUAL(receive(a, buf), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(buf.header.msgh_id, 5);
  BOOST_CHECK_EQUAL(receive(s, buf), MACH_RCV_TIMED_OUT);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, s), KERN_SUCCESS);
  drop_port(a);
  drop_port(b);
}

// XNU's preposting (waitq_set_first_prepost rotates the set's prepost queue): a receive
// from a set takes the first message of the member that got messages first, then moves
// that member behind the others, so members with messages take turns rather than the
// oldest message coming first. A member emptied by a receive on itself is skipped.
BOOST_AUTO_TEST_CASE(port_set_members_with_messages_take_turns) {
  mach_port_name_t a = new_receive_send(), b = new_receive_send(), c = new_receive_send();
  mach_port_name_t s = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &s), KERN_SUCCESS);
  for (mach_port_name_t m : {a, b, c}) BOOST_REQUIRE_EQUAL(mach_port_insert_member(self, m, s), KERN_SUCCESS);
  // a gets 1 and 2, then b gets 3, then c gets 4 and 5.
  for (auto [port, id] : {std::pair{a, 1}, {a, 2}, {b, 3}, {c, 4}, {c, 5}})
    BOOST_REQUIRE_EQUAL(send_simple(port, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, id), MACH_MSG_SUCCESS);
  rcv_buffer buf;
  std::vector<mach_msg_id_t> order;
  // c's first message is taken on c itself: the set's next turn of c gives its second.
  BOOST_REQUIRE_EQUAL(receive(c, buf), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(buf.header.msgh_id, 4);
  while (receive(s, buf) == MACH_MSG_SUCCESS) order.push_back(buf.header.msgh_id);
  BOOST_CHECK((order == std::vector<mach_msg_id_t>{1, 3, 5, 2}));
  // A member emptied on itself is skipped: b is listed first again, then drained directly.
  BOOST_REQUIRE_EQUAL(send_simple(b, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 6), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(send_simple(a, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 7), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(receive(b, buf), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(receive(s, buf), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(buf.header.msgh_id, 7);
  BOOST_CHECK_EQUAL(receive(s, buf), MACH_RCV_TIMED_OUT);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, s), KERN_SUCCESS);
  for (mach_port_name_t m : {a, b, c}) drop_port(m);
}

// §3/§11: every call that needs a receive right, with a special name, a name nobody holds and
// a name holding only a send right. Guard calls answer KERN_INVALID_NAME for special names,
// the rest KERN_INVALID_RIGHT; nothing changes.
BOOST_AUTO_TEST_CASE(receive_right_calls_reject_other_names) {
  mach_port_name_t r = new_receive();
  const mach_port_name_t s = self;  // a send right whose receive right is elsewhere
  mach_port_name_t dead = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_DEAD_NAME, &dead), KERN_SUCCESS);
  const mach_port_name_t unknown = 0x7F0003;
  mach_port_name_t n = new_receive();
  struct call {
    const char* what;
    kern_return_t special_code;
    std::function<kern_return_t(mach_port_name_t)> run;
  };
  mach_port_status_t st{};
  mach_msg_type_number_t count = 0;
  mach_port_context_t ctx = 0;
  mach_port_rights_t srights = 0;
  mach_port_seqno_t seq = 0;
  mach_msg_size_t size = 0;
  mach_msg_id_t id = 0;
  mach_msg_max_trailer_t trailer{};
  mach_port_name_t prev = MACH_PORT_NULL;
  mach_port_limits_t limits{1};
  const std::vector<call> calls = {
      {"destruct", KERN_INVALID_NAME, [](mach_port_name_t x) { return mach_port_destruct(self, x, 0, 0); }},
      {"guard", KERN_INVALID_NAME, [](mach_port_name_t x) { return mach_port_guard(self, x, 1, FALSE); }},
      {"unguard", KERN_INVALID_NAME, [](mach_port_name_t x) { return mach_port_unguard(self, x, 1); }},
      {"swap_guard", KERN_INVALID_NAME, [](mach_port_name_t x) { return mach_port_swap_guard(self, x, 1, 2); }},
      {"get_attributes", KERN_INVALID_RIGHT,
       [&](mach_port_name_t x) {
         count = MACH_PORT_RECEIVE_STATUS_COUNT;
         return mach_port_get_attributes(self, x, MACH_PORT_RECEIVE_STATUS, reinterpret_cast<mach_port_info_t>(&st),
                                         &count);
       }},
      {"set_attributes", KERN_INVALID_RIGHT,
       [&](mach_port_name_t x) {
         return mach_port_set_attributes(self, x, MACH_PORT_LIMITS_INFO, reinterpret_cast<mach_port_info_t>(&limits),
                                         MACH_PORT_LIMITS_INFO_COUNT);
       }},
      {"get_context", KERN_INVALID_RIGHT, [&](mach_port_name_t x) { return mach_port_get_context(self, x, &ctx); }},
      {"set_context", KERN_INVALID_RIGHT, [](mach_port_name_t x) { return mach_port_set_context(self, x, 5); }},
      {"set_mscount", KERN_INVALID_RIGHT, [](mach_port_name_t x) { return mach_port_set_mscount(self, x, 5); }},
      {"set_seqno", KERN_INVALID_RIGHT, [](mach_port_name_t x) { return mach_port_set_seqno(self, x, 5); }},
      {"get_srights", KERN_INVALID_RIGHT, [&](mach_port_name_t x) { return mach_port_get_srights(self, x, &srights); }},
      {"peek", KERN_INVALID_RIGHT,
       [&](mach_port_name_t x) {
         count = sizeof trailer;
         return mach_port_peek(self, x, 0, &seq, &size, &id, reinterpret_cast<mach_msg_trailer_info_t>(&trailer),
                               &count);
       }},
      {"no_senders request", KERN_INVALID_RIGHT,
       [&](mach_port_name_t x) {
         return mach_port_request_notification(self, x, MACH_NOTIFY_NO_SENDERS, 0, n, MACH_MSG_TYPE_MAKE_SEND_ONCE,
                                               &prev);
       }},
      {"port_destroyed request", KERN_INVALID_RIGHT,
       [&](mach_port_name_t x) {
         return mach_port_request_notification(self, x, MACH_NOTIFY_PORT_DESTROYED, 0, n,
                                               MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev);
       }},
      {"move_member", KERN_INVALID_RIGHT, [](mach_port_name_t x) { return mach_port_move_member(self, x, MACH_PORT_NULL); }},
  };
  for (const call& c : calls) {
    BOOST_TEST_CONTEXT(c.what) {
      BOOST_CHECK_EQUAL(c.run(MACH_PORT_NULL), c.special_code);
      BOOST_CHECK_EQUAL(c.run(MACH_PORT_DEAD), c.special_code);
      BOOST_CHECK_EQUAL(c.run(unknown), KERN_INVALID_NAME);
      BOOST_CHECK_EQUAL(c.run(s), KERN_INVALID_RIGHT);
      BOOST_CHECK_EQUAL(c.run(dead), KERN_INVALID_RIGHT);
    }
  }
  BOOST_CHECK_EQUAL(type_of(s), MACH_PORT_TYPE_SEND);
  BOOST_CHECK_EQUAL(type_of(dead), MACH_PORT_TYPE_DEAD_NAME);
  // Each refused notification request destroyed the send-once right it made (XNU copies
  // the notify right in first): two requests on five names.
  BOOST_CHECK_EQUAL(status(n).mps_msgcount, 10u);
  for (int i = 0; i < 10; ++i) expect_send_once_notification(n);
  BOOST_CHECK_EQUAL(status(n).mps_sorights, 0u);
  BOOST_CHECK_EQUAL(status(r).mps_flags, 0u);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, dead), KERN_SUCCESS);
  drop_port(r);
  drop_port(n);
}

BOOST_AUTO_TEST_SUITE_END()
