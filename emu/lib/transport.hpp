// SPDX-License-Identifier: BSL-1.0
// How the C functions reach a kernel core: in this process (MACHEMU_MODE=inprocess) or in
// machd (the default). Every C call of the Darwin API goes through one of these four
// entry points; mach_port_* and bootstrap_* all travel as a port_call.
#pragma once

#include <mach/message.h>
#include <sys/event.h>

#include <time.h>

#include "lib/port_call.hpp"

namespace machemu::lib {

class transport {
 public:
  // Runs one mach_port_* / bootstrap_* call; the result (including the code) is in `r`.
  virtual void port(const port_call& c, port_result& r) = 0;
  // mach_msg_overwrite's send and receive phases, with blocking and timeouts.
  virtual mach_msg_return_t msg(mach_msg_header_t* msg, mach_msg_option_t option,
                                mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                                mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
                                mach_msg_header_t* rcv_msg) = 0;
  // kqueue(): a new descriptor, or -1 with errno.
  virtual int kqueue() = 0;
  // kevent64 on a descriptor from kqueue(); argument counts are already checked.
  virtual int kevent(int kq, const kevent64_s* changes, int nchanges, kevent64_s* events,
                     int nevents, unsigned flags, const timespec* timeout) = 0;
  // The program is closing descriptor `kq`, which may be a kqueue from kqueue() (the
  // caller cannot tell for certain; see kevent/kqueue_fds.hpp). If it is, the kqueue is
  // destroyed now, before the descriptor goes, and every thread blocked in kevent64 on it
  // returns EBADF (XNU's kqueue_drain).
  virtual void kqueue_closing(int kq) = 0;

 protected:
  ~transport() = default;
};

// The transport MACHEMU_MODE selects, chosen at the first call.
transport& current_transport();
transport& inprocess_transport();
transport& machd_transport();

// Runs `c` through the current transport and returns its code.
// Passes on an EXC_GUARD a call raised: fatal when MACHEMU_GUARD_EXCEPTIONS asks for it
// (guard_exception.cpp), otherwise nothing happens and the call returns its error.
void deliver_guard_exception(std::uint64_t code, std::uint64_t subcode);

inline kern_return_t run(const port_call& c, port_result& r) {
  current_transport().port(c, r);
  if (r.guard_code != 0) deliver_guard_exception(r.guard_code, r.guard_subcode);
  return r.kr;
}

}  // namespace machemu::lib
