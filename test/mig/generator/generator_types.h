/* SPDX-License-Identifier: BSL-1.0 */
/* The C types every_kind.defs names beyond <mach/std_types.h>. */
#ifndef MACHIO_TEST_MIG_GENERATOR_TYPES_H
#define MACHIO_TEST_MIG_GENERATOR_TYPES_H

#include <stdint.h>

typedef struct {
  int32_t x, y;
} ek_point;
typedef int32_t ek_counted;

#endif
