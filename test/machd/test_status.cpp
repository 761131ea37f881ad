// SPDX-License-Identifier: BSL-1.0
// `machd status`: the daemon's state as lsmp and `launchctl print` show it on Darwin. The
// test puts its own task in a known state (a receive right with send rights, a queue, a
// limit and a no-senders request; a port set; bootstrap names), asks `machd status` in a
// process of its own, and reads the answer back: the JSON parsed, the table searched.
#include <boost/json/src.hpp>  // Boost.JSON, header-only: this is its one translation unit
#include <boost/test/unit_test.hpp>

#include <mach/mach.h>
#include <servers/bootstrap.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "machd_test_util.hpp"

namespace json = boost::json;

namespace {

// `machd status ARGS...`: its whole output and its exit code.
std::pair<std::string, int> machd_status(std::vector<std::string> args) {
  args.insert(args.begin(), "status");
  machd_test::child c(MACHD_BINARY, std::move(args), false);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(c.out, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return {out, c.wait()};
}

const json::object* find_by(const json::array& list, std::string_view key, const json::value& want) {
  for (const json::value& v : list)
    if (const auto* o = v.if_object(); o && o->contains(key) && o->at(key) == want) return o;
  return nullptr;
}

std::vector<std::string> strings(const json::value& v) {
  std::vector<std::string> out;
  for (const json::value& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

std::vector<std::uint64_t> numbers(const json::value& v) {
  std::vector<std::uint64_t> out;
  for (const json::value& s : v.as_array()) out.push_back(s.to_number<std::uint64_t>());
  return out;
}

std::string hex(mach_port_name_t n) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%x", n);
  return b;
}

// The known state, undone in the destructor (right accounting checks it is all gone).
struct known_state {
  mach_port_t port = MACH_PORT_NULL;    // receive + 2 send urefs, 2 queued, qlimit 3
  mach_port_t notify = MACH_PORT_NULL;  // gets port's no-senders notification
  mach_port_t set = MACH_PORT_NULL;     // holds port
  mach_port_t served = MACH_PORT_NULL;  // checked in as `name`
  mach_port_t quoted = MACH_PORT_NULL;  // checked in as `quoted_name`
  std::string name = "org.machio.test.status." + std::to_string(getpid());
  std::string quoted_name = "org.machio.test.\"quoted\\name\"." + std::to_string(getpid());

  known_state() {
    const mach_port_t self = mach_task_self();
    BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port), KERN_SUCCESS);
    BOOST_REQUIRE_EQUAL(mach_port_insert_right(self, port, port, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
    BOOST_REQUIRE_EQUAL(mach_port_mod_refs(self, port, MACH_PORT_RIGHT_SEND, 1), KERN_SUCCESS);
    mach_port_limits_t limits{3};
    BOOST_REQUIRE_EQUAL(mach_port_set_attributes(self, port, MACH_PORT_LIMITS_INFO,
                                                 reinterpret_cast<mach_port_info_t>(&limits),
                                                 MACH_PORT_LIMITS_INFO_COUNT),
                        KERN_SUCCESS);
    for (mach_msg_id_t id : {1, 2}) machd_test::send_header(port, MACH_MSG_TYPE_COPY_SEND, id);
    BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &notify), KERN_SUCCESS);
    mach_port_t previous = MACH_PORT_NULL;
    BOOST_REQUIRE_EQUAL(mach_port_request_notification(self, port, MACH_NOTIFY_NO_SENDERS, 0, notify,
                                                       MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous),
                        KERN_SUCCESS);
    BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
    BOOST_REQUIRE_EQUAL(mach_port_insert_member(self, port, set), KERN_SUCCESS);
    BOOST_REQUIRE_EQUAL(bootstrap_check_in(bootstrap_port, name.c_str(), &served), KERN_SUCCESS);
    BOOST_REQUIRE_EQUAL(bootstrap_check_in(bootstrap_port, quoted_name.c_str(), &quoted), KERN_SUCCESS);
  }
  ~known_state() {
    const mach_port_t self = mach_task_self();
    // The send rights go first: the no-senders notification is then queued on notify,
    // and destroyed with it.
    BOOST_CHECK_EQUAL(mach_port_mod_refs(self, port, MACH_PORT_RIGHT_SEND, -2), KERN_SUCCESS);
    BOOST_CHECK_EQUAL(mach_port_mod_refs(self, port, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
    BOOST_CHECK_EQUAL(mach_port_mod_refs(self, notify, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
    BOOST_CHECK_EQUAL(mach_port_mod_refs(self, set, MACH_PORT_RIGHT_PORT_SET, -1), KERN_SUCCESS);
    BOOST_CHECK_EQUAL(mach_port_mod_refs(self, served, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
    BOOST_CHECK_EQUAL(mach_port_mod_refs(self, quoted, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(status_command, machd_test::counted)

BOOST_AUTO_TEST_CASE(json_lists_this_task_its_rights_queues_requests_sets_and_names) {
  known_state s;
  const auto [out, code] = machd_status({"--json"});
  BOOST_REQUIRE_EQUAL(code, 0);
  const json::value doc = json::parse(out);

  const json::array& tasks = doc.at("tasks").as_array();
  const json::object* me = find_by(tasks, "pid", getpid());
  BOOST_REQUIRE_MESSAGE(me, "this task is not listed:\n" << out);
  BOOST_TEST(me->at("uid").to_number<std::uint32_t>() == geteuid());
  const json::array& ports = me->at("ports").as_array();

  const json::object* port = find_by(ports, "name", s.port);
  BOOST_REQUIRE(port);
  BOOST_TEST(strings(port->at("rights")) == (std::vector<std::string>{"receive", "send"}),
             boost::test_tools::per_element());
  BOOST_TEST(port->at("urefs").to_number<int>() == 2);
  BOOST_TEST(port->at("msgcount").to_number<int>() == 2);
  BOOST_TEST(port->at("qlimit").to_number<int>() == 3);
  BOOST_TEST(port->at("mscount").to_number<int>() == 1);
  // Send rights anywhere: our name's (one, however many urefs) and the two the queued
  // messages carry as their destinations, as XNU's ip_srights counts them.
  BOOST_TEST(port->at("srights").to_number<int>() == 3);
  BOOST_TEST(numbers(port->at("sets")) == (std::vector<std::uint64_t>{s.set}), boost::test_tools::per_element());
  BOOST_TEST(strings(port->at("requests")) == (std::vector<std::string>{"no-senders"}),
             boost::test_tools::per_element());

  const json::object* set = find_by(ports, "name", s.set);
  BOOST_REQUIRE(set);
  BOOST_TEST(strings(set->at("rights")) == (std::vector<std::string>{"port-set"}), boost::test_tools::per_element());
  BOOST_TEST(numbers(set->at("members")) == (std::vector<std::uint64_t>{s.port}), boost::test_tools::per_element());

  // The no-senders request holds a send-once right to notify.
  const json::object* notify = find_by(ports, "name", s.notify);
  BOOST_REQUIRE(notify);
  BOOST_TEST(notify->at("sorights").to_number<int>() == 1);
  BOOST_TEST(notify->at("msgcount").to_number<int>() == 0);

  // Bootstrap names: who serves each, under which name, on which port.
  const json::array& services = doc.at("services").as_array();
  for (const auto& [name, right] : {std::pair{s.name, s.served}, std::pair{s.quoted_name, s.quoted}}) {
    const json::object* svc = find_by(services, "name", json::value(name));
    BOOST_REQUIRE_MESSAGE(svc, name << " is not listed:\n" << out);
    BOOST_TEST(svc->at("active").as_bool());
    BOOST_TEST(svc->at("server_pid").to_number<int>() == getpid());
    BOOST_TEST(svc->at("server_name").to_number<mach_port_name_t>() == right);
    const json::object* entry = find_by(ports, "name", right);
    BOOST_REQUIRE(entry);
    BOOST_TEST(entry->at("port") == svc->at("port"));  // the same port in both lists
  }

  // `machd status` is a client of the daemon like any other, so it lists itself.
  bool listed_itself = false;
  for (const json::value& t : tasks) listed_itself |= t.at("name") == "machd";
  BOOST_TEST(listed_itself);
}

BOOST_AUTO_TEST_CASE(the_table_shows_the_same_state) {
  known_state s;
  const auto [out, code] = machd_status({});
  BOOST_REQUIRE_EQUAL(code, 0);
  BOOST_TEST_CONTEXT(out) {
    BOOST_TEST(out.find("task pid " + std::to_string(getpid()) + " ") != std::string::npos);
    // name, rights, urefs, port id, queue/limit, mscount, request and set on one line.
    const std::size_t at = out.find("  " + hex(s.port) + " ");
    BOOST_REQUIRE(at != std::string::npos);
    const std::string line = out.substr(at, out.find('\n', at) - at);
    BOOST_TEST(line.find("receive,send") != std::string::npos);
    BOOST_TEST(line.find(" 2/3 ") != std::string::npos);
    BOOST_TEST(line.find("no-senders") != std::string::npos);
    BOOST_TEST(line.find("set " + hex(s.set)) != std::string::npos);
    BOOST_TEST(out.find(s.name) != std::string::npos);
    BOOST_TEST(out.find("served by pid " + std::to_string(getpid())) != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(the_table_lists_every_member_of_a_large_set) {
  const mach_port_t self = mach_task_self();
  mach_port_t set = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
  std::vector<mach_port_t> members(100);
  for (mach_port_t& m : members) {
    BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &m), KERN_SUCCESS);
    BOOST_REQUIRE_EQUAL(mach_port_insert_member(self, m, set), KERN_SUCCESS);
  }
  const auto [out, code] = machd_status({});
  BOOST_TEST(code == 0);
  const std::size_t at = out.find("  " + hex(set) + " ");
  BOOST_REQUIRE(at != std::string::npos);
  const std::string line = out.substr(at, out.find('\n', at) - at);
  for (mach_port_t m : members) {
    BOOST_TEST_CONTEXT(hex(m)) { BOOST_TEST(line.find(" " + hex(m)) != std::string::npos); }
    BOOST_CHECK_EQUAL(mach_port_mod_refs(self, m, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
  }
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, set, MACH_PORT_RIGHT_PORT_SET, -1), KERN_SUCCESS);
}

BOOST_AUTO_TEST_CASE(rights_released_leave_the_listing) {
  std::string name;
  mach_port_t port = MACH_PORT_NULL;
  {
    known_state s;
    port = s.port;
    name = s.name;
  }
  const auto [out, code] = machd_status({"--json"});
  BOOST_REQUIRE_EQUAL(code, 0);
  const json::value doc = json::parse(out);
  const json::object* me = find_by(doc.at("tasks").as_array(), "pid", getpid());
  BOOST_REQUIRE(me);
  BOOST_TEST(!find_by(me->at("ports").as_array(), "name", port));
  // The server's receive right died: the name stays, on a dead port that a look-up
  // refuses and a new check-in replaces (doc/building-for-macos.md), and nobody serves it.
  const json::object* svc = find_by(doc.at("services").as_array(), "name", json::value(name));
  BOOST_REQUIRE(svc);
  BOOST_TEST(!svc->at("active").as_bool());
  BOOST_TEST(!svc->contains("server_pid"));
}

BOOST_AUTO_TEST_CASE(unknown_arguments_are_refused) {
  BOOST_TEST(machd_status({"--bogus"}).second == 2);
  const auto [help, code] = machd_status({"--help"});
  BOOST_TEST(code == 0);
  BOOST_TEST(help.find("usage: machd status") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
