/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel symbols from /proc/kallsyms (or a saved copy), modules included.
 * Only text symbols are kept, since stacks hold code addresses; a symbol
 * is taken to extend to the next one.
 */
#ifndef UCLI_KALLSYMS_H
#define UCLI_KALLSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ksym {
	uint64_t addr;
	const char *name;
	const char *module;	/* NULL for the kernel image */
};

struct ksyms;

/* NULL on error, with -errno in *err. */
struct ksyms *ksyms__load(const char *path, int *err);
/* Parse the text of a kallsyms file; never fails, may hold no symbol. */
struct ksyms *ksyms__parse(const char *buf, size_t len);
void ksyms__free(struct ksyms *k);

/* The symbol holding @addr and the offset into it, or NULL. */
const struct ksym *ksyms__map_addr(const struct ksyms *k, uint64_t addr,
				   uint64_t *off);

size_t ksyms__count(const struct ksyms *k);
/*
 * Is @addr scheduler code (.sched.text), as the kernel's get_wchan()
 * skips? *known says whether the file names that section at all.
 */
bool ksyms__in_sched(const struct ksyms *k, uint64_t addr, bool *known);
/* All addresses read as zero: the reader lacks CAP_SYSLOG (kptr_restrict). */
bool ksyms__hidden(const struct ksyms *k);

#endif /* UCLI_KALLSYMS_H */
