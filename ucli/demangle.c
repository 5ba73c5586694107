// SPDX-License-Identifier: GPL-2.0-only
#include <libiberty/demangle.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
/* libiberty's ansidecl.h has its own. */
#undef ARRAY_SIZE
#include "util.h"

/* Open addressing on the symbol's address; a power-of-two table. */
struct dm_slot {
	const char *sym;
	char *name;		/* NULL: not mangled, print sym */
};

struct demangler {
	struct dm_slot *slots;
	size_t cap, used;
};

struct demangler *demangler__new(void)
{
	struct demangler *d = xcalloc(1, sizeof(*d));

	d->cap = 256;
	d->slots = xcalloc(d->cap, sizeof(*d->slots));
	return d;
}

void demangler__free(struct demangler *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->cap; i++)
		free(d->slots[i].name);
	free(d->slots);
	free(d);
}

static size_t slot_of(const struct demangler *d, const char *sym)
{
	uint64_t h = (uint64_t)(uintptr_t)sym * 0x9e3779b97f4a7c15ULL;
	size_t i = (size_t)(h >> 32) & (d->cap - 1);

	while (d->slots[i].sym && d->slots[i].sym != sym)
		i = (i + 1) & (d->cap - 1);
	return i;
}

static void grow(struct demangler *d)
{
	struct dm_slot *old = d->slots;
	size_t ocap = d->cap;

	d->cap *= 2;
	d->slots = xcalloc(d->cap, sizeof(*d->slots));
	for (size_t i = 0; i < ocap; i++)
		if (old[i].sym)
			d->slots[slot_of(d, old[i].sym)] = old[i];
	free(old);
}

/* Only these prefixes are mangled names; anything else stays as it is. */
static bool looks_mangled(const char *sym)
{
	return !strncmp(sym, "_Z", 2) || !strncmp(sym, "_R", 2);
}

const char *demangler__name(struct demangler *d, const char *sym)
{
	struct dm_slot *s;

	if (!looks_mangled(sym))
		return sym;
	s = &d->slots[slot_of(d, sym)];
	if (!s->sym) {
		if (2 * (d->used + 1) > d->cap) {
			grow(d);
			s = &d->slots[slot_of(d, sym)];
		}
		s->sym = sym;
		/* DMGL_AUTO: the Itanium demangler, or Rust's for its hashes and v0. */
		s->name = cplus_demangle(sym, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
		d->used++;
	}
	return s->name ? s->name : sym;
}
