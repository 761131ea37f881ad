// SPDX-License-Identifier: BSL-1.0
#include "lib/runtime.hpp"

#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <new>

#include <mach/mach.h>

// The task-self name: the first name every space hands out (index 1, generation 3).
mach_port_t mach_task_self_ = 0x103;

namespace machemu::lib {

namespace {

thread_local kern::task* thread_task = nullptr;

// What this thread deferred until it releases the runtime's lock (runtime.hpp). One call
// mostly wakes one thread or raises one kqueue; beyond eight (a dying kqueue waking all
// its waiters, say) the caller does the rest at once, under the lock, which is merely
// slower.
struct deferred_queue {
  std::shared_ptr<after_unlock> items[8];
  std::size_t size = 0;
};
thread_local deferred_queue deferred;

std::size_t page_round(std::size_t n) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return (n + page - 1) & ~(page - 1);
}

// Memory of this very process. Reads go through process_vm_readv so that a bad address in
// a message yields MACH_SEND_INVALID_MEMORY instead of a crash, as the kernel's copyin does.
class self_memory final : public kern::user_memory {
 public:
  kern::ref<kern::ool_region> copy_in(std::uint64_t address, std::size_t size) override {
    // A bogus address with a size of gigabytes must fail like any bad address, not first
    // allocate the snapshot (which can throw, with the kernel lock held, on a machine
    // without that much memory). Small ranges skip the probe: one read is cheaper.
    if (size > (std::size_t{1} << 20) && !readable(address, size)) return {};
    kern::ref<kern::ool_region> r;
    try {
      r = kern::make_ref<kern::ool_region>(size);
    } catch (const std::bad_alloc&) {
      return {};
    }
    if (!read(address, r->bytes.get(), size)) return {};
    return r;
  }
  // Whether every page of [address, address+size) can be read: one byte of each page,
  // up to 1024 pages a call, all landing in the same small local buffer.
  static bool readable(std::uint64_t address, std::size_t size) {
    const std::uint64_t page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
    const std::uint64_t end = address + size;
    if (end < address) return false;
    constexpr std::size_t batch = 1024;
    char sink[batch];
    iovec remote[batch];
    std::uint64_t at = address;
    while (at < end) {
      std::size_t n = 0;
      for (; n < batch && at < end; ++n) {
        remote[n] = {reinterpret_cast<void*>(static_cast<std::uintptr_t>(at)), 1};
        const std::uint64_t next = (at & ~(page - 1)) + page;
        at = next > at ? next : end;  // the top page of the address space ends the range
      }
      iovec local{sink, n};
      if (process_vm_readv(getpid(), &local, 1, remote, n, 0) != static_cast<ssize_t>(n))
        return false;
    }
    return true;
  }
  bool read(std::uint64_t address, void* out, std::size_t size) override {
    std::size_t done = 0;
    while (done < size) {
      iovec local{static_cast<char*>(out) + done, size - done};
      iovec remote{reinterpret_cast<void*>(static_cast<std::uintptr_t>(address + done)),
                   size - done};
      const ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  void deallocate(std::uint64_t address, std::size_t size) override {
    vm_deallocate(mach_task_self(), static_cast<vm_address_t>(address), size);
  }
  std::uint64_t copy_out(const std::byte* data, std::size_t size) override {
    vm_address_t a = 0;
    if (vm_allocate(mach_task_self(), &a, size, VM_FLAGS_ANYWHERE) != KERN_SUCCESS) return 0;
    std::memcpy(reinterpret_cast<void*>(a), data, size);
    return a;
  }
  std::span<std::byte> writable(std::uint64_t address, std::size_t size) override {
    return {reinterpret_cast<std::byte*>(static_cast<std::uintptr_t>(address)), size};
  }
};

self_memory the_memory;

kern::task_identity my_identity() {
  kern::task_identity id;
  id.pid = static_cast<std::uint32_t>(getpid());
  id.euid = geteuid();
  id.egid = getegid();
  id.ruid = getuid();
  id.rgid = getgid();
  id.asid = static_cast<std::uint32_t>(getsid(0));
  return id;
}

}  // namespace

bool defer_until_unlocked(std::shared_ptr<after_unlock> a) noexcept {
  if (deferred.size == std::size(deferred.items)) return false;
  deferred.items[deferred.size++] = std::move(a);
  return true;
}

bool cancel_deferred(const after_unlock* a) noexcept {
  for (std::size_t i = 0; i < deferred.size; ++i) {
    if (deferred.items[i].get() != a) continue;
    for (std::size_t j = i + 1; j < deferred.size; ++j)
      deferred.items[j - 1] = std::move(deferred.items[j]);
    deferred.items[--deferred.size].reset();
    return true;
  }
  return false;
}

const std::shared_ptr<thread_parker>& this_thread_parker() {
  thread_local const std::shared_ptr<thread_parker> parker = std::make_shared<thread_parker>();
  return parker;
}

bool has_deferred() noexcept { return deferred.size != 0; }

void run_deferred() noexcept {
  for (std::size_t i = 0; i < deferred.size; ++i) {
    deferred.items[i]->run();
    deferred.items[i].reset();
  }
  deferred.size = 0;
}

kern::config config_from_environment();

runtime& runtime::get() {
  // Never destroyed: threads may still call in during static destruction.
  static runtime* r = new runtime;
  return *r;
}

// MACHEMU_MAX_NAMES overrides the per-task name limit (tests of KERN_NO_SPACE).
kern::config config_from_environment() {
  kern::config cfg;
  if (const char* limit = std::getenv("MACHEMU_MAX_NAMES")) {
    const long v = std::strtol(limit, nullptr, 10);
    if (v > 0) cfg.max_names_per_task = static_cast<std::uint32_t>(v);
  }
  return cfg;
}

runtime::runtime() : kernel_(config_from_environment()) {
  process_task_ = kernel_.create_task(my_identity());
}

kern::task& runtime::calling_task() { return thread_task ? *thread_task : *process_task_; }

kern::user_memory& runtime::memory() { return the_memory; }

kern::task* runtime::create_test_task() { return kernel_.create_task(my_identity()); }

void runtime::destroy_test_task(kern::task* t) {
  if (thread_task == t) thread_task = nullptr;
  kernel_.destroy_task(t);
}

void runtime::set_thread_task(kern::task* t) { thread_task = t; }

}  // namespace machemu::lib

// ---- vm --------------------------------------------------------------------------------

extern "C" kern_return_t vm_allocate(vm_map_t target, vm_address_t* address, vm_size_t size,
                                     int flags) {
  if (target != mach_task_self_) return KERN_INVALID_ARGUMENT;
  if (!address) return KERN_INVALID_ARGUMENT;
  if (size == 0) {
    *address = 0;
    return KERN_SUCCESS;
  }
  const std::size_t len = machemu::lib::page_round(size);
  if (len < size) return KERN_NO_SPACE;
  void* hint = nullptr;
  int mflags = MAP_PRIVATE | MAP_ANONYMOUS;
  if (!(flags & VM_FLAGS_ANYWHERE)) {
    hint = reinterpret_cast<void*>(*address);
    mflags |= MAP_FIXED_NOREPLACE;
  }
  void* p = mmap(hint, len, PROT_READ | PROT_WRITE, mflags, -1, 0);
  if (p == MAP_FAILED) return (flags & VM_FLAGS_ANYWHERE) ? KERN_RESOURCE_SHORTAGE : KERN_NO_SPACE;
  *address = reinterpret_cast<vm_address_t>(p);
  return KERN_SUCCESS;
}

extern "C" kern_return_t vm_deallocate(vm_map_t target, vm_address_t address, vm_size_t size) {
  if (target != mach_task_self_) return KERN_INVALID_ARGUMENT;
  if (size == 0) return KERN_SUCCESS;
  const auto page = static_cast<vm_address_t>(sysconf(_SC_PAGESIZE));
  const vm_address_t start = address & ~(page - 1);
  const vm_address_t end = (address + size + page - 1) & ~(page - 1);
  if (end < start) return KERN_INVALID_ARGUMENT;
  munmap(reinterpret_cast<void*>(start), end - start);
  return KERN_SUCCESS;
}

extern "C" kern_return_t mach_vm_allocate(vm_map_t target, mach_vm_address_t* address,
                                          mach_vm_size_t size, int flags) {
  vm_address_t a = static_cast<vm_address_t>(*address);
  const kern_return_t kr = vm_allocate(target, &a, static_cast<vm_size_t>(size), flags);
  if (kr == KERN_SUCCESS) *address = a;
  return kr;
}

extern "C" kern_return_t mach_vm_deallocate(vm_map_t target, mach_vm_address_t address,
                                            mach_vm_size_t size) {
  return vm_deallocate(target, static_cast<vm_address_t>(address), static_cast<vm_size_t>(size));
}
