// The demo's wire protocol: the messages the demo server and its clients exchange.
//
// Every request and reply is a plain struct laid out exactly as MIG lays out the same
// routine (header, descriptors when complex, NDR record, data; replies carry a return code
// and use the request id + 100), so a MIG-generated client could call this server and a
// machio client could call a MIG server of the same definition. The equivalent .defs:
//
//   subsystem demo 4000;
//   routine echo(server : mach_port_t; text : c_string[*:256]; out reply_text : c_string[*:256]);
//   routine fibonacci(server : mach_port_t; n : uint32_t; out value : uint64_t);
//   routine call_me_back(server : mach_port_t; callback : mach_port_make_send_t; cookie : uint32_t);
//   routine checksum(server : mach_port_t; blob : pointer_t; out fnv1a : uint64_t);
//
// Structs are #pragma pack(4) as MIG's are, so 64-bit fields follow 4-byte alignment.
#ifndef MACHIO_EXAMPLES_DEMO_PROTOCOL_HPP
#define MACHIO_EXAMPLES_DEMO_PROTOCOL_HPP

#include <mach/mach.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace demo {

//! The bootstrap name the server checks in and clients look up.
inline constexpr const char* service_name = "org.machio.demo";

//! Request ids; a reply's id is the request's + 100 (machio::mig::reply_id).
enum : mach_msg_id_t {
  echo_id = 4000,
  fibonacci_id = 4001,
  call_me_back_id = 4002,
  checksum_id = 4003,
  //! The message the server sends to the port a call_me_back request carried.
  callback_id = 4900,
};

inline constexpr std::size_t max_text = 256;
//! fibonacci(n) fits in 64 bits up to n = 93; larger n is answered KERN_INVALID_ARGUMENT.
inline constexpr std::uint32_t max_fibonacci = 93;

#pragma pack(push, 4)

struct echo_request {
  mach_msg_header_t header;
  NDR_record_t ndr;
  mach_msg_type_number_t text_count;  //!< bytes used in text, at most max_text
  char text[max_text];
};
struct echo_reply {
  mach_msg_header_t header;
  NDR_record_t ndr;
  kern_return_t ret_code;
  mach_msg_type_number_t text_count;
  char text[max_text];
};

struct fibonacci_request {
  mach_msg_header_t header;
  NDR_record_t ndr;
  std::uint32_t n;
};
struct fibonacci_reply {
  mach_msg_header_t header;
  NDR_record_t ndr;
  kern_return_t ret_code;
  std::uint64_t value;
};

//! Complex: carries a send right (sent MAKE_SEND from the client's receive right). The
//! server sends a callback_message to it, then replies.
struct call_me_back_request {
  mach_msg_header_t header;
  mach_msg_body_t body;  //!< msgh_descriptor_count = 1
  mach_msg_port_descriptor_t callback;
  NDR_record_t ndr;
  std::uint32_t cookie;
};
struct call_me_back_reply {  // MIG's plain reply: header, NDR, return code
  mach_msg_header_t header;
  NDR_record_t ndr;
  kern_return_t ret_code;
};
//! Sent by the server to the callback port; no reply expected.
struct callback_message {
  mach_msg_header_t header;
  NDR_record_t ndr;
  std::uint32_t cookie;      //!< the request's cookie, so the client can match it
  std::int32_t server_pid;   //!< the server's pid, as it sees itself
};

//! Complex: carries an out-of-line region (sent virtual-copy); the server answers with the
//! FNV-1a 64 checksum of its bytes.
struct checksum_request {
  mach_msg_header_t header;
  mach_msg_body_t body;  //!< msgh_descriptor_count = 1
  mach_msg_ool_descriptor_t blob;
  NDR_record_t ndr;
  mach_msg_type_number_t blob_count;  //!< bytes, equal to blob.size
};
struct checksum_reply {
  mach_msg_header_t header;
  NDR_record_t ndr;
  kern_return_t ret_code;
  std::uint64_t fnv1a;
};

#pragma pack(pop)

//! FNV-1a 64 over \p bytes: what both sides compute to check a blob arrived intact.
inline std::uint64_t fnv1a(std::span<const std::byte> bytes) noexcept {
  std::uint64_t hash = 14695981039346656037ull;
  for (std::byte b : bytes) {
    hash ^= static_cast<std::uint8_t>(b);
    hash *= 1099511628211ull;
  }
  return hash;
}

// MIG's sizes for the same routines (pinned so a layout change cannot go unnoticed).
static_assert(sizeof(echo_request) == 24 + 8 + 4 + max_text);
static_assert(sizeof(fibonacci_reply) == 24 + 8 + 4 + 8);
static_assert(offsetof(call_me_back_request, ndr) == 24 + 4 + 12);
static_assert(offsetof(checksum_request, ndr) == 24 + 4 + sizeof(mach_msg_ool_descriptor_t));

}  // namespace demo

#endif  // MACHIO_EXAMPLES_DEMO_PROTOCOL_HPP
