// SPDX-License-Identifier: BSL-1.0
// Mode selection and the in-process transport.
#include "lib/transport.hpp"

#include <cstdlib>
#include <cstring>

#include "lib/runtime.hpp"

namespace machemu::lib {

mach_msg_return_t inprocess_msg(mach_msg_header_t* msg, mach_msg_option_t option,
                                mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                                mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
                                mach_msg_header_t* rcv_msg);
int inprocess_kqueue();
int inprocess_kevent(int kq, const kevent64_s* changes, int nchanges, kevent64_s* events,
                     int nevents, unsigned flags, const timespec* timeout);
void inprocess_kqueue_closing(int kq);

namespace {

// One kernel core in this process (runtime.hpp), reached by function call under its lock.
class inprocess final : public transport {
 public:
  void port(const port_call& c, port_result& r) override {
    runtime& rt = runtime::get();
    auto lk = rt.lock();
    if (is_iokit_call(c.what))
      rt.iokit().execute(rt.calling_task(), c, r);
    else
      execute(rt.core(), rt.calling_task(), c, r);
  }
  mach_msg_return_t msg(mach_msg_header_t* m, mach_msg_option_t option,
                        mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                        mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
                        mach_msg_header_t* rcv_msg) override {
    return inprocess_msg(m, option, send_size, rcv_size, rcv_name, timeout, rcv_msg);
  }
  int kqueue() override { return inprocess_kqueue(); }
  int kevent(int kq, const kevent64_s* changes, int nchanges, kevent64_s* events,
             int nevents, unsigned flags, const timespec* timeout) override {
    return inprocess_kevent(kq, changes, nchanges, events, nevents, flags, timeout);
  }
  void kqueue_closing(int kq) override { inprocess_kqueue_closing(kq); }
};

}  // namespace

transport& inprocess_transport() {
  static inprocess* t = new inprocess;  // never destroyed: calls may come during exit
  return *t;
}

// MACHEMU_MODE=inprocess keeps the whole kernel in this process (single-process programs,
// and the tests that use machemu_testing.h); anything else, or nothing, means machd.
transport& current_transport() {
  static transport* chosen = [] {
    const char* mode = std::getenv("MACHEMU_MODE");
    if (mode && std::strcmp(mode, "inprocess") == 0) return &inprocess_transport();
    return &machd_transport();
  }();
  return *chosen;
}

}  // namespace machemu::lib
