// SPDX-License-Identifier: BSL-1.0
#include "lib/port_call.hpp"

#include "kernel/inspection.hpp"
#include "lib/status.hpp"

#include <mach/mig_errors.h>
#include <servers/bootstrap.h>

#include <cstring>
#include <string>
#include <utility>

namespace machemu::lib {

namespace {

template <class T>
void put_array(std::vector<std::byte>& blob, const std::vector<T>& v) {
  const auto* p = reinterpret_cast<const std::byte*>(v.data());
  blob.insert(blob.end(), p, p + v.size() * sizeof(T));
}

// The service name from `in`: at most BOOTSTRAP_MAX_NAME_LEN bytes, stopping at a NUL.
std::string service_name(const std::vector<std::byte>& in) {
  std::string s(reinterpret_cast<const char*>(in.data()), in.size());
  if (auto z = s.find('\0'); z != std::string::npos) s.resize(z);
  return s;
}

}  // namespace

void execute(kern::kernel& k, kern::task& t, const port_call& c, port_result& r) {
  const auto name = static_cast<mach_port_name_t>(c.a[1]);
  const auto u32 = [&](int i) { return static_cast<std::uint32_t>(c.a[i]); };
  const auto i32 = [&](int i) { return static_cast<std::int32_t>(c.a[i]); };
  const bool bootstrap = c.what >= call::bootstrap_check_in && c.what <= call::bootstrap_register;
  const bool task_routine =
      c.what == call::task_get_special_port || c.what == call::task_set_special_port;
  const auto target = static_cast<mach_port_name_t>(c.a[0]);
  if (bootstrap) {
    // The bootstrap calls are requests to the task's bootstrap port: only a send right to
    // the name service gets an answer (doc/emu-divergences.md).
    if (!k.names_bootstrap(t, target)) {
      r.kr = MACH_SEND_INVALID_DEST;
      return;
    }
  } else if (task_routine) {
    // MIG routines on a task port: no destination fails the send; a port that is not a
    // task converts to TASK_NULL, which the routine refuses.
    if (!MACH_PORT_VALID(target) || target != t.self_name) {
      r.kr = MACH_PORT_VALID(target) ? KERN_INVALID_ARGUMENT : MACH_SEND_INVALID_DEST;
      return;
    }
  } else if (target != t.self_name) {
    r.kr = KERN_INVALID_TASK;
    return;
  }
  kern_return_t& kr = r.kr;
  switch (c.what) {
    case call::allocate: {
      mach_port_name_t n = 0;
      kr = k.port_allocate(t, u32(1), &n);
      r.out[0] = n;
      break;
    }
    case call::allocate_name: kr = k.port_allocate_name(t, u32(1), u32(2)); break;
    case call::construct: {
      mach_port_options_t o{};
      if (c.in.size() != sizeof o) {
        kr = KERN_INVALID_ARGUMENT;
        break;
      }
      std::memcpy(&o, c.in.data(), sizeof o);
      mach_port_name_t n = 0;
      kr = k.port_construct(t, &o, c.a[1], &n);
      r.out[0] = n;
      break;
    }
    case call::destruct: kr = k.port_destruct(t, name, i32(2), c.a[3]); break;
    case call::guard: kr = k.port_guard(t, name, c.a[2], c.a[3]); break;
    case call::unguard: kr = k.port_unguard(t, name, c.a[2]); break;
    case call::swap_guard: kr = k.port_swap_guard(t, name, c.a[2], c.a[3]); break;
    case call::deallocate: kr = k.port_deallocate(t, name); break;
    case call::destroy: kr = k.port_destroy(t, name); break;
    case call::mod_refs: kr = k.port_mod_refs(t, name, u32(2), i32(3)); break;
    case call::get_refs: {
      mach_port_urefs_t refs = 0;
      kr = k.port_get_refs(t, name, u32(2), &refs);
      r.out[0] = refs;
      break;
    }
    case call::type: {
      mach_port_type_t type = 0;
      kr = k.port_type(t, name, &type);
      r.out[0] = type;
      break;
    }
    case call::names: {
      std::vector<mach_port_name_t> n;
      std::vector<mach_port_type_t> ty;
      kr = k.port_names(t, n, ty);
      r.out[0] = n.size();
      put_array(r.blob, n);
      put_array(r.blob, ty);
      break;
    }
    case call::insert_right: kr = k.port_insert_right(t, name, u32(2), u32(3)); break;
    case call::extract_right: {
      mach_port_name_t poly = 0;
      mach_msg_type_name_t pp = 0;
      kr = k.port_extract_right(t, name, u32(2), &poly, &pp);
      r.out[0] = poly;
      r.out[1] = pp;
      break;
    }
    case call::request_notification: {
      mach_port_name_t previous = MACH_PORT_NULL;
      kr = k.port_request_notification(t, name, i32(2), u32(3), u32(4), u32(5), &previous);
      r.out[0] = previous;
      break;
    }
    case call::get_attributes: {
      // The caller's count says how many integers its info array holds.
      mach_msg_type_number_t count = u32(3);
      std::vector<integer_t> info(count > 64 ? 64 : count);
      count = static_cast<mach_msg_type_number_t>(info.size());
      kr = k.port_get_attributes(t, name, i32(2), info.data(), &count);
      if (count > info.size()) count = static_cast<mach_msg_type_number_t>(info.size());
      r.out[0] = count;
      info.resize(count);
      put_array(r.blob, info);
      break;
    }
    case call::set_attributes: {
      std::vector<integer_t> info(c.in.size() / sizeof(integer_t) + 1);
      if (!c.in.empty()) std::memcpy(info.data(), c.in.data(), c.in.size());
      mach_msg_type_number_t count = u32(3);
      if (count > c.in.size() / sizeof(integer_t))
        count = static_cast<mach_msg_type_number_t>(c.in.size() / sizeof(integer_t));
      kr = k.port_set_attributes(t, name, i32(2), info.data(), count);
      break;
    }
    case call::insert_member: kr = k.port_insert_member(t, name, u32(2)); break;
    case call::extract_member: kr = k.port_extract_member(t, name, u32(2)); break;
    case call::move_member: kr = k.port_move_member(t, name, u32(2)); break;
    case call::get_set_status: {
      std::vector<mach_port_name_t> m;
      kr = k.port_get_set_status(t, name, m);
      r.out[0] = m.size();
      put_array(r.blob, m);
      break;
    }
    case call::get_context: {
      mach_port_context_t ctx = 0;
      kr = k.port_get_context(t, name, &ctx);
      r.out[0] = ctx;
      break;
    }
    case call::set_context: kr = k.port_set_context(t, name, c.a[2]); break;
    case call::set_mscount: kr = k.port_set_mscount(t, name, u32(2)); break;
    case call::set_seqno: kr = k.port_set_seqno(t, name, u32(2)); break;
    case call::get_srights: {
      mach_port_rights_t s = 0;
      kr = k.port_get_srights(t, name, &s);
      r.out[0] = s;
      break;
    }
    case call::peek: {
      mach_port_seqno_t seqno = u32(3);
      mach_msg_size_t size = 0;
      mach_msg_id_t id = 0;
      mach_msg_type_number_t count = u32(4);
      std::vector<std::byte> trailer(count > 256 ? 256 : count);
      count = static_cast<mach_msg_type_number_t>(trailer.size());
      kr = k.port_peek(t, name, u32(2), &seqno, &size, &id,
                       reinterpret_cast<mach_msg_trailer_info_t>(trailer.data()), &count);
      if (count > trailer.size()) count = static_cast<mach_msg_type_number_t>(trailer.size());
      r.out[0] = seqno;
      r.out[1] = size;
      r.out[2] = static_cast<std::uint32_t>(id);
      r.out[3] = count;
      trailer.resize(count);
      r.blob = std::move(trailer);
      break;
    }
    case call::bootstrap_check_in:
    case call::bootstrap_look_up: {
      const std::string s = service_name(c.in);
      mach_port_name_t p = MACH_PORT_NULL;
      kr = c.what == call::bootstrap_check_in ? k.bootstrap_check_in(t, s.c_str(), &p)
                                              : k.bootstrap_look_up(t, s.c_str(), &p);
      r.out[0] = p;
      break;
    }
    case call::bootstrap_register:
      kr = k.bootstrap_register(t, service_name(c.in).c_str(), name);
      break;
    case call::host_self: {
      mach_port_name_t out = MACH_PORT_NULL;
      kr = k.host_self(t, &out);
      r.out[0] = out;
      break;
    }
    case call::thread_self: {
      mach_port_name_t out = MACH_PORT_NULL;
      kr = k.thread_self(t, c.a[1], &out);
      r.out[0] = out;
      break;
    }
    case call::is_host:
      r.out[0] = k.names_host(t, name) ? 1 : 0;
      break;
    case call::task_get_special_port: {
      mach_port_name_t out = MACH_PORT_NULL;
      kr = k.task_get_special_port(t, i32(1), &out);
      r.out[0] = out;
      break;
    }
    case call::task_set_special_port: kr = k.task_set_special_port(t, i32(1), u32(2)); break;
    case call::status: {
      if (c.a[1] > static_cast<std::uint64_t>(status_format::json)) {
        kr = KERN_INVALID_ARGUMENT;
        break;
      }
      kern::inspection state;
      k.inspect(state);
      const std::string text = render_status(state, static_cast<status_format>(c.a[1]));
      const auto* p = reinterpret_cast<const std::byte*>(text.data());
      r.blob.assign(p, p + text.size());
      break;
    }
    default:
      kr = MIG_BAD_ID;
      break;
  }
  r.guard_code = std::exchange(t.guard_code, 0);
  r.guard_subcode = std::exchange(t.guard_subcode, 0);
}

}  // namespace machemu::lib
