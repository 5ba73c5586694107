// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "util.h"

_Static_assert(sizeof(struct varmon_rec_hdr) == 40, "record header size");
_Static_assert(sizeof(struct varmon_trigger) % VARMON_REC_ALIGN == 0,
	       "triggers keep records aligned");
_Static_assert(sizeof(struct varmon_regs) == 8 * (VARMON_NR_REGS + 1),
	       "register block size");

struct rec_parser {
	const struct rec_parser_ops *ops;
	void *ctx;
	/* Bytes of a record cut by the end of the previous feed. */
	uint8_t *carry;
	size_t carry_len, carry_cap;
	uint64_t offset;		/* stream offset of carry[0] */
	uint64_t errors;
	bool resyncing;			/* inside a run of garbage */
	uint64_t resync_start;
	struct rec_dump *cur;
	/* The last dump id emitted, to notice a header arriving twice. */
	uint64_t last_emitted_id;
	bool emitted_any;
};

static void vreport(struct rec_parser *p, uint64_t off, const char *fmt,
		    va_list ap)
{
	char buf[256];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (p->ops->diag)
		p->ops->diag(p->ctx, off, buf);
}

/* A problem in the input: reported and counted. */
static void diag(struct rec_parser *p, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void diag(struct rec_parser *p, uint64_t off, const char *fmt, ...)
{
	va_list ap;

	p->errors++;
	va_start(ap, fmt);
	vreport(p, off, fmt, ap);
	va_end(ap);
}

/* Progress after a problem: reported, not counted. */
static void note(struct rec_parser *p, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note(struct rec_parser *p, uint64_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, off, fmt, ap);
	va_end(ap);
}

struct rec_parser *rec_parser__new(const struct rec_parser_ops *ops, void *ctx)
{
	struct rec_parser *p = xcalloc(1, sizeof(*p));

	p->ops = ops;
	p->ctx = ctx;
	return p;
}

static void dump_free(struct rec_dump *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nr_tasks; i++)
		free(d->tasks[i].chain);
	for (size_t i = 0; i < d->nr_mms; i++)
		free(d->mms[i].maps);
	for (size_t i = 0; i < d->nr_blocks; i++)
		free(d->blocks[i]);
	free(d->tasks);
	free(d->mms);
	free(d->blocks);
	free(d);
}

void rec_parser__free(struct rec_parser *p)
{
	if (!p)
		return;
	dump_free(p->cur);
	free(p->carry);
	free(p);
}

uint64_t rec_parser__errors(const struct rec_parser *p)
{
	return p->errors;
}

bool rec_parser__pending(const struct rec_parser *p)
{
	return p->cur != NULL;
}

void rec_parser__flush(struct rec_parser *p)
{
	struct rec_dump *d = p->cur;

	if (!d)
		return;
	p->cur = NULL;
	p->last_emitted_id = d->dump_id;
	p->emitted_any = true;
	if (p->ops->dump)
		p->ops->dump(p->ctx, d);
	dump_free(d);
}

const struct rec_mm *rec_dump__find_mm(const struct rec_dump *d, uint64_t mm_id)
{
	if (!mm_id)
		return NULL;
	for (size_t i = 0; i < d->nr_mms; i++)
		if (d->mms[i].mm_id == mm_id)
			return &d->mms[i];
	return NULL;
}

/* Minimum size of each known record type. */
static size_t type_min_size(uint16_t type)
{
	switch (type) {
	case VARMON_REC_DUMP:
		return sizeof(struct varmon_rec_dump);
	case VARMON_REC_TASK:
		return sizeof(struct varmon_rec_task);
	case VARMON_REC_MAPS:
		return sizeof(struct varmon_rec_maps);
	case VARMON_REC_LOST:
		return sizeof(struct varmon_rec_lost);
	default:
		return sizeof(struct varmon_rec_hdr);
	}
}

/*
 * Header checks that need no more than the header itself. Returns NULL if
 * the header is plausible, else why not.
 */
static const char *check_hdr(const struct varmon_rec_hdr *h, char *why, size_t n)
{
	if (h->magic != VARMON_REC_MAGIC) {
		snprintf(why, n, "bad magic 0x%08x", h->magic);
		return why;
	}
	if (h->version != VARMON_REC_VERSION) {
		snprintf(why, n, "unsupported version %u", h->version);
		return why;
	}
	if (h->size < sizeof(*h) || h->size < type_min_size(h->type)) {
		snprintf(why, n, "size %u too small for type %u", h->size, h->type);
		return why;
	}
	if (h->size > VARMON_REC_MAX_SIZE) {
		snprintf(why, n, "size %u over the %u-byte limit", h->size,
			 VARMON_REC_MAX_SIZE);
		return why;
	}
	if (h->size % VARMON_REC_ALIGN) {
		snprintf(why, n, "size %u not a multiple of %u", h->size,
			 VARMON_REC_ALIGN);
		return why;
	}
	return NULL;
}

static struct rec_dump *dump_new(uint64_t id)
{
	struct rec_dump *d = xcalloc(1, sizeof(*d));

	d->dump_id = id;
	return d;
}

/*
 * Walk the sections of a record body. @fn sees each section and returns
 * NULL or an error string. Returns NULL or the first error.
 */
typedef const char *(*sec_fn)(void *arg, const struct varmon_sec *s,
			      const uint8_t *body, size_t len);

static const char *walk_sections(const uint8_t *p, size_t len, sec_fn fn,
				 void *arg, char *why, size_t whylen)
{
	size_t off = 0;

	while (off < len) {
		struct varmon_sec s;
		const char *err;

		if (len - off < sizeof(s)) {
			snprintf(why, whylen, "section header cut at byte %zu", off);
			return why;
		}
		memcpy(&s, p + off, sizeof(s));
		if (s.size < sizeof(s) || s.size % VARMON_REC_ALIGN ||
		    s.size > len - off) {
			snprintf(why, whylen, "section type %u has bad size %u",
				 s.type, s.size);
			return why;
		}
		err = fn(arg, (const struct varmon_sec *)(p + off),
			 p + off + sizeof(s), s.size - sizeof(s));
		if (err)
			return err;
		off += s.size;
	}
	return NULL;
}

static bool has_nul(const uint8_t *p, size_t len)
{
	return memchr(p, '\0', len) != NULL;
}

static const char *task_section(void *arg, const struct varmon_sec *s,
				const uint8_t *body, size_t len)
{
	struct rec_task *t = arg;

	switch (s->type) {
	case VARMON_SEC_CGROUP:
		if (t->cgroup)
			return "duplicate cgroup section";
		if (!has_nul(body, len))
			return "cgroup path not terminated";
		t->cgroup = (const char *)body;
		return NULL;
	case VARMON_SEC_KSTACK:
		if (t->kstack)
			return "duplicate kernel stack section";
		if (len % sizeof(uint64_t))
			return "kernel stack size not a multiple of 8";
		t->kstack = (const uint64_t *)body;
		t->nr_kstack = len / sizeof(uint64_t);
		return NULL;
	case VARMON_SEC_REGS:
		if (t->regs)
			return "duplicate register section";
		if (len != sizeof(struct varmon_regs))
			return "register section has the wrong size";
		t->regs = (const struct varmon_regs *)body;
		return NULL;
	case VARMON_SEC_USTACK: {
		struct varmon_ustack u;

		if (t->has_ustack)
			return "duplicate user stack section";
		if (len < sizeof(u))
			return "user stack section too small";
		memcpy(&u, body, sizeof(u));
		if (u.len > len - sizeof(u))
			return "user stack length past the section";
		t->has_ustack = true;
		t->ustack_sp = u.sp;
		t->ustack = body + sizeof(u);
		t->ustack_len = u.len;
		return NULL;
	}
	case VARMON_SEC_CHAIN: {
		size_t off = 0, n = 0, cap = 0;
		struct rec_chain *c = NULL;

		if (t->has_chain)
			return "duplicate process chain section";
		while (off < len) {
			struct varmon_chain_entry e;
			size_t step;

			if (len - off < sizeof(e)) {
				free(c);
				return "process chain entry cut";
			}
			memcpy(&e, body + off, sizeof(e));
			if (e.len == 0 || e.len > len - off - sizeof(e) ||
			    body[off + sizeof(e) + e.len - 1] != '\0') {
				free(c);
				return "process chain command line not terminated";
			}
			step = sizeof(e) + e.len;
			step = (step + VARMON_REC_ALIGN - 1) & ~(size_t)(VARMON_REC_ALIGN - 1);
			c = grow_array(c, &cap, n + 1, sizeof(*c));
			c[n].pid = e.pid;
			c[n].cmdline = (const char *)body + off + sizeof(e);
			n++;
			/* The last entry's padding may be cut by the section end. */
			off = step > len - off ? len : off + step;
		}
		t->has_chain = true;
		t->chain = c;
		t->nr_chain = n;
		return NULL;
	}
	default:
		/* Sections from a newer module: skip by size. */
		return NULL;
	}
}

struct maps_walk {
	struct rec_map *maps;
	size_t nr, cap;
};

static const char *maps_section(void *arg, const struct varmon_sec *s,
				const uint8_t *body, size_t len)
{
	struct maps_walk *w = arg;
	struct varmon_map_entry e;
	struct rec_map *m;

	if (s->type != VARMON_SEC_MAP)
		return NULL;
	if (len < sizeof(e))
		return "map section too small";
	memcpy(&e, body, sizeof(e));
	if (e.build_id_len > sizeof(e.build_id))
		return "map build-id longer than 20 bytes";
	if (e.end < e.start)
		return "map ends before it starts";
	if (!has_nul(body + sizeof(e), len - sizeof(e)))
		return "map path not terminated";
	w->maps = grow_array(w->maps, &w->cap, w->nr + 1, sizeof(*w->maps));
	m = &w->maps[w->nr++];
	m->start = e.start;
	m->end = e.end;
	m->pgoff = e.pgoff;
	m->build_id_len = e.build_id_len;
	memcpy(m->build_id, e.build_id, sizeof(m->build_id));
	m->path = (const char *)body + sizeof(e);
	return NULL;
}

/* Attach the copied record @blk to @d. */
static void dump_own(struct rec_dump *d, void *blk)
{
	d->blocks = grow_array(d->blocks, &d->cap_blocks, d->nr_blocks + 1,
			       sizeof(*d->blocks));
	d->blocks[d->nr_blocks++] = blk;
}

/*
 * The dump that records of @id belong to: the current one, or a new one
 * (the previous is emitted first).
 */
static struct rec_dump *dump_for(struct rec_parser *p, uint64_t id,
				 uint64_t off, bool is_header)
{
	if (p->cur && p->cur->dump_id == id && !is_header)
		return p->cur;
	rec_parser__flush(p);
	if (!is_header)
		diag(p, off, "dump %" PRIu64 ": header record missing", id);
	else if (p->emitted_any && p->last_emitted_id == id)
		diag(p, off, "dump %" PRIu64 ": header record repeated", id);
	p->cur = dump_new(id);
	return p->cur;
}

static void check_seq(struct rec_parser *p, struct rec_dump *d,
		      const struct varmon_rec_hdr *h, uint64_t off)
{
	/*
	 * Gaps are normal: the module drops the records of tasks a reader
	 * may not ptrace. A record going back means a mixed-up stream.
	 */
	if (d->nr_blocks && h->seq < d->next_seq)
		diag(p, off, "dump %" PRIu64 ": record %u after record %u",
		     d->dump_id, h->seq, d->next_seq - 1);
	d->next_seq = h->seq + 1;
}

/* Validate and keep one record whose header passed check_hdr(). */
static void take_record(struct rec_parser *p, const uint8_t *rec, uint64_t off)
{
	struct varmon_rec_hdr h;
	char why[160];
	const char *err = NULL;
	uint8_t *blk;

	memcpy(&h, rec, sizeof(h));
	if (h.type != VARMON_REC_DUMP && h.type != VARMON_REC_TASK &&
	    h.type != VARMON_REC_MAPS && h.type != VARMON_REC_LOST)
		return;	/* unknown type from a newer module: skip by size */

	/* Copy first: malloc aligns, and later pointers go into the copy. */
	blk = xmalloc(h.size);
	memcpy(blk, rec, h.size);

	switch (h.type) {
	case VARMON_REC_DUMP: {
		const struct varmon_rec_dump *r = (const void *)blk;
		struct rec_dump *d;
		uint64_t room = (h.size - sizeof(*r)) / sizeof(struct varmon_trigger);

		if (r->nr_triggers > room ||
		    h.size != sizeof(*r) + r->nr_triggers * sizeof(struct varmon_trigger)) {
			err = "trigger count does not match the record size";
			break;
		}
		d = dump_for(p, h.dump_id, off, true);
		d->hdr = r;
		d->triggers = (const struct varmon_trigger *)(r + 1);
		d->nr_triggers = r->nr_triggers;
		check_seq(p, d, &h, off);
		dump_own(d, blk);
		return;
	}
	case VARMON_REC_TASK: {
		struct rec_task t = { .t = (const void *)blk };
		struct rec_dump *d;

		err = walk_sections(blk + sizeof(struct varmon_rec_task),
				    h.size - sizeof(struct varmon_rec_task),
				    task_section, &t, why, sizeof(why));
		if (err) {
			free(t.chain);
			break;
		}
		d = dump_for(p, h.dump_id, off, false);
		check_seq(p, d, &h, off);
		d->tasks = grow_array(d->tasks, &d->cap_tasks, d->nr_tasks + 1,
				      sizeof(*d->tasks));
		d->tasks[d->nr_tasks++] = t;
		dump_own(d, blk);
		return;
	}
	case VARMON_REC_MAPS: {
		const struct varmon_rec_maps *r = (const void *)blk;
		struct maps_walk w = { 0 };
		struct rec_dump *d;
		struct rec_mm *mm;

		err = walk_sections(blk + sizeof(*r), h.size - sizeof(*r),
				    maps_section, &w, why, sizeof(why));
		if (!err && w.nr != r->nr_maps) {
			snprintf(why, sizeof(why),
				 "maps record announces %u mappings, holds %zu",
				 r->nr_maps, w.nr);
			err = why;
		}
		if (err) {
			free(w.maps);
			break;
		}
		d = dump_for(p, h.dump_id, off, false);
		check_seq(p, d, &h, off);
		d->mms = grow_array(d->mms, &d->cap_mms, d->nr_mms + 1,
				    sizeof(*d->mms));
		mm = &d->mms[d->nr_mms++];
		mm->mm_id = r->mm_id;
		mm->tgid = r->tgid;
		mm->maps = w.maps;
		mm->nr_maps = w.nr;
		dump_own(d, blk);
		return;
	}
	case VARMON_REC_LOST: {
		const struct varmon_rec_lost *r = (const void *)blk;
		struct rec_lost l = {
			.dump_id = h.dump_id,
			.time_ns = h.time_ns,
			.dumps = r->dumps,
			.bytes = r->bytes,
		};

		if (h.size != sizeof(*r)) {
			err = "lost record has the wrong size";
			break;
		}
		/* A loss report stands between dumps. */
		rec_parser__flush(p);
		if (p->ops->lost)
			p->ops->lost(p->ctx, &l);
		free(blk);
		return;
	}
	}
	diag(p, off, "record type %u (dump %" PRIu64 ", seq %u) rejected: %s",
	     h.type, (uint64_t)h.dump_id, h.seq, err);
	free(blk);
}

/*
 * Parse whole records from @buf. Returns how many bytes were consumed;
 * unless @final, a record cut by the end stays unconsumed.
 */
static size_t parse(struct rec_parser *p, const uint8_t *buf, size_t len,
		    bool final)
{
	size_t off = 0;
	char why[96];

	while (off < len) {
		struct varmon_rec_hdr h;
		const char *bad;
		uint64_t at = p->offset + off;

		if (len - off < sizeof(h)) {
			if (!final)
				break;
			if (!p->resyncing)
				diag(p, at, "truncated record: %zu bytes left at the end",
				     len - off);
			p->resyncing = false;
			off = len;
			break;
		}
		memcpy(&h, buf + off, sizeof(h));
		bad = check_hdr(&h, why, sizeof(why));
		if (!bad && h.size > len - off) {
			if (!final)
				break;
			snprintf(why, sizeof(why),
				 "truncated record: size %u, %zu bytes left",
				 h.size, len - off);
			bad = why;
		}
		if (bad) {
			if (!p->resyncing) {
				diag(p, at, "%s; looking for the next record", bad);
				p->resyncing = true;
				p->resync_start = at;
			}
			off += VARMON_REC_ALIGN;
			continue;
		}
		if (p->resyncing) {
			note(p, at, "resynchronized after skipping %" PRIu64 " bytes",
			     at - p->resync_start);
			p->resyncing = false;
		}
		take_record(p, buf + off, at);
		off += h.size;
	}
	return off;
}

void rec_parser__feed(struct rec_parser *p, const void *data, size_t len)
{
	const uint8_t *buf = data;
	size_t used;

	if (p->carry_len) {
		/* Complete the cut record first, then parse straight from @buf. */
		p->carry = grow_array(p->carry, &p->carry_cap, p->carry_len + len, 1);
		memcpy(p->carry + p->carry_len, buf, len);
		p->carry_len += len;
		used = parse(p, p->carry, p->carry_len, false);
		p->offset += used;
		memmove(p->carry, p->carry + used, p->carry_len - used);
		p->carry_len -= used;
		return;
	}
	used = parse(p, buf, len, false);
	p->offset += used;
	if (used < len) {
		p->carry = grow_array(p->carry, &p->carry_cap, len - used, 1);
		memcpy(p->carry, buf + used, len - used);
		p->carry_len = len - used;
	}
}

void rec_parser__finish(struct rec_parser *p)
{
	if (p->carry_len) {
		size_t used = parse(p, p->carry, p->carry_len, true);

		p->offset += used;
		p->carry_len = 0;
	}
	p->resyncing = false;
	rec_parser__flush(p);
}
