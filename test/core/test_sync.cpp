// SPDX-License-Identifier: BSL-1.0
// call(): request and reply in one mach_msg, reply matching, MIG conventions.
#include <machio/machio.hpp>

#include <boost/test/unit_test.hpp>

#include <thread>

#include "print_machio.hpp"
#include "right_accounting.hpp"

namespace {

// Serves one request on `port` with `handler` on its own thread.
template <class Handler>
std::thread serve_one(const machio::receive_right& port, Handler handler) {
  return std::thread([&port, handler]() mutable {
    auto request = machio::receive(port);
    handler(request);
  });
}

// A MIG routine's reply: NDR record, return code, then the out arguments.
struct reply_body {
  NDR_record_t ndr;
  kern_return_t ret;
  std::int32_t value;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(core_sync, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(call_gets_the_matching_reply) {
  auto server = machio::receive_right::allocate();
  auto t = serve_one(server, [](machio::received_message& req) {
    auto v = req.body_as<std::int32_t>();
    machio::send(machio::message_builder(machio::mig::reply_id(req.id()))
                     .destination(req.take_reply_send_once())
                     .append_value(reply_body{machio::mig::ndr_record, KERN_SUCCESS, *v * 2})
                     .build());
  });
  auto request = machio::message_builder(500).destination(server.make_send()).append_value(std::int32_t{21}).build();
  auto reply = machio::call(request);
  t.join();
  BOOST_TEST(!request.valid());
  BOOST_TEST(reply.id() == 600);
  BOOST_TEST(reply.body_as<reply_body>()->value == 42);
  BOOST_TEST(!machio::mig::check_reply(reply, 500));
}

BOOST_AUTO_TEST_CASE(call_on_a_reused_reply_port) {
  auto server = machio::receive_right::allocate();
  auto reply_port = machio::receive_right::allocate();
  for (int i = 0; i < 3; ++i) {
    auto t = serve_one(server, [](machio::received_message& req) {
      machio::send(machio::message_builder(req.id() + 100).destination(req.take_reply_send_once()).build());
    });
    auto request = machio::message_builder(1000 + i).destination(server, machio::make_send).build();
    auto reply = machio::call(request, reply_port);
    t.join();
    BOOST_TEST(reply.id() == 1100 + i);
    BOOST_TEST(reply.local_port() == reply_port.get());
  }
}

BOOST_AUTO_TEST_CASE(wrong_reply_id_is_a_mismatch) {
  auto server = machio::receive_right::allocate();
  auto t = serve_one(server, [](machio::received_message& req) {
    machio::send(machio::message_builder(1).destination(req.take_reply_send_once()).build());
  });
  auto request = machio::message_builder(500).destination(server, machio::make_send).build();
  boost::system::error_code ec;
  auto reply = machio::call(request, {}, machio::forever, ec);
  t.join();
  BOOST_TEST(ec == machio::make_mach_error_code(MIG_REPLY_MISMATCH));
  BOOST_TEST(!reply.valid());
}

BOOST_AUTO_TEST_CASE(any_reply_id_when_asked) {
  auto server = machio::receive_right::allocate();
  auto t = serve_one(server, [](machio::received_message& req) {
    machio::send(machio::message_builder(1).destination(req.take_reply_send_once()).build());
  });
  auto request = machio::message_builder(500).destination(server, machio::make_send).build();
  machio::call_options o;
  o.reply_id = 1;
  auto reply = machio::call(request, o);
  t.join();
  BOOST_TEST(reply.id() == 1);
}

BOOST_AUTO_TEST_CASE(server_that_drops_the_reply_right_died) {
  auto server = machio::receive_right::allocate();
  auto t = serve_one(server, [](machio::received_message& req) { req.reset(); });
  auto request = machio::message_builder(500).destination(server, machio::make_send).build();
  boost::system::error_code ec;
  (void)machio::call(request, {}, machio::forever, ec);
  t.join();
  BOOST_TEST(ec == machio::make_mach_error_code(MIG_SERVER_DIED));
}

BOOST_AUTO_TEST_CASE(mig_error_reply) {
  auto server = machio::receive_right::allocate();
  auto t = serve_one(server, [](machio::received_message& req) {
    boost::system::error_code ec;
    auto reply = machio::mig::make_error_reply(req, MIG_BAD_ID, ec);
    BOOST_TEST(!ec);
    machio::send(reply);
    (void)machio::mig::make_error_reply(req, MIG_BAD_ID, ec);
    BOOST_TEST(ec == machio::error::already_taken);
    BOOST_CHECK_EXCEPTION((void)machio::mig::make_error_reply(req, MIG_BAD_ID),
                          boost::system::system_error, [](const boost::system::system_error& e) {
                            return e.code() == machio::error::already_taken;
                          });
  });
  auto request = machio::message_builder(500).destination(server, machio::make_send).build();
  auto reply = machio::call(request);
  t.join();
  BOOST_TEST(reply.header().msgh_size == sizeof(mig_reply_error_t));
  BOOST_TEST(machio::mig::check_reply(reply, 500) == machio::make_mach_error_code(MIG_BAD_ID));
  BOOST_TEST(machio::mig::check_reply(reply, 501) == machio::make_mach_error_code(MIG_REPLY_MISMATCH));
}

// The server here is written as MIG's generated server code is: one raw mach_msg receive
// into the request struct, the reply struct built in place (remote port = the request's
// reply port with the disposition it arrived as, id + 100, NDR record, RetCode, out
// arguments) and one raw send; an error is answered as mig_reply_error_t. machio's call()
// and mig::check_reply read both as a MIG client stub would.
BOOST_AUTO_TEST_CASE(call_to_a_server_written_as_mig_generates_it) {
#pragma pack(push, 4)
  struct request_t {
    mach_msg_header_t head;
    NDR_record_t ndr;
    std::int32_t x;
  };
  struct reply_t {
    mach_msg_header_t head;
    NDR_record_t ndr;
    kern_return_t ret;
    std::int32_t value;
  };
#pragma pack(pop)
  auto server = machio::receive_right::allocate();
  std::thread t([port = server.get()] {
    for (int i = 0; i < 2; ++i) {
      union {
        request_t request;
        struct {
          mach_msg_header_t head;
          char room[sizeof(request_t) - sizeof(mach_msg_header_t) + sizeof(mach_msg_max_trailer_t)];
        } in;
        reply_t reply;
        mig_reply_error_t error;
      } m{};
      if (mach_msg(&m.in.head, MACH_RCV_MSG, 0, sizeof m.in, port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL) !=
          MACH_MSG_SUCCESS)
        return;
      const std::int32_t x = m.request.x;
      const mach_port_t reply_port = m.request.head.msgh_remote_port;
      const mach_msg_bits_t reply_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(m.request.head.msgh_bits), 0);
      const mach_msg_id_t id = m.request.head.msgh_id + 100;
      mach_msg_size_t size = sizeof(reply_t);
      if (x >= 0) {
        m.reply = reply_t{{reply_bits, size, reply_port, MACH_PORT_NULL, 0, id}, NDR_record, KERN_SUCCESS, x * 3};
      } else {
        size = sizeof(mig_reply_error_t);
        m.error = mig_reply_error_t{{reply_bits, size, reply_port, MACH_PORT_NULL, 0, id}, NDR_record, MIG_BAD_ARGUMENTS};
      }
      if (mach_msg(&m.reply.head, MACH_SEND_MSG, size, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL) !=
          MACH_MSG_SUCCESS)
        return;
    }
  });
  const auto request = [&](std::int32_t x) {
    return machio::message_builder(900)
        .destination(server, machio::make_send)
        .append_value(machio::mig::ndr_record)
        .append_value(x)
        .build();
  };
  auto ok_request = request(14);
  const auto ok = machio::call(ok_request);
  auto bad_request = request(-1);
  const auto bad = machio::call(bad_request);
  t.join();
  BOOST_TEST(!machio::mig::check_reply(ok, 900));
  BOOST_TEST(ok.header().msgh_size == sizeof(reply_t));
  BOOST_TEST(ok.body_as<reply_body>()->value == 42);
  BOOST_TEST(machio::mig::check_reply(bad, 900) == machio::make_mach_error_code(MIG_BAD_ARGUMENTS));
}

BOOST_AUTO_TEST_CASE(call_times_out_waiting_for_a_reply) {
  auto server = machio::receive_right::allocate();
  auto request = machio::message_builder(500).destination(server, machio::make_send).build();
  boost::system::error_code ec;
  (void)machio::call(request, {}, std::chrono::milliseconds(20), ec);
  BOOST_TEST(ec == boost::system::errc::timed_out);
  BOOST_TEST(!request.valid());  // it was sent
  // The request sits on the server's queue with a reply right to a port that is gone.
  auto stale = machio::receive(server, {}, machio::no_wait);
  BOOST_TEST(stale.id() == 500);
}

BOOST_AUTO_TEST_CASE(call_to_a_dead_server_keeps_the_request) {
  auto server = machio::receive_right::allocate();
  auto dest = server.make_send();
  server.reset();
  auto other = machio::receive_right::allocate();
  auto request = machio::message_builder(500).destination(std::move(dest)).add_port(other.make_send()).build();
  boost::system::error_code ec;
  (void)machio::call(request, {}, machio::no_wait, ec);
  BOOST_TEST(ec == machio::make_mach_error_code(MACH_SEND_INVALID_DEST));
  BOOST_TEST(request.valid());
  BOOST_TEST(request.reply_port() == MACH_PORT_NULL);  // call() took its reply right back
}

BOOST_AUTO_TEST_CASE(call_refuses_a_request_with_a_reply_port) {
  auto server = machio::receive_right::allocate();
  auto request = machio::message_builder(1).destination(server, machio::make_send).reply_to(server).build();
  boost::system::error_code ec;
  (void)machio::call(request, {}, machio::no_wait, ec);
  BOOST_TEST(ec == machio::error::invalid_options);
  BOOST_TEST(request.valid());
}

BOOST_AUTO_TEST_CASE(call_with_a_large_reply_grows) {
  auto server = machio::receive_right::allocate();
  auto t = serve_one(server, [](machio::received_message& req) {
    std::string big(5000, 'r');
    machio::send(machio::message_builder(req.id() + 100).destination(req.take_reply_send_once()).append(big).build());
  });
  auto request = machio::message_builder(7).destination(server, machio::make_send).build();
  machio::call_options o;
  o.receive.buffer_size = 64;
  auto reply = machio::call(request, o);
  t.join();
  BOOST_TEST(reply.body().size() == 5000u);
}

BOOST_AUTO_TEST_CASE(call_to_a_full_server_times_out_and_keeps_the_request) {
  machio::port_options o;
  o.qlimit = 1;
  auto server = machio::receive_right::allocate(o);
  auto reply_port = machio::receive_right::allocate();
  auto other = machio::receive_right::allocate();
  machio::send(machio::message_builder(1).destination(server, machio::make_send).build());
  auto request = machio::message_builder(500).destination(server, machio::make_send).add_port(other.make_send()).build();
  boost::system::error_code ec;
  (void)machio::call(request, reply_port, {}, machio::no_wait, ec);
  BOOST_TEST(ec == machio::make_mach_error_code(MACH_SEND_TIMED_OUT));
  BOOST_REQUIRE(request.valid());
  BOOST_TEST(request.reply_port() == MACH_PORT_NULL);  // the returned reply right was released
  // Releasing it sent the reply port a send-once notification; the next call drops it.
  BOOST_TEST(reply_port.status().mps_msgcount == 1u);

  // Make room and call again on the same reply port: the retry gets the real reply.
  BOOST_TEST(machio::receive(server).id() == 1);
  auto t = serve_one(server, [](machio::received_message& req) {
    BOOST_TEST(req.descriptor_count() == 1u);
    machio::send(machio::message_builder(req.id() + 100).destination(req.take_reply_send_once()).build());
  });
  auto reply = machio::call(request, reply_port);
  t.join();
  BOOST_TEST(reply.id() == 600);
}

BOOST_AUTO_TEST_CASE(stale_messages_on_a_reused_reply_port_are_dropped) {
  auto server = machio::receive_right::allocate();
  auto reply_port = machio::receive_right::allocate();
  // A reply that arrived after its call gave up, still queued on the reply port.
  machio::send(machio::message_builder(1100).destination(reply_port, machio::make_send).build());
  auto t = serve_one(server, [](machio::received_message& req) {
    machio::send(machio::message_builder(req.id() + 100).destination(req.take_reply_send_once()).append_value(1).build());
  });
  auto request = machio::message_builder(1000).destination(server, machio::make_send).build();
  auto reply = machio::call(request, reply_port);
  t.join();
  BOOST_TEST(reply.id() == 1100);
  BOOST_TEST(reply.body().size() == sizeof(int));  // the real reply, not the stale one
  BOOST_TEST(reply_port.status().mps_msgcount == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
