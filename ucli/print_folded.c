// SPDX-License-Identifier: GPL-2.0-only
/*
 * Folded stacks for flame graph tools: "comm;outermost;...;innermost 1",
 * one line per task, user frames first, then kernel frames marked "_[k]"
 * as perf's stackcollapse does.
 */
#include <inttypes.h>
#include <string.h>

#include "print.h"
#include "util.h"

/* Frame names must not hold the separators ';', ' ' or a newline. */
static void put_name(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		fputc(c <= 0x20 || c >= 0x7f || c == ';' ? '_' : c, f);
	}
}

static void put_frame(FILE *f, const struct rframe *fr, const char *suffix)
{
	fputc(';', f);
	if (fr->sym) {
		put_name(f, fr->sym, strlen(fr->sym));
	} else if (fr->file) {
		const char *base = strrchr(fr->file, '/');

		base = base ? base + 1 : fr->file;
		fputc('[', f);
		put_name(f, base, strlen(base));
		fputc(']', f);
	} else {
		fputs("[unknown]", f);
	}
	fputs(suffix, f);
}

static void folded_dump(FILE *f, const struct rdump *rd)
{
	for (size_t i = 0; i < rd->nr_tasks; i++) {
		const struct rtask *rt = &rd->tasks[i];
		const char *comm = rt->rt->t->comm;

		if (comm[0])
			put_name(f, comm, bounded_strlen(comm, 16));
		else
			fputs("[unknown]", f);
		for (size_t j = rt->nr_u; j > 0; j--)
			put_frame(f, &rt->uframes[j - 1], "");
		for (size_t j = rt->nr_k; j > 0; j--)
			put_frame(f, &rt->kframes[j - 1], "_[k]");
		fputs(" 1\n", f);
	}
}

static void folded_lost(FILE *f, const struct rec_lost *l)
{
	/* The format has no comments: say it on stderr. */
	(void)f;
	msg_warn("%" PRIu64 " dumps dropped because the buffer was full", l->dumps);
}

const struct printer printer_folded = {
	.name = "folded",
	.dump = folded_dump,
	.lost = folded_lost,
};
