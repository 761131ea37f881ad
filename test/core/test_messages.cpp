// SPDX-License-Identifier: BSL-1.0
// Messages: building, sending, receiving, taking things out, and ownership on every path.
#include <machio/detail/message_access.hpp>
#include <machio/machio.hpp>

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <string_view>

#include "print_machio.hpp"
#include "right_accounting.hpp"

namespace {

using machio::no_wait;

std::string text_of(std::span<const std::byte> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

mach_port_type_t type_of(mach_port_name_t name) {
  mach_port_type_t type = 0;
  BOOST_REQUIRE_EQUAL(mach_port_type(mach_task_self(), name, &type), KERN_SUCCESS);
  return type;
}

mach_port_urefs_t send_refs(mach_port_name_t name) {
  mach_port_urefs_t refs = 0;
  BOOST_REQUIRE_EQUAL(mach_port_get_refs(mach_task_self(), name, MACH_PORT_RIGHT_SEND, &refs), KERN_SUCCESS);
  return refs;
}

mach_port_msgcount_t queued(const machio::receive_right& r) { return r.status().mps_msgcount; }

}  // namespace

BOOST_FIXTURE_TEST_SUITE(core_messages, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(inline_round_trip_with_trailer) {
  auto inbox = machio::receive_right::allocate();
  machio::send(machio::message_builder(7).destination(inbox, machio::make_send).append(std::string_view("abc")).build());
  auto msg = machio::receive(inbox);
  BOOST_TEST(msg.id() == 7);
  BOOST_TEST(msg.local_port() == inbox.get());
  BOOST_TEST(text_of(msg.body()).substr(0, 3) == "abc");
  BOOST_TEST(msg.body().size() == 4u);  // padded to 4 bytes
  BOOST_TEST(msg.descriptor_count() == 0u);
  BOOST_TEST(msg.reply_type() == 0u);
  const auto t = msg.trailer();
  BOOST_REQUIRE(t.seqno().has_value());
  BOOST_TEST(*t.seqno() == 0u);
  BOOST_REQUIRE(t.audit().has_value());
  BOOST_TEST(t.audit()->pid() == getpid());
  BOOST_TEST(t.audit()->euid() == geteuid());
  BOOST_TEST(t.audit()->egid() == getegid());
  BOOST_REQUIRE(t.sender().has_value());
  BOOST_TEST(t.sender()->val[0] == geteuid());
  BOOST_REQUIRE(t.context().has_value());
  BOOST_TEST(*t.context() == inbox.guard());
  BOOST_TEST(queued(inbox) == 0u);
}

BOOST_AUTO_TEST_CASE(smaller_trailers_hide_fields) {
  auto inbox = machio::receive_right::allocate();
  machio::send(machio::message_builder(1).destination(inbox, machio::make_send).build());
  machio::receive_options o;
  o.trailer = machio::trailer_elements::seqno;
  auto msg = machio::receive(inbox, o);
  BOOST_TEST(msg.trailer().seqno().has_value());
  BOOST_TEST(!msg.trailer().audit().has_value());
  BOOST_TEST(!msg.trailer().context().has_value());
}

BOOST_AUTO_TEST_CASE(body_as_reads_plain_structs) {
  struct payload {
    std::int32_t a;
    std::int32_t b;
  };
  auto inbox = machio::receive_right::allocate();
  machio::send(machio::message_builder(2).destination(inbox, machio::make_send).append_value(payload{3, 4}).build());
  auto msg = machio::receive(inbox);
  auto p = msg.body_as<payload>();
  BOOST_REQUIRE(p.has_value());
  BOOST_TEST(p->a == 3);
  BOOST_TEST(p->b == 4);
  BOOST_TEST((!msg.body_as<std::array<char, 64>>().has_value()));
}

BOOST_AUTO_TEST_CASE(destinations_of_every_kind) {
  auto inbox = machio::receive_right::allocate();
  auto s = inbox.make_send();
  machio::send(machio::message_builder(1).destination(s).build());  // COPY_SEND: s stays
  BOOST_TEST(send_refs(inbox.get()) == 1u);
  machio::send(machio::message_builder(2).destination(inbox, machio::make_send_once).build());
  machio::send(machio::message_builder(3).destination(inbox.make_send_once()).build());
  machio::send(machio::message_builder(4).destination(std::move(s)).build());  // MOVE_SEND
  BOOST_TEST(!(type_of(inbox.get()) & MACH_PORT_TYPE_SEND));
  for (int id = 1; id <= 4; ++id) BOOST_TEST(machio::receive(inbox).id() == id);
}

BOOST_AUTO_TEST_CASE(port_descriptors_of_every_disposition) {
  auto inbox = machio::receive_right::allocate();
  auto other = machio::receive_right::allocate();
  auto moved_port = machio::receive_right::allocate();
  const mach_port_name_t moved_name = moved_port.get();
  auto lent = other.make_send();
  machio::send(machio::message_builder(10)
                   .destination(inbox, machio::make_send)
                   .add_port(other.make_send())             // 0 MOVE_SEND
                   .add_port(lent)                          // 1 COPY_SEND
                   .add_port(other, machio::make_send)      // 2 MAKE_SEND
                   .add_port(other, machio::make_send_once) // 3 MAKE_SEND_ONCE
                   .add_port(other.make_send_once())        // 4 MOVE_SEND_ONCE
                   .add_port(std::move(moved_port))         // 5 MOVE_RECEIVE
                   .build());
  BOOST_TEST(send_refs(other.get()) == 1u);  // only `lent` is left here while in flight
  auto msg = machio::receive(inbox);
  BOOST_REQUIRE_EQUAL(msg.descriptor_count(), 6u);
  boost::system::error_code ec;
  for (std::size_t i = 0; i < 3; ++i) {
    auto d = msg.descriptor(i, ec);
    BOOST_TEST(d.type() == MACH_MSG_PORT_DESCRIPTOR);
    BOOST_TEST(d.disposition() == MACH_MSG_TYPE_PORT_SEND);
    BOOST_TEST(d.name() == other.get());  // send rights coalesce on the receive right's name
  }
  BOOST_TEST(msg.descriptor(3, ec).disposition() == MACH_MSG_TYPE_PORT_SEND_ONCE);
  BOOST_TEST(msg.descriptor(5, ec).disposition() == MACH_MSG_TYPE_PORT_RECEIVE);

  auto s0 = msg.take_send_right(0);
  BOOST_TEST(s0.get() == other.get());
  auto once = msg.take_send_once_right(3);
  BOOST_TEST(type_of(once.get()) == MACH_PORT_TYPE_SEND_ONCE);
  auto recv = msg.take_receive_right(5);
  BOOST_TEST(recv.is_guarded());  // guarded afresh by its new owner
  BOOST_TEST(type_of(recv.get()) == MACH_PORT_TYPE_RECEIVE);
  (void)moved_name;

  // Taking twice, or the wrong kind, is an error, not a second owner.
  (void)msg.take_send_right(0, ec);
  BOOST_TEST(ec == machio::error::already_taken);
  (void)msg.take_receive_right(1, ec);
  BOOST_TEST(ec == machio::error::wrong_descriptor_type);
  (void)msg.take_ool(1, ec);
  BOOST_TEST(ec == machio::error::wrong_descriptor_type);
  (void)msg.take_send_right(6, ec);
  BOOST_TEST(ec == machio::error::no_such_descriptor);
  // Descriptors 1, 2 and 4 are destroyed with the message.
}

BOOST_AUTO_TEST_CASE(untaken_rights_are_destroyed_with_the_message) {
  auto inbox = machio::receive_right::allocate();
  auto other = machio::receive_right::allocate();
  {
    machio::send(machio::message_builder(1)
                     .destination(inbox, machio::make_send)
                     .reply_to(other)
                     .add_port(other.make_send())
                     .add_port(machio::receive_right::allocate())
                     .build());
    auto msg = machio::receive(inbox);
    BOOST_TEST(msg.reply_type() == MACH_MSG_TYPE_PORT_SEND_ONCE);
    BOOST_TEST(other.status().mps_sorights == 1u);
  }
  BOOST_TEST(!other.status().mps_srights);
  // The reply right died unused: the port heard about it (the notification travels on
  // that very send-once right, which is gone once it is received).
  auto note = machio::receive(other, {}, no_wait);
  BOOST_TEST(note.id() == MACH_NOTIFY_SEND_ONCE);
  BOOST_TEST(other.status().mps_sorights == 0u);
}

BOOST_AUTO_TEST_CASE(reply_port_round_trip) {
  auto server = machio::receive_right::allocate();
  auto client = machio::receive_right::allocate();
  machio::send(machio::message_builder(100).destination(server, machio::make_send).reply_to(client).build());
  auto request = machio::receive(server);
  auto reply_right = request.take_reply_send_once();
  BOOST_TEST(request.reply_type() == 0u);
  machio::send(machio::message_builder(200).destination(std::move(reply_right)).build());
  auto reply = machio::receive(client);
  BOOST_TEST(reply.id() == 200);
  boost::system::error_code ec;
  (void)request.take_reply_send_once(ec);
  BOOST_TEST(ec == machio::error::already_taken);
}

BOOST_AUTO_TEST_CASE(reply_with_send_right) {
  auto server = machio::receive_right::allocate();
  auto client = machio::receive_right::allocate();
  machio::send(machio::message_builder(1).destination(server, machio::make_send).reply_to(client, machio::make_send).build());
  auto request = machio::receive(server);
  BOOST_TEST(request.reply_type() == MACH_MSG_TYPE_PORT_SEND);
  boost::system::error_code ec;
  (void)request.take_reply_send_once(ec);
  BOOST_TEST(ec == machio::error::wrong_descriptor_type);
  auto r = request.take_reply();
  BOOST_TEST((std::holds_alternative<machio::send_right>(r)));
}

BOOST_AUTO_TEST_CASE(ool_memory_borrowed_and_owned) {
  auto inbox = machio::receive_right::allocate();
  std::string big(10000, 'x');
  big[9999] = 'y';
  auto region = machio::ool_region::allocate(5000);
  std::memset(region.bytes().data(), 'z', 5000);
  machio::send(machio::message_builder(3)
                   .destination(inbox, machio::make_send)
                   .add_ool(std::as_bytes(std::span(big)), machio::ool_copy::physical)
                   .add_ool(std::as_bytes(std::span(big)))
                   .add_ool(std::move(region))
                   .add_ool(std::span<const std::byte>())
                   .build());
  BOOST_TEST(!region);  // NOLINT(bugprone-use-after-move): it left with the message
  big[0] = 'q';         // the message has its own snapshot
  auto msg = machio::receive(inbox);
  BOOST_REQUIRE_EQUAL(msg.descriptor_count(), 4u);
  boost::system::error_code ec;
  BOOST_TEST(msg.descriptor(0, ec).size() == 10000u);
  auto a = msg.take_ool(0);
  BOOST_REQUIRE_EQUAL(a.size(), 10000u);
  BOOST_TEST(static_cast<char>(a.bytes()[0]) == 'x');
  BOOST_TEST(static_cast<char>(a.bytes()[9999]) == 'y');
  auto c = msg.take_ool(2);
  BOOST_REQUIRE_EQUAL(c.size(), 5000u);
  BOOST_TEST(static_cast<char>(c.bytes()[4999]) == 'z');
  auto empty = msg.take_ool(3);
  BOOST_TEST(!empty);
  (void)msg.take_ool(0, ec);
  BOOST_TEST(ec == machio::error::already_taken);
  // Descriptor 1 is unmapped with the message.
}

BOOST_AUTO_TEST_CASE(ool_port_arrays) {
  auto inbox = machio::receive_right::allocate();
  auto a = machio::receive_right::allocate();
  auto b = machio::receive_right::allocate();
  std::vector<machio::send_right> moved;
  moved.push_back(a.make_send());
  moved.push_back(b.make_send());
  std::vector<machio::send_right> lent;
  lent.push_back(a.make_send());
  std::vector<machio::send_once_right> onces;
  onces.push_back(a.make_send_once());
  std::vector<machio::receive_right> receives;
  receives.push_back(machio::receive_right::allocate());
  machio::send(machio::message_builder(4)
                   .destination(inbox, machio::make_send)
                   .add_ool_ports(std::move(moved))
                   .add_ool_ports(std::span<const machio::send_right>(lent))
                   .add_ool_ports(std::move(onces))
                   .add_ool_ports(std::move(receives))
                   .build());
  BOOST_TEST(moved.empty());  // NOLINT(bugprone-use-after-move)
  BOOST_TEST(send_refs(a.get()) == 1u);  // only `lent`
  auto msg = machio::receive(inbox);
  BOOST_REQUIRE_EQUAL(msg.descriptor_count(), 4u);
  boost::system::error_code ec;
  BOOST_TEST(msg.descriptor(0, ec).count() == 2u);
  BOOST_TEST(msg.descriptor(0, ec).disposition() == MACH_MSG_TYPE_PORT_SEND);
  auto rights = msg.take_ool_send_rights(0, ec);
  BOOST_TEST(!ec);
  BOOST_REQUIRE_EQUAL(rights.size(), 2u);
  BOOST_TEST(rights[0].get() == a.get());
  BOOST_TEST(rights[1].get() == b.get());
  (void)msg.take_ool_send_once_rights(0, ec);
  BOOST_TEST(ec == machio::error::wrong_descriptor_type);
  auto recvs = msg.take_ool_receive_rights(3, ec);
  BOOST_TEST(!ec);
  BOOST_REQUIRE_EQUAL(recvs.size(), 1u);
  BOOST_TEST(recvs[0].is_guarded());
  // Descriptors 1 (a send right) and 2 (a send-once right) go with the message.
}

BOOST_AUTO_TEST_CASE(guarded_port_descriptors) {
  auto inbox = machio::receive_right::allocate();
  auto kept_guard = machio::receive_right::allocate();
  auto unguarded = machio::receive_right::allocate();
  machio::send(machio::message_builder(5)
                   .destination(inbox, machio::make_send)
                   .add_guarded_port(std::move(kept_guard), MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE)
                   .add_guarded_port(std::move(unguarded), MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND)
                   .build());
  machio::receive_options accept_guarded;
  accept_guarded.guarded_descriptors = true;
  auto msg = machio::receive(inbox, accept_guarded);
  BOOST_REQUIRE_EQUAL(msg.descriptor_count(), 2u);
  boost::system::error_code ec;
  auto d0 = msg.descriptor(0, ec);
  BOOST_TEST(d0.type() == MACH_MSG_GUARDED_PORT_DESCRIPTOR);
  BOOST_TEST(d0.disposition() == MACH_MSG_TYPE_PORT_RECEIVE);
  auto r0 = msg.take_receive_right(0);
  BOOST_TEST(r0.is_guarded());
  BOOST_TEST(r0.guard() == d0.guard_context());
  auto r1 = msg.take_receive_right(1);
  BOOST_TEST(r1.is_guarded());
}

BOOST_AUTO_TEST_CASE(guarded_descriptor_not_taken_is_destroyed) {
  auto inbox = machio::receive_right::allocate();
  machio::send(machio::message_builder(5)
                   .destination(inbox, machio::make_send)
                   .add_guarded_port(machio::receive_right::allocate(), MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE)
                   .build());
  machio::receive_options accept_guarded;
  accept_guarded.guarded_descriptors = true;
  auto msg = machio::receive(inbox, accept_guarded);
  BOOST_TEST(msg.descriptor_count() == 1u);
}

BOOST_AUTO_TEST_CASE(guarded_descriptor_to_a_receiver_that_did_not_ask_is_destroyed_by_the_kernel) {
  // The default, as in C: the kernel destroys the right and the descriptor names nothing.
  auto inbox = machio::receive_right::allocate();
  machio::send(machio::message_builder(5)
                   .destination(inbox, machio::make_send)
                   .add_guarded_port(machio::receive_right::allocate(), MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE)
                   .build());
  auto msg = machio::receive(inbox);
  BOOST_REQUIRE_EQUAL(msg.descriptor_count(), 1u);
  boost::system::error_code ec;
  BOOST_TEST(msg.descriptor(0, ec).name() == MACH_PORT_NULL);
  BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_CASE(send_to_a_dead_port_keeps_the_rights) {
  auto dead = machio::receive_right::allocate();
  auto to_dead = dead.make_send();
  dead.reset();
  auto other = machio::receive_right::allocate();
  auto msg = machio::message_builder(9)
                 .destination(std::move(to_dead))
                 .add_port(other.make_send())
                 .add_ool(machio::ool_region::allocate(100))
                 .build();
  boost::system::error_code ec;
  machio::send(msg, no_wait, ec);
  BOOST_TEST(ec == machio::make_mach_error_code(MACH_SEND_INVALID_DEST));
  BOOST_TEST(ec == boost::system::errc::broken_pipe);
  BOOST_TEST(msg.valid());
  BOOST_TEST(send_refs(other.get()) == 1u);  // still owned by msg, released with it
  BOOST_CHECK_THROW(machio::send(msg, no_wait), boost::system::system_error);
}

// A failure while the kernel copies the body in is not atomic (XNU destroys the header
// rights and the descriptors before the bad one). machio cannot learn where it stopped, so
// the message forgets every right: nothing is destroyed twice. What the kernel never
// reached stays in the task, exactly as a C caller would find it (doc/messages.md).
BOOST_AUTO_TEST_CASE(body_copy_in_failure_forgets_rights_and_destroys_none_twice) {
  auto dest_port = machio::receive_right::allocate();
  auto before = machio::receive_right::allocate();
  auto after = machio::receive_right::allocate();
  constexpr mach_port_name_t never_allocated = 0x7ff00103;  // released behind machio's back
  auto msg = machio::message_builder(12)
                 .destination(dest_port, machio::make_send)
                 .add_port(before.make_send())
                 .add_port(machio::send_right(machio::adopt, never_allocated))
                 .add_port(after.make_send())
                 .build();
  boost::system::error_code ec;
  machio::send(msg, no_wait, ec);
  BOOST_TEST(ec == machio::make_mach_error_code(MACH_SEND_INVALID_RIGHT));
  BOOST_TEST(!msg.valid());  // forgotten, so its destruction releases nothing
  BOOST_TEST(queued(dest_port) == 0u);
  // The descriptor before the bad one was copied in and destroyed with the message...
  mach_port_type_t type = 0;
  BOOST_TEST(mach_port_type(mach_task_self(), before.get(), &type) == KERN_SUCCESS);
  BOOST_TEST(type == MACH_PORT_TYPE_RECEIVE);
  // ...the one after it was never reached: its send right is still the task's.
  BOOST_TEST(send_refs(after.get()) == 1u);
  BOOST_TEST(mach_port_mod_refs(mach_task_self(), after.get(), MACH_PORT_RIGHT_SEND, -1) == KERN_SUCCESS);
}

BOOST_AUTO_TEST_CASE(send_without_destination_fails_cleanly) {
  auto other = machio::receive_right::allocate();
  auto msg = machio::message_builder(1).add_port(other.make_send()).build();
  boost::system::error_code ec;
  machio::send(msg, no_wait, ec);
  BOOST_TEST(ec.failed());
  BOOST_TEST(msg.valid());
}

BOOST_AUTO_TEST_CASE(timed_out_send_gets_its_rights_back_and_can_retry) {
  machio::port_options o;
  o.qlimit = 1;
  auto inbox = machio::receive_right::allocate(o);
  auto other = machio::receive_right::allocate();
  auto lent = other.make_send();
  machio::send(machio::message_builder(1).destination(inbox, machio::make_send).build());

  std::string data(3000, 'd');
  auto msg = machio::message_builder(2)
                 .destination(inbox, machio::make_send)
                 .reply_to(other)
                 .add_port(other.make_send())
                 .add_port(lent)
                 .add_port(other, machio::make_send_once)
                 .add_ool(std::as_bytes(std::span(data)))
                 .add_ool(machio::ool_region::allocate(64))
                 .add_ool_ports(std::vector<machio::send_right>{})
                 .build();
  boost::system::error_code ec;
  machio::send(msg, no_wait, ec);
  BOOST_TEST(ec == machio::make_mach_error_code(MACH_SEND_TIMED_OUT));
  BOOST_TEST(ec == boost::system::errc::timed_out);
  BOOST_REQUIRE(msg.valid());
  // The kernel handed every right back; the message owns them now (MOVE_* dispositions).
  BOOST_TEST(msg.destination_disposition() == MACH_MSG_TYPE_MOVE_SEND);
  BOOST_TEST(msg.reply_disposition() == MACH_MSG_TYPE_MOVE_SEND_ONCE);
  BOOST_TEST(queued(inbox) == 1u);

  BOOST_TEST(machio::receive(inbox).id() == 1);
  machio::send(msg, no_wait);  // room now: the retry goes through
  BOOST_TEST(!msg.valid());
  auto got = machio::receive(inbox);
  BOOST_TEST(got.id() == 2);
  BOOST_REQUIRE_EQUAL(got.descriptor_count(), 6u);
  auto region = got.take_ool(3);
  BOOST_REQUIRE_EQUAL(region.size(), 3000u);
  BOOST_TEST(static_cast<char>(region.bytes()[2999]) == 'd');
  BOOST_TEST(got.reply_type() == MACH_MSG_TYPE_PORT_SEND_ONCE);
}

BOOST_AUTO_TEST_CASE(timed_out_message_dropped_releases_everything) {
  machio::port_options o;
  o.qlimit = 1;
  auto inbox = machio::receive_right::allocate(o);
  auto other = machio::receive_right::allocate();
  machio::send(machio::message_builder(1).destination(inbox, machio::make_send).build());
  {
    auto msg = machio::message_builder(2)
                   .destination(inbox, machio::make_send)
                   .add_port(other.make_send())
                   .add_port(other, machio::make_send_once)
                   .build();
    boost::system::error_code ec;
    machio::send(std::move(msg), no_wait, ec);
    BOOST_TEST(ec == boost::system::errc::timed_out);
  }
  BOOST_TEST(!other.status().mps_srights);
}

BOOST_AUTO_TEST_CASE(too_large_receive) {
  auto inbox = machio::receive_right::allocate();
  auto other = machio::receive_right::allocate();
  std::string body(600, 'b');
  machio::send(machio::message_builder(11).destination(inbox, machio::make_send).append(body).add_port(other.make_send()).build());
  machio::send(machio::message_builder(12).destination(inbox, machio::make_send).append(body).build());

  machio::receive_options small;
  small.buffer_size = 64;
  small.grow = false;
  boost::system::error_code ec;
  auto lost = machio::receive(inbox, small, no_wait, ec);
  BOOST_TEST(ec == machio::make_mach_error_code(MACH_RCV_TOO_LARGE));
  BOOST_TEST(ec == boost::system::errc::message_size);
  BOOST_TEST(!lost.valid());
  // Without growth the kernel destroyed the message and the right inside it.
  BOOST_TEST(!other.status().mps_srights);

  small.grow = true;
  auto got = machio::receive(inbox, small, no_wait);
  BOOST_TEST(got.id() == 12);
  BOOST_TEST(got.body().size() == 600u);
}

BOOST_AUTO_TEST_CASE(receive_timeout_and_bad_name) {
  auto inbox = machio::receive_right::allocate();
  boost::system::error_code ec;
  auto none = machio::receive(inbox, {}, no_wait, ec);
  BOOST_TEST(ec == boost::system::errc::timed_out);
  BOOST_TEST(!none.valid());
  (void)machio::receive(inbox, {}, std::chrono::milliseconds(20), ec);
  BOOST_TEST(ec == boost::system::errc::timed_out);
  machio::receive_right empty;
  (void)machio::receive(empty, {}, no_wait, ec);
  BOOST_TEST(ec == machio::make_mach_error_code(MACH_RCV_INVALID_NAME));
}

BOOST_AUTO_TEST_CASE(receive_from_a_port_set) {
  auto set = machio::port_set::allocate();
  auto a = machio::receive_right::allocate();
  auto b = machio::receive_right::allocate();
  set.insert(a);
  set.insert(b);
  machio::send(machio::message_builder(21).destination(b, machio::make_send).build());
  auto msg = machio::receive(set, {}, no_wait);
  BOOST_TEST(msg.id() == 21);
  BOOST_TEST(msg.local_port() == b.get());
}

BOOST_AUTO_TEST_CASE(empty_and_sent_messages_cannot_be_sent) {
  machio::message m;
  boost::system::error_code ec;
  machio::send(m, no_wait, ec);
  BOOST_TEST(ec == machio::error::message_consumed);
  auto inbox = machio::receive_right::allocate();
  auto msg = machio::message_builder(1).destination(inbox, machio::make_send).build();
  machio::send(msg, no_wait);
  machio::send(msg, no_wait, ec);
  BOOST_TEST(ec == machio::error::message_consumed);
}

BOOST_AUTO_TEST_CASE(builder_releases_what_it_was_given) {
  auto other = machio::receive_right::allocate();
  {
    machio::message_builder b(1);
    b.destination(other.make_send());
    b.destination(other.make_send());  // replaces: the first right is released
    b.reply_to(other.make_send_once());
    b.add_port(other.make_send());
    b.add_ool_ports(std::vector<machio::send_right>{});
    BOOST_TEST(send_refs(other.get()) == 2u);
  }
  BOOST_TEST(!other.status().mps_srights);
  auto note = machio::receive(other, {}, no_wait);  // from the unused send-once right
  BOOST_TEST(note.id() == MACH_NOTIFY_SEND_ONCE);
  BOOST_TEST(other.status().mps_sorights == 0u);
}

BOOST_AUTO_TEST_CASE(a_builder_can_be_reused) {
  auto inbox = machio::receive_right::allocate();
  machio::message_builder b(31);
  b.destination(inbox, machio::make_send).append(std::string_view("one"));
  auto first = b.build();
  b.destination(inbox, machio::make_send).append(std::string_view("two"));
  auto second = b.build();
  machio::send(first);
  machio::send(second);
  BOOST_TEST(text_of(machio::receive(inbox).body()).substr(0, 3) == "one");
  auto m2 = machio::receive(inbox);
  BOOST_TEST(m2.id() == 31);
  BOOST_TEST(text_of(m2.body()).substr(0, 3) == "two");
}

BOOST_AUTO_TEST_CASE(right_that_died_in_flight_arrives_dead) {
  auto inbox = machio::receive_right::allocate();
  auto doomed = machio::receive_right::allocate();
  machio::send(machio::message_builder(1).destination(inbox, machio::make_send).add_port(doomed.make_send()).build());
  doomed.reset();
  auto msg = machio::receive(inbox);
  boost::system::error_code ec;
  BOOST_TEST(msg.descriptor(0, ec).name() == MACH_PORT_DEAD);
  (void)msg.take_send_right(0, ec);
  BOOST_TEST(ec == machio::error::dead_name);
}

BOOST_AUTO_TEST_CASE(adopting_foreign_bytes) {
  // A message laid out by hand (as C code or another library would) is adopted and
  // released through the same paths.
  auto inbox = machio::receive_right::allocate();
  auto s = inbox.make_send();
  struct {
    mach_msg_header_t header;
    mach_msg_body_t body;
    mach_msg_port_descriptor_t port;
  } raw{};
  raw.header.msgh_bits = MACH_MSGH_BITS_COMPLEX;
  raw.header.msgh_size = sizeof raw;
  raw.header.msgh_id = 77;
  raw.body.msgh_descriptor_count = 1;
  raw.port.name = s.release();
  raw.port.disposition = MACH_MSG_TYPE_PORT_SEND;
  raw.port.type = MACH_MSG_PORT_DESCRIPTOR;
  boost::system::error_code ec;
  auto msg = machio::received_message::from_bytes(std::as_bytes(std::span(&raw, 1)), ec);
  BOOST_TEST(!ec);
  BOOST_TEST(msg.id() == 77);
  BOOST_TEST(send_refs(inbox.get()) == 1u);
  msg.reset();
  BOOST_TEST(!(type_of(inbox.get()) & MACH_PORT_TYPE_SEND));
}

BOOST_AUTO_TEST_CASE(throwing_forms_of_the_take_functions) {
  auto inbox = machio::receive_right::allocate();
  auto a = machio::receive_right::allocate();
  std::vector<machio::send_right> sends;
  sends.push_back(a.make_send());
  std::vector<machio::send_once_right> onces;
  onces.push_back(a.make_send_once());
  std::vector<machio::receive_right> receives;
  receives.push_back(machio::receive_right::allocate());
  machio::send(machio::message_builder(4)
                   .destination(inbox, machio::make_send)
                   .add_ool_ports(std::move(sends))
                   .add_ool_ports(std::move(onces))
                   .add_ool_ports(std::move(receives))
                   .build());
  auto msg = machio::receive(inbox);
  BOOST_TEST(msg.descriptor(0).count() == 1u);
  const auto is = [](machio::error e) {
    return [e](const boost::system::system_error& x) { return x.code() == e; };
  };
  BOOST_CHECK_EXCEPTION((void)msg.descriptor(3), boost::system::system_error,
                        is(machio::error::no_such_descriptor));
  // The wrong kind of right throws and leaves the descriptor in the message.
  BOOST_CHECK_EXCEPTION((void)msg.take_ool_send_once_rights(0), boost::system::system_error,
                        is(machio::error::wrong_descriptor_type));
  BOOST_CHECK_EXCEPTION((void)msg.take_ool_receive_rights(1), boost::system::system_error,
                        is(machio::error::wrong_descriptor_type));
  BOOST_CHECK_EXCEPTION((void)msg.take_ool_send_rights(2), boost::system::system_error,
                        is(machio::error::wrong_descriptor_type));
  auto s = msg.take_ool_send_rights(0);
  BOOST_REQUIRE_EQUAL(s.size(), 1u);
  BOOST_TEST(s[0].get() == a.get());
  auto o = msg.take_ool_send_once_rights(1);
  BOOST_REQUIRE_EQUAL(o.size(), 1u);
  auto r = msg.take_ool_receive_rights(2);
  BOOST_REQUIRE_EQUAL(r.size(), 1u);
  BOOST_TEST(r[0].is_guarded());
  // Taken once, a second take throws already_taken.
  BOOST_CHECK_EXCEPTION((void)msg.take_ool_send_rights(0), boost::system::system_error,
                        is(machio::error::already_taken));
}

BOOST_AUTO_TEST_CASE(throwing_from_bytes_rejects_nonsense_and_owns_nothing) {
  std::array<std::byte, 8> junk{};
  BOOST_CHECK_EXCEPTION((void)machio::received_message::from_bytes(junk), boost::system::system_error,
                        [](const boost::system::system_error& e) {
                          return e.code() == machio::error::malformed_message;
                        });
  mach_msg_header_t h{};
  h.msgh_size = sizeof h;
  h.msgh_id = 3;
  auto msg = machio::received_message::from_bytes(std::as_bytes(std::span(&h, 1)));
  BOOST_TEST(msg.id() == 3);
}

BOOST_AUTO_TEST_CASE(built_messages_carry_a_null_voucher) {
  // machio never attaches a voucher: the serialized header names none and says so in its
  // bits, and the receiver sees none either (a voucher would be a right to release).
  auto inbox = machio::receive_right::allocate();
  auto reply = machio::receive_right::allocate();
  auto msg = machio::message_builder(11)
                 .destination(inbox, machio::make_send)
                 .reply_to(reply)
                 .append(std::string_view("v"))
                 .build();
  mach_msg_size_t size = 0;
  auto buffer = machio::detail::message_access::serialize(msg, 0, size);
  BOOST_REQUIRE_GE(size, sizeof(mach_msg_header_t));
  const auto sent = machio::detail::load<mach_msg_header_t>(buffer.data());
  BOOST_TEST(sent.msgh_voucher_port == MACH_PORT_NULL);
  BOOST_TEST(MACH_MSGH_BITS_VOUCHER(sent.msgh_bits) == 0u);
  BOOST_TEST(MACH_MSGH_BITS_REMOTE(sent.msgh_bits) == MACH_MSG_TYPE_MAKE_SEND);
  machio::send(std::move(msg));
  auto got = machio::receive(inbox);
  BOOST_TEST(got.header().msgh_voucher_port == MACH_PORT_NULL);
  BOOST_TEST(MACH_MSGH_BITS_VOUCHER(got.header().msgh_bits) == 0u);
  BOOST_TEST(got.reply_type() == MACH_MSG_TYPE_PORT_SEND_ONCE);
}

BOOST_AUTO_TEST_SUITE_END()
