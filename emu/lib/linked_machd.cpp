// SPDX-License-Identifier: BSL-1.0
// Compiled into each executable linked against machio::emu in its build tree (never into
// a library, never installed): the machd built beside it, so that a program run from the
// build tree starts that daemon (emu/lib/machd_client.cpp, machd_candidates). Weak: a
// program made of several such pieces keeps one.
extern "C" __attribute__((weak)) const char machemu_linked_machd[] = MACHEMU_LINKED_MACHD;
