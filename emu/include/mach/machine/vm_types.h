/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/machine/vm_types.h> -- the machine-sized integer types of Mach (LP64). */
#ifndef MACHEMU_MACH_MACHINE_VM_TYPES_H
#define MACHEMU_MACH_MACHINE_VM_TYPES_H

#include <stdint.h>

/* natural_t is 32 bits even on LP64: port names and message sizes are natural_t. */
typedef unsigned int natural_t;
typedef int integer_t;

/* Sizes of the caller's own address space: pointer-sized. */
typedef uintptr_t vm_offset_t;
typedef uintptr_t vm_size_t;

/* mach_vm_* and vm_map_* are 64 bits whatever the caller's pointer size. */
typedef uint64_t mach_vm_address_t;
typedef uint64_t mach_vm_offset_t;
typedef uint64_t mach_vm_size_t;
typedef uint64_t vm_map_offset_t;
typedef uint64_t vm_map_address_t;
typedef uint64_t vm_map_size_t;

typedef uint32_t vm32_offset_t;
typedef uint32_t vm32_address_t;
typedef uint32_t vm32_size_t;

/* 64 bits on both LP64 targets (arm64 spells it vm_offset_t, x86_64 mach_vm_address_t). */
typedef mach_vm_address_t mach_port_context_t;

#endif /* MACHEMU_MACH_MACHINE_VM_TYPES_H */
