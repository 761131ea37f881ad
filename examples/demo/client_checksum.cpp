// SPDX-License-Identifier: BSL-1.0
// Client C: sends a 4 MiB blob out of line and checks the server's checksum of it against
// its own.
#include "client.hpp"

#include <machio/mig/layout.hpp>

#include <span>
#include <stdexcept>
#include <vector>

namespace {

constexpr demo::transcript out("client C");
constexpr std::size_t blob_size = 4u << 20;

// Bytes that are not all alike, so a page lost or swapped on the way changes the checksum.
std::vector<std::byte> make_blob() {
  std::vector<std::byte> blob(blob_size);
  std::uint32_t x = 2463534242u;  // xorshift32
  for (std::byte& b : blob) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<std::byte>(x);
  }
  return blob;
}

demo::awaitable<void> client(demo::executor ex) {
  const machio::send_right server = demo::look_up_server(out);
  const std::vector<std::byte> blob = make_blob();
  const std::uint64_t mine = demo::fnv1a(blob);

  out.say(
      "sending checksum with %zu MiB out of line: the kernel maps a copy into the server; "
      "the message itself stays %zu bytes",
      blob.size() >> 20, machio::mig::request_layout<demo::checksum>.max_size);
  // Borrowed until sent; sent as a virtual copy.
  const std::uint64_t theirs = co_await machio::mig::async_call<demo::checksum>(
      ex, server, std::span<const std::byte>(blob), demo::use_awaitable);
  out.say("the server computed FNV-1a 0x%016llx, I computed 0x%016llx: %s",
          static_cast<unsigned long long>(theirs),
          static_cast<unsigned long long>(mine),
          theirs == mine ? "checksum matches" : "checksum MISMATCH");
  if (theirs != mine) throw std::runtime_error("the server's checksum differs");
}

}  // namespace

int main() { return demo::run_client(out, client); }
