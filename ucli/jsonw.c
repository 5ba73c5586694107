// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "util.h"

#define JSONW_MAX_DEPTH 32

/*
 * One frame per open container: whether a value was already written (so
 * the next needs a comma) and, for objects, whether a name is pending.
 */
struct jsonw {
	FILE *f;
	int depth;
	bool misused;
	struct {
		bool is_object;
		bool has_value;
		bool name_pending;
	} stack[JSONW_MAX_DEPTH];
};

struct jsonw *jsonw_new(FILE *f)
{
	struct jsonw *w = xcalloc(1, sizeof(*w));

	w->f = f;
	return w;
}

void jsonw_destroy(struct jsonw **w)
{
	free(*w);
	*w = NULL;
}

int jsonw_misused(const struct jsonw *w)
{
	return w->misused;
}

/* Called before any value: comma, or check that an object member was named. */
static void before_value(struct jsonw *w)
{
	if (w->depth == 0)
		return;
	if (w->stack[w->depth - 1].is_object) {
		if (!w->stack[w->depth - 1].name_pending)
			w->misused = true;
		w->stack[w->depth - 1].name_pending = false;
		return;
	}
	if (w->stack[w->depth - 1].has_value)
		fputc(',', w->f);
	w->stack[w->depth - 1].has_value = true;
}

static void after_value(struct jsonw *w)
{
	if (w->depth == 0)
		fputc('\n', w->f);
}

static void push(struct jsonw *w, bool is_object, char c)
{
	before_value(w);
	fputc(c, w->f);
	if (w->depth == JSONW_MAX_DEPTH) {
		w->misused = true;
		return;
	}
	w->stack[w->depth].is_object = is_object;
	w->stack[w->depth].has_value = false;
	w->stack[w->depth].name_pending = false;
	w->depth++;
}

static void pop(struct jsonw *w, bool is_object, char c)
{
	if (w->depth == 0 || w->stack[w->depth - 1].is_object != is_object ||
	    w->stack[w->depth - 1].name_pending)
		w->misused = true;
	if (w->depth)
		w->depth--;
	fputc(c, w->f);
	after_value(w);
}

void jsonw_start_object(struct jsonw *w)
{
	push(w, true, '{');
}

void jsonw_end_object(struct jsonw *w)
{
	pop(w, true, '}');
}

void jsonw_start_array(struct jsonw *w)
{
	push(w, false, '[');
}

void jsonw_end_array(struct jsonw *w)
{
	pop(w, false, ']');
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and code points past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static void write_escaped(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	fputc('"', f);
	while (i < len) {
		unsigned char c = s[i];
		size_t n;

		switch (c) {
		case '"':
			fputs("\\\"", f);
			i++;
			continue;
		case '\\':
			fputs("\\\\", f);
			i++;
			continue;
		case '\n':
			fputs("\\n", f);
			i++;
			continue;
		case '\r':
			fputs("\\r", f);
			i++;
			continue;
		case '\t':
			fputs("\\t", f);
			i++;
			continue;
		case '\b':
			fputs("\\b", f);
			i++;
			continue;
		case '\f':
			fputs("\\f", f);
			i++;
			continue;
		default:
			break;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			i++;
			continue;
		}
		n = utf8_seq_len(s + i, len - i);
		if (n == 0) {
			fputs("\\ufffd", f);
			i++;
			continue;
		}
		fwrite(s + i, 1, n, f);
		i += n;
	}
	fputc('"', f);
}

void jsonw_name(struct jsonw *w, const char *name)
{
	if (w->depth == 0 || !w->stack[w->depth - 1].is_object ||
	    w->stack[w->depth - 1].name_pending) {
		w->misused = true;
		return;
	}
	if (w->stack[w->depth - 1].has_value)
		fputc(',', w->f);
	w->stack[w->depth - 1].has_value = true;
	w->stack[w->depth - 1].name_pending = true;
	write_escaped(w->f, name, strlen(name));
	fputc(':', w->f);
}

void jsonw_string_len(struct jsonw *w, const char *s, size_t len)
{
	before_value(w);
	write_escaped(w->f, s, len);
	after_value(w);
}

void jsonw_string(struct jsonw *w, const char *s)
{
	jsonw_string_len(w, s, strlen(s));
}

void jsonw_uint(struct jsonw *w, uint64_t v)
{
	before_value(w);
	fprintf(w->f, "%" PRIu64, v);
	after_value(w);
}

void jsonw_int(struct jsonw *w, int64_t v)
{
	before_value(w);
	fprintf(w->f, "%" PRId64, v);
	after_value(w);
}

void jsonw_hex(struct jsonw *w, uint64_t v)
{
	before_value(w);
	fprintf(w->f, "\"0x%" PRIx64 "\"", v);
	after_value(w);
}

void jsonw_bool(struct jsonw *w, int v)
{
	before_value(w);
	fputs(v ? "true" : "false", w->f);
	after_value(w);
}

void jsonw_null(struct jsonw *w)
{
	before_value(w);
	fputs("null", w->f);
	after_value(w);
}

void jsonw_fixed(struct jsonw *w, double v, int decimals)
{
	/* JSON has no NaN or infinity. */
	if (!isfinite(v)) {
		jsonw_null(w);
		return;
	}
	before_value(w);
	fprintf(w->f, "%.*f", decimals, v);
	after_value(w);
}

void jsonw_string_field(struct jsonw *w, const char *name, const char *s)
{
	jsonw_name(w, name);
	jsonw_string(w, s);
}

void jsonw_uint_field(struct jsonw *w, const char *name, uint64_t v)
{
	jsonw_name(w, name);
	jsonw_uint(w, v);
}

void jsonw_int_field(struct jsonw *w, const char *name, int64_t v)
{
	jsonw_name(w, name);
	jsonw_int(w, v);
}

void jsonw_hex_field(struct jsonw *w, const char *name, uint64_t v)
{
	jsonw_name(w, name);
	jsonw_hex(w, v);
}

void jsonw_bool_field(struct jsonw *w, const char *name, int v)
{
	jsonw_name(w, name);
	jsonw_bool(w, v);
}
