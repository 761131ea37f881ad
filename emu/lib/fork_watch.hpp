// SPDX-License-Identifier: BSL-1.0
// Noticing, for the price of a memory load, that this process is the child of a fork.
//
// A forked child is a new task: it must not speak on its parent's connections to machd or
// use its parent's kqueues. Comparing getpid() on every call would notice, but getpid is a
// real system call and Mach calls are made per message. Instead the process carries a
// generation that changes in every forked child: a pthread_atfork child handler bumps it
// for fork(), and a flag in a page the kernel zeroes in every child (MADV_WIPEONFORK)
// catches the forks that run no handlers (_Fork, a raw fork or clone system call) at the
// first check in the child. State stamped with the generation it was made in is the
// parent's when the stamps differ.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace machemu::lib::fork_watch {

// Starts watching (once; later calls do nothing). `on_child` runs in every forked child
// before its generation is handed out, while the child is still single-threaded (after a
// fork that ran no handlers: at the child's first check, which then must not race with
// threads the child started before it).
void start(void (*on_child)());

// The generation of this process: stable within one process, different in a forked child
// from every value the parent ever had. Cheap: a load or two.
std::uint64_t generation() noexcept;

// getpid(), without the system call once start() has run (cached, refreshed in a child).
pid_t pid() noexcept;

}  // namespace machemu::lib::fork_watch
