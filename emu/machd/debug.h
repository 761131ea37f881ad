/* SPDX-License-Identifier: BSL-1.0 */
/* machd's debug request, for tests and benchmarks. Not part of the Darwin API. */
#ifndef MACHEMU_MACHD_DEBUG_H
#define MACHEMU_MACHD_DEBUG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct machemu_machd_counts {
  uint64_t tasks;        /* live tasks (processes that exited are reaped first) */
  uint64_t ports;        /* live ports in the daemon's kernel core */
  uint64_t connections;  /* open client connections (one per client thread) */
  uint64_t pid;          /* the daemon's process id */
};

/* Fills `out` from the caller's machd. Returns 0, or -1 when machd cannot be reached or
 * the process runs with MACHEMU_MODE=inprocess. */
int machemu_machd_get_counts(struct machemu_machd_counts* out);

#ifdef __cplusplus
}
#endif

#endif
