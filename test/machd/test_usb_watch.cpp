// SPDX-License-Identifier: BSL-1.0
// examples/usb_watch against machd's USB source on a fixture tree: it prints the devices
// already plugged in as arrivals, then each device linked in and each one removed, with
// its USB ids and macOS's locationID, and exits cleanly on SIGINT.
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <string>

#include "machd_test_util.hpp"
#include "usb_fixture.hpp"

using namespace machd_test;

namespace {

// The next line of \p watch, within 10 s.
std::string next_line(child& watch) {
  auto line = watch.line_within(10000);
  BOOST_REQUIRE_MESSAGE(line, "usb_watch printed nothing");
  return *line;
}

}  // namespace

BOOST_AUTO_TEST_CASE(usb_watch_prints_arrivals_and_departures) {
  machio_test::usb_fixture fx;
  fx.make({"1-2", 0x046d, 0xc52b, 0x1211, 3, "USB Receiver"});
  fx.plug("1-2");
  private_daemon d({"--usb-root", fx.root()});

  child watch(USB_WATCH, {}, false);
  BOOST_TEST(next_line(watch) == "watching USB devices; Ctrl-C stops");
  std::string line = next_line(watch);
  BOOST_TEST(line.starts_with("arrived USB Receiver  registry id 0x"), line);
  BOOST_TEST(line.ends_with("idVendor 0x46d  idProduct 0xc52b  locationID 0x1200000"), line);

  fx.make({"3-1.2", 0x1234, 0x5678, 0x0100, 9, "Pen"});
  fx.plug("3-1.2");
  line = next_line(watch);
  BOOST_TEST(line.starts_with("arrived Pen  registry id 0x"), line);
  BOOST_TEST(line.ends_with("idVendor 0x1234  idProduct 0x5678  locationID 0x3120000"), line);

  fx.unplug("1-2");
  line = next_line(watch);
  BOOST_TEST(line.starts_with("left    USB Receiver  registry id 0x"), line);

  ::kill(watch.pid, SIGINT);
  BOOST_TEST(next_line(watch) == "usb_watch: done");
  BOOST_TEST(watch.wait() == 0);
}
