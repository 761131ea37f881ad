// SPDX-License-Identifier: BSL-1.0
// machd's USB source against a fixture sysfs tree (machd --usb-root): the devices there at
// start are published, hubs before their devices and as their parents, root hubs and
// interfaces not; a device linked in later is published, one removed is terminated with
// the devices behind it. Observed from other processes, through `machd iokit list`.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "machd_test_util.hpp"
#include "usb_fixture.hpp"

using namespace machd_test;

namespace {

struct listed {
  std::string id, parent, cls, name;
};

// The registry's live services, as `machd iokit list` prints them.
std::vector<listed> list() {
  child c(MACHD_BINARY, {"iokit", "list"}, false);
  std::vector<listed> out;
  for (std::string line = c.line(); !line.empty(); line = c.line()) {
    std::istringstream in(line);
    listed l;
    in >> l.id >> l.parent >> l.cls;
    std::getline(in >> std::ws, l.name);
    out.push_back(l);
  }
  BOOST_REQUIRE_EQUAL(c.wait(), 0);
  return out;
}

const listed* named(const std::vector<listed>& all, const std::string& name) {
  for (const auto& l : all)
    if (l.name == name) return &l;
  return nullptr;
}

// The list once it satisfies \p ok (hot-plug is asynchronous), or after 5 s.
template <class Pred>
std::vector<listed> list_until(Pred ok) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::vector<listed> l = list();
  while (!ok(l) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    l = list();
  }
  return l;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(machd_usb)

BOOST_AUTO_TEST_CASE(the_fixture_devices_are_published_and_follow_hot_plug) {
  machio_test::usb_fixture fx;
  fx.make({"1-1", 0x05e3, 0x0610, 0x0100, 2, "USB2.0 Hub"});
  fx.make({"1-1.4", 0x046d, 0xc52b, 0x1211, 3, "USB Receiver"});
  fx.make({"usb1", 0x1d6b, 0x0002, 0x0601, 1, "xHCI Host Controller"});
  // Linked in child first: the source must still publish the hub before it.
  for (const char* n : {"1-1.4", "1-1", "usb1", "1-1.4:1.0"}) fx.plug(n);
  private_daemon d({"--usb-root", fx.root()});

  auto all = list();
  BOOST_REQUIRE_EQUAL(all.size(), 2u);  // no root hub, no interface
  const listed* hub = named(all, "USB2.0 Hub");
  const listed* receiver = named(all, "USB Receiver");
  BOOST_REQUIRE(hub && receiver);
  BOOST_TEST(hub->cls == "IOUSBHostDevice");
  BOOST_TEST(hub->parent == "0x0");
  BOOST_TEST(receiver->parent == hub->id);

  fx.make({"2-1", 0x1234, 0x5678, 0x0100, 4, "Pen"});
  fx.plug("2-1");
  all = list_until([](const auto& l) { return l.size() == 3; });
  BOOST_REQUIRE(named(all, "Pen"));

  fx.unplug("1-1");  // the hub, and with it the receiver behind it
  all = list_until([](const auto& l) { return l.size() == 1; });
  BOOST_REQUIRE_EQUAL(all.size(), 1u);
  BOOST_TEST(all[0].name == "Pen");
  BOOST_TEST(d.alive());
}

BOOST_AUTO_TEST_CASE(a_missing_tree_publishes_nothing_and_harms_nothing) {
  private_daemon d({"--usb-root", "/nonexistent/machio-usb"});
  BOOST_TEST(list().empty());
  BOOST_TEST(d.alive());
}

BOOST_AUTO_TEST_SUITE_END()
