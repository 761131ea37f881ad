// SPDX-License-Identifier: BSL-1.0
// The shape of XNU's KQMPMMtest (tools/tests/MPMMTest): one server thread re-arms an
// EV_DISPATCH knote on a port set with EV_ENABLE and takes the next message in the same
// kevent64 call while four client threads send. Built twice: emu_kqueue_stress runs it on
// the in-process core, machd_kqueue_stress through machd. A hang here is a failure (every
// wait has a deadline), not a test that runs until ctest kills it.
#include <mach/mach.h>
#include <sys/event.h>

#include <boost/test/unit_test.hpp>

#include <array>
#include <atomic>
#include <thread>
#include <vector>

#include "emu_test_util.hpp"

using namespace emu_test;

namespace {

const mach_port_t self = mach_task_self();
constexpr int clients = 4;
constexpr std::uint32_t per_client = 10000;
const struct timespec patience = {30, 0};  // far beyond any honest wait

struct numbered_msg {
  mach_msg_header_t header;
  std::uint32_t client;
  std::uint32_t seq;
};

struct server_buffer {
  numbered_msg msg;
  mach_msg_max_trailer_t trailer;
};

// A port set whose members are one receive right (with a send right) per client.
struct port_farm {
  mach_port_name_t set = MACH_PORT_NULL;
  std::array<mach_port_name_t, clients> ports{};
  port_farm() {
    BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
    for (auto& p : ports) {
      p = new_receive_send();
      BOOST_REQUIRE_EQUAL(mach_port_insert_member(self, p, set), KERN_SUCCESS);
    }
  }
  ~port_farm() {
    for (auto p : ports) drop_port(p);
    BOOST_CHECK_EQUAL(mach_port_mod_refs(self, set, MACH_PORT_RIGHT_PORT_SET, -1), KERN_SUCCESS);
  }
};

// Sends `per_client` numbered messages to `port`, blocking while its queue is full (but
// never for ever). Returns how many went.
std::uint32_t run_client(mach_port_name_t port, std::uint32_t id) {
  std::uint32_t sent = 0;
  for (; sent < per_client; ++sent) {
    numbered_msg m{};
    m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    m.header.msgh_remote_port = port;
    m.header.msgh_size = sizeof m;
    m.header.msgh_id = 7;
    m.client = id;
    m.seq = sent;
    if (mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof m, 0, MACH_PORT_NULL,
                 30000, MACH_PORT_NULL) != MACH_MSG_SUCCESS)
      break;
  }
  return sent;
}

// What the server saw: per client, messages in order and none missing.
struct tally {
  std::array<std::uint32_t, clients> next{};
  std::uint32_t out_of_order = 0;
  std::uint32_t total = 0;
  void saw(const numbered_msg& m) {
    if (m.client >= clients || m.seq != next[m.client]) {
      ++out_of_order;
      return;
    }
    ++next[m.client];
    ++total;
  }
};

enum class style { direct_receive, receive_after_event };

// Runs the server loop on this thread until every message arrived or a wait ran dry.
void serve(const port_farm& farm, style how, tally& t) {
  const int kq = ::kqueue();
  BOOST_REQUIRE_GE(kq, 0);
  server_buffer buf{};
  kevent64_s arm{};
  arm.ident = farm.set;
  arm.filter = EVFILT_MACHPORT;
  arm.flags = EV_ADD | EV_CLEAR | EV_DISPATCH;
  if (how == style::direct_receive) {
    arm.fflags = MACH_RCV_MSG | MACH_RCV_LARGE;
    arm.ext[0] = reinterpret_cast<std::uint64_t>(&buf);
    arm.ext[1] = sizeof buf;
  }
  BOOST_REQUIRE_EQUAL(kevent64(kq, &arm, 1, nullptr, 0, 0, nullptr), 0);
  kevent64_s enable = arm;
  enable.flags = EV_ENABLE;
  bool armed = true;  // the EV_ADD left the knote enabled; later calls re-enable it
  while (t.total < clients * per_client && t.out_of_order == 0) {
    kevent64_s ev{};
    const int n = kevent64(kq, armed ? nullptr : &enable, armed ? 0 : 1, &ev, 1, 0, &patience);
    armed = false;
    if (n != 1) {
      BOOST_ERROR("kevent64 returned " << n << " after " << t.total << " messages");
      break;
    }
    if (how == style::direct_receive) {
      BOOST_REQUIRE_EQUAL(ev.fflags, static_cast<std::uint32_t>(MACH_MSG_SUCCESS));
      BOOST_REQUIRE_EQUAL(ev.ext[1], sizeof(numbered_msg) + sizeof(mach_msg_trailer_t));
    } else {
      const auto port = static_cast<mach_port_name_t>(ev.data);
      BOOST_REQUIRE_EQUAL(mach_msg(&buf.msg.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
                                   sizeof buf, port, 0, MACH_PORT_NULL),
                          MACH_MSG_SUCCESS);
    }
    t.saw(buf.msg);
  }
  BOOST_CHECK_EQUAL(::close(kq), 0);
}

void run(style how) {
  port_farm farm;
  tally t;
  std::vector<std::thread> threads;
  std::array<std::uint32_t, clients> sent{};
  for (std::uint32_t i = 0; i < clients; ++i)
    threads.emplace_back([&, i] { sent[i] = run_client(farm.ports[i], i); });
  serve(farm, how, t);
  for (auto& th : threads) th.join();
  BOOST_CHECK_EQUAL(t.out_of_order, 0u);
  BOOST_CHECK_EQUAL(t.total, clients * per_client);
  for (std::uint32_t i = 0; i < clients; ++i) BOOST_CHECK_EQUAL(sent[i], per_client);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(kqueue_stress, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(enable_and_receive_in_one_call_with_four_senders) {
  run(style::direct_receive);
}

BOOST_AUTO_TEST_CASE(enable_then_receive_after_the_event_with_four_senders) {
  run(style::receive_after_event);
}

BOOST_AUTO_TEST_SUITE_END()
