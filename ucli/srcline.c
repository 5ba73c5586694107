// SPDX-License-Identifier: GPL-2.0-only
#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

#include "srcline.h"
#include "util.h"

/* Inlining deeper than this is cut at the outermost levels kept. */
#define SRC_MAX_DEPTH 64

struct src_slot {
	Dwarf *dw;		/* NULL: empty slot */
	uint64_t vaddr;
	struct src_frames *fr;	/* NULL: nothing found */
};

struct srcmap {
	struct src_slot *slots;
	size_t cap, used;
};

struct srcmap *srcmap__new(void)
{
	struct srcmap *m = xcalloc(1, sizeof(*m));

	m->cap = 1024;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	return m;
}

void srcmap__free(struct srcmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].fr)
			free(m->slots[i].fr->locs);
		free(m->slots[i].fr);
	}
	free(m->slots);
	free(m);
}

static size_t slot_of(const struct srcmap *m, Dwarf *dw, uint64_t vaddr)
{
	uint64_t h = (vaddr ^ (uint64_t)(uintptr_t)dw) * 0x9e3779b97f4a7c15ULL;
	size_t i = (size_t)(h >> 32) & (m->cap - 1);

	while (m->slots[i].dw &&
	       (m->slots[i].dw != dw || m->slots[i].vaddr != vaddr))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void grow(struct srcmap *m)
{
	struct src_slot *old = m->slots;
	size_t ocap = m->cap;

	m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	for (size_t i = 0; i < ocap; i++)
		if (old[i].dw)
			m->slots[slot_of(m, old[i].dw, old[i].vaddr)] = old[i];
	free(old);
}

static const char *die_string(Dwarf_Die *die, unsigned int name)
{
	Dwarf_Attribute a;

	return dwarf_formstring(dwarf_attr_integrate(die, name, &a));
}

/* A function's name: the linkage name demangles to the qualified one. */
static const char *func_name(Dwarf_Die *die)
{
	const char *n = die_string(die, DW_AT_linkage_name);

	if (!n)
		n = die_string(die, DW_AT_MIPS_linkage_name);
	if (!n)
		n = die_string(die, DW_AT_name);
	return n;
}

static struct src_frames *lookup(Dwarf *dw, uint64_t vaddr)
{
	struct src_loc locs[SRC_MAX_DEPTH];
	Dwarf_Die cudie, *scopes = NULL;
	Dwarf_Files *files = NULL;
	const char *file = NULL;
	unsigned int line = 0;
	struct src_frames *fr;
	Dwarf_Line *l;
	size_t n = 0, nfiles = 0;
	int ns;

	if (!dwarf_addrdie(dw, vaddr, &cudie))
		return NULL;
	l = dwarf_getsrc_die(&cudie, vaddr);
	if (l) {
		int ln = 0;

		file = dwarf_linesrc(l, NULL, NULL);
		if (dwarf_lineno(l, &ln) == 0 && ln > 0)
			line = (unsigned int)ln;
	}
	/*
	 * dwarf_getscopes() stops at the innermost inlined instance; its
	 * parents, through every level of inlining, come from that DIE.
	 */
	ns = dwarf_getscopes(&cudie, vaddr, &scopes);
	if (ns > 0) {
		Dwarf_Die inner = scopes[0];

		free(scopes);
		scopes = NULL;
		ns = dwarf_getscopes_die(&inner, &scopes);
	}
	for (int i = 0; i < ns && n < SRC_MAX_DEPTH; i++) {
		int tag = dwarf_tag(&scopes[i]);
		Dwarf_Attribute a;
		Dwarf_Word w;

		if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram)
			continue;
		locs[n++] = (struct src_loc){
			.func = func_name(&scopes[i]),
			.file = file,
			.line = line,
			.inlined = tag == DW_TAG_inlined_subroutine,
		};
		if (tag == DW_TAG_subprogram)
			break;
		/* The caller's location is where this call was inlined. */
		file = NULL;
		line = 0;
		if (!files)
			dwarf_getsrcfiles(&cudie, &files, &nfiles);
		if (files && !dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &a), &w) &&
		    w < nfiles)
			file = dwarf_filesrc(files, w, NULL, NULL);
		if (!dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &a), &w) &&
		    w <= 0xffffffffu)
			line = (unsigned int)w;
	}
	free(scopes);
	if (!n) {
		/* A line but no function DIE (assembly): the line alone. */
		if (!file)
			return NULL;
		locs[n++] = (struct src_loc){ .file = file, .line = line };
	}
	fr = xcalloc(1, sizeof(*fr));
	fr->locs = xcalloc(n, sizeof(*fr->locs));
	memcpy(fr->locs, locs, n * sizeof(*locs));
	fr->nr = n;
	/* Cut short: the last entry kept still stands for the real frame. */
	fr->locs[n - 1].inlined = false;
	return fr;
}

const struct src_frames *srcmap__lookup(struct srcmap *m, Dwarf *dw,
					uint64_t vaddr)
{
	struct src_slot *s;

	if (!dw)
		return NULL;
	s = &m->slots[slot_of(m, dw, vaddr)];
	if (s->dw)
		return s->fr;
	if (2 * (m->used + 1) > m->cap) {
		grow(m);
		s = &m->slots[slot_of(m, dw, vaddr)];
	}
	s->dw = dw;
	s->vaddr = vaddr;
	s->fr = lookup(dw, vaddr);
	m->used++;
	return s->fr;
}
