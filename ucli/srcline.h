/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Source lines and inlined functions from DWARF (libdw), as `eu-stack -i
 * -s` and `addr2line -f -i` find them: the line table gives the innermost
 * location, the scopes around the address give each inlined call and the
 * line it was called from. Lookups are cached per file and address, since
 * a dump's threads share most of their frames.
 */
#ifndef UCLI_SRCLINE_H
#define UCLI_SRCLINE_H

#include <elfutils/libdw.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct src_loc {
	/* Linkage (mangled) name, else the plain name; NULL if none. */
	const char *func;
	const char *file;	/* NULL: no line information */
	unsigned int line;
	bool inlined;		/* an inlined call; the last entry is not */
};

struct src_frames {
	struct src_loc *locs;	/* innermost first */
	size_t nr;
};

struct srcmap;

struct srcmap *srcmap__new(void);
void srcmap__free(struct srcmap *m);

/*
 * What @dw says about link-time address @vaddr: each inlined call that
 * covers it, innermost first, then the function that holds them, each
 * with its source location. NULL when @dw has nothing for @vaddr. The
 * result lives as long as @m; @dw must too.
 */
const struct src_frames *srcmap__lookup(struct srcmap *m, Dwarf *dw,
					uint64_t vaddr);

#endif /* UCLI_SRCLINE_H */
