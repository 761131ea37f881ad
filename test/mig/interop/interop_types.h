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
typedef mach_port_t ip_pair_t[2];
typedef mach_port_t ip_made_t[4];
typedef mach_port_t *ip_poly_rights_t;
typedef int16_t ip_halves_t[16];
typedef int32_t ip_masks_t[8];
typedef mach_port_t ip_handlers_t[8];

/* whoareyou's receive option: the reply's trailer with the replier's audit token. */
#define IP_RCV_AUDIT (MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) | MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT))

#endif
