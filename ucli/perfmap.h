/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * perf map files: /tmp/perf-PID.map, where JIT compilers (Node's
 * --perf-basic-prof, Java agents, Python 3.12's -X perf) name the code
 * they generate in anonymous memory, one "START SIZE NAME" line (hex,
 * with or without 0x) per function. A range written again later names
 * the code now there: the last line covering an address wins.
 */
#ifndef UCLI_PERFMAP_H
#define UCLI_PERFMAP_H

#include <stddef.h>
#include <stdint.h>

struct perfmap;

/* Parse @len bytes of map text; lines that do not parse are skipped. */
struct perfmap *perfmap__parse(const char *buf, size_t len);
/* The map file at @path, or NULL when it cannot be read or names nothing. */
struct perfmap *perfmap__load(const char *path);
void perfmap__free(struct perfmap *m);

/* The name of the code at @addr and @addr's offset into it, or NULL. */
const char *perfmap__find(const struct perfmap *m, uint64_t addr,
			  uint64_t *off);

#endif /* UCLI_PERFMAP_H */
