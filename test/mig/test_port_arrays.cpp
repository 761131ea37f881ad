// SPDX-License-Identifier: BSL-1.0
// Port arrays of every shape MIG has — in line (`array[N]`, `array[*:N]` of a port: one
// port descriptor per element), out of line with a polymorphic disposition — and
// samecount arrays, through a real port: laid out as MIG lays them out, checked with
// MIG's codes, every right owned by exactly one side at every step.
#include <machio/machio.hpp>
#include <machio/mig/decode.hpp>
#include <machio/mig/encode.hpp>

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <variant>
#include <vector>

#include "right_accounting.hpp"
#include "routine_ports.hpp"

namespace mig = machio::mig;
using machio::message_builder;
using machio::receive_right;
using machio::received_message;
using machio::send_once_right;
using machio::send_right;

namespace {

constexpr std::size_t header = sizeof(mach_msg_header_t), body = sizeof(mach_msg_body_t),
                      port_d = sizeof(mach_msg_port_descriptor_t), ndr = sizeof(NDR_record_t);

// routine pair(server; p : array[2] of mach_port_copy_send_t; q : int32_t;
//              out r : array[2] of mach_port_move_send_t);
using pair = mig::routine<4600, mig::in<mig::port_array<MACH_MSG_TYPE_COPY_SEND, 2>>,
                          mig::in<mig::scalar<std::int32_t>>,
                          mig::out<mig::port_array<MACH_MSG_TYPE_MOVE_SEND, 2>>>;
// routine upto(server; p : array[*:4] of mach_port_make_send_t; out r : array[*:4] of
//              mach_port_move_send_once_t);
using upto = mig::routine<4601, mig::in<mig::bounded_port_array<MACH_MSG_TYPE_MAKE_SEND, 4>>,
                          mig::out<mig::bounded_port_array<MACH_MSG_TYPE_MOVE_SEND_ONCE, 4>>>;
// routine poly(server; list : array[] of mach_port_poly_t; out back : array[] of
//              mach_port_poly_t);
using poly = mig::routine<4602, mig::in<mig::ool_port_array<mig::polymorphic>>,
                          mig::out<mig::ool_port_array<mig::polymorphic>>>;
// routine same(server; a : array[*:16] of int32_t; b : array[*:16] of int16_t, samecount);
using same = mig::routine<4603, mig::in<mig::bounded_array<std::int32_t, 16>>,
                          mig::in<mig::same_count<mig::bounded_array<std::int16_t, 16>>>>;

// The structs MIG writes for these (test_interop checks the same against migcom's own).
static_assert(mig::request_layout<pair>.max_size == header + body + 2 * port_d + ndr + 4);
static_assert(mig::request_layout<pair>.descriptor_count == 2);
static_assert(mig::reply_layout<pair>.max_size == header + body + 2 * port_d);
static_assert(mig::request_layout<upto>.max_size == header + body + 4 * port_d + ndr + 4);
static_assert(mig::request_layout<upto>.descriptor_count == 4);
static_assert(mig::request_layout<same>.max_size == header + ndr + 4 + 64 + 32);
static_assert(mig::request_layout<same>.fields[1].count_word == mig::npos);
static_assert(std::is_same_v<mig::request_values<pair>, std::tuple<std::array<send_right, 2>, std::int32_t>>);
static_assert(std::is_same_v<mig::reply_values<upto>, std::tuple<std::vector<send_once_right>>>);
static_assert(std::is_same_v<mig::request_values<poly>, std::tuple<mig::any_rights>>);

using ports = machio_test::routine_ports;
using machio_test::deliver;

mach_port_urefs_t send_refs(mach_port_name_t name) {
  mach_port_urefs_t n = 0;
  (void)mach_port_get_refs(mach_task_self(), name, MACH_PORT_RIGHT_SEND, &n);
  return n;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(mig_port_arrays, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(a_fixed_inline_port_array_is_one_descriptor_per_element) {
  ports p;
  receive_right a = receive_right::allocate(), b = receive_right::allocate();
  std::array<send_right, 2> mine{a.make_send(), b.make_send()};
  const mach_port_urefs_t before = send_refs(a.get());

  message_builder rq;
  rq.destination(p.to_server).reply_to(p.reply);
  BOOST_TEST(mig::encode_request<pair>(rq, std::span<const send_right>(mine), std::int32_t{5}) == KERN_SUCCESS);
  received_message request = deliver(std::move(rq).build(), p.server);
  BOOST_TEST(request.view().size() == mig::request_layout<pair>.max_size);
  BOOST_TEST(request.view().descriptor_count() == 2u);
  mig::request_values<pair> in;
  BOOST_TEST(mig::decode_request<pair>(request, in) == KERN_SUCCESS);
  auto& [got, q] = in;
  BOOST_TEST(q == 5);
  BOOST_TEST(got[0].get() == a.get());  // a send right to one's own port arrives under its name
  BOOST_TEST(got[1].get() == b.get());
  BOOST_TEST(send_refs(a.get()) == before + 1);  // copied: mine still holds its own

  message_builder rp;
  rp.destination(request.take_reply_send_once());
  std::vector<send_right> back;
  back.push_back(std::move(got[1]));
  back.push_back(std::move(got[0]));
  BOOST_TEST(mig::encode_reply<pair>(rp, std::move(back)) == KERN_SUCCESS);
  received_message reply = deliver(std::move(rp).build(), p.reply);
  BOOST_TEST(reply.view().size() == mig::reply_layout<pair>.max_size);
  mig::reply_values<pair> out;
  BOOST_TEST(mig::decode_reply<pair>(reply, out) == KERN_SUCCESS);
  BOOST_TEST(std::get<0>(out)[0].get() == b.get());
  BOOST_TEST(std::get<0>(out)[1].get() == a.get());
}

BOOST_AUTO_TEST_CASE(a_bounded_inline_port_array_pads_with_null_and_counts) {
  ports p;
  receive_right a = receive_right::allocate();
  const std::array<receive_right, 1> makers{receive_right::allocate()};
  message_builder rq;
  rq.destination(p.to_server).reply_to(p.reply);
  BOOST_TEST(mig::encode_request<upto>(rq, std::span<const receive_right>(makers)) == KERN_SUCCESS);
  received_message request = deliver(std::move(rq).build(), p.server);
  BOOST_TEST(request.view().size() == mig::request_layout<upto>.max_size);  // fixed size, as MIG
  BOOST_TEST(request.view().descriptor_count() == 4u);
  boost::system::error_code ec;
  BOOST_TEST(request.descriptor(1, ec).name() == MACH_PORT_NULL);
  mig::request_values<upto> in;
  BOOST_TEST(mig::decode_request<upto>(request, in) == KERN_SUCCESS);
  BOOST_REQUIRE(std::get<0>(in).size() == 1u);
  BOOST_TEST(std::get<0>(in)[0].get() == makers[0].get());

  message_builder rp;
  rp.destination(request.take_reply_send_once());
  std::vector<send_once_right> onces;
  onces.push_back(a.make_send_once());
  onces.push_back(a.make_send_once());
  BOOST_TEST(mig::encode_reply<upto>(rp, std::move(onces)) == KERN_SUCCESS);
  received_message reply = deliver(std::move(rp).build(), p.reply);
  mig::reply_values<upto> out;
  BOOST_TEST(mig::decode_reply<upto>(reply, out) == KERN_SUCCESS);
  BOOST_TEST(std::get<0>(out).size() == 2u);
  BOOST_TEST(static_cast<bool>(std::get<0>(out)[1]));
}

BOOST_AUTO_TEST_CASE(too_many_ports_consume_nothing) {
  ports p;
  std::vector<send_once_right> five;
  for (int i = 0; i < 5; ++i) five.push_back(p.reply.make_send_once());
  message_builder rp;
  BOOST_TEST(mig::encode_reply<upto>(rp, std::move(five)) == MIG_ARRAY_TOO_LARGE);
  BOOST_TEST(five.size() == 5u);
  BOOST_TEST(static_cast<bool>(five[4]));
}

// A request whose bytes say more than N ports are used: MIG's server would read past its
// N; machio answers MIG_BAD_ARGUMENTS. A reply saying so is MIG_ARRAY_TOO_LARGE, as MIG's
// client answers. Either way the descriptors stay the message's.
BOOST_AUTO_TEST_CASE(a_count_above_n_is_refused_and_the_rights_stay_with_the_message) {
  ports p;
  receive_right a = receive_right::allocate();
  const std::array<receive_right, 1> makers{receive_right::allocate()};
  message_builder rq;
  rq.destination(p.to_server).reply_to(p.reply);
  BOOST_TEST(mig::encode_request<upto>(rq, std::span<const receive_right>(makers)) == KERN_SUCCESS);
  machio::message m = std::move(rq).build();
  received_message request = deliver(std::move(m), p.server);
  // Rewrite the Cnt word in the received bytes: what a hostile sender could have sent.
  auto* bytes = const_cast<std::byte*>(request.view().bytes().data());
  const std::uint32_t five = 5;
  std::memcpy(bytes + mig::request_layout<upto>.fields[0].count_word, &five, sizeof five);
  mig::request_values<upto> in;
  BOOST_TEST(mig::decode_request<upto>(request, in) == MIG_BAD_ARGUMENTS);
  BOOST_TEST(std::get<0>(in).empty());
  boost::system::error_code ec;
  BOOST_TEST(request.descriptor(0, ec).name() == makers[0].get());
}

BOOST_AUTO_TEST_CASE(a_fixed_array_of_the_wrong_right_is_mig_type_error) {
  ports p;
  receive_right a = receive_right::allocate(), b = receive_right::allocate();
  using wrong = mig::routine<4600, mig::in<mig::port_array<MACH_MSG_TYPE_MAKE_SEND_ONCE, 2>>,
                             mig::in<mig::scalar<std::int32_t>>>;
  const std::array<receive_right, 2> makers{std::move(a), std::move(b)};
  message_builder rq;
  rq.destination(p.to_server).reply_to(p.reply);
  BOOST_TEST(mig::encode_request<wrong>(rq, std::span<const receive_right>(makers), std::int32_t{1}) == KERN_SUCCESS);
  received_message request = deliver(std::move(rq).build(), p.server);
  mig::request_values<pair> in;  // send rights expected, send-once rights came
  BOOST_TEST(mig::decode_request<pair>(request, in) == MIG_TYPE_ERROR);
  BOOST_TEST(!std::get<0>(in)[0]);
}

BOOST_AUTO_TEST_CASE(a_polymorphic_port_array_arrives_as_the_senders_choice) {
  ports p;
  receive_right a = receive_right::allocate();
  std::vector<receive_right> receives;
  receives.push_back(receive_right::allocate());
  receives.push_back(receive_right::allocate());
  message_builder rq;
  rq.destination(p.to_server).reply_to(p.reply);
  BOOST_TEST(mig::encode_request<poly>(rq, std::move(receives)) == KERN_SUCCESS);  // MOVE_RECEIVE
  received_message request = deliver(std::move(rq).build(), p.server);
  mig::request_values<poly> in;
  BOOST_TEST(mig::decode_request<poly>(request, in) == KERN_SUCCESS);
  auto* got = std::get_if<std::vector<receive_right>>(&std::get<0>(in));
  BOOST_REQUIRE(got != nullptr);
  BOOST_TEST(got->size() == 2u);
  BOOST_TEST(static_cast<bool>((*got)[1]));

  message_builder rp;
  rp.destination(request.take_reply_send_once());
  const std::array<send_right, 1> copied{a.make_send()};
  BOOST_TEST(mig::encode_reply<poly>(rp, std::span<const send_right>(copied)) == KERN_SUCCESS);  // COPY_SEND
  received_message reply = deliver(std::move(rp).build(), p.reply);
  mig::reply_values<poly> out;
  BOOST_TEST(mig::decode_reply<poly>(reply, out) == KERN_SUCCESS);
  auto* sends = std::get_if<std::vector<send_right>>(&std::get<0>(out));
  BOOST_REQUIRE(sends != nullptr);
  BOOST_TEST((*sends)[0].get() == a.get());
}

BOOST_AUTO_TEST_CASE(a_polymorphic_inline_array_takes_the_senders_disposition_for_all) {
  using any_pair = mig::simpleroutine<4604, mig::in<mig::bounded_port_array<mig::polymorphic, 3>>>;
  ports p;
  std::vector<send_once_right> onces;
  onces.push_back(p.reply.make_send_once());
  onces.push_back(p.reply.make_send_once());
  message_builder rq(4604);
  rq.destination(p.to_server);
  BOOST_TEST(mig::encode_request<any_pair>(rq, std::move(onces)) == KERN_SUCCESS);  // MOVE_SEND_ONCE
  received_message request = deliver(std::move(rq).build(), p.server);
  BOOST_TEST(request.view().descriptor_count() == 3u);
  mig::request_values<any_pair> in;
  BOOST_TEST(mig::decode_request<any_pair>(request, in) == KERN_SUCCESS);
  const auto& got = std::get<0>(in);
  BOOST_REQUIRE(got.size() == 2u);
  BOOST_TEST(std::holds_alternative<send_once_right>(got[0]));
  BOOST_TEST(std::holds_alternative<send_once_right>(got[1]));
}

BOOST_AUTO_TEST_CASE(a_samecount_array_has_the_count_before_it) {
  ports p;
  const std::array<std::int32_t, 3> words{1, -2, 3};
  const std::array<std::int16_t, 3> halves{4, 5, 6};
  message_builder rq;
  rq.destination(p.to_server).reply_to(p.reply);
  BOOST_TEST(mig::encode_request<same>(rq, std::span<const std::int32_t>(words), std::span<const std::int16_t>(halves)) ==
             KERN_SUCCESS);
  received_message request = deliver(std::move(rq).build(), p.server);
  // header, NDR, aCnt, 3 words, _WALIGN_(3 halves): MIG's msgh_size.
  BOOST_TEST(request.view().size() == header + ndr + 4 + 12 + 8);
  mig::request_values<same> in;
  BOOST_TEST(mig::decode_request<same>(request, in) == KERN_SUCCESS);
  BOOST_TEST(std::get<0>(in).size() == 3u);
  BOOST_REQUIRE(std::get<1>(in).size() == 3u);
  BOOST_TEST(std::get<1>(in)[2] == 6);

  // Counts that differ cannot be said with one Cnt: refused before anything is packed.
  message_builder bad;
  const std::array<std::int16_t, 2> two{1, 2};
  BOOST_TEST(mig::encode_request<same>(bad, std::span<const std::int32_t>(words), std::span<const std::int16_t>(two)) ==
             KERN_INVALID_ARGUMENT);
  // A msgh_size that does not hold the second array's bytes is MIG_BAD_ARGUMENTS.
  auto* raw = const_cast<std::byte*>(request.view().bytes().data());
  mach_msg_header_t h;
  std::memcpy(&h, raw, sizeof h);
  h.msgh_size -= 4;
  std::memcpy(raw, &h, sizeof h);
  BOOST_TEST(mig::check_request<same>(machio::message_view::parse(request.view().bytes().first(h.msgh_size))) ==
             MIG_BAD_ARGUMENTS);
}

BOOST_AUTO_TEST_SUITE_END()
