// Client C: sends a 4 MiB blob out of line and checks the server's checksum of it against
// its own.
#include "client.hpp"

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

  demo::checksum_request fields{};
  fields.ndr = machio::mig::ndr_record;
  fields.blob_count = static_cast<mach_msg_type_number_t>(blob.size());
  machio::message request =
      machio::message_builder(demo::checksum_id)
          .destination(server)
          .add_ool(blob, machio::ool_copy::virtual_copy)  // borrowed until sent
          .append(demo::fields_of(fields))
          .build();
  out.say(
      "sending checksum with %zu MiB out of line: the kernel maps a copy into the server; "
      "the message itself stays %zu bytes",
      blob.size() >> 20, sizeof(demo::checksum_request));

  machio::received_message reply =
      co_await machio::async_call(ex, std::move(request), demo::use_awaitable);
  const auto answer = demo::read_reply<demo::checksum_reply>(reply, demo::checksum_id);
  out.say("the server (pid %d) computed FNV-1a 0x%016llx, I computed 0x%016llx: %s",
          demo::sender_pid(reply), static_cast<unsigned long long>(answer.fnv1a),
          static_cast<unsigned long long>(mine),
          answer.fnv1a == mine ? "checksum matches" : "checksum MISMATCH");
  if (answer.fnv1a != mine) throw std::runtime_error("the server's checksum differs");
}

}  // namespace

int main() { return demo::run_client(out, client); }
