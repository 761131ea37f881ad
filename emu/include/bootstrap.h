/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <bootstrap.h> -- the same declarations as <servers/bootstrap.h>. */
#ifndef MACHEMU_BOOTSTRAP_H
#define MACHEMU_BOOTSTRAP_H

#include <servers/bootstrap.h>

#endif /* MACHEMU_BOOTSTRAP_H */
