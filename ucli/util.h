/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small helpers shared by every part of ucli: messages, number parsing,
 * allocation that never returns NULL, and reading whole files.
 */
#ifndef UCLI_UTIL_H
#define UCLI_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Messages go to stderr as "ucli: ...", or, once msg_json_mode(true) was
 * called, to stdout as one JSON object per line so that a JSON Lines
 * consumer sees them in order with the dumps.
 */
void msg_json_mode(bool on);
/* Drop warnings (errors still print): --quiet. */
void msg_quiet(bool on);
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* strtoull/strtoll with errno and end pointer checks; 0 or -EINVAL/-ERANGE. */
int parse_u64(const char *s, int base, uint64_t *out);
int parse_s64(const char *s, int base, int64_t *out);

/* Allocation failure is not recoverable in a CLI: print and exit. */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *cap geometrically so that at least @need elements fit. */
void *grow_array(void *p, size_t *cap, size_t need, size_t elem);

/*
 * Read a whole file into a NUL-terminated buffer allocated
 * with malloc; *len excludes the NUL. Returns 0 or -errno.
 */
int read_file_all(const char *path, char **data, size_t *len);

/* write() until done, retrying on EINTR. Returns 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);

/* Length of a fixed-size, possibly unterminated, char array. */
size_t bounded_strlen(const char *s, size_t max);

/*
 * Print @len bytes of @s for a text report: printable ASCII as is, other
 * bytes as \xNN, so that a comm or a command line can never forge a line
 * of the report.
 */
void fput_sanitized(FILE *f, const char *s, size_t len);

#endif /* UCLI_UTIL_H */
