// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include "kallsyms.h"
#include "util.h"

/* How far past the last symbol of the kernel or of a module we still name. */
#define KSYM_TAIL_MAX 0x10000

struct ksyms {
	char *text;		/* the file, split in place */
	struct ksym *syms;
	size_t nr, cap;
	bool hidden;
	uint64_t sched_start;	/* __sched_text_start, 0 when absent */
	uint64_t sched_end;	/* __sched_text_end */
};

static bool is_text_type(char t)
{
	return t == 't' || t == 'T' || t == 'w' || t == 'W';
}

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Next whitespace-separated field of a line, NUL-terminated in place. */
static char *field(char **p, char *end)
{
	char *s = *p, *start;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == end)
		return NULL;
	start = s;
	while (s < end && *s != ' ' && *s != '\t')
		s++;
	if (s < end)
		*s++ = '\0';
	*p = s;
	return start;
}

struct ksyms *ksyms__parse(const char *buf, size_t len)
{
	struct ksyms *k = xcalloc(1, sizeof(*k));
	bool any_nonzero = false, any = false;
	char *p, *end;

	k->text = xmalloc(len + 1);
	memcpy(k->text, buf, len);
	k->text[len] = '\0';
	p = k->text;
	end = k->text + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *line_end = nl ? nl : end;
		char *addr_s, *type_s, *name, *mod, *q = p;
		uint64_t addr;

		*line_end = '\0';
		p = line_end + (nl ? 1 : 0);
		addr_s = field(&q, line_end);
		type_s = field(&q, line_end);
		name = field(&q, line_end);
		mod = field(&q, line_end);
		if (!addr_s || !type_s || !name || type_s[1] != '\0' ||
		    parse_u64(addr_s, 16, &addr))
			continue;
		any = true;
		if (addr)
			any_nonzero = true;
		if (!is_text_type(type_s[0]) || !addr)
			continue;
		if (!mod && !strcmp(name, "__sched_text_start"))
			k->sched_start = addr;
		else if (!mod && !strcmp(name, "__sched_text_end"))
			k->sched_end = addr;
		if (mod) {
			size_t ml = strlen(mod);

			if (ml < 3 || mod[0] != '[' || mod[ml - 1] != ']')
				continue;
			mod[ml - 1] = '\0';
			mod++;
		}
		k->syms = grow_array(k->syms, &k->cap, k->nr + 1, sizeof(*k->syms));
		k->syms[k->nr].addr = addr;
		k->syms[k->nr].name = name;
		k->syms[k->nr].module = mod;
		k->nr++;
	}
	k->hidden = any && !any_nonzero;
	if (k->nr)
		qsort(k->syms, k->nr, sizeof(*k->syms), cmp_ksym);
	return k;
}

bool ksyms__in_sched(const struct ksyms *k, uint64_t addr, bool *known)
{
	*known = k->sched_start && k->sched_end > k->sched_start;
	return *known && addr >= k->sched_start && addr < k->sched_end;
}

struct ksyms *ksyms__load(const char *path, int *err)
{
	struct ksyms *k;
	size_t len;
	char *buf;
	int ret;

	ret = read_file_all(path, &buf, &len);
	if (ret) {
		*err = ret;
		return NULL;
	}
	k = ksyms__parse(buf, len);
	free(buf);
	return k;
}

void ksyms__free(struct ksyms *k)
{
	if (!k)
		return;
	free(k->syms);
	free(k->text);
	free(k);
}

static bool same_module(const struct ksym *a, const struct ksym *b)
{
	if (!a->module || !b->module)
		return a->module == b->module;
	return strcmp(a->module, b->module) == 0;
}

const struct ksym *ksyms__map_addr(const struct ksyms *k, uint64_t addr,
				   uint64_t *off)
{
	size_t lo = 0, hi;
	const struct ksym *s, *next;

	if (!k || !k->nr || !addr)
		return NULL;
	hi = k->nr;
	/* Last symbol with sym.addr <= addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	s = &k->syms[lo - 1];
	/* Aliases share an address; the sort put the first name first. */
	while (s > k->syms && s[-1].addr == s->addr)
		s--;
	/* Inside a module or the kernel, a symbol ends where the next starts. */
	next = lo < k->nr ? &k->syms[lo] : NULL;
	if ((!next || !same_module(s, next)) && addr - s->addr >= KSYM_TAIL_MAX)
		return NULL;
	*off = addr - s->addr;
	return s;
}

size_t ksyms__count(const struct ksyms *k)
{
	return k ? k->nr : 0;
}

bool ksyms__hidden(const struct ksyms *k)
{
	return k && k->hidden;
}
