// SPDX-License-Identifier: BSL-1.0
// One-way streams between two processes (through machd on Linux), the load under which a
// queue is full most of the time: every send that finds it full waits for a send-possible
// notification (machio) or blocks in mach_msg (raw), and every message must still arrive,
// in order, exactly once. A forked child receives and reports through its exit status;
// the parent sends.
//
// Two defects were found this way: a machio sender stalled (waiting for send-possible
// while the receiver sat idle with its queue empty), and a raw sender of 64 KiB messages
// got MACH_SEND_NO_BUFFER mid-stream from machd's per-task byte budget, where a sender
// whose receiver drains must wait, as for a full queue.
#include "asio_test.hpp"
#include "forked_child.hpp"

#include <machio/bootstrap.hpp>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

namespace asio = boost::asio;
using boost::system::error_code;
using machio_test::reap;
using machio_test::require_machd;
using machio_test::signal_ready;
using machio_test::start_child;

namespace {

constexpr mach_msg_id_t stream_id = 800;

std::string unique_name(const char* what) {
  static int serial = 0;
  return std::string("org.machio.test.streaming.") + what + "." + std::to_string(getpid()) + "." +
         std::to_string(serial++);
}

// The machio receiver: async_receive after async_receive, each checking the sequence
// number in the body and the size; 0 when `count` arrived in order. With a qlimit, the
// port's queue is raised to it.
int machio_receiver(const std::string& name, std::uint32_t count, std::size_t body_bytes,
                    std::optional<mach_port_msgcount_t> qlimit, int ready_fd) {
  asio::io_context io;
  error_code ec;
  machio::receive_right right = machio::bootstrap::check_in(name, ec);
  if (ec) return 10;
  if (qlimit) right.set_qlimit(*qlimit, ec);
  if (ec) return 12;
  machio::receive_port port(io, std::move(right));
  machio::receive_options options;
  options.buffer_size = static_cast<mach_msg_size_t>(sizeof(mach_msg_header_t) + body_bytes);
  std::uint32_t next = 0;
  int failure = 0;
  std::function<void()> receive = [&] {
    port.async_receive(options, [&](error_code e, machio::received_message m) {
      if (e) {
        failure = 20;
        return;
      }
      if (m.id() != stream_id || m.body().size() != body_bytes ||
          m.body_as<std::uint32_t>().value_or(~0u) != next) {
        failure = 21;
        return;
      }
      if (++next < count) receive();
    });
  };
  receive();
  if (const int rc = signal_ready(ready_fd)) return rc;
  io.run();
  return failure != 0 ? failure : (next == count ? 0 : 22);
}

machio::message numbered(const machio::send_right& dest, std::uint32_t seq, std::size_t body_bytes) {
  std::vector<std::byte> body(body_bytes);
  std::memcpy(body.data(), &seq, sizeof seq);
  return machio::message_builder(stream_id).destination(dest).append(std::span<const std::byte>(body)).build();
}

// Streams `count` numbered messages with `window` sends in flight (each completion starts
// the next) to a machio receiver in a child; checks that all were sent and that the child
// saw them all, in the order they were started.
void stream(std::uint32_t count, std::uint32_t window, std::size_t body_bytes,
            std::optional<mach_port_msgcount_t> qlimit) {
  const std::string name = unique_name("stream");
  const pid_t child =
      start_child([&](int fd) { return machio_receiver(name, count, body_bytes, qlimit, fd); });
  asio::io_context io;
  machio::send_right service = machio::bootstrap::look_up(name);
  std::uint32_t next = 0, sent = 0;
  std::vector<error_code> failures;
  std::function<void()> send = [&] {
    machio::async_send(io.get_executor(), numbered(service, next++, body_bytes), [&](error_code ec, machio::message) {
      if (ec) {
        failures.push_back(ec);
        return;
      }
      if (++sent + window <= count) send();
    });
  };
  for (std::uint32_t i = 0; i < window; ++i) send();
  io.run_for(std::chrono::seconds(60));
  BOOST_TEST(failures.empty());
  BOOST_TEST(sent == count, "the stream stalled after " << sent << " of " << count << " messages");
  BOOST_TEST(reap(child) == 0, "the receiver saw the stream out of order, short, or not at all");
}

// In the child: checks `name` in as `port` and raises its queue to
// MACH_PORT_QLIMIT_LARGE. 0, or the exit status that says which step failed.
int check_in_large_queue(const std::string& name, mach_port_t& port) {
  if (bootstrap_check_in(bootstrap_port, name.c_str(), &port) != KERN_SUCCESS) return 10;
  mach_port_limits_t limits{MACH_PORT_QLIMIT_LARGE};
  return mach_port_set_attributes(mach_task_self(), port, MACH_PORT_LIMITS_INFO,
                                  reinterpret_cast<mach_port_info_t>(&limits), MACH_PORT_LIMITS_INFO_COUNT) ==
                 KERN_SUCCESS
             ? 0
             : 12;
}

// The header of a raw stream message of `size` bytes to `service` (COPY_SEND).
mach_msg_header_t raw_header(mach_port_t service, std::size_t size) {
  mach_msg_header_t h{};
  h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  h.msgh_size = static_cast<mach_msg_size_t>(size);
  h.msgh_remote_port = service;
  h.msgh_id = stream_id;
  return h;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(asio_streaming, machio_test::right_accounting)

// 64-byte messages one after the other: the receiver's queue (qlimit 5) is full most of
// the time, and each send that finds it full waits for a send-possible notification.
BOOST_AUTO_TEST_CASE(a_machio_stream_of_small_messages_through_machd_arrives_whole_and_in_order) {
  require_machd();
  stream(20000, 1, 64 - sizeof(mach_msg_header_t), std::nullopt);
}

// Sixteen sends in flight: a send started while an earlier one to the same destination
// waits for room queues behind it. (It used to try at once, and overtook the waiting one
// whenever the receiver had just made room: the receiver saw the stream reordered.)
BOOST_AUTO_TEST_CASE(sends_in_flight_to_one_destination_leave_in_the_order_they_were_started) {
  require_machd();
  stream(20000, 16, 64 - sizeof(mach_msg_header_t), std::nullopt);
}

// 1 MiB messages to a queue of 1,024: machd's per-task byte budget (8 MiB by default), not
// the queue, is what fills. async_send waits for it as for a full queue, without spinning.
BOOST_AUTO_TEST_CASE(a_machio_stream_beyond_machds_byte_budget_waits_and_arrives_whole) {
  require_machd();
  stream(96, 4, 1024 * 1024, MACH_PORT_QLIMIT_LARGE);
}

// 64 KiB inline messages from a blocking raw sender to a receiver with a large queue
// (MACH_PORT_QLIMIT_LARGE): far more bytes in flight than machd's per-task budget
// (8 MiB by default). Every send must block until there is room and then succeed.
BOOST_AUTO_TEST_CASE(a_raw_stream_of_64_kib_messages_through_machd_blocks_and_never_fails) {
  require_machd();
  constexpr std::uint32_t count = 1500;  // 94 MiB in all
  constexpr std::size_t body_bytes = 64 * 1024;
  const std::string name = unique_name("large");
  const pid_t child = start_child([&](int fd) -> int {
    mach_port_t port = MACH_PORT_NULL;
    if (const int rc = check_in_large_queue(name, port)) return rc;
    if (const int rc = signal_ready(fd)) return rc;
    // Lets the sender fill the queue (and its budget) before draining it.
    usleep(300 * 1000);
    std::vector<std::byte> buf(sizeof(mach_msg_header_t) + body_bytes + sizeof(mach_msg_max_trailer_t) + 64);
    auto* hdr = reinterpret_cast<mach_msg_header_t*>(buf.data());
    for (std::uint32_t i = 0; i < count; ++i) {
      if (mach_msg(hdr, MACH_RCV_MSG, 0, static_cast<mach_msg_size_t>(buf.size()), port, 0, MACH_PORT_NULL) !=
          MACH_MSG_SUCCESS)
        return 20;
      std::uint32_t seq = 0;
      std::memcpy(&seq, buf.data() + sizeof(mach_msg_header_t), sizeof seq);
      if (hdr->msgh_id != stream_id || seq != i ||
          hdr->msgh_size != sizeof(mach_msg_header_t) + body_bytes)
        return 21;
    }
    return 0;
  });

  mach_port_t service = MACH_PORT_NULL;
  BOOST_REQUIRE(bootstrap_look_up(bootstrap_port, name.c_str(), &service) == KERN_SUCCESS);
  std::vector<std::byte> buf(sizeof(mach_msg_header_t) + body_bytes);
  auto* hdr = reinterpret_cast<mach_msg_header_t*>(buf.data());
  std::uint32_t sent = 0;
  mach_msg_return_t failure = MACH_MSG_SUCCESS;
  for (; sent < count; ++sent) {
    *hdr = raw_header(service, buf.size());
    std::memcpy(buf.data() + sizeof(mach_msg_header_t), &sent, sizeof sent);
    failure = mach_msg(hdr, MACH_SEND_MSG, hdr->msgh_size, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    if (failure != MACH_MSG_SUCCESS) {
      mach_msg_destroy(hdr);  // handed back: the copied send right is an extra uref now
      break;
    }
  }
  BOOST_TEST(failure == MACH_MSG_SUCCESS, "send " << sent << " failed: " << mach_error_string(failure));
  BOOST_TEST(sent == count);
  BOOST_TEST(reap(child) == 0);
  mach_port_deallocate(mach_task_self(), service);
}

// The same budget with MACH_SEND_TIMEOUT and a receiver that does not drain: once the
// budget is used, the send waits for its timeout and reports MACH_SEND_TIMED_OUT, handing
// the message back; it does not fail with MACH_SEND_NO_BUFFER.
BOOST_AUTO_TEST_CASE(a_send_beyond_the_byte_budget_honours_its_timeout) {
  require_machd();
  constexpr std::size_t body_bytes = 1024 * 1024;
  const std::string name = unique_name("budget");
  int release[2];
  BOOST_REQUIRE(pipe(release) == 0);
  const pid_t child = start_child([&](int fd) -> int {
    close(release[1]);
    mach_port_t port = MACH_PORT_NULL;
    if (const int rc = check_in_large_queue(name, port)) return rc;
    if (const int rc = signal_ready(fd)) return rc;
    char go = 0;
    return read(release[0], &go, 1) == 1 ? 0 : 13;  // holds the queue until the parent is done
  });
  close(release[0]);

  mach_port_t service = MACH_PORT_NULL;
  BOOST_REQUIRE(bootstrap_look_up(bootstrap_port, name.c_str(), &service) == KERN_SUCCESS);
  std::vector<std::byte> buf(sizeof(mach_msg_header_t) + body_bytes);
  auto* hdr = reinterpret_cast<mach_msg_header_t*>(buf.data());
  mach_msg_return_t mr = MACH_MSG_SUCCESS;
  int accepted = 0;
  for (; accepted < 64; ++accepted) {  // 64 MiB: beyond any budget of a few MiB
    *hdr = raw_header(service, buf.size());
    mr = mach_msg(hdr, MACH_SEND_MSG | MACH_SEND_TIMEOUT, hdr->msgh_size, 0, MACH_PORT_NULL, 50, MACH_PORT_NULL);
    if (mr != MACH_MSG_SUCCESS) break;
  }
  BOOST_TEST(accepted > 0);
  BOOST_TEST(mr == MACH_SEND_TIMED_OUT, mach_error_string(mr));
  // Handed back as XNU's pseudo-receive does: the copied send right is an extra uref of
  // the caller's, named in the header with its post-copy-in type, for mach_msg_destroy.
  BOOST_TEST(hdr->msgh_remote_port == service);
  BOOST_TEST(MACH_MSGH_BITS_REMOTE(hdr->msgh_bits) == static_cast<mach_msg_bits_t>(MACH_MSG_TYPE_PORT_SEND));
  mach_msg_destroy(hdr);
  BOOST_REQUIRE(write(release[1], "x", 1) == 1);
  close(release[1]);
  BOOST_TEST(reap(child) == 0);
  mach_port_deallocate(mach_task_self(), service);
}

BOOST_AUTO_TEST_SUITE_END()
