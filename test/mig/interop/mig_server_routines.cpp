// The routines MIG's generated server (interopServer.c) calls, written as a C programmer
// writes them for a MIG server: plain port names, MIG's ownership rule by hand (a
// routine that returns KERN_SUCCESS owns the rights and memory it was given, and
// releases them itself), and a loop of mach_msg_server_once.
#include "mig_server_routines.hpp"

#include <mach/mach.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include <unistd.h>

extern "C" {
#include "interopServer.h"
}

namespace {

interop_mig_server_state* state = nullptr;

std::uint64_t fnv1a(const unsigned char* p, std::size_t n) {
  std::uint64_t h = 14695981039346656037ull;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

}  // namespace

extern "C" {

kern_return_t srv_echo(mach_port_t, ip_name_t text, ip_name_t reply) {
  const std::size_t n = strnlen(text, sizeof(ip_name_t));
  for (std::size_t i = 0; i < n; ++i) reply[i] = text[n - 1 - i];
  reply[n] = '\0';
  return KERN_SUCCESS;
}

kern_return_t srv_sum(mach_port_t, uint64_t first, ip_words_t values, mach_msg_type_number_t count_in, int64_t* total,
                      uint32_t* count) {
  if (first == 0xbad) return KERN_INVALID_ARGUMENT;
  std::int64_t t = static_cast<std::int64_t>(first);
  for (mach_msg_type_number_t i = 0; i < count_in; ++i) t += values[i];
  // MIG hands out pointers into its #pragma pack(4) reply: a 64-bit field there is only
  // 4-aligned, so it is written bytewise.
  std::memcpy(total, &t, sizeof t);
  *count = count_in;
  return KERN_SUCCESS;
}

kern_return_t srv_label(mach_port_t, ip_label_t tag, ip_triple_t triple, ip_label_t tag_back, ip_triple_t triple_back) {
  std::strncpy(tag_back, tag, sizeof(ip_label_t));
  for (int i = 0; i < 3; ++i) triple_back[i] = static_cast<uint16_t>(triple[2 - i]);
  return KERN_SUCCESS;
}

kern_return_t srv_blob(mach_port_t, vm_offset_t data, mach_msg_type_number_t size, uint64_t* fnv, vm_offset_t* copy,
                       mach_msg_type_number_t* copy_size) {
  const std::uint64_t hash = fnv1a(reinterpret_cast<const unsigned char*>(data), size);
  std::memcpy(fnv, &hash, sizeof hash);  // a 4-aligned field of MIG's packed reply
  // `out copy : pointer_t` has no dealloc: the kernel copies the bytes and they stay
  // here, so they live in a buffer of the server's.
  const std::size_t n = std::min<std::size_t>(size, sizeof state->blob_copy);
  std::memcpy(state->blob_copy, reinterpret_cast<const void*>(data), n);
  const auto address = reinterpret_cast<vm_offset_t>(state->blob_copy);
  std::memcpy(copy, &address, sizeof address);  // the reply descriptor's address: 4-aligned
  *copy_size = static_cast<mach_msg_type_number_t>(n);
  if (size) (void)vm_deallocate(mach_task_self(), data, size);
  return KERN_SUCCESS;
}

kern_return_t srv_give(mach_port_t, mach_port_t owner, mach_port_t made, mach_port_t* back) {
  state->owner_seen = owner != MACH_PORT_NULL;
  (void)mach_port_deallocate(mach_task_self(), owner);
  (void)mach_port_deallocate(mach_task_self(), made);
  *back = state->receipts;  // sent MAKE_SEND from the server's receive right
  return KERN_SUCCESS;
}

kern_return_t srv_rights(mach_port_t, ip_send_rights_t list, mach_msg_type_number_t count_in, uint32_t* count) {
  for (mach_msg_type_number_t i = 0; i < count_in; ++i) (void)mach_port_deallocate(mach_task_self(), list[i]);
  if (count_in)
    (void)vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(list), count_in * sizeof(mach_port_t));
  *count = count_in;
  return KERN_SUCCESS;
}

kern_return_t srv_moves(mach_port_t, mach_port_t recv, mach_port_t once, mach_port_t poly,
                        mach_msg_type_name_t poly_type, mach_port_t* once_back) {
  mach_port_type_t type = 0;
  state->receive_seen = mach_port_type(mach_task_self(), recv, &type) == KERN_SUCCESS &&
                        (type & MACH_PORT_TYPE_RECEIVE) != 0;
  (void)mach_port_mod_refs(mach_task_self(), recv, MACH_PORT_RIGHT_RECEIVE, -1);
  state->poly_type = poly_type;
  if (poly_type == MACH_MSG_TYPE_PORT_SEND) (void)mach_port_deallocate(mach_task_self(), poly);
  *once_back = once;  // moved back to the caller (MOVE_SEND_ONCE)
  return KERN_SUCCESS;
}

kern_return_t srv_note(mach_port_t, int32_t value) {
  state->note = value;
  return KERN_SUCCESS;
}

kern_return_t srv_two(mach_port_t, ip_words_t a, mach_msg_type_number_t a_count, ip_words_t b,
                      mach_msg_type_number_t b_count, ip_words_t c, mach_msg_type_number_t* c_count) {
  mach_msg_type_number_t n = 0;
  for (mach_msg_type_number_t i = 0; i < a_count && n < 16; ++i) c[n++] = a[i];
  for (mach_msg_type_number_t i = 0; i < b_count && n < 16; ++i) c[n++] = b[i];
  *c_count = n;
  return KERN_SUCCESS;
}

kern_return_t srv_portpair(mach_port_t, ip_pair_t p, ip_made_t back, mach_msg_type_number_t* back_count) {
  state->pair_both = MACH_PORT_VALID(p[0]) && MACH_PORT_VALID(p[1]);
  for (int i = 0; i < 2; ++i) (void)mach_port_deallocate(mach_task_self(), p[i]);
  back[0] = back[1] = state->receipts;  // MAKE_SEND from the receive right we hold
  *back_count = 2;
  return KERN_SUCCESS;
}

kern_return_t srv_polyrights(mach_port_t, ip_poly_rights_t list, mach_msg_type_name_t list_poly,
                             mach_msg_type_number_t list_count, uint32_t* kind, uint32_t* count) {
  for (mach_msg_type_number_t i = 0; i < list_count; ++i) {
    if (list_poly == MACH_MSG_TYPE_PORT_RECEIVE)
      (void)mach_port_mod_refs(mach_task_self(), list[i], MACH_PORT_RIGHT_RECEIVE, -1);
    else
      (void)mach_port_deallocate(mach_task_self(), list[i]);
  }
  if (list_count)
    (void)vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(list), list_count * sizeof(mach_port_t));
  *kind = list_poly;
  *count = list_count;
  return KERN_SUCCESS;
}

kern_return_t srv_same(mach_port_t, ip_words_t a, mach_msg_type_number_t a_count, ip_halves_t b, int64_t* total) {
  std::int64_t t = 0;
  for (mach_msg_type_number_t i = 0; i < a_count; ++i) t += a[i] + b[i];  // b has a's count
  // MIG passes the address of its pack(4) reply field, 4-aligned only: stored by bytes.
  std::memcpy(total, &t, sizeof t);
  return KERN_SUCCESS;
}

kern_return_t srv_whoami(mach_port_t, audit_token_t caller, mach_port_seqno_t seqno, security_token_t token,
                         int32_t* pid, uint32_t* euid) {
  state->seqno = seqno;
  *pid = static_cast<int32_t>(caller.val[5]);
  *euid = token.val[0];
  return KERN_SUCCESS;
}

kern_return_t srv_handlers(mach_port_t, int32_t mask, ip_masks_t masks, mach_msg_type_number_t* masks_count,
                           ip_handlers_t old_handlers, ip_masks_t old_behaviors) {
  const mach_msg_type_number_t n = std::min<mach_msg_type_number_t>(static_cast<mach_msg_type_number_t>(mask), 8);
  for (mach_msg_type_number_t i = 0; i < n; ++i) {
    masks[i] = static_cast<int32_t>(1u << i);
    old_handlers[i] = MACH_PORT_NULL;  // no handler set, as the kernel answers for an unset mask
    old_behaviors[i] = static_cast<int32_t>(i);
  }
  *masks_count = n;  // the count of all three
  return KERN_SUCCESS;
}

kern_return_t srv_whoareyou(mach_port_t, int32_t* pid) {
  *pid = getpid();
  return KERN_SUCCESS;
}

}  // extern "C"

mach_msg_return_t interop_mig_serve(mach_port_t port, int requests, interop_mig_server_state& s) {
  state = &s;
  mach_msg_return_t mr = MACH_MSG_SUCCESS;
  for (int i = 0; i < requests && mr == MACH_MSG_SUCCESS; ++i)
    // The audit trailer, which whoami's ServerAuditToken needs (MIG_TRAILER_ERROR without).
    mr = mach_msg_server_once(interop_server, srv_interop_subsystem.maxsize, port,
                              MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
                                  MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT));
  state = nullptr;
  return mr;
}
