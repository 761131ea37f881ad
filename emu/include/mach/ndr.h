/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/ndr.h> -- the data-representation record MIG puts after the header. */
#ifndef MACHEMU_MACH_NDR_H
#define MACHEMU_MACH_NDR_H

#include <stdint.h>

typedef struct {
    unsigned char mig_vers;
    unsigned char if_vers;
    unsigned char reserved1;
    unsigned char mig_encoding;
    unsigned char int_rep;
    unsigned char char_rep;
    unsigned char float_rep;
    unsigned char reserved2;
} NDR_record_t;

#define NDR_PROTOCOL_2_0      0
#define NDR_INT_BIG_ENDIAN    0
#define NDR_INT_LITTLE_ENDIAN 1
#define NDR_FLOAT_IEEE        0
#define NDR_FLOAT_VAX         1
#define NDR_FLOAT_CRAY        2
#define NDR_FLOAT_IBM         3
#define NDR_CHAR_ASCII        0
#define NDR_CHAR_EBCDIC       1

/* Every Darwin target is little-endian ASCII/IEEE, so conversion never happens. */
#ifndef __NDR_convert__
#define __NDR_convert__ 0
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* This machine's record: {0, 0, 0, NDR_PROTOCOL_2_0, NDR_INT_LITTLE_ENDIAN,
 * NDR_CHAR_ASCII, NDR_FLOAT_IEEE, 0}; defined by the library. */
extern NDR_record_t NDR_record;

#ifdef __cplusplus
}
#endif

#endif /* MACHEMU_MACH_NDR_H */
