// SPDX-License-Identifier: BSL-1.0
// Renders kern::inspection for `machd status` (lib/status.hpp).
#include "lib/status.hpp"

#include <mach/port.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <string_view>
#include <unordered_map>

namespace machemu::lib {

namespace {

std::string process_name(std::uint32_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

std::string hex(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%x", v);
  return b;
}

// lsmp's right names, in its order.
std::vector<std::string_view> right_names(mach_port_type_t rights) {
  std::vector<std::string_view> out;
  if (rights & MACH_PORT_TYPE_RECEIVE) out.push_back("receive");
  if (rights & MACH_PORT_TYPE_SEND) out.push_back("send");
  if (rights & MACH_PORT_TYPE_SEND_ONCE) out.push_back("send-once");
  if (rights & MACH_PORT_TYPE_PORT_SET) out.push_back("port-set");
  if (rights & MACH_PORT_TYPE_DEAD_NAME) out.push_back("dead-name");
  return out;
}

std::vector<std::string_view> request_names(const kern::inspected_name& n) {
  std::vector<std::string_view> out;
  if (n.no_senders_request) out.push_back("no-senders");
  if (n.port_destroyed_request) out.push_back("port-destroyed");
  if (n.dead_name_request) out.push_back("dead-name");
  if (n.send_possible_request) out.push_back("send-possible");
  return out;
}

void json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      out += b;
    } else {
      out += ch;
    }
  }
  out += '"';
}

template <class List, class Put>
void json_list(std::string& out, const List& list, Put put) {
  out += '[';
  bool first = true;
  for (const auto& v : list) {
    if (!first) out += ',';
    first = false;
    put(v);
  }
  out += ']';
}

std::string render_json(const kern::inspection& state,
                        std::unordered_map<std::uint32_t, std::string>& names) {
  std::string o = "{\"tasks\":";
  json_list(o, state.tasks, [&](const kern::inspected_task& t) {
    o += "{\"pid\":" + std::to_string(t.identity.pid) + ",\"uid\":" + std::to_string(t.identity.euid) +
         ",\"name\":";
    json_string(o, names[t.identity.pid]);
    o += ",\"ports\":";
    json_list(o, t.names, [&](const kern::inspected_name& n) {
      o += "{\"name\":" + std::to_string(n.name) + ",\"rights\":";
      json_list(o, right_names(n.rights), [&](std::string_view r) { json_string(o, r); });
      o += ",\"urefs\":" + std::to_string(n.urefs);
      if (n.port_id != 0) o += ",\"port\":" + std::to_string(n.port_id);
      if (n.kernel_object) o += ",\"kernel_object\":true";
      if (n.rights & MACH_PORT_TYPE_RECEIVE) {
        o += ",\"msgcount\":" + std::to_string(n.msgcount) + ",\"qlimit\":" + std::to_string(n.qlimit) +
             ",\"seqno\":" + std::to_string(n.seqno) + ",\"mscount\":" + std::to_string(n.mscount) +
             ",\"srights\":" + std::to_string(n.srights) + ",\"sorights\":" + std::to_string(n.sorights) +
             ",\"sets\":";
        json_list(o, n.sets, [&](mach_port_name_t s) { o += std::to_string(s); });
      }
      if (n.rights & MACH_PORT_TYPE_PORT_SET) {
        o += ",\"members\":";
        json_list(o, n.members, [&](mach_port_name_t m) { o += std::to_string(m); });
      }
      o += ",\"requests\":";
      json_list(o, request_names(n), [&](std::string_view r) { json_string(o, r); });
      o += '}';
    });
    o += '}';
  });
  o += ",\"services\":";
  json_list(o, state.services, [&](const kern::inspected_service& s) {
    o += "{\"name\":";
    json_string(o, s.name);
    o += ",\"port\":" + std::to_string(s.port_id) + ",\"active\":" + (s.active ? "true" : "false");
    if (s.server_pid != 0)
      o += ",\"server_pid\":" + std::to_string(s.server_pid) + ",\"server_name\":" + std::to_string(s.server_name);
    o += '}';
  });
  o += "}\n";
  return o;
}

std::string join(const std::vector<std::string_view>& parts, std::string_view sep) {
  std::string out;
  for (std::string_view p : parts) out += (out.empty() ? "" : std::string(sep)) + std::string(p);
  return out;
}

std::string render_text(const kern::inspection& state,
                        std::unordered_map<std::uint32_t, std::string>& names) {
  std::string o;
  char line[512];
  std::snprintf(line, sizeof line, "%zu task%s, %zu bootstrap service%s\n", state.tasks.size(),
                state.tasks.size() == 1 ? "" : "s", state.services.size(),
                state.services.size() == 1 ? "" : "s");
  o += line;
  for (const kern::inspected_task& t : state.tasks) {
    std::snprintf(line, sizeof line, "\ntask pid %u (%s) uid %u: %zu names\n", t.identity.pid,
                  names[t.identity.pid].c_str(), t.identity.euid, t.names.size());
    o += line;
    o += "  name        rights              urefs  port      msgs/limit  mscount  requests / sets / members\n";
    for (const kern::inspected_name& n : t.names) {
      const std::string port = n.port_id ? "#" + std::to_string(n.port_id) + (n.kernel_object ? "k" : "") : "-";
      std::string queue = "-", mscount = "-", extra = join(request_names(n), ",");
      if (n.rights & MACH_PORT_TYPE_RECEIVE) {
        queue = std::to_string(n.msgcount) + "/" + std::to_string(n.qlimit);
        mscount = std::to_string(n.mscount);
        for (mach_port_name_t s : n.sets) extra += (extra.empty() ? "" : " ") + ("set " + hex(s));
      }
      for (mach_port_name_t m : n.members) extra += (extra.empty() ? "member " : " ") + hex(m);
      // The fixed columns through snprintf; the last one, as long as a set is large, after.
      std::snprintf(line, sizeof line, "  %-10s  %-18s  %5u  %-8s  %-10s  %-7s  ", hex(n.name).c_str(),
                    join(right_names(n.rights), ",").c_str(), n.urefs, port.c_str(), queue.c_str(),
                    mscount.c_str());
      std::string row = line + extra;
      row.resize(row.find_last_not_of(' ') + 1);  // no trailing blanks
      o += row + "\n";
    }
  }
  if (!state.services.empty()) o += "\nbootstrap services\n";
  for (const kern::inspected_service& s : state.services) {
    std::string server = "no server (receive right in transit)";
    if (!s.active) server = "dead";
    else if (s.server_pid != 0)
      server = "served by pid " + std::to_string(s.server_pid) + " (" + names[s.server_pid] + ") as " +
               hex(s.server_name);
    std::snprintf(line, sizeof line, "  %-40s  port #%" PRIu64 "  %s\n", s.name.c_str(), s.port_id,
                  server.c_str());
    o += line;
  }
  return o;
}

}  // namespace

std::string render_status(const kern::inspection& state, status_format format) {
  std::unordered_map<std::uint32_t, std::string> names;
  for (const kern::inspected_task& t : state.tasks)
    if (!names.contains(t.identity.pid)) names[t.identity.pid] = process_name(t.identity.pid);
  return format == status_format::json ? render_json(state, names) : render_text(state, names);
}

}  // namespace machemu::lib
