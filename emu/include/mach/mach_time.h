/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/mach_time.h> -- the monotonic clock in Mach time units. */
#ifndef MACHEMU_MACH_MACH_TIME_H
#define MACHEMU_MACH_MACH_TIME_H

#include <stdint.h>

#include <mach/kern_return.h>

struct mach_timebase_info {
    uint32_t numer;
    uint32_t denom;
};
typedef struct mach_timebase_info *mach_timebase_info_t;
typedef struct mach_timebase_info mach_timebase_info_data_t;

#ifdef __cplusplus
extern "C" {
#endif

/* Units of mach_absolute_time: here nanoseconds, so numer = denom = 1 (as on Intel Macs;
 * Apple silicon reports 125/3). Code that scales by the timebase is right on both. */
kern_return_t mach_timebase_info(mach_timebase_info_t info);
/* Monotonic time that does not advance while the machine sleeps (CLOCK_MONOTONIC). */
uint64_t mach_absolute_time(void);
/* Monotonic time that does advance during sleep (CLOCK_BOOTTIME). */
uint64_t mach_continuous_time(void);
uint64_t mach_approximate_time(void);

#ifdef __cplusplus
}
#endif

#endif /* MACHEMU_MACH_MACH_TIME_H */
