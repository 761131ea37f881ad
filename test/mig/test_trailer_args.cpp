// SPDX-License-Identifier: BSL-1.0
// Trailer arguments (MIG's MsgSeqno, ServerSecToken, ServerAuditToken, ServerContextToken,
// and the User/both-sides tokens): read from the trailer the receiver asked for, never
// sent by the caller, and MIG_TRAILER_ERROR when the trailer is too small for them —
// with the message keeping every right it carries.
#include <machio/machio.hpp>
#include <machio/mig/decode.hpp>
#include <machio/mig/encode.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <tuple>
#include <type_traits>

#include <unistd.h>

#include "right_accounting.hpp"

namespace mig = machio::mig;
using machio::message_builder;
using machio::receive_right;
using machio::received_message;
using machio::send_right;
using machio::trailer_elements;

namespace {

// routine who(server; ServerAuditToken caller; value : int32_t; MsgSeqno seqno;
//             ServerSecToken token; ServerContextToken context; out pid : int32_t;
//             UserAuditToken replier);
using who = mig::routine<4500, mig::in<mig::trailer_audit_token>, mig::in<mig::scalar<std::int32_t>>,
                         mig::in<mig::trailer_seqno>, mig::in<mig::trailer_sec_token>,
                         mig::in<mig::trailer_context>, mig::out<mig::scalar<std::int32_t>>,
                         mig::out<mig::trailer_audit_token>>;
// A simpleroutine whose only trailer argument is its sequence number, and one with a port.
using numbered = mig::simpleroutine<4501, mig::in<mig::trailer_seqno>>;
using audited_port = mig::simpleroutine<4502, mig::in<mig::port<MACH_MSG_TYPE_MOVE_SEND>>,
                                        mig::in<mig::trailer_audit_token>>;

static_assert(std::is_same_v<mig::request_values<who>,
                             std::tuple<audit_token_t, std::int32_t, mach_port_seqno_t, security_token_t,
                                        mach_port_context_t>>);
static_assert(std::is_same_v<mig::reply_values<who>, std::tuple<std::int32_t, audit_token_t>>);
// Nothing of them is in the message body: the request is the header, NDR and one int.
static_assert(mig::request_layout<who>.max_size == sizeof(mach_msg_header_t) + sizeof(NDR_record_t) + 4);
static_assert(mig::request_layout<who>.fields.size() == 1);
static_assert(mig::reply_layout<who>.fields.size() == 1);
static_assert(mig::request_layout<numbered>.max_size == sizeof(mach_msg_header_t));

received_message deliver(machio::message m, const receive_right& port, trailer_elements trailer) {
  machio::send(m);
  machio::receive_options o;
  o.trailer = trailer;
  return machio::receive(port, o);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(mig_trailer_args, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(a_server_reads_the_callers_tokens_from_the_trailer) {
  machio::port_options unguarded;  // a guarded port's context is its guard
  unguarded.guarded = false;
  unguarded.context = 0xc0ffee;
  receive_right server = receive_right::allocate(unguarded);
  receive_right reply_port = receive_right::allocate();

  message_builder rq;
  rq.destination(server, machio::make_send).reply_to(reply_port);
  BOOST_TEST(mig::encode_request<who>(rq, std::int32_t{42}) == KERN_SUCCESS);  // the value only
  received_message request = deliver(std::move(rq).build(), server, trailer_elements::context);
  mig::request_values<who> in;
  BOOST_TEST(mig::decode_request<who>(request, in) == KERN_SUCCESS);
  const auto& [caller, value, seqno, token, context] = in;
  BOOST_TEST(machio::audit_token(caller).pid() == getpid());
  BOOST_TEST(value == 42);
  BOOST_TEST(seqno == *request.trailer().seqno());
  BOOST_TEST(token.val[0] == geteuid());
  BOOST_TEST(context == 0xc0ffeeu);

  message_builder rp;
  rp.destination(request.take_reply_send_once());
  BOOST_TEST(mig::encode_reply<who>(rp, std::int32_t{7}) == KERN_SUCCESS);
  received_message reply = deliver(std::move(rp).build(), reply_port, trailer_elements::audit);
  mig::reply_values<who> out;
  BOOST_TEST(mig::decode_reply<who>(reply, out) == KERN_SUCCESS);
  BOOST_TEST(std::get<0>(out) == 7);
  BOOST_TEST(machio::audit_token(std::get<1>(out)).pid() == getpid());
}

BOOST_AUTO_TEST_CASE(a_trailer_too_small_is_mig_trailer_error_and_keeps_the_rights) {
  receive_right server = receive_right::allocate();
  receive_right carried = receive_right::allocate();
  // Received with the security trailer (20 bytes): an audit token needs 32, as MIG counts.
  message_builder rq(4502);
  rq.destination(server, machio::make_send);
  BOOST_TEST(mig::encode_request<audited_port>(rq, carried.make_send()) == KERN_SUCCESS);
  received_message request = deliver(std::move(rq).build(), server, trailer_elements::sender);
  mig::request_values<audited_port> in;
  BOOST_TEST(mig::decode_request<audited_port>(request, in) == MIG_TRAILER_ERROR);
  BOOST_TEST(!std::get<0>(in));  // nothing taken: the right is the message's
  boost::system::error_code ec;
  BOOST_TEST(request.descriptor(0, ec).name() != MACH_PORT_NULL);
  // The audit trailer is enough.
  message_builder again(4502);
  again.destination(server, machio::make_send);
  BOOST_TEST(mig::encode_request<audited_port>(again, carried.make_send()) == KERN_SUCCESS);
  received_message ok = deliver(std::move(again).build(), server, trailer_elements::audit);
  BOOST_TEST(mig::decode_request<audited_port>(ok, in) == KERN_SUCCESS);
  BOOST_TEST(static_cast<bool>(std::get<0>(in)));
  BOOST_TEST(machio::audit_token(std::get<1>(in)).pid() == getpid());
}

BOOST_AUTO_TEST_CASE(msgseqno_passes_migs_check_with_a_bare_trailer) {
  // MIG compares sizes: the bare 8-byte trailer holds "4 bytes" for a seqno, so MIG's
  // server calls the routine (reading past the trailer); machio gives 0 for the field
  // the trailer does not have.
  receive_right server = receive_right::allocate();
  message_builder a(4501);
  a.destination(server, machio::make_send);
  BOOST_TEST(mig::encode_request<numbered>(a) == KERN_SUCCESS);
  received_message bare = deliver(std::move(a).build(), server, trailer_elements::none);
  mig::request_values<numbered> in;
  BOOST_TEST(mig::decode_request<numbered>(bare, in) == KERN_SUCCESS);
  BOOST_TEST(std::get<0>(in) == 0u);

  message_builder b(4501);
  b.destination(server, machio::make_send);
  BOOST_TEST(mig::encode_request<numbered>(b) == KERN_SUCCESS);
  received_message full = deliver(std::move(b).build(), server, trailer_elements::seqno);
  BOOST_TEST(mig::decode_request<numbered>(full, in) == KERN_SUCCESS);
  BOOST_TEST(std::get<0>(in) == *full.trailer().seqno());
}

BOOST_AUTO_TEST_CASE(a_message_without_a_trailer_is_mig_trailer_error) {
  // A message viewed from bytes alone (no trailer at all), as a test or a forwarder has it.
  receive_right server = receive_right::allocate();
  message_builder a(4501);
  a.destination(server, machio::make_send);
  BOOST_TEST(mig::encode_request<numbered>(a) == KERN_SUCCESS);
  received_message m = deliver(std::move(a).build(), server, trailer_elements::none);
  const machio::message_view view = machio::message_view::parse(m.view().bytes().first(m.view().size()));
  BOOST_TEST(view.trailer().size() == 0u);
  BOOST_TEST(mig::detail::check_trailer(static_cast<std::tuple<mig::trailer_seqno>*>(nullptr), view.trailer()) ==
             MIG_TRAILER_ERROR);
}

BOOST_AUTO_TEST_SUITE_END()
