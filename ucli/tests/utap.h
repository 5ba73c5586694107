/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimal TAP output for ucli's unit tests, as kselftest prints it: a
 * plan, "ok N name" / "not ok N name", "# " diagnostics before a failure.
 */
#ifndef UCLI_UTAP_H
#define UCLI_UTAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int utap_n, utap_failed;

static inline void utap_plan(int n)
{
	printf("TAP version 13\n1..%d\n", n);
	fflush(stdout);
}

/* Report one test; @cond true means it passed. Returns @cond. */
static inline bool utap_ok(bool cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline bool utap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	utap_n++;
	if (!cond)
		utap_failed++;
	printf("%sok %d ", cond ? "" : "not ", utap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

/* A diagnostic line, printed before the result it explains. */
static inline void utap_diag(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static inline void utap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static inline int utap_exit(void)
{
	printf("# %d passed, %d failed\n", utap_n - utap_failed, utap_failed);
	return utap_failed ? 1 : 0;
}

#endif /* UCLI_UTAP_H */
