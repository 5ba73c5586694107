/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small streaming JSON writer in the style of bpftool's json_writer:
 * the caller opens objects and arrays, names members, and writes values;
 * the writer places commas and escapes strings. Each top-level value ends
 * with a newline, which makes the output JSON Lines.
 *
 * Strings are written as UTF-8. Bytes that are not valid UTF-8 become
 * U+FFFD, control characters are escaped, so any C string (a comm, a
 * command line, a path) yields valid JSON.
 */
#ifndef UCLI_JSONW_H
#define UCLI_JSONW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct jsonw;

struct jsonw *jsonw_new(FILE *f);
void jsonw_destroy(struct jsonw **w);

void jsonw_start_object(struct jsonw *w);
void jsonw_end_object(struct jsonw *w);
void jsonw_start_array(struct jsonw *w);
void jsonw_end_array(struct jsonw *w);

/* Member name inside an object; the next value belongs to it. */
void jsonw_name(struct jsonw *w, const char *name);

void jsonw_string(struct jsonw *w, const char *s);
void jsonw_string_len(struct jsonw *w, const char *s, size_t len);
void jsonw_uint(struct jsonw *w, uint64_t v);
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_hex(struct jsonw *w, uint64_t v);	/* "0x..." string */
void jsonw_bool(struct jsonw *w, int v);
void jsonw_null(struct jsonw *w);
/* A finite number with @decimals digits after the point. */
void jsonw_fixed(struct jsonw *w, double v, int decimals);

void jsonw_string_field(struct jsonw *w, const char *name, const char *s);
void jsonw_uint_field(struct jsonw *w, const char *name, uint64_t v);
void jsonw_int_field(struct jsonw *w, const char *name, int64_t v);
void jsonw_hex_field(struct jsonw *w, const char *name, uint64_t v);
void jsonw_bool_field(struct jsonw *w, const char *name, int v);

/* Nonzero if the caller nested or named incorrectly (a bug in ucli). */
int jsonw_misused(const struct jsonw *w);

#endif /* UCLI_JSONW_H */
