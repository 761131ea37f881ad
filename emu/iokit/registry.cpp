// SPDX-License-Identifier: BSL-1.0
// mach-emu's IOKit registry (registry.hpp): services, matching, notification sets.
#include "registry.hpp"

#include <algorithm>
#include <cstring>

namespace machemu::iokit {
namespace {

bool string_equals(CFTypeRef v, const std::string& s) {
  if (v == nullptr || CFGetTypeID(v) != CFStringGetTypeID()) return false;
  const char* p = CFStringGetCStringPtr(static_cast<CFStringRef>(v), kCFStringEncodingUTF8);
  return p != nullptr && s == p;
}

// Every key of \p table has an equal value in \p properties.
bool property_table_matches(CFDictionaryRef table, CFDictionaryRef properties) {
  const CFIndex n = CFDictionaryGetCount(table);
  std::vector<const void*> keys(static_cast<std::size_t>(n)), values(static_cast<std::size_t>(n));
  CFDictionaryGetKeysAndValues(table, keys.data(), values.data());
  for (CFIndex i = 0; i < n; ++i) {
    const void* mine = properties ? CFDictionaryGetValue(properties, keys[static_cast<std::size_t>(i)]) : nullptr;
    if (mine == nullptr || !CFEqual(mine, values[static_cast<std::size_t>(i)])) return false;
  }
  return true;
}

}  // namespace

registry::~registry() {
  for (auto& [id, s] : services_)
    if (s.d.properties) CFRelease(s.d.properties);
  for (auto& [id, m] : matching_) CFRelease(m.matching);
}

std::optional<entry_id> registry::publish(const service_description& d, std::vector<event>& events) {
  if (d.classes.empty() || (d.parent != 0 && !live(d.parent))) return std::nullopt;
  const entry_id id = next_entry_++;
  service& s = services_[id];
  s.d = d;
  if (s.d.properties) CFRetain(s.d.properties);
  // Published services are registered and matched at once: every kind but terminated.
  for (auto& [r, m] : matching_)
    if (m.kind != matching_kind::terminated && matches(id, m.matching)) enter(r, m, id, events);
  return id;
}

bool registry::terminate(entry_id id, std::vector<event>& events) {
  if (!live(id)) return false;
  // Children go first, as IOService terminates a provider's clients before it.
  std::vector<entry_id> children;
  for (const auto& [cid, c] : services_)
    if (c.live && c.d.parent == id) children.push_back(cid);
  for (entry_id c : children) terminate(c, events);
  message(id, message_service_is_terminated, 0, events);
  services_[id].live = false;
  for (auto& [r, m] : matching_)
    if (m.kind == matching_kind::terminated && matches(id, m.matching)) enter(r, m, id, events);
  return true;
}

bool registry::message(entry_id id, std::uint32_t message_type, std::uintptr_t argument, std::vector<event>& events) {
  if (!live(id)) return false;
  for (const auto& [r, i] : interest_)
    if (i.service == id) events.push_back(interest_message{r, id, message_type, argument});
  return true;
}

registration_id registry::add_matching(matching_kind kind, CFDictionaryRef matching) {
  const registration_id r = next_registration_++;
  matching_registration& m = matching_[r];
  m.kind = kind;
  m.matching = static_cast<CFDictionaryRef>(CFRetain(matching));
  if (kind != matching_kind::terminated) {
    std::vector<event> none;  // unarmed: no ping for what is already there
    for (entry_id id : matching_services(matching)) enter(r, m, id, none);
  }
  return r;
}

std::optional<registration_id> registry::add_interest(entry_id id) {
  if (!live(id)) return std::nullopt;
  const registration_id r = next_registration_++;
  interest_[r] = {id};
  return r;
}

std::vector<entry_id> registry::remove(registration_id r) {
  std::vector<entry_id> held;
  if (const auto it = matching_.find(r); it != matching_.end()) {
    CFRelease(it->second.matching);
    held = std::move(it->second.set);
    matching_.erase(it);
  }
  interest_.erase(r);
  return held;
}

bool registry::collect(entry_id id) {
  const auto it = services_.find(id);
  if (it == services_.end() || it->second.live) return false;
  for (const auto& [r, m] : matching_)
    if (std::find(m.set.begin(), m.set.end(), id) != m.set.end()) return false;
  if (it->second.d.properties) CFRelease(it->second.d.properties);
  services_.erase(it);
  return true;
}

std::optional<entry_id> registry::next(registration_id r) {
  const auto it = matching_.find(r);
  if (it == matching_.end()) return std::nullopt;
  matching_registration& m = it->second;
  if (m.set.empty()) {
    m.armed = true;
    return std::nullopt;
  }
  const entry_id id = m.set.back();
  m.set.pop_back();
  return id;
}

void registry::enter(registration_id r, matching_registration& m, entry_id id, std::vector<event>& events) {
  if (m.set.size() >= max_outstanding) return;  // XNU drops it too
  const bool was_empty = m.set.empty();
  m.set.push_back(id);
  if (m.armed && was_empty) {
    m.armed = false;
    events.push_back(ping{r});
  }
}

std::vector<entry_id> registry::matching_services(CFDictionaryRef matching) const {
  std::vector<entry_id> out;
  for (const auto& [id, s] : services_)
    if (s.live && matches(id, matching)) out.push_back(id);
  return out;
}

bool registry::matches(entry_id id, CFDictionaryRef matching) const {
  const auto it = services_.find(id);
  if (it == services_.end() || matching == nullptr) return false;
  const service_description& d = it->second.d;

  if (CFTypeRef cls = CFDictionaryGetValue(matching, CFSTR("IOProviderClass"))) {
    if (std::none_of(d.classes.begin(), d.classes.end(), [&](const std::string& c) { return string_equals(cls, c); }))
      return false;
  }
  if (CFTypeRef name = CFDictionaryGetValue(matching, CFSTR("IONameMatch"))) {
    bool any = string_equals(name, d.name);
    if (CFGetTypeID(name) == CFArrayGetTypeID())
      for (CFIndex i = 0; i < CFArrayGetCount(static_cast<CFArrayRef>(name)); ++i)
        any = any || string_equals(CFArrayGetValueAtIndex(static_cast<CFArrayRef>(name), i), d.name);
    if (!any) return false;
  }
  if (CFTypeRef wanted = CFDictionaryGetValue(matching, CFSTR("IORegistryEntryID"))) {
    std::uint64_t v = 0;
    if (CFGetTypeID(wanted) != CFNumberGetTypeID() ||
        !CFNumberGetValue(static_cast<CFNumberRef>(wanted), kCFNumberSInt64Type, &v) || v != id)
      return false;
  }
  if (CFTypeRef table = CFDictionaryGetValue(matching, CFSTR("IOPropertyMatch"))) {
    bool any = false;
    if (CFGetTypeID(table) == CFDictionaryGetTypeID()) {
      any = property_table_matches(static_cast<CFDictionaryRef>(table), d.properties);
    } else if (CFGetTypeID(table) == CFArrayGetTypeID()) {
      const auto* list = static_cast<CFArrayRef>(table);
      for (CFIndex i = 0; i < CFArrayGetCount(list) && !any; ++i) {
        CFTypeRef t = CFArrayGetValueAtIndex(list, i);
        any = CFGetTypeID(t) == CFDictionaryGetTypeID() && property_table_matches(static_cast<CFDictionaryRef>(t), d.properties);
      }
    }
    if (!any) return false;
  }
  return true;
}

const service_description* registry::find(entry_id id) const {
  const auto it = services_.find(id);
  return it == services_.end() ? nullptr : &it->second.d;
}

bool registry::live(entry_id id) const {
  const auto it = services_.find(id);
  return it != services_.end() && it->second.live;
}

std::vector<entry_id> registry::services() const {
  std::vector<entry_id> out;
  for (const auto& [id, s] : services_)
    if (s.live) out.push_back(id);
  return out;
}

std::vector<entry_id> registry::terminated() const {
  std::vector<entry_id> out;
  for (const auto& [id, s] : services_)
    if (!s.live) out.push_back(id);
  return out;
}

}  // namespace machemu::iokit
