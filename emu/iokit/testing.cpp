// SPDX-License-Identifier: BSL-1.0
// machemu_iokit_testing.h: publishing by hand, as IOKit routines to the main port.
#include "machemu_iokit_testing.h"

#include <mach/mach.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "call_args.hpp"
#include "corefoundation/serialize.hpp"
#include "routine.hpp"

namespace {

using machemu::lib::call;

// A routine to the default main port.
kern_return_t main_call(call what, std::initializer_list<std::uint64_t> args, std::vector<std::byte> in,
                        machemu::lib::port_result& r) {
  const machemu::iokit::main_port_for_call main(MACH_PORT_NULL);
  if (main.status() != KERN_SUCCESS) return main.status();
  return machemu::iokit::run(what, main.get(), r, args, std::move(in));
}

}  // namespace

extern "C" {

kern_return_t machemu_iokit_publish(const char* const* classes, const char* name, CFDictionaryRef properties,
                                    uint64_t parent, uint64_t* entryID) {
  if (classes == nullptr || name == nullptr) return kIOReturnBadArgument;
  std::vector<std::byte> in;
  machemu::iokit::put_field(in, std::string_view(name));
  std::vector<std::byte> props;
  if (properties && !machemu::cf::serialize(properties, props)) return kIOReturnUnsupported;
  machemu::iokit::put_field(in, props);
  for (const char* const* c = classes; *c; ++c) machemu::iokit::put_field(in, std::string_view(*c));
  machemu::lib::port_result r;
  const kern_return_t kr = main_call(call::iokit_publish, {parent}, std::move(in), r);
  if (entryID) *entryID = kr == KERN_SUCCESS ? r.out[0] : 0;
  return kr;
}

kern_return_t machemu_iokit_terminate(uint64_t entryID) {
  machemu::lib::port_result r;
  return main_call(call::iokit_terminate, {entryID}, {}, r);
}

kern_return_t machemu_iokit_message(uint64_t entryID, natural_t type, uint64_t argument) {
  machemu::lib::port_result r;
  return main_call(call::iokit_message, {entryID, type, argument}, {}, r);
}

char* machemu_iokit_list(void) {
  machemu::lib::port_result r;
  if (main_call(call::iokit_list, {}, {}, r) != KERN_SUCCESS) return nullptr;
  std::string text;
  machemu::iokit::field_reader in(r.blob);
  while (auto line = in.string(4096)) text += *line + "\n";
  char* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out) std::memcpy(out, text.c_str(), text.size() + 1);
  return out;
}

}  // extern "C"
