// SPDX-License-Identifier: BSL-1.0
// usb_watch: prints USB devices as they arrive and leave, until Ctrl-C. macOS only.
//
// IOKit's notifications come through a notification port whose Mach port the io_context
// watches: no run loop, no thread of its own. doc/iokit.md walks through it.
#include <machio/iokit/notification_port.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <cstdint>
#include <iomanip>
#include <iostream>

namespace asio = boost::asio;
using machio::iokit::notification_type;

// [usb_watch]
// The tags tell the two registrations' events apart.
constexpr std::uint64_t arrivals = 1;
constexpr std::uint64_t departures = 2;

// One line per device: its name, its registry ID, and the USB ids when it has them.
void print(const machio::iokit::event& e) {
  boost::system::error_code ec;
  const std::string name = e.service.name(ec);
  std::cout << (e.tag == arrivals ? "arrived " : "left    ") << (ec ? "(no name)" : name)
            << "  registry id 0x" << std::hex << e.service.registry_id(ec);
  for (const char* key : {"idVendor", "idProduct", "locationID"})
    if (auto value = e.service.integer_property(key)) std::cout << "  " << key << " 0x" << *value;
  std::cout << std::dec << std::endl;
}

// Prints every batch of events until the port is cancelled.
asio::awaitable<void> watch(machio::iokit::notification_port& port) {
  for (;;) {
    auto [ec, events] = co_await port.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;  // operation_aborted: Ctrl-C (see main)
    for (const auto& e : events) print(e);
  }
}

int main() {
  asio::io_context io;
  machio::iokit::notification_port port(io);

  // IOServiceMatching hands us one reference to a new dictionary; add_matching consumes
  // it, so each registration gets its own. The devices already plugged in are reported
  // first, as arrivals. The notifications stay armed while these objects live.
  const machio::iokit::object on_arrival =
      port.add_matching(notification_type::first_match, IOServiceMatching("IOUSBHostDevice"), arrivals);
  const machio::iokit::object on_departure =
      port.add_matching(notification_type::terminated, IOServiceMatching("IOUSBHostDevice"), departures);

  // Ctrl-C cancels the coroutine, and with it the wait it is suspended in.
  asio::cancellation_signal stop_watching;
  asio::co_spawn(io, watch(port), asio::bind_cancellation_slot(stop_watching.slot(), asio::detached));
  asio::signal_set stop(io, SIGINT, SIGTERM);
  stop.async_wait([&](boost::system::error_code, int) { stop_watching.emit(asio::cancellation_type::terminal); });

  std::cout << "watching USB devices; Ctrl-C stops" << std::endl;
  io.run();  // returns once the watch ended and the signal wait completed
  std::cout << "usb_watch: done" << std::endl;
}
// [usb_watch]
