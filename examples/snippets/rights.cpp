// SPDX-License-Identifier: BSL-1.0
// Snippets for doc/rights.md: each block between [name] markers is quoted in the page.
// Built and run as a test so the documentation cannot drift from working code.
#include <machio/machio.hpp>

#include <cassert>
#include <cstdio>

int main() {
  // [allocate]
  // A new port. The receive right is guarded with a secret only `port` knows.
  machio::receive_right port = machio::receive_right::allocate();

  // Send rights live on the same name, each object owning one reference.
  machio::send_right a = port.make_send();   // make-send count 1
  machio::send_right b = a.copy();           // same name, 2 references
  machio::send_once_right once = port.make_send_once();  // a name of its own
  // [allocate]
  assert(a.get() == port.get() && b.get() == port.get());

  // [options]
  machio::port_options options;
  options.qlimit = 1;       // sends block (or time out) once one message is queued
  options.guarded = false;  // this name goes to C code that destroys it with mod_refs
  options.context = 42;     // a value of our own, read back with context()
  auto plain = machio::receive_right::allocate(options);
  std::printf("qlimit %u, context %llu\n", plain.qlimit(),
              static_cast<unsigned long long>(plain.context()));
  // [options]

  // [hand-out]
  // Give a right to C code that will deallocate it itself:
  mach_port_name_t raw = b.release();        // `b` is now empty and releases nothing
  mach_port_deallocate(mach_task_self(), raw);

  // Take ownership of a right C code gave us:
  mach_port_name_t from_c = MACH_PORT_NULL;
  mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &from_c);
  machio::receive_right adopted(machio::adopt, from_c);  // unguarded, destroyed by us

  // An unguarded receive right for C code:
  mach_port_name_t for_c = plain.unguard_and_release();
  mach_port_mod_refs(mach_task_self(), for_c, MACH_PORT_RIGHT_RECEIVE, -1);
  // [hand-out]

  // [dead]
  machio::receive_right doomed = machio::receive_right::allocate();
  machio::send_right to_doomed = doomed.make_send();
  doomed.reset();                            // the port dies
  boost::system::error_code ec;
  machio::send_right copy = to_doomed.copy(ec);
  std::printf("dead: %d, copy: %s\n", to_doomed.is_dead(), ec.message().c_str());
  machio::dead_name tombstone = std::move(to_doomed).into_dead_name();
  // [dead]
  assert(ec == machio::error::dead_name && !copy);

  // [sets]
  machio::port_set set = machio::port_set::allocate();
  set.insert(port);
  set.insert(adopted);
  std::printf("set has %zu members\n", set.members().size());
  // [sets]

  // [errors]
  machio::port_options bad;
  bad.qlimit = MACH_PORT_QLIMIT_MAX + 1;
  machio::receive_right r = machio::receive_right::allocate(bad, ec);  // error_code form
  if (ec) std::printf("allocate: %s [%s]\n", ec.message().c_str(), ec.category().name());
  try {
    (void)machio::receive_right::allocate(bad);                         // throwing form
  } catch (const boost::system::system_error& e) {
    std::printf("threw: %s\n", e.what());
  }
  // [errors]
  (void)once;
  std::printf("rights snippets: OK\n");
  return 0;
}
