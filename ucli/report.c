// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <stdlib.h>

#include "record.h"
#include "report.h"
#include "util.h"

struct report {
	const struct printer *pr;
	FILE *out;
	struct symbolizer *sym;
	struct rec_parser *parser;
	uint64_t dumps;
};

static void on_dump(void *ctx, const struct rec_dump *d)
{
	struct report *r = ctx;
	struct rdump *rd = symbolizer__resolve(r->sym, d);

	r->pr->dump(r->out, rd);
	fflush(r->out);
	rdump__free(rd);
	r->dumps++;
}

static void on_lost(void *ctx, const struct rec_lost *l)
{
	struct report *r = ctx;

	r->pr->lost(r->out, l);
	fflush(r->out);
}

static void on_diag(void *ctx, uint64_t offset, const char *msg)
{
	(void)ctx;
	msg_warn("record at byte %" PRIu64 ": %s", offset, msg);
}

static const struct rec_parser_ops report_ops = {
	.dump = on_dump,
	.lost = on_lost,
	.diag = on_diag,
};

struct report *report__new(const struct printer *pr, FILE *out,
			   const struct sym_opts *so)
{
	struct report *r = xcalloc(1, sizeof(*r));

	r->pr = pr;
	r->out = out;
	r->sym = symbolizer__new(so);
	r->parser = rec_parser__new(&report_ops, r);
	msg_json_mode(pr->json_messages);
	return r;
}

void report__free(struct report *r)
{
	if (!r)
		return;
	rec_parser__free(r->parser);
	symbolizer__free(r->sym);
	free(r);
}

void report__feed(struct report *r, const void *buf, size_t len)
{
	rec_parser__feed(r->parser, buf, len);
}

void report__flush(struct report *r)
{
	rec_parser__flush(r->parser);
}

int report__pending(const struct report *r)
{
	return rec_parser__pending(r->parser);
}

void report__finish(struct report *r)
{
	rec_parser__finish(r->parser);
}

uint64_t report__dumps(const struct report *r)
{
	return r->dumps;
}

uint64_t report__errors(const struct report *r)
{
	return rec_parser__errors(r->parser);
}
