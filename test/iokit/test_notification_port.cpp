// SPDX-License-Identifier: BSL-1.0
// machio::iokit::notification_port on mach-emu's IOKit, through machd: the code that runs
// on macOS against the kernel's registry, here against machd's. Services are published by
// hand (machemu_iokit_testing.h), from this process or from another one (`machd iokit`).
// Each case uses a class of its own process's name, so tests sharing the daemon never see
// each other's services, and checks that no Mach right and no CF object is left over.
#include <machio/iokit/notification_port.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "machemu_cf_testing.h"
#include "machemu_iokit_testing.h"
#include "right_accounting.hpp"

extern char** environ;

namespace {

namespace asio = boost::asio;
using machio::iokit::event;
using machio::iokit::notification_type;

// This process's class: every test publishes only services of it.
const std::string test_class = "MachioTestDevice" + std::to_string(::getpid());

CFMutableDictionaryRef matching() { return IOServiceMatching(test_class.c_str()); }

struct service {
  std::uint64_t id = 0;
  explicit service(const char* name = "device", CFDictionaryRef props = nullptr) {
    const char* classes[] = {test_class.c_str(), "IOService", "IORegistryEntry", nullptr};
    BOOST_REQUIRE_EQUAL(machemu_iokit_publish(classes, name, props, 0, &id), KERN_SUCCESS);
  }
  ~service() { terminate(); }
  void terminate() {
    if (id) BOOST_CHECK_EQUAL(machemu_iokit_terminate(std::exchange(id, 0)), KERN_SUCCESS);
  }
  service(const service&) = delete;
  service& operator=(const service&) = delete;
};

struct fixture : machio_test::right_accounting {
  CFIndex cf = machemu_cf_live_objects();
  asio::io_context io;
  ~fixture() { BOOST_CHECK_EQUAL(machemu_cf_live_objects(), cf); }

  // Waits (as many times as it takes) until \p n events have come; fails after 10 s.
  std::vector<event> wait_for(machio::iokit::notification_port& port, std::size_t n) {
    std::vector<event> got;
    bool waiting = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
      if (!waiting) {
        waiting = true;
        port.async_wait([&](boost::system::error_code ec, std::vector<event> events) {
          waiting = false;
          BOOST_REQUIRE(!ec);
          for (auto& e : events) got.push_back(std::move(e));
        });
      }
      io.restart();
      io.run_one_for(std::chrono::milliseconds(100));
    }
    if (waiting) {  // leave no wait behind
      port.cancel();
      io.restart();
      io.run();
    }
    BOOST_REQUIRE_EQUAL(got.size(), n);
    return got;
  }

  // True when nothing arrives within \p for_ms (the wait is then cancelled).
  bool quiet(machio::iokit::notification_port& port, int for_ms = 100) {
    bool fired = false;
    port.async_wait([&](boost::system::error_code, std::vector<event>) { fired = true; });
    io.restart();
    io.run_for(std::chrono::milliseconds(for_ms));
    const bool nothing = !fired;
    port.cancel();
    io.restart();
    io.run();
    return nothing;
  }
};

std::uint64_t id_of(const event& e) { return e.service.registry_id(); }

// Runs `machd iokit <args>` as another process; its standard output.
std::string machd_iokit(std::vector<std::string> args) {
  const char* machd = std::getenv("MACHEMU_MACHD");
  BOOST_REQUIRE(machd != nullptr);
  int out[2];
  BOOST_REQUIRE_EQUAL(::pipe(out), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  args.insert(args.begin(), {machd, "iokit"});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  BOOST_REQUIRE_EQUAL(posix_spawn(&pid, machd, &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);
  std::string text;
  char buf[256];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  BOOST_REQUIRE_EQUAL(::waitpid(pid, &status, 0), pid);
  BOOST_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return text;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(iokit_notification_port, fixture)

BOOST_AUTO_TEST_CASE(first_match_reports_the_services_already_there) {
  service a("a"), b("b");
  machio::iokit::notification_port port(io);
  const auto n = port.add_matching(notification_type::first_match, matching(), 7);
  auto events = wait_for(port, 2);
  std::set<std::uint64_t> ids;
  for (const auto& e : events) {
    BOOST_TEST((e.type == notification_type::first_match));
    BOOST_TEST(e.tag == 7u);
    ids.insert(id_of(e));
  }
  BOOST_TEST((ids == std::set<std::uint64_t>{a.id, b.id}));
  BOOST_TEST(events[0].service.name() != "");
}

BOOST_AUTO_TEST_CASE(matched_and_published_after_arming_with_their_tags) {
  machio::iokit::notification_port port(io);
  const auto m = port.add_matching(notification_type::matched, matching(), 1);
  const auto p = port.add_matching(notification_type::published, matching(), 2);
  const auto fp = port.add_matching(notification_type::first_published, matching(), 3);
  BOOST_TEST(quiet(port));
  CFMutableDictionaryRef props =
      CFDictionaryCreateMutable(nullptr, 0, &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
  const std::int64_t vendor = 0x05ac;
  CFNumberRef v = CFNumberCreate(nullptr, kCFNumberSInt64Type, &vendor);
  CFDictionarySetValue(props, CFSTR("idVendor"), v);
  CFRelease(v);
  service s("keyboard", props);
  CFRelease(props);
  auto events = wait_for(port, 3);
  std::set<std::uint64_t> tags;
  for (const auto& e : events) {
    tags.insert(e.tag);
    BOOST_TEST(id_of(e) == s.id);
    BOOST_TEST(e.service.name() == "keyboard");
    BOOST_TEST(e.service.integer_property("idVendor").value_or(-1) == vendor);
    BOOST_TEST(!e.service.integer_property("idProduct"));
  }
  BOOST_TEST((tags == std::set<std::uint64_t>{1, 2, 3}));
  BOOST_TEST(quiet(port));  // one event per registration, no more
}

BOOST_AUTO_TEST_CASE(terminated_reports_the_departed_service) {
  service s("leaving");
  const std::uint64_t id = s.id;
  machio::iokit::notification_port port(io);
  const auto t = port.add_matching(notification_type::terminated, matching(), 9);
  BOOST_TEST(quiet(port));  // a terminated notification starts empty
  s.terminate();
  auto events = wait_for(port, 1);
  BOOST_TEST((events[0].type == notification_type::terminated));
  BOOST_TEST(events[0].tag == 9u);
  BOOST_TEST(id_of(events[0]) == id);  // still answers while held
}

BOOST_AUTO_TEST_CASE(interest_messages_with_their_argument_and_termination) {
  service s("watched");
  machio::iokit::notification_port port(io);
  const auto n = port.add_matching(notification_type::first_match, matching(), 1);
  auto found = wait_for(port, 1);
  const auto interest = port.add_interest(found[0].service, kIOGeneralInterest, 5);
  constexpr std::uint32_t custom = 0xe0000abc;
  BOOST_REQUIRE_EQUAL(machemu_iokit_message(s.id, custom, 0xfeedface12ull), KERN_SUCCESS);
  auto messages = wait_for(port, 1);
  BOOST_TEST((messages[0].type == notification_type::interest));
  BOOST_TEST(messages[0].tag == 5u);
  BOOST_TEST(messages[0].message_type == custom);
  BOOST_TEST(messages[0].message_argument == 0xfeedface12ull);
  BOOST_TEST(id_of(messages[0]) == s.id);
  s.terminate();
  auto last = wait_for(port, 1);
  BOOST_TEST(last[0].message_type == static_cast<std::uint32_t>(kIOMessageServiceIsTerminated));
}

BOOST_AUTO_TEST_CASE(two_registrations_each_see_every_service_once) {
  machio::iokit::notification_port port(io);
  const auto one = port.add_matching(notification_type::first_match, matching(), 1);
  const auto two = port.add_matching(notification_type::first_match, matching(), 2);
  service a("a"), b("b");
  auto events = wait_for(port, 4);
  std::multiset<std::pair<std::uint64_t, std::uint64_t>> seen;
  for (const auto& e : events) seen.insert({e.tag, id_of(e)});
  BOOST_TEST((seen == std::multiset<std::pair<std::uint64_t, std::uint64_t>>{{1, a.id}, {1, b.id}, {2, a.id}, {2, b.id}}));
}

BOOST_AUTO_TEST_CASE(a_burst_of_a_thousand_loses_and_duplicates_nothing) {
  constexpr int count = 1000;
  machio::iokit::notification_port port(io);
  const auto arrivals = port.add_matching(notification_type::first_match, matching(), 1);
  const auto departures = port.add_matching(notification_type::terminated, matching(), 2);
  std::vector<std::uint64_t> published(count);
  // Published from another thread while this one waits and drains (Boost.Test's checks
  // are for this thread only: the publisher counts its failures).
  int failed_publishes = 0;
  std::jthread publisher([&] {
    const char* classes[] = {test_class.c_str(), "IOService", nullptr};
    for (auto& id : published)
      if (machemu_iokit_publish(classes, "burst", nullptr, 0, &id) != KERN_SUCCESS) ++failed_publishes;
  });
  auto in = wait_for(port, count);
  publisher.join();
  BOOST_TEST(failed_publishes == 0);
  std::set<std::uint64_t> got;
  for (const auto& e : in) got.insert(id_of(e));
  BOOST_TEST(got.size() == static_cast<std::size_t>(count));  // none twice
  BOOST_TEST((got == std::set<std::uint64_t>(published.begin(), published.end())));
  in.clear();  // the references go back
  for (std::uint64_t id : published) BOOST_REQUIRE_EQUAL(machemu_iokit_terminate(id), KERN_SUCCESS);
  auto out = wait_for(port, count);
  std::set<std::uint64_t> left;
  for (const auto& e : out) {
    BOOST_TEST(e.tag == 2u);
    left.insert(id_of(e));
  }
  BOOST_TEST(left == got);
  BOOST_TEST(quiet(port));
}

BOOST_AUTO_TEST_CASE(a_cancelled_wait_loses_no_event) {
  for (auto type : {asio::cancellation_type::terminal, asio::cancellation_type::partial, asio::cancellation_type::total}) {
    machio::iokit::notification_port port(io);
    const auto n = port.add_matching(notification_type::published, matching(), 1);
    asio::cancellation_signal signal;
    boost::system::error_code result;
    bool done = false;
    port.async_wait(asio::bind_cancellation_slot(signal.slot(), [&](boost::system::error_code ec, std::vector<event> e) {
      done = true;
      result = ec;
      BOOST_TEST(e.empty());
    }));
    io.restart();
    io.poll();
    signal.emit(type);
    io.run();
    BOOST_TEST(done);
    BOOST_TEST(result == asio::error::operation_aborted);
    service s("after");
    auto events = wait_for(port, 1);
    BOOST_TEST(id_of(events[0]) == s.id);
  }
}

BOOST_AUTO_TEST_CASE(destroying_the_port_with_a_wait_pending_aborts_it) {
  boost::system::error_code result;
  bool done = false;
  {
    machio::iokit::notification_port port(io);
    const auto n = port.add_matching(notification_type::published, matching(), 1);
    port.async_wait([&](boost::system::error_code ec, std::vector<event>) {
      done = true;
      result = ec;
    });
    io.poll();
  }
  io.restart();
  io.run();
  BOOST_TEST(done);
  BOOST_TEST(result == asio::error::operation_aborted);
  service s("nobody listens");  // the registration went with the port
}

BOOST_AUTO_TEST_CASE(a_publisher_in_another_process) {
  machio::iokit::notification_port port(io);
  const auto arrivals = port.add_matching(notification_type::first_match, matching(), 1);
  const auto departures = port.add_matching(notification_type::terminated, matching(), 2);
  const std::string id_text =
      machd_iokit({"publish", "--class", test_class, "--name", "remote", "--property", "idProduct=0x8286"});
  const std::uint64_t id = std::strtoull(id_text.c_str(), nullptr, 0);
  auto in = wait_for(port, 1);
  BOOST_TEST(id_of(in[0]) == id);
  BOOST_TEST(in[0].service.name() == "remote");
  BOOST_TEST(in[0].service.integer_property("idProduct").value_or(-1) == 0x8286);
  BOOST_TEST(machd_iokit({"list"}).find(test_class) != std::string::npos);
  machd_iokit({"terminate", id_text.substr(0, id_text.find('\n'))});
  auto out = wait_for(port, 1);
  BOOST_TEST(out[0].tag == 2u);
  BOOST_TEST(id_of(out[0]) == id);
}

BOOST_AUTO_TEST_CASE(a_type_erased_handler_completes_queued_and_pending_waits) {
  using erased = asio::any_completion_handler<void(boost::system::error_code, std::vector<event>)>;
  service there("there");
  machio::iokit::notification_port port(io);
  const auto n = port.add_matching(notification_type::first_match, matching(), 1);
  std::vector<std::uint64_t> got;
  const auto record = [&](boost::system::error_code ec, std::vector<event> events) {
    BOOST_TEST(!ec);
    for (const auto& e : events) got.push_back(id_of(e));
  };
  port.async_wait(erased(record));  // already queued: posted, never inline
  BOOST_TEST(got.empty());
  io.run();
  BOOST_TEST((got == std::vector<std::uint64_t>{there.id}));
  port.async_wait(erased(record));  // pending until a message comes
  service later("later");
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (got.size() < 2 && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(100));
  BOOST_TEST((got == std::vector<std::uint64_t>{there.id, later.id}));
}

BOOST_AUTO_TEST_SUITE_END()
