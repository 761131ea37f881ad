// SPDX-License-Identifier: BSL-1.0
// libFuzzer target: message_view::parse and every accessor over arbitrary bytes. The view
// must reject or bound everything; ASan/UBSan catch any read outside the input.
#include <machio/message_view.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  boost::system::error_code ec;
  const machio::message_view view = machio::message_view::parse(bytes, ec);
  if (ec) return 0;
  volatile std::uint64_t sink = view.id() + view.size();
  for (std::size_t i = 0; i < view.descriptor_count(); ++i) {
    const machio::descriptor_view d = view.descriptor(i, ec);
    sink = sink + d.type() + d.name() + d.disposition() + d.guard_context() + d.guard_flags() +
           d.address() + d.size() + d.count() + d.copy();
  }
  for (std::byte b : view.body()) sink = sink + static_cast<std::uint8_t>(b);
  const machio::trailer_view t = view.trailer();
  if (auto s = t.seqno()) sink = sink + *s;
  if (auto s = t.sender()) sink = sink + s->val[0];
  if (auto a = t.audit()) sink = sink + static_cast<std::uint32_t>(a->pid()) + a->euid();
  if (auto c = t.context()) sink = sink + *c;
  (void)sink;
  return 0;
}
