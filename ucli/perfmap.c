// SPDX-License-Identifier: GPL-2.0-only
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "perfmap.h"
#include "util.h"

/* Bigger files are not perf maps anyone would want read whole. */
#define PERFMAP_MAX_BYTES (256u << 20)
/* How many entries before a match may still cover it (nested ranges). */
#define PERFMAP_LOOKBACK 16

struct pm_entry {
	uint64_t start, size;
	size_t line;		/* later lines win */
	char *name;
};

struct perfmap {
	struct pm_entry *e;
	size_t nr;
};

static bool parse_hex(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int digits = 0;

	if (end - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; s < end; s++, digits++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (digits >= 16)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	if (!digits)
		return false;
	*p = s;
	*out = v;
	return true;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct pm_entry *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* One "START SIZE NAME" line (without its newline) into @e. */
static bool parse_line(const char *s, const char *end, struct pm_entry *e)
{
	const char *name;

	if (!parse_hex(&s, end, &e->start) || s == end || *s != ' ')
		return false;
	s++;
	if (!parse_hex(&s, end, &e->size) || s == end || *s != ' ' || !e->size ||
	    e->start + e->size < e->start)
		return false;
	name = s + 1;
	while (end > name && (end[-1] == '\r' || end[-1] == ' '))
		end--;
	if (end == name || memchr(name, '\0', (size_t)(end - name)))
		return false;
	e->name = xmalloc((size_t)(end - name) + 1);
	memcpy(e->name, name, (size_t)(end - name));
	e->name[end - name] = '\0';
	return true;
}

struct perfmap *perfmap__parse(const char *buf, size_t len)
{
	struct perfmap *m = xcalloc(1, sizeof(*m));
	const char *p = buf, *end = buf + len;
	size_t cap = 0, line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		struct pm_entry e = { .line = line++ };

		if (parse_line(p, le, &e)) {
			m->e = grow_array(m->e, &cap, m->nr + 1, sizeof(*m->e));
			m->e[m->nr++] = e;
		}
		p = nl ? nl + 1 : end;
	}
	if (!m->nr) {
		perfmap__free(m);
		return NULL;
	}
	qsort(m->e, m->nr, sizeof(*m->e), cmp_entry);
	return m;
}

struct perfmap *perfmap__load(const char *path)
{
	struct perfmap *m;
	char *buf;
	size_t len;

	if (read_file_all(path, &buf, &len))
		return NULL;
	m = len <= PERFMAP_MAX_BYTES ? perfmap__parse(buf, len) : NULL;
	free(buf);
	return m;
}

void perfmap__free(struct perfmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nr; i++)
		free(m->e[i].name);
	free(m->e);
	free(m);
}

const char *perfmap__find(const struct perfmap *m, uint64_t addr, uint64_t *off)
{
	const struct pm_entry *best = NULL;
	size_t lo = 0, hi;

	if (!m)
		return NULL;
	hi = m->nr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->e[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo, n = 0; i > 0 && n < PERFMAP_LOOKBACK; i--, n++) {
		const struct pm_entry *e = &m->e[i - 1];

		if (addr - e->start < e->size && (!best || e->line > best->line))
			best = e;
	}
	if (!best)
		return NULL;
	*off = addr - best->start;
	return best->name;
}
