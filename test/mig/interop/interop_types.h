/* The C types interop.defs names; MIG's stubs include this file (the .defs imports it). */
#ifndef MACHIO_TEST_MIG_INTEROP_TYPES_H
#define MACHIO_TEST_MIG_INTEROP_TYPES_H

#include <mach/mach.h>
#include <stdint.h>

typedef char ip_name_t[64];
typedef char ip_label_t[16];
typedef int32_t ip_words_t[16];
typedef uint16_t ip_triple_t[3];
typedef mach_port_t *ip_send_rights_t;

#endif
