// SPDX-License-Identifier: BSL-1.0
// From a publish to the handler seeing the event, against a plain Mach round trip through
// machd, in the same run (Linux: the registry is machd's).
//
// Each iteration publishes one service (machemu_iokit_publish: one IOKit routine to machd)
// and waits until a first-match notification for it has been handled:
// - IOKitLib: mach_msg receives the ping, IODispatchCalloutFromMessage calls the callback,
//   which drains the iterator (IOIteratorNext until empty: two more routines) — what a C
//   program with its own loop does;
// - machio: notification_port::async_wait on an io_context, the handler getting the event.
// The baseline is the plain 64-byte call through machd to a server thread (mach_msg
// SEND|RCV with a send-once reply). Also printed: the publish alone, nobody listening (the
// testing API fetches and releases the main port around it, as IOKitLib does for
// kIOMainPortDefault: three trips to machd). Printed: medians of batches and their ratio
// to the call.
// The services are terminated after each batch, untimed.
#include "asio_pingpong.hpp"

#include <machio/iokit/notification_port.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "machemu_iokit_testing.h"

namespace asio = boost::asio;
using namespace pingpong;

namespace {

constexpr int batches = 21, per_batch = 200;
const std::string bench_class = "MachioBenchDevice" + std::to_string(::getpid());

// Median ns per iteration of `one` over batches; `after` runs untimed after each batch.
template <class One, class After>
double median_per(One one, After after) {
  for (int i = 0; i < per_batch; ++i) one();  // warm up
  after();
  std::vector<double> v;
  for (int b = 0; b < batches; ++b) {
    const auto t0 = clock_type::now();
    for (int i = 0; i < per_batch; ++i) one();
    v.push_back(ns_per(t0, per_batch));
    after();
  }
  return median(std::move(v));
}

std::vector<std::uint64_t> published;

void publish() {
  const char* classes[] = {bench_class.c_str(), "IOService", nullptr};
  std::uint64_t id = 0;
  check(machemu_iokit_publish(classes, "bench", nullptr, 0, &id) == KERN_SUCCESS, "publish");
  published.push_back(id);
}

void terminate_published() {
  for (std::uint64_t id : published) check(machemu_iokit_terminate(id) == KERN_SUCCESS, "terminate");
  published.clear();
}

double round_trip_ns() {
  std::vector<double> v;
  for (int b = 0; b < batches; ++b) {
    v.push_back(with_server_thread(
        serve_calls,
        [](const machio::send_right& server) {
          machio::receive_right reply = machio::receive_right::allocate();
          raw_buffer buf{};
          for (int i = 0; i < per_batch; ++i) raw_call(buf, server.get(), reply.get());
        },
        per_batch, call_stop_id));
  }
  return median(std::move(v));
}

double publish_only_ns() { return median_per(publish, terminate_published); }

int handled = 0;

void on_match(void*, io_iterator_t it) {
  while (io_object_t o = IOIteratorNext(it)) {
    IOObjectRelease(o);
    ++handled;
  }
}

double iokitlib_ns() {
  IONotificationPortRef notify = IONotificationPortCreate(kIOMainPortDefault);
  check(notify != nullptr, "IONotificationPortCreate");
  io_iterator_t n = IO_OBJECT_NULL;
  check(IOServiceAddMatchingNotification(notify, kIOFirstMatchNotification, IOServiceMatching(bench_class.c_str()),
                                         on_match, nullptr, &n) == KERN_SUCCESS,
        "IOServiceAddMatchingNotification");
  on_match(nullptr, n);  // arm
  const double ns = median_per(
      [&] {
        const int before = handled;
        publish();
        while (handled == before) {
          struct {
            mach_msg_header_t header;
            unsigned char body[256];
          } buf{};
          check(mach_msg(&buf.header, MACH_RCV_MSG, 0, sizeof buf, IONotificationPortGetMachPort(notify), 0,
                         MACH_PORT_NULL) == MACH_MSG_SUCCESS,
                "receive");
          IODispatchCalloutFromMessage(nullptr, &buf.header, nullptr);
        }
      },
      terminate_published);
  IOObjectRelease(n);
  IONotificationPortDestroy(notify);
  return ns;
}

double machio_ns() {
  asio::io_context io;
  machio::iokit::notification_port port(io);
  const machio::iokit::object n =
      port.add_matching(machio::iokit::notification_type::first_match, IOServiceMatching(bench_class.c_str()));
  const double ns = median_per(
      [&] {
        bool seen = false;
        port.async_wait([&](boost::system::error_code ec, std::vector<machio::iokit::event> events) {
          check(!ec && !events.empty(), "async_wait");
          seen = true;
        });
        publish();
        io.restart();
        while (!seen) io.run_one();
      },
      terminate_published);
  return ns;
}

}  // namespace

int main() {
  const double rt = round_trip_ns();
  const double alone = publish_only_ns();
  const double lib = iokitlib_ns();
  const double mio = machio_ns();
  std::printf("IOKit publish -> handler through machd, median of %d batches x %d\n", batches, per_batch);
  std::printf("%-44s %10s %8s\n", "", "median", "ratio");
  std::printf("%-44s %8.1f us %7.2fx\n", "Mach round trip (baseline)", rt / 1000, 1.0);
  std::printf("%-44s %8.1f us %7.2fx\n", "publish alone (nobody listening)", alone / 1000, alone / rt);
  std::printf("%-44s %8.1f us %7.2fx\n", "publish -> IOKitLib callback (mach_msg loop)", lib / 1000, lib / rt);
  std::printf("%-44s %8.1f us %7.2fx\n", "publish -> machio notification_port handler", mio / 1000, mio / rt);
}
