// SPDX-License-Identifier: BSL-1.0
// machd's wire protocol: length-prefixed, versioned frames on a SOCK_STREAM Unix socket.
//
// Every frame is a 16-byte header followed by `length` payload bytes. Requests go from a
// client thread to machd; each request gets exactly one reply frame with the same op. A
// connection carries one request at a time (one connection per client thread), so no
// request ids are needed. Payloads are sequences of little fields written by `writer` and
// read by `reader`; a reader never reads past its span and every length it hands out has
// been checked against what remains, so a decoder allocates only what the frame holds.
// File descriptors travel as SCM_RIGHTS ancillary data with the header: the kqueue
// sockets, and the sealed memfds that carry large out-of-line regions (see `region`).
// Version 2 added those memfds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace machemu::wire {

inline constexpr std::uint32_t magic = 0x4d434844;  // "MCHD"
// 3: the hello names the program image, so that exec starts a new task.
// 5: call::status (`machd status`) took a number among the port calls.
inline constexpr std::uint16_t version = 5;
// Largest payload either side accepts: one maximal message (64 MiB body limit of the core)
// plus its out-of-line regions is refused beyond this, with MACH_SEND_TOO_LARGE.
inline constexpr std::uint32_t max_payload = 96u << 20;

enum class op : std::uint16_t {
  hello = 1,      // first frame on every connection: binds it to the peer's task
  port_call = 2,  // mach_port_* and bootstrap_*: see port_call.hpp
  msg = 3,        // mach_msg: send and/or receive phase
  kq_create = 4,  // kqueue(): carries the client's socket ends as SCM_RIGHTS
  kq_event = 5,   // kevent64
  kq_close = 6,   // a kqueue descriptor the program closed
  counts = 7,     // debug: live tasks and ports in the daemon
};

struct header {
  std::uint32_t magic;
  std::uint16_t version;
  std::uint16_t op;
  std::uint32_t length;  // payload bytes after the header
  std::uint32_t nfds;    // descriptors attached as SCM_RIGHTS (see check())
};
static_assert(sizeof(header) == 16);

// Descriptors one frame may carry: a kq_create request carries 2, a msg request or reply
// one per region sent by memfd, at most this many (SCM_MAX_FD is 253; this keeps the
// control buffers small). Further regions of a message travel inline.
inline constexpr std::uint32_t max_frame_fds = 64;

// Why a header is refused; anything but ok disconnects the peer.
enum class header_check { ok, bad_magic, bad_version, bad_op, too_long, bad_fds };

header_check check(const header& h) noexcept;

// Appends fields to a payload: its own buffer, or one the caller reuses across requests
// (cleared here, its capacity kept) so that steady-state calls allocate nothing.
class writer {
 public:
  writer() noexcept : buf_(&own_) {}
  explicit writer(std::vector<std::byte>& reuse) noexcept : buf_(&reuse) { reuse.clear(); }
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  void u32(std::uint32_t v) { put(&v, sizeof v); }
  void u64(std::uint64_t v) { put(&v, sizeof v); }
  void i32(std::int32_t v) { put(&v, sizeof v); }
  // A length-prefixed byte string.
  void bytes(const void* p, std::size_t n) {
    u32(static_cast<std::uint32_t>(n));
    put(p, n);
  }
  void bytes(std::span<const std::byte> s) { bytes(s.data(), s.size()); }
  std::vector<std::byte>& buffer() noexcept { return *buf_; }

 private:
  void put(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::byte*>(p);
    buf_->insert(buf_->end(), b, b + n);
  }
  std::vector<std::byte> own_;
  std::vector<std::byte>* buf_;
};

// Reads fields from a payload. Every accessor returns false (and reads nothing) when the
// payload has fewer bytes left than the field needs; callers stop at the first false.
class reader {
 public:
  explicit reader(std::span<const std::byte> s) noexcept : s_(s) {}
  bool u32(std::uint32_t& v) noexcept { return get(&v, sizeof v); }
  bool u64(std::uint64_t& v) noexcept { return get(&v, sizeof v); }
  bool i32(std::int32_t& v) noexcept { return get(&v, sizeof v); }
  // A length-prefixed byte string, viewed in place; refused when longer than `max` or
  // than what remains.
  bool bytes(std::span<const std::byte>& out, std::size_t max) noexcept {
    std::uint32_t n = 0;
    if (!u32(n) || n > max || n > s_.size()) return false;
    out = s_.first(n);
    s_ = s_.subspan(n);
    return true;
  }
  bool done() const noexcept { return s_.empty(); }
  std::size_t left() const noexcept { return s_.size(); }

 private:
  bool get(void* p, std::size_t n) noexcept {
    if (s_.size() < n) return false;
    std::memcpy(p, s_.data(), n);
    s_ = s_.subspan(n);
    return true;
  }
  std::span<const std::byte> s_;
};

// ---- requests ---------------------------------------------------------------------------
// Each decode_* returns false for a malformed payload (the daemon then disconnects).

struct hello_request {
  std::uint32_t max_names = 0;  // 0: the daemon's default; else the task's lower limit
  std::uint64_t image = 0;      // the program image (non-zero); a new one after exec
};
bool decode(std::span<const std::byte> p, hello_request& r) noexcept;
void encode(writer& w, const hello_request& r);

// An out-of-line region travelling with a msg request (the sender's region, named by
// its address) or a reply (a region handed to the receiver, named by the token the core
// wrote into the descriptor). Small regions travel inline; a large one travels as a
// sealed memfd (F_SEAL_WRITE, _SHRINK, _GROW) holding exactly `size` bytes, attached to
// the frame: the n-th fd region of a frame is the frame's n-th descriptor. machd keeps
// the descriptor, not the bytes, and the receiver maps it MAP_PRIVATE (copy-on-write).
struct region {
  std::uint64_t address = 0;
  bool in_fd = false;
  std::span<const std::byte> data;  // inline: the bytes, inside the payload
  std::uint64_t size = 0;           // the region's size (inline: data.size())
};
// An fd region is at least this large (smaller ones are never worth a descriptor) and at
// most what a descriptor's 32-bit size can say.
inline constexpr std::uint64_t min_fd_region = 4096;
inline constexpr std::uint64_t max_fd_region = 0xFFFF'FFFFull;
void encode(writer& w, const region& g);
// Reads one region; false for a malformed one. Counts the fd regions in `fds`.
bool decode(reader& rd, region& g, std::uint32_t& fds) noexcept;
// Reads a count and that many regions (at most max_regions) into `out`; false for a
// malformed list. Counts the fd regions in `fds`.
bool decode_regions(reader& rd, std::vector<region>& out, std::uint32_t& fds);

struct msg_request {
  std::uint32_t option = 0;
  std::uint32_t send_size = 0;
  std::uint32_t rcv_size = 0;
  std::uint32_t rcv_name = 0;
  std::uint32_t timeout = 0;
  std::uint32_t separate_rcv = 0;      // 1: the receive buffer is not the send buffer
  std::uint64_t rcv_address = 0;       // the receive buffer's address in the client
  std::span<const std::byte> message;  // send_size bytes (send phase)
  std::span<const std::byte> rcv_prefix;  // the receive buffer's first bytes (see client)
  std::vector<region> regions;
};
inline constexpr std::uint32_t max_regions = 1024;
// How much of its receive buffer a client sends along (rcv_prefix): covers every byte the
// core may write on a failed receive (the header and the largest trailer).
inline constexpr std::size_t rcv_prefix_bytes = 128;
// `nfds`: the descriptors that came with the frame; the request must name exactly as many
// fd regions.
bool decode(std::span<const std::byte> p, msg_request& r, std::uint32_t nfds);

struct kevent_request {
  std::uint64_t kq = 0;
  std::uint32_t nevents = 0;
  std::uint32_t flags = 0;
  std::uint32_t has_timeout = 0;
  std::uint64_t timeout_ns = 0;
  std::span<const std::byte> changes;  // kevent64_s array
};
inline constexpr std::uint32_t max_kevents = 4096;
bool decode(std::span<const std::byte> p, kevent_request& r) noexcept;

struct port_call_request {
  std::uint32_t call = 0;
  std::uint64_t a[6] = {};
  std::span<const std::byte> in;
};
inline constexpr std::uint32_t max_call_input = 4096;
bool decode(std::span<const std::byte> p, port_call_request& r) noexcept;

}  // namespace machemu::wire
