// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ring buffer of buffer/, built into the module. It lives there so
 * that the host unit tests compile the very same file.
 */
#include "varmon_ring.c"
