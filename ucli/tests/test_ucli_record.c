// SPDX-License-Identifier: GPL-2.0-only
/*
 * Record parser: valid streams parse completely; each kind of malformed
 * record is rejected with its own message and the parser finds the next
 * valid record.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "utap.h"

/* ---- building streams ----------------------------------------------- */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 256;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void pad(struct buf *b)
{
	static const uint8_t z[8];

	put(b, z, (8 - b->len % 8) % 8);
}

static size_t rec_begin(struct buf *b, uint16_t type, size_t fixed,
			uint64_t id, uint32_t seq)
{
	uint8_t body[sizeof(struct varmon_rec_task)] = { 0 };
	struct varmon_rec_hdr h = {
		.magic = VARMON_REC_MAGIC,
		.version = VARMON_REC_VERSION,
		.type = type,
		.dump_id = id,
		.seq = seq,
	};
	size_t at = b->len;

	put(b, body, fixed);
	memcpy(b->p + at, &h, sizeof(h));
	return at;
}

static struct varmon_rec_hdr *hdr_at(struct buf *b, size_t at)
{
	return (struct varmon_rec_hdr *)(b->p + at);
}

static void rec_end(struct buf *b, size_t at)
{
	pad(b);
	hdr_at(b, at)->size = (uint32_t)(b->len - at);
}

static size_t sec(struct buf *b, uint16_t type, const void *d, size_t n)
{
	struct varmon_sec s = { .type = type };
	size_t at = b->len;

	put(b, &s, sizeof(s));
	put(b, d, n);
	pad(b);
	((struct varmon_sec *)(b->p + at))->size = (uint32_t)(b->len - at);
	return at;
}

static size_t add_dump(struct buf *b, uint64_t id, uint32_t nr_trig)
{
	size_t at = rec_begin(b, VARMON_REC_DUMP, sizeof(struct varmon_rec_dump), id, 0);
	struct varmon_trigger t = { .pid = 42, .length = 4, .cond = 1,
				    .name = "temp", .value = 151, .threshold = 150 };

	((struct varmon_rec_dump *)(b->p + at))->nr_triggers = nr_trig;
	((struct varmon_rec_dump *)(b->p + at))->nr_selected = 1;
	for (uint32_t i = 0; i < nr_trig; i++)
		put(b, &t, sizeof(t));
	rec_end(b, at);
	return at;
}

/* Which part of a TASK record to spoil. */
enum task_bad {
	TASK_OK,
	TASK_SEC_UNALIGNED,
	TASK_SEC_OVERFLOW,
	TASK_CGROUP_NOT_TERMINATED,
	TASK_REGS_SIZE,
	TASK_USTACK_LEN,
	TASK_CHAIN_NOT_TERMINATED,
	TASK_REGS_TWICE,
	TASK_UNKNOWN_SECTION,
};

static size_t add_task(struct buf *b, uint64_t id, uint32_t seq, enum task_bad bad)
{
	size_t at = rec_begin(b, VARMON_REC_TASK, sizeof(struct varmon_rec_task), id, seq);
	struct varmon_rec_task *t = (struct varmon_rec_task *)(b->p + at);
	struct varmon_regs regs = { .reg = { [VARMON_REG_RIP] = 0x401000,
					     [VARMON_REG_RSP] = 0x7ffc0000 } };
	uint64_t kstack[3] = { 0xffffffff81000010ULL, 0xffffffff81000020ULL, 0 };
	uint8_t ustack[sizeof(struct varmon_ustack) + 64] = { 0 };
	struct varmon_ustack us = { .sp = 0x7ffc0000, .len = 64 };
	uint8_t chain[64] = { 0 };
	struct varmon_chain_entry e1 = { .pid = 7, .len = 8 }, e2 = { .pid = 1, .len = 6 };
	size_t s;

	t->pid = 7;
	t->tgid = 7;
	t->state = 'S';
	memcpy(t->comm, "demo", 5);
	t->mm_id = 0x99;
	if (bad == TASK_CGROUP_NOT_TERMINATED)
		sec(b, VARMON_SEC_CGROUP, "/abcdefg", 8);
	else
		sec(b, VARMON_SEC_CGROUP, "/user", 6);
	sec(b, VARMON_SEC_KSTACK, kstack, sizeof(kstack));
	s = sec(b, VARMON_SEC_REGS, &regs, bad == TASK_REGS_SIZE ? 8 : sizeof(regs));
	if (bad == TASK_REGS_TWICE)
		sec(b, VARMON_SEC_REGS, &regs, sizeof(regs));
	if (bad == TASK_USTACK_LEN)
		us.len = 72;
	memcpy(ustack, &us, sizeof(us));
	sec(b, VARMON_SEC_USTACK, ustack, sizeof(ustack));
	memcpy(chain, &e1, sizeof(e1));
	memcpy(chain + 8, "./demo a", 8);
	if (bad == TASK_CHAIN_NOT_TERMINATED)
		chain[15] = 'x';
	else
		chain[15] = '\0';
	memcpy(chain + 16, &e2, sizeof(e2));
	memcpy(chain + 24, "init\0", 6);
	sec(b, VARMON_SEC_CHAIN, chain, 32);
	if (bad == TASK_UNKNOWN_SECTION)
		sec(b, 999, "future", 6);
	if (bad == TASK_SEC_UNALIGNED)
		((struct varmon_sec *)(b->p + s))->size += 4;
	if (bad == TASK_SEC_OVERFLOW)
		((struct varmon_sec *)(b->p + s))->size += 4096;
	rec_end(b, at);
	return at;
}

enum maps_bad { MAPS_OK, MAPS_COUNT, MAPS_PATH, MAPS_BUILD_ID };

static size_t add_maps(struct buf *b, uint64_t id, uint32_t seq, enum maps_bad bad)
{
	size_t at = rec_begin(b, VARMON_REC_MAPS, sizeof(struct varmon_rec_maps), id, seq);
	struct varmon_map_entry e = { .start = 0x400000, .end = 0x401000,
				      .build_id_len = 20 };
	uint8_t body[sizeof(e) + 16];

	((struct varmon_rec_maps *)(b->p + at))->mm_id = 0x99;
	((struct varmon_rec_maps *)(b->p + at))->nr_maps = bad == MAPS_COUNT ? 3 : 2;
	memset(e.build_id, 0xab, sizeof(e.build_id));
	if (bad == MAPS_BUILD_ID)
		e.build_id_len = 21;
	memcpy(body, &e, sizeof(e));
	memcpy(body + sizeof(e), "/usr/bin/demo\0\0\0", 16);
	if (bad == MAPS_PATH)
		memset(body + sizeof(e), 'x', 16);
	sec(b, VARMON_SEC_MAP, body, sizeof(body));
	e.start = 0x7f0000000000;
	e.end = 0x7f0000001000;
	e.pgoff = 0x1000;
	memcpy(body, &e, sizeof(e));
	memcpy(body + sizeof(e), "/lib/libc.so.6\0\0", 16);
	sec(b, VARMON_SEC_MAP, body, sizeof(body));
	rec_end(b, at);
	return at;
}

static void add_full_dump(struct buf *b, uint64_t id)
{
	add_dump(b, id, 1);
	add_task(b, id, 1, TASK_OK);
	add_maps(b, id, 2, MAPS_OK);
}

/* ---- collecting what the parser reports ----------------------------- */

#define MAX_GOT 8

struct got {
	int dumps, losts, diags;
	uint64_t id[MAX_GOT];
	bool has_hdr[MAX_GOT];
	size_t tasks[MAX_GOT], mms[MAX_GOT], triggers[MAX_GOT];
	char cgroup[64], chain1[64], path1[64];
	uint32_t chain_pid0;
	size_t nr_chain, nr_kstack, ustack_len;
	uint64_t rip;
	uint8_t build_id_len;
	uint64_t lost_dumps, lost_bytes;
	int order[2 * MAX_GOT], norder;	/* 1 dump, 2 lost */
	char diag[16][256];
};

static void on_dump(void *ctx, const struct rec_dump *d)
{
	struct got *g = ctx;
	int i = g->dumps++;

	if (g->norder < 2 * MAX_GOT)
		g->order[g->norder++] = 1;
	if (i >= MAX_GOT)
		return;
	g->id[i] = d->dump_id;
	g->has_hdr[i] = d->hdr != NULL;
	g->tasks[i] = d->nr_tasks;
	g->mms[i] = d->nr_mms;
	g->triggers[i] = d->nr_triggers;
	if (d->nr_tasks) {
		const struct rec_task *t = &d->tasks[0];

		snprintf(g->cgroup, sizeof(g->cgroup), "%s", t->cgroup ? t->cgroup : "");
		g->nr_chain = t->nr_chain;
		if (t->nr_chain > 1) {
			g->chain_pid0 = t->chain[0].pid;
			snprintf(g->chain1, sizeof(g->chain1), "%s", t->chain[1].cmdline);
		}
		g->nr_kstack = t->nr_kstack;
		g->ustack_len = t->has_ustack ? t->ustack_len : 0;
		g->rip = t->regs ? t->regs->reg[VARMON_REG_RIP] : 0;
	}
	if (d->nr_mms && d->mms[0].nr_maps > 1) {
		snprintf(g->path1, sizeof(g->path1), "%s", d->mms[0].maps[1].path);
		g->build_id_len = d->mms[0].maps[0].build_id_len;
	}
}

static void on_lost(void *ctx, const struct rec_lost *l)
{
	struct got *g = ctx;

	g->losts++;
	g->lost_dumps = l->dumps;
	g->lost_bytes = l->bytes;
	if (g->norder < 2 * MAX_GOT)
		g->order[g->norder++] = 2;
}

static void on_diag(void *ctx, uint64_t off, const char *msg)
{
	struct got *g = ctx;

	(void)off;
	if (g->diags < 16)
		snprintf(g->diag[g->diags], sizeof(g->diag[0]), "%s", msg);
	g->diags++;
}

static const struct rec_parser_ops ops = {
	.dump = on_dump,
	.lost = on_lost,
	.diag = on_diag,
};

/* Parse @b in one feed; returns the parser's error count. */
static uint64_t parse(const struct buf *b, struct got *g)
{
	struct rec_parser *p = rec_parser__new(&ops, g);
	uint64_t errors;

	memset(g, 0, sizeof(*g));
	rec_parser__feed(p, b->p, b->len);
	rec_parser__finish(p);
	errors = rec_parser__errors(p);
	rec_parser__free(p);
	return errors;
}

static bool diag_has(const struct got *g, const char *s)
{
	for (int i = 0; i < g->diags && i < 16; i++)
		if (strstr(g->diag[i], s))
			return true;
	for (int i = 0; i < g->diags && i < 16; i++)
		utap_diag("message %d: %s", i, g->diag[i]);
	utap_diag("no message contains \"%s\"", s);
	return false;
}

/*
 * A record spoiled in its body: rejected with @msg, and the valid dump
 * that follows still parses.
 */
static void expect_rejected(struct buf *b, const char *msg, const char *name)
{
	struct got g;
	uint64_t errors;

	add_full_dump(b, 9);
	errors = parse(b, &g);
	utap_ok(errors >= 1 && diag_has(&g, msg) && g.dumps >= 1 &&
		g.id[g.dumps - 1] == 9 && g.tasks[g.dumps - 1] == 1,
		"%s", name);
	free(b->p);
}

int main(void)
{
	struct buf b = { 0 };
	struct got g;
	uint64_t errors;

	utap_plan(31);

	add_full_dump(&b, 1);
	errors = parse(&b, &g);
	utap_ok(errors == 0 && g.dumps == 1 && g.has_hdr[0] && g.triggers[0] == 1 &&
		g.tasks[0] == 1 && g.mms[0] == 1,
		"a valid dump parses into header, task and address space");
	utap_ok(!strcmp(g.cgroup, "/user") && g.nr_kstack == 3 && g.ustack_len == 64 &&
		g.rip == 0x401000, "task sections: cgroup, kernel stack, stack copy, registers");
	utap_ok(g.nr_chain == 2 && g.chain_pid0 == 7 && !strcmp(g.chain1, "init"),
		"process chain entries keep their pids and command lines");
	utap_ok(!strcmp(g.path1, "/lib/libc.so.6") && g.build_id_len == 20,
		"mappings keep their paths and build-ids");
	free(b.p);

	/* Byte by byte: records cut by every possible feed boundary. */
	memset(&b, 0, sizeof(b));
	add_full_dump(&b, 1);
	add_full_dump(&b, 2);
	{
		struct rec_parser *p = rec_parser__new(&ops, &g);

		memset(&g, 0, sizeof(g));
		for (size_t i = 0; i < b.len; i++)
			rec_parser__feed(p, b.p + i, 1);
		rec_parser__finish(p);
		utap_ok(rec_parser__errors(p) == 0 && g.dumps == 2 && g.id[0] == 1 &&
			g.id[1] == 2 && g.tasks[1] == 1,
			"records cut across feeds are put back together");
		rec_parser__free(p);
	}
	/* An odd start address: the parser must not assume alignment. */
	{
		uint8_t *odd = malloc(b.len + 1);
		struct buf ob;

		memcpy(odd + 1, b.p, b.len);
		ob.p = odd + 1;
		ob.len = b.len;
		errors = parse(&ob, &g);
		utap_ok(errors == 0 && g.dumps == 2, "input at an unaligned address parses");
		free(odd);
	}
	free(b.p);

	memset(&b, 0, sizeof(b));
	add_full_dump(&b, 3);
	{
		size_t at = rec_begin(&b, VARMON_REC_LOST, sizeof(struct varmon_rec_lost), 4, 0);

		((struct varmon_rec_lost *)(b.p + at))->dumps = 2;
		((struct varmon_rec_lost *)(b.p + at))->bytes = 5000;
		rec_end(&b, at);
	}
	add_full_dump(&b, 6);
	errors = parse(&b, &g);
	utap_ok(errors == 0 && g.losts == 1 && g.lost_dumps == 2 && g.lost_bytes == 5000 &&
		g.norder == 3 && g.order[0] == 1 && g.order[1] == 2 && g.order[2] == 1,
		"a lost record is reported between the dumps around it");
	free(b.p);

	/* Garbage before a dump: found again by scanning. */
	memset(&b, 0, sizeof(b));
	put(&b, "garbage!garbage!garbage!", 24);
	add_full_dump(&b, 5);
	errors = parse(&b, &g);
	utap_ok(errors == 1 && diag_has(&g, "bad magic") &&
		diag_has(&g, "resynchronized after skipping 24 bytes") &&
		g.dumps == 1 && g.id[0] == 5,
		"wrong magic: reported once, next record found by scanning");
	free(b.p);

	memset(&b, 0, sizeof(b));
	{
		size_t at = add_dump(&b, 1, 1);

		hdr_at(&b, at)->version = 2;
	}
	expect_rejected(&b, "unsupported version 2", "wrong version is rejected");

	memset(&b, 0, sizeof(b));
	{
		size_t at = add_dump(&b, 1, 1);

		hdr_at(&b, at)->size += 4;
	}
	expect_rejected(&b, "not a multiple of 8", "size not a multiple of 8 is rejected");

	memset(&b, 0, sizeof(b));
	{
		size_t at = add_task(&b, 1, 1, TASK_OK);

		hdr_at(&b, at)->size = 48;
	}
	expect_rejected(&b, "too small for type 2", "size below the type's fixed part is rejected");

	memset(&b, 0, sizeof(b));
	{
		size_t at = add_dump(&b, 1, 1);

		hdr_at(&b, at)->size = 2u << 20;
	}
	expect_rejected(&b, "over the 1048576-byte limit", "oversized record is rejected");

	/* Cut at the end of the stream. */
	memset(&b, 0, sizeof(b));
	add_full_dump(&b, 1);
	{
		size_t keep = b.len;

		add_task(&b, 1, 3, TASK_OK);
		b.len = keep + 100;
	}
	errors = parse(&b, &g);
	utap_ok(errors == 1 && diag_has(&g, "truncated record: size") && g.dumps == 1 &&
		g.tasks[0] == 1, "truncated last record is reported, the dump before it kept");
	free(b.p);

	memset(&b, 0, sizeof(b));
	add_full_dump(&b, 1);
	put(&b, "\x31\x52\x4d\x56\x01\x00", 6);
	errors = parse(&b, &g);
	utap_ok(errors == 1 && diag_has(&g, "6 bytes left at the end") && g.dumps == 1,
		"a few stray bytes at the end are reported");
	free(b.p);

	/* Trigger count that does not match: the header is lost. */
	memset(&b, 0, sizeof(b));
	{
		size_t at = add_dump(&b, 1, 2);

		((struct varmon_rec_dump *)(b.p + at))->nr_triggers = 3;
	}
	add_task(&b, 1, 1, TASK_OK);
	errors = parse(&b, &g);
	utap_ok(errors == 2 && diag_has(&g, "trigger count does not match") &&
		diag_has(&g, "dump 1: header record missing") && g.dumps == 1 &&
		!g.has_hdr[0] && g.tasks[0] == 1,
		"bad trigger count: header rejected, tasks still reported");
	free(b.p);

	memset(&b, 0, sizeof(b));
	add_dump(&b, 1, 1);
	add_task(&b, 1, 1, TASK_SEC_UNALIGNED);
	expect_rejected(&b, "section type 3 has bad size", "section size not a multiple of 8 is rejected");

	memset(&b, 0, sizeof(b));
	add_dump(&b, 1, 1);
	add_task(&b, 1, 1, TASK_SEC_OVERFLOW);
	expect_rejected(&b, "section type 3 has bad size", "section past the record end is rejected");

	memset(&b, 0, sizeof(b));
	add_dump(&b, 1, 1);
	add_task(&b, 1, 1, TASK_CGROUP_NOT_TERMINATED);
	expect_rejected(&b, "cgroup path not terminated", "unterminated cgroup path is rejected");

	memset(&b, 0, sizeof(b));
	add_dump(&b, 1, 1);
	add_task(&b, 1, 1, TASK_REGS_SIZE);
	expect_rejected(&b, "register section has the wrong size", "short register section is rejected");

	memset(&b, 0, sizeof(b));
	add_dump(&b, 1, 1);
	add_task(&b, 1, 1, TASK_USTACK_LEN);
	expect_rejected(&b, "user stack length past the section", "stack copy longer than its section is rejected");

	memset(&b, 0, sizeof(b));
	add_dump(&b, 1, 1);
	add_task(&b, 1, 1, TASK_CHAIN_NOT_TERMINATED);
	expect_rejected(&b, "process chain command line not terminated", "unterminated command line is rejected");

	memset(&b, 0, sizeof(b));
	add_dump(&b, 1, 1);
	add_task(&b, 1, 1, TASK_REGS_TWICE);
	expect_rejected(&b, "duplicate register section", "a section given twice is rejected");

	memset(&b, 0, sizeof(b));
	add_dump(&b, 1, 1);
	add_maps(&b, 1, 1, MAPS_COUNT);
	expect_rejected(&b, "announces 3 mappings, holds 2", "mapping count that does not match is rejected");

	memset(&b, 0, sizeof(b));
	add_dump(&b, 1, 1);
	add_maps(&b, 1, 1, MAPS_PATH);
	expect_rejected(&b, "map path not terminated", "unterminated mapping path is rejected");

	memset(&b, 0, sizeof(b));
	add_dump(&b, 1, 1);
	add_maps(&b, 1, 1, MAPS_BUILD_ID);
	expect_rejected(&b, "longer than 20 bytes", "build-id length over 20 is rejected");

	/* What a newer module may add is skipped by size, without a word. */
	memset(&b, 0, sizeof(b));
	add_dump(&b, 1, 1);
	rec_end(&b, rec_begin(&b, 77, 64, 1, 1));
	add_task(&b, 1, 2, TASK_UNKNOWN_SECTION);
	add_maps(&b, 1, 3, MAPS_OK);
	errors = parse(&b, &g);
	utap_ok(errors == 0 && g.dumps == 1 && g.tasks[0] == 1 && g.mms[0] == 1 &&
		g.rip == 0x401000, "unknown record types and sections are skipped quietly");
	free(b.p);

	/* Readers without ptrace rights miss tasks: gaps are normal. */
	memset(&b, 0, sizeof(b));
	add_dump(&b, 1, 1);
	add_task(&b, 1, 3, TASK_OK);
	add_task(&b, 1, 2, TASK_OK);
	errors = parse(&b, &g);
	utap_ok(errors == 1 && diag_has(&g, "dump 1: record 2 after record 3") &&
		g.tasks[0] == 2, "a gap in seq is accepted, a step back is reported");
	free(b.p);

	memset(&b, 0, sizeof(b));
	add_full_dump(&b, 1);
	add_task(&b, 2, 1, TASK_OK);
	errors = parse(&b, &g);
	utap_ok(errors == 1 && g.dumps == 2 && g.has_hdr[0] && !g.has_hdr[1] &&
		g.id[1] == 2 && diag_has(&g, "dump 2: header record missing"),
		"a task of another dump starts a new dump, flagged headerless");
	free(b.p);

	/* A dump header twice in a row is not merged. */
	memset(&b, 0, sizeof(b));
	add_full_dump(&b, 1);
	add_full_dump(&b, 1);
	errors = parse(&b, &g);
	utap_ok(errors == 1 && g.dumps == 2 && diag_has(&g, "header record repeated"),
		"a repeated dump id is reported");
	free(b.p);

	/* Noise: no dump, some messages, no crash (ASan watches). */
	memset(&b, 0, sizeof(b));
	{
		uint64_t x = 0x9e3779b97f4a7c15ULL;

		for (int i = 0; i < 4096; i++) {
			uint8_t c;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			c = (uint8_t)x;
			put(&b, &c, 1);
		}
	}
	errors = parse(&b, &g);
	utap_ok(errors >= 1 && g.dumps == 0, "random bytes yield messages, no dump");
	free(b.p);

	/* A valid header inside garbage is found at its 8-byte offset. */
	memset(&b, 0, sizeof(b));
	add_full_dump(&b, 1);
	memset(b.p + 8, 0xff, 8);	/* spoil the first header's size */
	add_full_dump(&b, 2);
	errors = parse(&b, &g);
	/* Scanning stops at the next header: dump 1's task, headerless. */
	utap_ok(g.dumps == 2 && g.id[0] == 1 && !g.has_hdr[0] && g.tasks[0] == 1 &&
		g.id[1] == 2 && g.has_hdr[1] && diag_has(&g, "resynchronized after skipping"),
		"after a spoiled header, scanning finds the very next record");
	free(b.p);

	return utap_exit();
}
