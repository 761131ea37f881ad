// SPDX-License-Identifier: BSL-1.0
// The host and thread calls real programs make besides IPC: mach_host_self,
// mach_thread_self, host_info(HOST_BASIC_INFO), thread_policy_set, the Mach clock and the
// VM page size globals.
#include <mach/mach.h>
#include <mach/mach_time.h>

#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <thread>

#include "lib/transport.hpp"

namespace {

using machemu::lib::call;

mach_port_t self_right(call what, std::uint64_t arg) {
  machemu::lib::port_call c;
  c.what = what;
  c.a[0] = mach_task_self();
  c.a[1] = arg;
  machemu::lib::port_result r;
  return machemu::lib::run(c, r) == KERN_SUCCESS ? static_cast<mach_port_t>(r.out[0])
                                                 : MACH_PORT_NULL;
}

bool is_host(mach_port_t name) {
  machemu::lib::port_call c;
  c.what = call::is_host;
  c.a[0] = mach_task_self();
  c.a[1] = name;
  machemu::lib::port_result r;
  return machemu::lib::run(c, r) == KERN_SUCCESS && r.out[0] == 1;
}

std::uint64_t clock_ns(clockid_t id) {
  timespec ts{};
  ::clock_gettime(id, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

int page_shift_of(long page) {
  int shift = 0;
  while ((1L << shift) < page) ++shift;
  return shift;
}

const long page_bytes = ::sysconf(_SC_PAGESIZE);

// XNU's defaults for a real-time thread's computation (min_rt_quantum, max_rt_quantum),
// in mach_absolute_time units, which are nanoseconds here.
constexpr std::uint32_t min_rt_computation = 10 * 1000;        // 10 µs
constexpr std::uint32_t max_rt_computation = 50 * 1000 * 1000;  // 50 ms

}  // namespace

extern "C" {

vm_size_t vm_page_size = static_cast<vm_size_t>(page_bytes);
vm_size_t vm_page_mask = static_cast<vm_size_t>(page_bytes - 1);
int vm_page_shift = page_shift_of(page_bytes);

mach_port_t mach_host_self(void) { return self_right(call::host_self, 0); }

// One thread port per Linux thread (its tid), as XNU has one per thread.
mach_port_t mach_thread_self(void) {
  return self_right(call::thread_self, static_cast<std::uint64_t>(::syscall(SYS_gettid)));
}

kern_return_t host_info(host_t host, host_flavor_t flavor, host_info_t info,
                        mach_msg_type_number_t* count) {
  if (host == MACH_PORT_NULL) return MACH_SEND_INVALID_DEST;
  if (!is_host(host)) return KERN_INVALID_ARGUMENT;
  if (flavor != HOST_BASIC_INFO || !info || !count) return KERN_INVALID_ARGUMENT;
  // XNU's kernel-private HOST_BASIC_INFO_OLD_COUNT: max_cpus .. cpu_subtype.
  constexpr mach_msg_type_number_t old_count = 5;
  if (*count < old_count) return KERN_FAILURE;
  host_basic_info_data_t b{};
  const long configured = ::sysconf(_SC_NPROCESSORS_CONF);
  const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  const std::uint64_t memory =
      static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) * static_cast<std::uint64_t>(page_bytes);
  b.max_cpus = static_cast<integer_t>(configured);
  b.avail_cpus = static_cast<integer_t>(online);
  b.memory_size = static_cast<natural_t>(std::min<std::uint64_t>(memory, 0x80000000u));
#if defined(__aarch64__)
  b.cpu_type = CPU_TYPE_ARM64;
  b.cpu_subtype = CPU_SUBTYPE_ARM64_ALL;
#else
  b.cpu_type = CPU_TYPE_X86_64;
  b.cpu_subtype = CPU_SUBTYPE_X86_64_ALL;
#endif
  b.cpu_threadtype = CPU_THREADTYPE_NONE;
  // Linux counts hardware threads; mach-emu reports them as both physical and logical
  // CPUs (doc/emu-divergences.md).
  b.physical_cpu = b.logical_cpu = b.avail_cpus;
  b.physical_cpu_max = b.logical_cpu_max = b.max_cpus;
  b.max_mem = memory;
  const mach_msg_type_number_t words = *count >= HOST_BASIC_INFO_COUNT ? HOST_BASIC_INFO_COUNT : old_count;
  std::copy_n(reinterpret_cast<const integer_t*>(&b), words, info);
  *count = words;
  return KERN_SUCCESS;
}

kern_return_t thread_policy_set(thread_act_t thread, thread_policy_flavor_t flavor,
                                thread_policy_t policy, mach_msg_type_number_t count) {
  if (thread == MACH_PORT_NULL) return MACH_SEND_INVALID_DEST;
  mach_msg_type_number_t needed = 0;
  switch (flavor) {
    case THREAD_EXTENDED_POLICY: needed = THREAD_EXTENDED_POLICY_COUNT; break;
    case THREAD_TIME_CONSTRAINT_POLICY: needed = THREAD_TIME_CONSTRAINT_POLICY_COUNT; break;
    case THREAD_PRECEDENCE_POLICY: needed = THREAD_PRECEDENCE_POLICY_COUNT; break;
    case THREAD_AFFINITY_POLICY: needed = THREAD_AFFINITY_POLICY_COUNT; break;
    case THREAD_BACKGROUND_POLICY: needed = THREAD_BACKGROUND_POLICY_COUNT; break;
    default: return KERN_INVALID_ARGUMENT;
  }
  // THREAD_STANDARD_POLICY shares its number with THREAD_EXTENDED_POLICY: XNU treats a
  // count of 0 there as the standard policy.
  if (flavor == THREAD_EXTENDED_POLICY && count == 0) return KERN_SUCCESS;
  if (count < needed || !policy) return KERN_INVALID_ARGUMENT;
  if (flavor == THREAD_TIME_CONSTRAINT_POLICY) {
    const auto* tc = reinterpret_cast<const thread_time_constraint_policy_data_t*>(policy);
    if (tc->constraint < tc->computation || tc->computation > max_rt_computation ||
        tc->computation < min_rt_computation)
      return KERN_INVALID_ARGUMENT;
  }
  return KERN_SUCCESS;
}

kern_return_t mach_timebase_info(mach_timebase_info_t info) {
  if (!info) return KERN_INVALID_ARGUMENT;
  info->numer = 1;
  info->denom = 1;
  return KERN_SUCCESS;
}

uint64_t mach_absolute_time(void) { return clock_ns(CLOCK_MONOTONIC); }
uint64_t mach_approximate_time(void) { return clock_ns(CLOCK_MONOTONIC_COARSE); }
uint64_t mach_continuous_time(void) { return clock_ns(CLOCK_BOOTTIME); }

}  // extern "C"
