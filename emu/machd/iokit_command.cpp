// SPDX-License-Identifier: BSL-1.0
// `machd iokit ...`: publishes, terminates, messages and lists services of the IOKit
// registry from a shell. It runs as one more client of the user's machd (the daemon the
// socket names, started if need be), through machemu_iokit_testing.h.
#include "machd/iokit_command.hpp"

#include <CoreFoundation/CoreFoundation.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "machd/cli.hpp"
#include "machemu_iokit_testing.h"

namespace machemu::machd {
namespace {

void usage() {
  std::fprintf(stderr,
               "usage: machd iokit publish --class CLASS [--class SUPERCLASS ...] [--name NAME]\n"
               "                           [--parent ID] [--property KEY=VALUE ...]\n"
               "       machd iokit terminate ID\n"
               "       machd iokit message ID TYPE [ARGUMENT]\n"
               "       machd iokit list\n"
               "  publish prints the new service's registry id. A VALUE that is an integer\n"
               "  (decimal or 0x hex) becomes a CFNumber, anything else a CFString. Every\n"
               "  service is also an IOService and an IORegistryEntry.\n");
}

bool parse_u64(const char* s, std::uint64_t& out) {
  return parse_unsigned(s, std::numeric_limits<std::uint64_t>::max(), out);
}

int fail(const char* what, kern_return_t kr) {
  std::fprintf(stderr, "machd iokit: %s: 0x%x\n", what, static_cast<unsigned>(kr));
  return 1;
}

int publish(int argc, char** argv) {
  std::vector<std::string> classes;
  std::string name = "service";
  std::uint64_t parent = 0;
  CFMutableDictionaryRef props =
      CFDictionaryCreateMutable(nullptr, 0, &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
  bool ok = true;
  for (int i = 0; i < argc && ok; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--class" && has_value) {
      classes.emplace_back(argv[++i]);
    } else if (a == "--name" && has_value) {
      name = argv[++i];
    } else if (a == "--parent" && has_value) {
      ok = parse_u64(argv[++i], parent);
    } else if (a == "--property" && has_value) {
      const std::string kv = argv[++i];
      const auto eq = kv.find('=');
      ok = eq != std::string::npos && eq > 0;
      if (!ok) break;
      const std::string value = kv.substr(eq + 1);
      CFStringRef key = CFStringCreateWithCString(nullptr, kv.substr(0, eq).c_str(), kCFStringEncodingUTF8);
      std::uint64_t n = 0;
      CFTypeRef v = nullptr;
      if (parse_u64(value.c_str(), n)) {
        const auto signed_value = static_cast<std::int64_t>(n);
        v = CFNumberCreate(nullptr, kCFNumberSInt64Type, &signed_value);
      } else {
        v = CFStringCreateWithCString(nullptr, value.c_str(), kCFStringEncodingUTF8);
      }
      ok = key && v;
      if (ok) CFDictionarySetValue(props, key, v);
      if (key) CFRelease(key);
      if (v) CFRelease(v);
    } else {
      ok = false;
    }
  }
  if (!ok || classes.empty()) {
    CFRelease(props);
    usage();
    return 2;
  }
  classes.emplace_back("IOService");
  classes.emplace_back("IORegistryEntry");
  std::vector<const char*> list;
  for (const auto& c : classes) list.push_back(c.c_str());
  list.push_back(nullptr);
  std::uint64_t id = 0;
  const kern_return_t kr = machemu_iokit_publish(list.data(), name.c_str(), props, parent, &id);
  CFRelease(props);
  if (kr != KERN_SUCCESS) return fail("publish", kr);
  std::printf("0x%" PRIx64 "\n", id);
  return 0;
}

}  // namespace

int iokit_command(int argc, char** argv) {
  if (argc < 1) {
    usage();
    return 2;
  }
  const std::string what = argv[0];
  std::uint64_t id = 0;
  if (what == "publish") return publish(argc - 1, argv + 1);
  if (what == "terminate" && argc == 2 && parse_u64(argv[1], id)) {
    const kern_return_t kr = machemu_iokit_terminate(id);
    return kr == KERN_SUCCESS ? 0 : fail("terminate", kr);
  }
  std::uint64_t type = 0;
  std::uint64_t argument = 0;
  if (what == "message" && (argc == 3 || argc == 4) && parse_u64(argv[1], id) && parse_u64(argv[2], type) &&
      type <= 0xffffffffu && (argc == 3 || parse_u64(argv[3], argument))) {
    const kern_return_t kr = machemu_iokit_message(id, static_cast<natural_t>(type), argument);
    return kr == KERN_SUCCESS ? 0 : fail("message", kr);
  }
  if (what == "list" && argc == 1) {
    char* text = machemu_iokit_list();
    if (text == nullptr) return fail("list", KERN_FAILURE);
    std::fputs(text, stdout);
    std::free(text);
    return 0;
  }
  usage();
  return 2;
}

}  // namespace machemu::machd
