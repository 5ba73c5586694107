/* SPDX-License-Identifier: GPL-2.0-only */
/* Parsers of /proc/PID/stat and /proc/PID/maps text. */
#ifndef UCLI_PROCFS_H
#define UCLI_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Field 22 (starttime, clock ticks since boot) of a stat line: 0 or -EINVAL. */
int procfs__parse_starttime(const char *stat, size_t len, uint64_t *ticks);

struct proc_map {
	uint64_t start, end, pgoff;
	bool r, w, x;
	const char *path;	/* NULL for anonymous mappings */
};

/*
 * Split a maps file in place; @text[@len] must be writable (the NUL that
 * read_file_all() leaves). Returns the number of mappings stored in
 * *maps (malloc'ed; paths point into @text). Malformed lines are skipped.
 */
size_t procfs__parse_maps(char *text, size_t len, struct proc_map **maps);

#endif /* UCLI_PROCFS_H */
