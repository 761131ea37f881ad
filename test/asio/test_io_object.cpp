// SPDX-License-Identifier: BSL-1.0
// The I/O objects' members besides their asynchronous operations: the synchronous twins,
// native_handle(), get_executor(), rebind_executor, and what moving an object does to its
// pending operations. basic_receive_port and basic_port_set alike.
#include "asio_test.hpp"

#include <machio/basic_port_set.hpp>

#include <boost/asio/strand.hpp>

#include <algorithm>
#include <array>
#include <type_traits>

using machio_test::ping;
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

using strand_type = asio::strand<asio::io_context::executor_type>;

}  // namespace

BOOST_FIXTURE_TEST_SUITE(asio_io_object, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(handle_executor_and_rebind) {
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  const mach_port_name_t name = pair.receive.get();
  machio::receive_port port(io, std::move(pair.receive));
  BOOST_TEST(port.native_handle() == name);
  BOOST_TEST(port.right().get() == name);
  BOOST_TEST((port.get_executor() == asio::any_io_executor(io.get_executor())));

  static_assert(std::is_same_v<machio::receive_port::rebind_executor<strand_type>::other,
                               machio::basic_receive_port<strand_type>>);
  static_assert(std::is_same_v<machio::port_set_object::rebind_executor<strand_type>::other,
                               machio::basic_port_set<strand_type>>);
  // The rebound type is a working I/O object on the new executor.
  auto strand = asio::make_strand(io);
  machio::receive_port::rebind_executor<strand_type>::other on_strand(strand, port.release());
  BOOST_TEST(!port.is_open());
  BOOST_TEST(on_strand.native_handle() == name);
  BOOST_TEST((on_strand.get_executor() == strand));
  machio::send(ping(pair.send, 1));
  bool ran_on_strand = false;
  on_strand.async_receive([&](error_code ec, machio::received_message m) {
    BOOST_TEST(!ec);
    BOOST_TEST(m.id() == 1);
    ran_on_strand = strand.running_in_this_thread();
  });
  io.run();
  BOOST_TEST(ran_on_strand);

  machio::port_set_object set(io, machio::port_set::allocate());
  BOOST_TEST(set.native_handle() == set.set().get());
  BOOST_TEST((set.get_executor() == asio::any_io_executor(io.get_executor())));
}

BOOST_AUTO_TEST_CASE(synchronous_receive_on_a_port_and_a_set) {
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  machio::receive_port port(io, std::move(pair.receive));
  error_code ec;
  auto none = port.receive({}, machio::no_wait, ec);
  BOOST_TEST(ec == boost::system::errc::timed_out);
  BOOST_TEST(!none.valid());
  BOOST_CHECK_THROW(port.receive({}, machio::no_wait), boost::system::system_error);
  machio::send(ping(pair.send, 2));
  BOOST_TEST(port.receive().id() == 2);
  machio::send(ping(pair.send, 3));
  auto got = port.receive({}, machio::forever, ec);
  BOOST_TEST(!ec);
  BOOST_TEST(got.id() == 3);

  auto member = machio::receive_right::allocate_pair();
  machio::port_set_object set(io, machio::port_set::allocate());
  set.set().insert(member.receive);
  set.receive({}, machio::no_wait, ec);
  BOOST_TEST(ec == boost::system::errc::timed_out);
  machio::send(ping(member.send, 4));
  auto from_set = set.receive();
  BOOST_TEST(from_set.id() == 4);
  BOOST_TEST(from_set.local_port() == member.receive.get());
}

BOOST_AUTO_TEST_CASE(a_moved_port_keeps_its_pending_operations) {
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  machio::receive_port first(io, std::move(pair.receive));
  mach_msg_id_t got = 0;
  first.async_receive([&](error_code ec, machio::received_message m) {
    BOOST_TEST(!ec);
    got = m.id();
  });
  io.poll();
  machio::receive_port moved(std::move(first));
  machio::send(ping(pair.send, 5));
  io.run();
  BOOST_TEST(got == 5);
}

BOOST_AUTO_TEST_CASE(move_assignment_aborts_the_targets_operations_and_takes_the_sources) {
  asio::io_context io;
  auto a = machio::receive_right::allocate_pair();
  auto b = machio::receive_right::allocate_pair();
  machio::receive_port target(io, std::move(a.receive));
  machio::receive_port source(io, std::move(b.receive));
  error_code aborted;
  target.async_receive([&](error_code ec, machio::received_message) { aborted = ec; });
  mach_msg_id_t got = 0;
  source.async_receive([&](error_code ec, machio::received_message m) {
    BOOST_TEST(!ec);
    got = m.id();
  });
  io.poll();
  target = std::move(source);
  BOOST_TEST(a.send.is_dead());  // the target's right was destroyed
  machio::send(ping(b.send, 6));
  io.run();
  BOOST_TEST(aborted == asio::error::operation_aborted);
  BOOST_TEST(got == 6);
}

BOOST_AUTO_TEST_CASE(a_port_set_object_destroyed_aborts_and_leaves_its_members) {
  asio::io_context io;
  auto member = machio::receive_right::allocate_pair();
  error_code got;
  {
    machio::port_set_object set(io, machio::port_set::allocate());
    set.set().insert(member.receive);
    set.async_receive([&](error_code ec, machio::received_message) { got = ec; });
    io.poll();
  }
  io.run();
  BOOST_TEST(got == asio::error::operation_aborted);
  // The member outlives its set and still receives.
  machio::send(ping(member.send, 7));
  BOOST_TEST(machio::receive(member.receive).id() == 7);
}

BOOST_AUTO_TEST_CASE(destroying_a_port_aborts_a_user_buffer_receive_and_leaves_the_buffer) {
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  alignas(8) std::array<std::byte, 128> buf;
  buf.fill(std::byte{0x5a});
  error_code got;
  {
    machio::receive_port port(io, std::move(pair.receive));
    port.async_receive(std::span<std::byte>(buf), [&](error_code ec, std::size_t) { got = ec; });
    io.poll();  // armed: the knote holds the buffer
  }
  error_code sent;
  machio::send(ping(pair.send, 8), machio::no_wait, sent);  // the port is gone with its object
  BOOST_TEST(sent == machio::make_mach_error_code(MACH_SEND_INVALID_DEST));
  io.run();
  BOOST_TEST(got == asio::error::operation_aborted);
  BOOST_TEST(std::all_of(buf.begin(), buf.end(), [](std::byte b) { return b == std::byte{0x5a}; }));
}

BOOST_AUTO_TEST_SUITE_END()
