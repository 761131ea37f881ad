// SPDX-License-Identifier: BSL-1.0
// Darwin's NDR record, which MIG puts after the header of every message with data:
// little-endian integers, ASCII characters, IEEE floats.
#include <mach/ndr.h>

extern "C" {
NDR_record_t NDR_record = {0, 0, 0, 0, NDR_INT_LITTLE_ENDIAN, NDR_CHAR_ASCII, NDR_FLOAT_IEEE, 0};
}
