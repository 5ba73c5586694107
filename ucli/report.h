/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The report pipeline: bytes of records in, printed dumps out. Shared by
 * every subcommand that prints dumps, whether the bytes come from the
 * device or from a file.
 */
#ifndef UCLI_REPORT_H
#define UCLI_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "print.h"
#include "resolve.h"

struct report;

struct report *report__new(const struct printer *pr, FILE *out,
			   const struct sym_opts *so);
void report__free(struct report *r);

void report__feed(struct report *r, const void *buf, size_t len);
/* Print the dump still being assembled (the stream may go on). */
void report__flush(struct report *r);
int report__pending(const struct report *r);
/* End of input. */
void report__finish(struct report *r);

uint64_t report__dumps(const struct report *r);
uint64_t report__errors(const struct report *r);

#endif /* UCLI_REPORT_H */
