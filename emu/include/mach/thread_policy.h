/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/thread_policy.h> -- scheduling policy flavours and their structures, as
 * the SDK's. thread_policy_set() checks and accepts them; Linux's scheduler is not told
 * (doc/emu-divergences.md). */
#ifndef MACHEMU_MACH_THREAD_POLICY_H
#define MACHEMU_MACH_THREAD_POLICY_H

#include <stdint.h>

#include <mach/boolean.h>
#include <mach/machine/vm_types.h>
#include <mach/message.h>

typedef natural_t thread_policy_flavor_t;
typedef integer_t *thread_policy_t;

#define THREAD_STANDARD_POLICY 1
#define THREAD_STANDARD_POLICY_COUNT 0
struct thread_standard_policy {
    natural_t no_data;
};
typedef struct thread_standard_policy thread_standard_policy_data_t;
typedef struct thread_standard_policy *thread_standard_policy_t;

#define THREAD_EXTENDED_POLICY 1
struct thread_extended_policy {
    boolean_t timeshare;
};
typedef struct thread_extended_policy thread_extended_policy_data_t;
typedef struct thread_extended_policy *thread_extended_policy_t;
#define THREAD_EXTENDED_POLICY_COUNT \
    ((mach_msg_type_number_t)(sizeof(thread_extended_policy_data_t) / sizeof(integer_t)))

#define THREAD_TIME_CONSTRAINT_POLICY 2
struct thread_time_constraint_policy {
    uint32_t period;
    uint32_t computation;
    uint32_t constraint;
    boolean_t preemptible;
};
typedef struct thread_time_constraint_policy thread_time_constraint_policy_data_t;
typedef struct thread_time_constraint_policy *thread_time_constraint_policy_t;
#define THREAD_TIME_CONSTRAINT_POLICY_COUNT \
    ((mach_msg_type_number_t)(sizeof(thread_time_constraint_policy_data_t) / sizeof(integer_t)))

#define THREAD_PRECEDENCE_POLICY 3
struct thread_precedence_policy {
    integer_t importance;
};
typedef struct thread_precedence_policy thread_precedence_policy_data_t;
typedef struct thread_precedence_policy *thread_precedence_policy_t;
#define THREAD_PRECEDENCE_POLICY_COUNT \
    ((mach_msg_type_number_t)(sizeof(thread_precedence_policy_data_t) / sizeof(integer_t)))

#define THREAD_AFFINITY_POLICY 4
struct thread_affinity_policy {
    integer_t affinity_tag;
};
#define THREAD_AFFINITY_TAG_NULL 0
typedef struct thread_affinity_policy thread_affinity_policy_data_t;
typedef struct thread_affinity_policy *thread_affinity_policy_t;
#define THREAD_AFFINITY_POLICY_COUNT \
    ((mach_msg_type_number_t)(sizeof(thread_affinity_policy_data_t) / sizeof(integer_t)))

#define THREAD_BACKGROUND_POLICY 5
struct thread_background_policy {
    integer_t priority;
};
#define THREAD_BACKGROUND_POLICY_DARWIN_BG 0x1000
typedef struct thread_background_policy thread_background_policy_data_t;
typedef struct thread_background_policy *thread_background_policy_t;
#define THREAD_BACKGROUND_POLICY_COUNT \
    ((mach_msg_type_number_t)(sizeof(thread_background_policy_data_t) / sizeof(integer_t)))

#endif /* MACHEMU_MACH_THREAD_POLICY_H */
