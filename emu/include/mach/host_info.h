/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/host_info.h> -- host_info() flavours and their structures. Only
 * HOST_BASIC_INFO is answered (see <mach/mach_host.h>). */
#ifndef MACHEMU_MACH_HOST_INFO_H
#define MACHEMU_MACH_HOST_INFO_H

#include <stdint.h>

#include <mach/machine.h>
#include <mach/message.h>

typedef integer_t *host_info_t;
typedef integer_t *host_info64_t;
typedef integer_t host_flavor_t;
#define HOST_INFO_MAX (1024)

#define HOST_BASIC_INFO     1
#define HOST_SCHED_INFO     3
#define HOST_RESOURCE_SIZES 4
#define HOST_PRIORITY_INFO  5

#pragma pack(push, 4)
struct host_basic_info {
    integer_t max_cpus;         /* CPUs the machine can have */
    integer_t avail_cpus;       /* CPUs online now */
    natural_t memory_size;      /* bytes of memory, capped at 2 GiB */
    cpu_type_t cpu_type;
    cpu_subtype_t cpu_subtype;
    cpu_threadtype_t cpu_threadtype;
    integer_t physical_cpu;     /* cores online */
    integer_t physical_cpu_max;
    integer_t logical_cpu;      /* hardware threads online */
    integer_t logical_cpu_max;
    uint64_t max_mem;           /* bytes of memory */
};
#pragma pack(pop)

typedef struct host_basic_info host_basic_info_data_t;
typedef struct host_basic_info *host_basic_info_t;
#define HOST_BASIC_INFO_COUNT \
    ((mach_msg_type_number_t)(sizeof(host_basic_info_data_t) / sizeof(integer_t)))

#endif /* MACHEMU_MACH_HOST_INFO_H */
