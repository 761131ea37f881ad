// SPDX-License-Identifier: BSL-1.0
// libFuzzer target: mach_msg send of arbitrary bytes, against mach-emu's in-process core.
//
// Input layout: byte 0 steers the harness (see `steer`), the rest is the message, sent
// as is with send_size = its length (so sizes that lie, unaligned sizes and descriptor
// counts that overflow all reach the kernel's checks). Random names and addresses are
// almost never valid; so that the copy-in of real rights and memory is exercised too,
// steering bits rewrite them to ones the harness owns.
//
// After each input the harness receives and mach_msg_destroy()s whatever was queued, tears
// down the ports it made for the input, and aborts unless the task's names, types and send
// urefs and the kernel's port count equal what they were before: a right or port that the
// kernel leaked, duplicated or lost shows up there.
#include <mach/mach.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "testing/machemu_testing.h"

namespace {

// Steering bits of byte 0.
enum steer : std::uint8_t {
  remote_to_dest = 1 << 0,       // msgh_remote_port := the harness's destination port
  local_to_reply = 1 << 1,       // msgh_local_port := a second harness port
  descriptor_names = 1 << 2,     // port and guarded descriptors name a harness port
  ool_to_scratch = 1 << 3,       // OOL memory points into readable harness memory
  ool_ports_to_names = 1 << 4,   // OOL port arrays point at an array of harness names
};

// Largest OOL size sent from an arbitrary address (see the OOL case in `rewriter`).
constexpr std::uint32_t max_ool_size = 16u << 20;

struct name_state {
  mach_port_name_t name;
  mach_port_type_t type;
  mach_port_urefs_t send_urefs;
  bool operator==(const name_state&) const = default;
};

// The task's names, their types and send urefs, sorted as the kernel lists them.
std::vector<name_state> snapshot() {
  mach_port_name_array_t names = nullptr;
  mach_port_type_array_t types = nullptr;
  mach_msg_type_number_t n = 0;
  mach_msg_type_number_t nt = 0;
  if (mach_port_names(mach_task_self(), &names, &n, &types, &nt) != KERN_SUCCESS || n != nt)
    std::abort();
  std::vector<name_state> out;
  for (mach_msg_type_number_t i = 0; i < n; ++i) {
    name_state s{names[i], types[i], 0};
    if (types[i] & MACH_PORT_TYPE_SEND)
      mach_port_get_refs(mach_task_self(), names[i], MACH_PORT_RIGHT_SEND, &s.send_urefs);
    out.push_back(s);
  }
  vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(names), n * sizeof *names);
  vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(types), nt * sizeof *types);
  return out;
}

bool is_move(std::uint8_t disposition) {
  return disposition == MACH_MSG_TYPE_MOVE_RECEIVE || disposition == MACH_MSG_TYPE_MOVE_SEND ||
         disposition == MACH_MSG_TYPE_MOVE_SEND_ONCE;
}

// The ports one input may use and lose; both are gone again when the input is done.
struct harness_ports {
  mach_port_t dest = MACH_PORT_NULL;   // receive + one send right
  mach_port_t reply = MACH_PORT_NULL;  // receive right only
};

// Rewrites `message` (its first `size` bytes) as `control` asks. Reads the descriptors
// as the kernel's first pass does and stops where that pass would fail.
class rewriter {
 public:
  rewriter(std::byte* message, std::size_t size, std::uint8_t control, const harness_ports& p,
           const std::vector<name_state>& before, std::byte* scratch, std::size_t scratch_size,
           mach_port_name_t* name_array, std::uint32_t name_array_count)
      : m_(message), size_(size), control_(control), ports_(p), before_(before),
        scratch_(scratch), scratch_size_(scratch_size), names_(name_array),
        names_count_(name_array_count) {}

  void run() {
    if (size_ < sizeof(mach_msg_header_t)) return;
    mach_msg_header_t h;
    std::memcpy(&h, m_, sizeof h);
    if (control_ & remote_to_dest) h.msgh_remote_port = ports_.dest;
    if (control_ & local_to_reply) h.msgh_local_port = ports_.reply;
    h.msgh_remote_port = owned(h.msgh_remote_port, MACH_MSGH_BITS_REMOTE(h.msgh_bits));
    h.msgh_local_port = owned(h.msgh_local_port, MACH_MSGH_BITS_LOCAL(h.msgh_bits));
    h.msgh_voucher_port = owned(h.msgh_voucher_port, MACH_MSGH_BITS_VOUCHER(h.msgh_bits));
    std::memcpy(m_, &h, sizeof h);
    if (!(h.msgh_bits & MACH_MSGH_BITS_COMPLEX) || size_ < sizeof(mach_msg_base_t)) return;
    mach_msg_body_t body;
    std::memcpy(&body, m_ + sizeof h, sizeof body);
    std::size_t off = sizeof(mach_msg_base_t);
    for (std::uint32_t i = 0; i < body.msgh_descriptor_count && off + 12 <= size_; ++i) {
      std::byte* d = m_ + off;
      const auto type = static_cast<std::uint8_t>(d[11]);
      const std::size_t dsize = type == MACH_MSG_PORT_DESCRIPTOR ? 12 : 16;
      if (type > MACH_MSG_GUARDED_PORT_DESCRIPTOR || off + dsize > size_) return;
      const auto disposition = static_cast<std::uint8_t>(d[10]);
      switch (type) {
        case MACH_MSG_PORT_DESCRIPTOR:
          port_name_at(d, disposition);
          break;
        case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
          port_name_at(d + 12, disposition);
          break;
        case MACH_MSG_OOL_DESCRIPTOR:
        case MACH_MSG_OOL_VOLATILE_DESCRIPTOR:
          // deallocate = TRUE would make the kernel unmap [address, address+size) of this
          // very process: with arbitrary addresses that unmaps the fuzzer's own heap or
          // code, a crash of the harness rather than of the code under test. The
          // deallocate path is covered by the conformance tests with real buffers.
          d[8] = std::byte{0};
          if (control_ & ool_to_scratch) {
            store<std::uint64_t>(d, reinterpret_cast<std::uintptr_t>(scratch_));
            store<std::uint32_t>(d + 12, load<std::uint32_t>(d + 12) % (scratch_size_ + 1));
          } else if (load<std::uint32_t>(d + 12) > max_ool_size) {
            // Arbitrary addresses can land in readable memory the size of gigabytes
            // (ASan's shadow), where a real copy of that size is correct behaviour but
            // trips libFuzzer's malloc limit. Sizes past 1 MiB still take the kernel's
            // large-range path.
            store<std::uint32_t>(d + 12, load<std::uint32_t>(d + 12) % max_ool_size);
          }
          break;
        case MACH_MSG_OOL_PORTS_DESCRIPTOR:
          // Same reason as above: deallocate would unmap the arbitrary array address.
          d[8] = std::byte{0};
          if (control_ & ool_ports_to_names) {
            store<std::uint64_t>(d, reinterpret_cast<std::uintptr_t>(names_));
            store<std::uint32_t>(d + 12, load<std::uint32_t>(d + 12) % (names_count_ + 1));
          }
          break;
        default:
          break;
      }
      off += dsize;
    }
  }

 private:
  template <class T>
  static T load(const std::byte* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  template <class T>
  static void store(std::byte* p, T v) {
    std::memcpy(p, &v, sizeof v);
  }

  void port_name_at(std::byte* p, std::uint8_t disposition) {
    auto name = load<mach_port_name_t>(p);
    if (control_ & descriptor_names) name = (name & 1) ? ports_.reply : ports_.dest;
    store(p, owned(name, disposition));
  }

  // A move of a right the task held before the input (its task-self send right) would
  // legitimately change the names the harness compares: such names become the
  // destination port instead. Copies of those rights stay, they must come back intact.
  mach_port_name_t owned(mach_port_name_t name, std::uint8_t disposition) const {
    if (!MACH_PORT_VALID(name) || !is_move(disposition)) return name;
    for (const name_state& s : before_)
      if (s.name == name) return ports_.dest;
    return name;
  }

  std::byte* m_;
  std::size_t size_;
  std::uint8_t control_;
  const harness_ports& ports_;
  const std::vector<name_state>& before_;
  std::byte* scratch_;
  std::size_t scratch_size_;
  mach_port_name_t* names_;
  std::uint32_t names_count_;
};

// A received OOL region sent with MACH_MSG_PHYSICAL_COPY arrives with deallocate = FALSE
// (XNU's rule), so mach_msg_destroy leaves it mapped; the receiver owns it and unmaps it.
void release_physical_copies(const mach_msg_header_t* h) {
  if (!(h->msgh_bits & MACH_MSGH_BITS_COMPLEX)) return;
  const auto* base = reinterpret_cast<const std::byte*>(h);
  mach_msg_body_t body;
  std::memcpy(&body, base + sizeof *h, sizeof body);
  std::size_t off = sizeof(mach_msg_base_t);
  for (std::uint32_t i = 0; i < body.msgh_descriptor_count; ++i) {
    const auto type = static_cast<std::uint8_t>(base[off + 11]);
    if (type == MACH_MSG_OOL_DESCRIPTOR || type == MACH_MSG_OOL_VOLATILE_DESCRIPTOR) {
      mach_msg_ool_descriptor_t d;
      std::memcpy(&d, base + off, sizeof d);
      if (!d.deallocate && d.address && d.size)
        vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(d.address), d.size);
    }
    off += type == MACH_MSG_PORT_DESCRIPTOR ? 12 : 16;
  }
}

// Receives everything queued on `name` and destroys it; false when nothing was there.
bool drain(mach_port_t name, std::vector<std::uint64_t>& buffer) {
  bool any = false;
  for (;;) {
    auto* h = reinterpret_cast<mach_msg_header_t*>(buffer.data());
    const auto size = static_cast<mach_msg_size_t>(buffer.size() * sizeof buffer[0]);
    const mach_msg_return_t mr =
        mach_msg(h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, size, name, 0, MACH_PORT_NULL);
    if (mr == MACH_MSG_SUCCESS) {
      release_physical_copies(h);
      mach_msg_destroy(h);
      any = true;
      continue;
    }
    // Empty, or the input moved the receive right away (it may still be a send right or a
    // dead name under this name).
    if (mr == MACH_RCV_TIMED_OUT || mr == MACH_RCV_INVALID_NAME) return any;
    // The buffer always fits what one input can send; anything else is a kernel bug.
    std::fprintf(stderr, "fuzz_mach_msg_send: receive returned 0x%x (%s)\n",
                 static_cast<unsigned>(mr), mach_error_string(mr));
    std::abort();
  }
}

void report_and_abort(const std::vector<name_state>& before,
                      const std::vector<name_state>& after, unsigned long ports_before,
                      unsigned long ports_after) {
  std::fprintf(stderr, "fuzz_mach_msg_send: the input leaked or lost a right or port\n");
  std::fprintf(stderr, "  live ports before %lu, after %lu\n", ports_before, ports_after);
  for (const name_state& s : before)
    std::fprintf(stderr, "  before: 0x%x type 0x%x send urefs %u\n", s.name, s.type,
                 s.send_urefs);
  for (const name_state& s : after)
    std::fprintf(stderr, "  after:  0x%x type 0x%x send urefs %u\n", s.name, s.type,
                 s.send_urefs);
  std::abort();
}

}  // namespace

// The harness measures mach-emu's in-process core (its port count comes from the test
// API, which exists only there), and a fuzzer must not depend on, or start, a machd.
// Runs before the first Mach call.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("MACHEMU_MODE", "inprocess", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t control = data[0];
  ++data;
  --size;

  const std::vector<name_state> before = snapshot();
  const unsigned long ports_before = machemu_port_count();

  harness_ports p;
  if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p.dest) != KERN_SUCCESS ||
      mach_port_insert_right(mach_task_self(), p.dest, p.dest, MACH_MSG_TYPE_MAKE_SEND) !=
          KERN_SUCCESS ||
      mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p.reply) != KERN_SUCCESS)
    std::abort();

  // OOL memory the steered descriptors point at, and an OOL port array of harness names.
  static std::byte scratch[512];
  for (std::size_t i = 0; i < sizeof scratch; ++i)
    scratch[i] = static_cast<std::byte>(size ? data[i % size] : 0);
  mach_port_name_t names[] = {p.dest, p.reply, MACH_PORT_NULL, MACH_PORT_DEAD, p.dest, p.reply};

  // 8-byte aligned, with room for a pseudo-receive's trailer should the send time out.
  std::vector<std::uint64_t> message(size / 8 + 1 + 64);
  auto* bytes = reinterpret_cast<std::byte*>(message.data());
  std::memcpy(bytes, data, size);
  rewriter(bytes, size, control, p, before, scratch, sizeof scratch, names,
           sizeof names / sizeof names[0])
      .run();

  const mach_msg_return_t mr =
      mach_msg(reinterpret_cast<mach_msg_header_t*>(bytes), MACH_SEND_MSG | MACH_SEND_TIMEOUT,
               static_cast<mach_msg_size_t>(size), 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
  if (mr == MACH_SEND_TIMED_OUT) mach_msg_destroy(reinterpret_cast<mach_msg_header_t*>(bytes));

  // A received message can be as large as the sent one plus the largest trailer.
  std::vector<std::uint64_t> receive(size / 8 + 1 + 64);
  // Destroying a received send-once right notifies its port: drain until all is quiet.
  for (bool again = true; again;) {
    again = drain(p.dest, receive);
    again = drain(p.reply, receive) || again;
  }
  mach_port_destroy(mach_task_self(), p.dest);
  mach_port_destroy(mach_task_self(), p.reply);

  const std::vector<name_state> after = snapshot();
  const unsigned long ports_after = machemu_port_count();
  if (after != before || ports_after != ports_before)
    report_and_abort(before, after, ports_before, ports_after);
  return 0;
}
