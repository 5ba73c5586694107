/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Symbolizer: turns a parsed dump into frames with names, ready for the
 * printers. It owns the ELF cache and the kernel symbols for the whole
 * run, so a dump of many tasks opens each file once.
 */
#ifndef UCLI_RESOLVE_H
#define UCLI_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "unwind.h"

struct sym_opts {
	const char *symfs;	/* look files up under this directory */
	const char *debug_dir;	/* separate debug files; NULL: none */
	const char *kallsyms;	/* kernel symbols file */
	/*
	 * @kallsyms was chosen for these dumps. Otherwise it is the running
	 * kernel's, used only for dumps taken since this boot.
	 */
	bool kallsyms_given;
	size_t max_frames;	/* user frames per task */
	bool no_demangle;	/* names as the symbol tables hold them */
	bool no_srcline;	/* no source lines, no inlined frames */
};

struct rframe {
	uint64_t addr;
	const char *sym;	/* NULL: no symbol */
	uint64_t off;		/* addr - symbol start */
	const char *file;	/* NULL: address in no known mapping */
	enum uframe_method method;
	const char *src_file;	/* NULL: no source line known */
	unsigned int src_line;
	/*
	 * A function inlined into the frame that follows; it shares that
	 * frame's address and has no offset of its own.
	 */
	bool inlined;
};

struct rtask {
	const struct rec_task *rt;
	/* Why there is no user stack, or NULL when it was unwound. */
	const char *ustack_missing;
	struct rframe *uframes;
	size_t nr_u;
	char ustop[192];	/* why unwinding stopped early, or "" */
	struct rframe *kframes;
	size_t nr_k;
	struct rframe wchan;
	bool wchan_derived;	/* from the kernel stack, not the record */
};

struct rdump {
	const struct rec_dump *d;
	struct rtask *tasks;
	size_t nr_tasks;
};

struct symbolizer;

struct symbolizer *symbolizer__new(const struct sym_opts *o);
void symbolizer__free(struct symbolizer *s);
struct rdump *symbolizer__resolve(struct symbolizer *s, const struct rec_dump *d);
void rdump__free(struct rdump *rd);

#endif /* UCLI_RESOLVE_H */
