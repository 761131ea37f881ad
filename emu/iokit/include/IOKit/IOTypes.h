/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu's IOKit: the object types of IOKit's user API. Every io_object_t is a Mach
 * send right, and a reference to the object is a user reference of that right. */
#ifndef MACHEMU_IOKIT_IOTYPES_H
#define MACHEMU_IOKIT_IOTYPES_H

#include <IOKit/IOReturn.h>
#include <mach/mach_types.h>
#include <mach/port.h>
#include <stdint.h>

typedef mach_port_t io_object_t;
typedef io_object_t io_iterator_t;
typedef io_object_t io_service_t;
typedef io_object_t io_registry_entry_t;
typedef io_object_t io_connect_t;
typedef io_object_t io_enumerator_t;

#define IO_OBJECT_NULL ((io_object_t)0)

typedef uint64_t io_user_reference_t;
typedef char io_name_t[128];
typedef char io_string_t[512];
typedef uint32_t IOOptionBits;

#endif
