// SPDX-License-Identifier: BSL-1.0
// mig::encode_request/encode_reply and mig::decode_request/decode_reply: every argument
// kind through a real port, packed to MIG's sizes, and every right and region owned by
// exactly one side at every step (the fixture checks the task's names at the end).
#include <machio/machio.hpp>
#include <machio/mig/decode.hpp>
#include <machio/mig/encode.hpp>

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "right_accounting.hpp"
#include "routine_ports.hpp"

namespace mig = machio::mig;
using machio::message_builder;
using machio::receive_right;
using machio::received_message;
using machio::send_right;

namespace {

using echo = mig::routine<4000, mig::in<mig::bounded_c_string<256>>, mig::out<mig::bounded_c_string<256>>>;

// Every in-line kind, then every descriptor kind, in one request; a reply with some of each.
using everything = mig::routine<
    4100, mig::in<mig::scalar<std::uint64_t>>, mig::in<mig::array<std::uint16_t, 3>>,
    mig::in<mig::bounded_array<std::int32_t, 8>>, mig::in<mig::c_string<16>>, mig::in<mig::ool_array<std::uint32_t>>,
    mig::in<mig::port<MACH_MSG_TYPE_MOVE_SEND>>, mig::in<mig::port<MACH_MSG_TYPE_COPY_SEND>>,
    mig::in<mig::port<MACH_MSG_TYPE_MAKE_SEND_ONCE>>, mig::in<mig::port<MACH_MSG_TYPE_MOVE_RECEIVE>>,
    mig::in<mig::ool_port_array<MACH_MSG_TYPE_COPY_SEND>>, mig::in<mig::port<mig::polymorphic>>,
    mig::out<mig::port<MACH_MSG_TYPE_MAKE_SEND>>, mig::out<mig::ool_array<char>>,
    mig::inout<mig::bounded_array<char, 64>>, mig::out<mig::scalar<int>>>;

using ports = machio_test::routine_ports;
using machio_test::deliver;

std::size_t refs(const send_right& r) {
  mach_port_urefs_t n = 0;
  (void)mach_port_get_refs(mach_task_self(), r.get(), MACH_PORT_RIGHT_SEND, &n);
  return n;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(mig_codec, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(echo_travels_at_migs_sizes_both_ways) {
  ports p;
  message_builder rq;
  rq.destination(p.to_server).reply_to(p.reply);
  BOOST_TEST(mig::encode_request<echo>(rq, "hello") == KERN_SUCCESS);
  received_message request = deliver(std::move(rq).build(), p.server);
  BOOST_TEST(request.view().size() == 48u);  // 296 - 256 + _WALIGN_(6)
  BOOST_TEST(request.id() == 4000);

  mig::request_values<echo> in;
  BOOST_TEST(mig::decode_request<echo>(request, in) == KERN_SUCCESS);
  BOOST_TEST(std::get<0>(in).view() == "hello");

  message_builder rp;
  rp.destination(request.take_reply_send_once());
  BOOST_TEST(mig::encode_reply<echo>(rp, "olleh!") == KERN_SUCCESS);
  received_message reply = deliver(std::move(rp).build(), p.reply);
  BOOST_TEST(reply.view().size() == 52u);  // 300 - 256 + _WALIGN_(7)
  mig::reply_values<echo> out;
  BOOST_TEST(mig::decode_reply<echo>(reply, out) == KERN_SUCCESS);
  BOOST_TEST(std::get<0>(out).view() == "olleh!");
}

BOOST_AUTO_TEST_CASE(every_kind_arrives_as_sent_and_owned_by_the_receiver) {
  ports p;
  receive_right moved_port = receive_right::allocate();
  send_right moved_send = moved_port.make_send();
  receive_right once_port = receive_right::allocate();
  receive_right travelling = receive_right::allocate();
  receive_right poly_port = receive_right::allocate();
  std::vector<send_right> copied;
  copied.push_back(p.reply.make_send());
  copied.push_back(once_port.make_send());
  const std::size_t copied_refs = refs(copied[0]);

  std::vector<std::uint32_t> words(1000);
  std::iota(words.begin(), words.end(), 7u);
  const std::array<std::uint16_t, 3> triple{1, 2, 3};
  const std::vector<std::int32_t> some{-1, -2, -3};
  const std::string_view tag = "machio";
  const std::array<char, 5> note{'h', 'e', 'l', 'l', 'o'};

  message_builder rq;
  rq.destination(p.to_server).reply_to(p.reply);
  BOOST_TEST(mig::encode_request<everything>(rq, std::uint64_t{0x1122334455667788}, triple, some, tag,
                                              std::span<const std::uint32_t>(words), std::move(moved_send),
                                              p.to_server, once_port, std::move(travelling),
                                              std::span<const send_right>(copied), poly_port.make_send(),
                                              std::span<const char>(note)) == KERN_SUCCESS);
  BOOST_TEST(!moved_send);
  BOOST_TEST(!travelling);
  received_message request = deliver(std::move(rq).build(), p.server);
  BOOST_TEST(request.view().is_complex());
  BOOST_TEST(request.descriptor_count() == 7u);

  mig::request_values<everything> in;
  BOOST_REQUIRE(mig::decode_request<everything>(request, in) == KERN_SUCCESS);
  auto& [u64, arr, bounded, str, ool, send, copy, once, recv, port_array, poly, inout] = in;
  BOOST_TEST(u64 == 0x1122334455667788u);
  BOOST_TEST((arr == triple));
  BOOST_TEST((std::vector<std::int32_t>(bounded.begin(), bounded.end()) == some));
  BOOST_TEST(str.view() == tag);
  BOOST_TEST(ool.count == words.size());
  BOOST_TEST((std::vector<std::uint32_t>(ool.elements().begin(), ool.elements().end()) == words));
  BOOST_TEST(send.get() == moved_port.get());  // a port's send right shares its receive right's name
  BOOST_TEST(copy.get() == p.to_server.get());
  BOOST_TEST(static_cast<bool>(once));
  BOOST_TEST(static_cast<bool>(recv));
  BOOST_TEST(port_array.size() == 2u);
  BOOST_TEST(port_array[0].get() == copied[0].get());
  BOOST_TEST(refs(copied[0]) == copied_refs + 1);  // copied: the caller kept its own
  BOOST_TEST(std::holds_alternative<send_right>(poly));
  BOOST_TEST(inout.view() == "hello");

  // The reply: a made send right, OOL chars, the inout array back, an int.
  const std::string_view big(
      "out of line, as a MIG server sends an array[] of char: a descriptor and its Cnt word");
  message_builder rp;
  rp.destination(request.take_reply_send_once());
  BOOST_TEST(mig::encode_reply<everything>(rp, p.server, std::span<const char>(big), std::span<const char>(note),
                                            42) == KERN_SUCCESS);
  request.reset();
  received_message reply = deliver(std::move(rp).build(), p.reply);
  mig::reply_values<everything> out;
  BOOST_REQUIRE(mig::decode_reply<everything>(reply, out) == KERN_SUCCESS);
  auto& [made, chars, echoed, answer] = out;
  BOOST_TEST(made.get() == p.to_server.get());
  BOOST_TEST(std::string_view(chars.elements().data(), chars.elements().size()) == big);
  BOOST_TEST(echoed.view() == "hello");
  BOOST_TEST(answer == 42);
}

BOOST_AUTO_TEST_CASE(an_input_too_large_consumes_nothing) {
  ports p;
  send_right keep = p.server.make_send();
  const std::size_t before = refs(keep);
  message_builder rq;
  rq.destination(p.to_server).reply_to(p.reply);
  const std::vector<std::int32_t> nine(9, 1);
  const std::string_view sixteen = "0123456789abcdef";  // no room for its NUL in c_string[16]
  receive_right travelling = receive_right::allocate();
  BOOST_TEST(mig::encode_request<everything>(rq, std::uint64_t{1}, std::array<std::uint16_t, 3>{}, nine, "x",
                                              std::span<const std::uint32_t>(), std::move(keep), p.to_server,
                                              p.reply, std::move(travelling), std::span<const send_right>(),
                                              send_right(), std::span<const char>()) == MIG_ARRAY_TOO_LARGE);
  BOOST_TEST(static_cast<bool>(keep));
  BOOST_TEST(refs(keep) == before);
  BOOST_TEST(static_cast<bool>(travelling));
  message_builder rq2;
  BOOST_TEST(mig::encode_request<echo>(rq2, std::string(300, 'x')) == MIG_ARRAY_TOO_LARGE);
  message_builder rq3;
  BOOST_TEST(mig::encode_request<everything>(rq3, std::uint64_t{1}, std::array<std::uint16_t, 3>{},
                                              std::span<const std::int32_t>(), sixteen,
                                              std::span<const std::uint32_t>(), send_right(), p.to_server, p.reply,
                                              receive_right(), std::span<const send_right>(), send_right(),
                                              std::span<const char>()) == MIG_ARRAY_TOO_LARGE);
}

BOOST_AUTO_TEST_CASE(a_request_that_fails_its_checks_keeps_its_rights_until_it_is_destroyed) {
  ports p;
  // echo's request sent to a server that expects `everything`: MIG_BAD_ARGUMENTS, and
  // the reply right stays in the message.
  message_builder rq;
  rq.destination(p.to_server).reply_to(p.reply);
  BOOST_TEST(mig::encode_request<echo>(rq, "hello") == KERN_SUCCESS);
  received_message request = deliver(std::move(rq).build(), p.server);
  mig::request_values<everything> in;
  BOOST_TEST(mig::decode_request<everything>(request, in) == MIG_BAD_ARGUMENTS);
  BOOST_TEST(request.reply_type() == MACH_MSG_TYPE_PORT_SEND_ONCE);

  // A reply of another routine: MIG_REPLY_MISMATCH, and the right it carries is released
  // with it.
  message_builder rp;
  rp.destination(request.take_reply_send_once());
  receive_right stray = receive_right::allocate();
  BOOST_TEST(mig::encode_reply<everything>(rp, stray, std::span<const char>(), std::span<const char>(), 1) ==
             KERN_SUCCESS);
  received_message reply = deliver(std::move(rp).build(), p.reply);
  mig::reply_values<echo> out;
  BOOST_TEST(mig::decode_reply<echo>(reply, out) == MIG_REPLY_MISMATCH);
}

BOOST_AUTO_TEST_SUITE_END()
