// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_conditions.c - the conditions of issue 6 (gt, lt, ge, le, eq, ne,
 * in, out, any_bits, all_bits, changed, stalled), re-arming by value and
 * the registration rules of their fields, tested inside the VM.
 *
 * Runs as root with variable_monitor loaded and no other watches (each
 * test waits for stats watches and timers to be 0 first). Every test runs
 * in its own child (tap.h); the runner restores the procfs tunables after
 * each one.
 * Nothing is timed: "trips" means the trip count of the watch (column 8
 * of /proc/variable_monitor/watches) rose within a generous timeout, and
 * "does not trip" means it stayed 0 while the engine's "ticks" counter
 * moved HOLD_TICKS past the moment the value was set. Each test keeps its
 * watches on one timer (one interval, at most 32 watches), so "ticks"
 * counts the samples every one of them got.
 *
 *	test_conditions [-l] [substring...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor_user.h"
#include "tap.h"
#include "testlib.h"

#define PG		4096UL
#define FAST_NS		100000ULL	/* 100 us: the condition matrix */
#define SLOW_NS		1000000ULL	/* 1 ms: tests that step with ticks */
#define HOLD_TICKS	200		/* samples that prove "no trip" */
#define BATCH		32		/* watches per timer by default */
#define MAX_CASES	256
#define POISON		0xA5		/* bytes around a narrow variable */
#define POLL_MS		20

/* Run @call, a function returning a TAP result; return it on failure. */
#define CHECK(call)							\
	do {								\
		int check_ret_ = (call);				\
		if (check_ret_ != TAP_PASS)				\
			return check_ret_;				\
	} while (0)

static const char *errname(int err)
{
	const char *s;

	if (!err)
		return "success";
	s = strerrorname_np(err);
	return s ? s : "unknown errno";
}

static unsigned char *map_pages(size_t n)
{
	unsigned char *p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, n * PG);	/* real pages, not the shared zero page */
	return p;
}

/* The procfs name of each condition. */
static const char *cond_name(unsigned int cond)
{
	static const char *const names[] = {
		[VARMON_COND_GT] = "gt",
		[VARMON_COND_LT] = "lt",
		[VARMON_COND_GE] = "ge",
		[VARMON_COND_LE] = "le",
		[VARMON_COND_EQ] = "eq",
		[VARMON_COND_NE] = "ne",
		[VARMON_COND_IN] = "in",
		[VARMON_COND_OUT] = "out",
		[VARMON_COND_ANY_BITS] = "any_bits",
		[VARMON_COND_ALL_BITS] = "all_bits",
		[VARMON_COND_CHANGED] = "changed",
		[VARMON_COND_STALLED] = "stalled",
	};

	return cond < TAP_COUNT(names) && names[cond] ? names[cond] : "?";
}

/*
 * Integer types by width and signedness. Values travel as uint64_t holding
 * what the module should see: sign-extended for signed types,
 * zero-extended for unsigned ones.
 */
struct ty {
	unsigned int w;
	bool uns;
	uint64_t ones;	/* every bit of the width */
	uint64_t top;	/* the width's top bit */
	uint64_t smax;	/* largest signed value of the width */
	uint64_t lo;	/* smallest value of the type */
	uint64_t hi;	/* largest value of the type */
};

static struct ty tys[8];

static void tys_init(void)
{
	static const unsigned int widths[] = { 1, 2, 4, 8 };
	size_t i;

	for (i = 0; i < TAP_COUNT(tys); i++) {
		struct ty *t = &tys[i];

		t->w = widths[i / 2];
		t->uns = i % 2;
		t->ones = t->w == 8 ? UINT64_MAX : (1ULL << (8 * t->w)) - 1;
		t->top = 1ULL << (8 * t->w - 1);
		t->smax = t->top - 1;
		t->lo = t->uns ? 0 : 0 - t->top;
		t->hi = t->uns ? t->ones : t->smax;
	}
}

/* The value the module should see for the raw bits @raw. */
static uint64_t ext(const struct ty *t, uint64_t raw)
{
	raw &= t->ones;
	if (!t->uns && (raw & t->top))
		raw |= ~t->ones;
	return raw;
}

/* A value as the module prints it for this type. */
static const char *fmt(const struct ty *t, uint64_t v, char *buf, size_t n)
{
	if (t->uns)
		snprintf(buf, n, "%" PRIu64, v);
	else
		snprintf(buf, n, "%" PRId64, (int64_t)v);
	return buf;
}

/* One width-sized store, as the program being watched would do it. */
static void store(void *p, unsigned int w, uint64_t v)
{
	switch (w) {
	case 1:
		*(volatile uint8_t *)p = (uint8_t)v;
		break;
	case 2:
		*(volatile uint16_t *)p = (uint16_t)v;
		break;
	case 4:
		*(volatile uint32_t *)p = (uint32_t)v;
		break;
	default:
		*(volatile uint64_t *)p = v;
		break;
	}
}

/*
 * A variable in an 8-byte slot whose other bytes hold POISON: a module
 * that read more than the width would see them.
 */
static void slot_set(unsigned char *slot, unsigned int w, uint64_t v)
{
	memset(slot, POISON, 8);
	store(slot, w, v);
}

static int set_dump_reset(unsigned int sec)
{
	int err = tl_proc_write_u64("dump_reset_sec", sec);

	TAP_EXPECT(!err, "cannot set dump_reset_sec to %u: %s", sec,
		   errname(-err));
	return TAP_PASS;
}

/* The test starts alone: ticks then count only its own timer. */
static int expect_quiet(void)
{
	int err = tl_wait_stat("watches", 0);

	TAP_EXPECT(!err, "watches of an earlier test are still registered");
	err = tl_wait_stat("timers", 0);
	TAP_EXPECT(!err, "timers of an earlier test are still running");
	return TAP_PASS;
}

static int stat_get(const char *key, uint64_t *v)
{
	int err = tl_stat(key, v);

	TAP_EXPECT(!err, "cannot read '%s' from %s/stats: %s", key,
		   VARMON_PROC_DIR, errname(-err));
	return TAP_PASS;
}

/* Dumps taken or dropped: one per report. */
static int dumps_total(uint64_t *n)
{
	uint64_t d, x;

	CHECK(stat_get("dumps", &d));
	CHECK(stat_get("drops", &x));
	*n = d + x;
	return TAP_PASS;
}

static int wait_dumps(uint64_t want, uint64_t *got)
{
	uint64_t end = tl_now_ms() + TL_WAIT_MS;

	do {
		CHECK(dumps_total(got));
		if (*got >= want)
			return TAP_PASS;
		tl_sleep_ms(POLL_MS);
	} while (tl_now_ms() < end);
	return TAP_PASS;
}

static int hold(unsigned int ticks)
{
	int err = tl_wait_ticks(ticks);

	TAP_EXPECT(!err, "the engine did not tick %u times: %s", ticks,
		   errname(-err));
	return TAP_PASS;
}

/*
 * Like hold(), but stop early once anything trips: a trip pauses the timer
 * for dump_reset_sec, so waiting on would only end in a timeout, and the
 * caller names the watch that tripped.
 */
static int hold_quiet(unsigned int ticks)
{
	uint64_t end = tl_now_ms() + TL_WAIT_MS, start, now, t0, t;

	CHECK(stat_get("ticks", &start));
	CHECK(stat_get("trips", &t0));
	do {
		tl_sleep_ms(POLL_MS);
		CHECK(stat_get("ticks", &now));
		CHECK(stat_get("trips", &t));
		if (t != t0 || now - start >= ticks)
			return TAP_PASS;
	} while (tl_now_ms() < end);
	return TAP_FAIL_MSG("the engine did not tick %u times", ticks);
}

/*
 * The watches file, parsed here rather than by testlib: cond names such
 * as "any_bits" and the arg and rearm columns (9 and 10) are new.
 */
struct wl {
	long pid;
	char name[VARMON_NAME_LEN];
	unsigned int length;
	char cond[16];
	char thr[32];
	uint64_t interval_ns;
	uint64_t trips;
	char arg[32];
	char rearm[32];
};

#define MAX_LINES	64

struct wls {
	struct wl l[MAX_LINES];
	size_t n;
};

/* The watches of this process into @out; 0 or -errno. */
static int watches_read(struct wls *out)
{
	struct tl_buf b = { 0 };
	char *line, *next;
	pid_t me = getpid();
	int err;

	out->n = 0;
	err = tl_read_file(VARMON_PROC_DIR "/watches", &b);
	if (err)
		goto out;
	for (line = b.s; *line; line = next) {
		struct wl w;
		int n;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (line[0] == '#' || !line[0])
			continue;
		n = sscanf(line, "%ld %15s %*s %u %15s %31s %" SCNu64 " %"
			   SCNu64 " %31s %31s", &w.pid, w.name, &w.length,
			   w.cond, w.thr, &w.interval_ns, &w.trips, w.arg,
			   w.rearm);
		if (n != 9) {
			err = -EBADMSG;
			break;
		}
		if (w.pid != me)
			continue;
		if (out->n == MAX_LINES) {
			err = -E2BIG;
			break;
		}
		out->l[out->n++] = w;
	}
out:
	tl_buf_free(&b);
	return err;
}

static const struct wl *wl_find(const struct wls *ws, const char *name)
{
	size_t i;

	for (i = 0; i < ws->n; i++)
		if (!strcmp(ws->l[i].name, name))
			return &ws->l[i];
	return NULL;
}

static int watches_get(struct wls *ws)
{
	int err = watches_read(ws);

	TAP_EXPECT(!err, "cannot read %s/watches: %s", VARMON_PROC_DIR,
		   errname(-err));
	return TAP_PASS;
}

/* Trips of one watch of this process, or -1 when it is not listed. */
static long long trips_of(const char *name)
{
	static struct wls ws;
	const struct wl *l;

	if (watches_read(&ws))
		return -1;
	l = wl_find(&ws, name);
	return l ? (long long)l->trips : -1;
}

/* Poll until @name has at least @want trips; the count, or -1. */
static long long wait_trips(const char *name, long long want)
{
	uint64_t end = tl_now_ms() + TL_WAIT_MS;
	long long t;

	do {
		t = trips_of(name);
		if (t >= want || t < 0)
			return t;
		tl_sleep_ms(POLL_MS);
	} while (tl_now_ms() < end);
	return t;
}

static int expect_trips(const char *name, long long want, const char *when)
{
	long long t = trips_of(name);

	TAP_EXPECT(t == want, "%s: %lld trips %s, want %lld", name, t, when,
		   want);
	return TAP_PASS;
}

static int reach_trips(const char *name, long long want, const char *when)
{
	long long t = wait_trips(name, want);

	TAP_EXPECT(t >= want, "%s: %lld trips %s, want %lld", name, t, when,
		   want);
	return TAP_PASS;
}

static int expect_none_listed(void)
{
	static struct wls ws;

	CHECK(watches_get(&ws));
	TAP_EXPECT(ws.n == 0, "%zu watches still listed after cancel_watch()",
		   ws.n);
	return TAP_PASS;
}

static int cancel_all(void)
{
	int err = cancel_watch();

	TAP_EXPECT(!err, "cancel_watch: %s", errname(-err));
	return expect_none_listed();
}

/* Register through the app header's builder and start_watch_ex(). */
static int watch(const char *name, void *p, const struct ty *t,
		 unsigned int cond, uint64_t thr, uint64_t arg, uint64_t ns)
{
	struct varmon_watch w;
	int err = varmon_watch_init(&w, name, p, (int)t->w, t->uns,
				    (int)cond, (long long)thr);

	TAP_EXPECT(!err, "varmon_watch_init(%s): %s", name, errname(-err));
	w.arg = (__s64)arg;
	w.interval_ns = ns;
	err = start_watch_ex(&w);
	TAP_EXPECT(!err, "start_watch_ex(%s, %s %u-byte %s, threshold %" PRId64
		   ", arg %" PRId64 "): %s", name, cond_name(cond), t->w,
		   t->uns ? "unsigned" : "signed", (int64_t)thr,
		   (int64_t)arg, errname(-err));
	return TAP_PASS;
}

/* /dev/kmsg lines naming the watch @name of this process. */
static size_t kmsg_count(const struct tl_buf *b, const char *name,
			 const char *also)
{
	char needle[64];
	const char *p;
	size_t n = 0;

	snprintf(needle, sizeof(needle), "pid %d name %s ptr ", (int)getpid(),
		 name);
	for (p = b->s; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512];

		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, p, len);
		line[len] = '\0';
		if (strstr(line, needle) && (!also || strstr(line, also)))
			n++;
		p = nl ? nl + 1 : NULL;
	}
	return n;
}

/* Poll /dev/kmsg until @name has @want lines; the count reached. */
static size_t kmsg_wait(int kfd, struct tl_buf *b, const char *name,
			const char *also, size_t want)
{
	uint64_t end = tl_now_ms() + TL_WAIT_MS;
	size_t n;

	do {
		if (tl_kmsg_collect(kfd, b))
			return 0;
		n = kmsg_count(b, name, also);
		if (n >= want)
			return n;
		tl_sleep_ms(POLL_MS);
	} while (tl_now_ms() < end);
	return n;
}

static int kmsg_open(int *kfd)
{
	*kfd = tl_kmsg_open();
	TAP_EXPECT(*kfd >= 0, "open /dev/kmsg: %s", errname(-*kfd));
	return TAP_PASS;
}

/*
 * The condition matrix. Every row is one watch on its own variable, set
 * before registration and left alone: rows that must not trip are held
 * for HOLD_TICKS samples, then moved to a value of the same watch that
 * must trip ("control"), which proves they were being sampled.
 */
struct ccase {
	const struct ty *t;
	unsigned int cond;
	bool hit;
	bool has_ctl;
	uint64_t thr;
	uint64_t arg;
	uint64_t val;
	uint64_t ctl;
	char name[VARMON_NAME_LEN];
};

struct cset {
	struct ccase c[MAX_CASES];
	size_t n;
	const struct ty *t;
	unsigned int cond;
	bool overflow;
};

static void row(struct cset *s, uint64_t thr, uint64_t arg, uint64_t val,
		bool hit)
{
	struct ccase *c;

	if (s->n == MAX_CASES) {
		s->overflow = true;
		return;
	}
	c = &s->c[s->n];
	memset(c, 0, sizeof(*c));
	c->t = s->t;
	c->cond = s->cond;
	c->thr = thr;
	c->arg = arg;
	c->val = val;
	c->hit = hit;
	snprintf(c->name, sizeof(c->name), "%.8s%zu", cond_name(s->cond),
		 s->n);
	s->n++;
}

#define T	100	/* a threshold every type holds */
#define Y	true
#define N	false

static void rows_gt(struct cset *s, const struct ty *t)
{
	row(s, T, 0, T - 1, N);
	row(s, T, 0, T, N);
	row(s, T, 0, T + 1, Y);
	row(s, t->lo, 0, t->lo, N);
	row(s, t->lo, 0, t->lo + 1, Y);
	row(s, t->hi - 1, 0, t->hi - 1, N);
	row(s, t->hi - 1, 0, t->hi, Y);
	row(s, t->hi, 0, t->hi, N);
	if (t->uns) {
		row(s, t->smax, 0, t->smax, N);
		row(s, t->smax, 0, t->top, Y);	/* negative if read signed */
		row(s, 0, 0, 0, N);
		row(s, 0, 0, t->hi, Y);
	} else {
		row(s, -1ULL, 0, -1ULL, N);
		row(s, -1ULL, 0, 0, Y);
		row(s, 0, 0, t->lo, N);	/* large if read unsigned */
		row(s, 0, 0, t->hi, Y);
	}
}

static void rows_lt(struct cset *s, const struct ty *t)
{
	row(s, T, 0, T - 1, Y);
	row(s, T, 0, T, N);
	row(s, T, 0, T + 1, N);
	row(s, t->hi, 0, t->hi, N);
	row(s, t->hi, 0, t->hi - 1, Y);
	row(s, t->lo + 1, 0, t->lo, Y);
	row(s, t->lo + 1, 0, t->lo + 1, N);
	row(s, t->lo, 0, t->lo, N);
	if (t->uns) {
		row(s, t->top, 0, t->smax, Y);
		row(s, t->top, 0, t->top, N);
		row(s, t->top, 0, t->hi, N);	/* -1 if read signed */
		row(s, 1, 0, 0, Y);
	} else {
		row(s, 0, 0, -1ULL, Y);
		row(s, 0, 0, t->lo, Y);
		row(s, 0, 0, 0, N);
		row(s, 0, 0, t->hi, N);
	}
}

static void rows_ge(struct cset *s, const struct ty *t)
{
	row(s, T, 0, T - 1, N);
	row(s, T, 0, T, Y);
	row(s, T, 0, T + 1, Y);
	row(s, t->hi, 0, t->hi, Y);
	row(s, t->hi, 0, t->hi - 1, N);
	row(s, t->lo, 0, t->lo, Y);
	row(s, t->lo, 0, t->hi, Y);
	if (t->uns) {
		row(s, t->top, 0, t->top, Y);
		row(s, t->top, 0, t->hi, Y);
		row(s, t->top, 0, t->smax, N);
	} else {
		row(s, 0, 0, -1ULL, N);
		row(s, 0, 0, t->lo, N);
		row(s, 0, 0, 0, Y);
	}
}

static void rows_le(struct cset *s, const struct ty *t)
{
	row(s, T, 0, T - 1, Y);
	row(s, T, 0, T, Y);
	row(s, T, 0, T + 1, N);
	row(s, t->lo, 0, t->lo, Y);
	row(s, t->lo, 0, t->lo + 1, N);
	row(s, t->hi, 0, t->hi, Y);
	row(s, t->hi, 0, t->lo, Y);
	if (t->uns) {
		row(s, t->smax, 0, t->smax, Y);
		row(s, t->smax, 0, t->top, N);
		row(s, t->smax, 0, t->hi, N);
	} else {
		row(s, -1ULL, 0, -1ULL, Y);
		row(s, -1ULL, 0, t->lo, Y);
		row(s, -1ULL, 0, 0, N);
		row(s, -1ULL, 0, t->hi, N);
	}
}

static void rows_eq(struct cset *s, const struct ty *t)
{
	row(s, T, 0, T - 1, N);
	row(s, T, 0, T, Y);
	row(s, T, 0, T + 1, N);
	row(s, T, 0, ext(t, T | t->top), N);	/* differs in the top bit */
	row(s, ext(t, T | t->top), 0, ext(t, T | t->top), Y);
	row(s, ext(t, T | t->top), 0, T, N);
	row(s, t->lo, 0, t->lo, Y);
	row(s, t->lo, 0, t->lo + 1, N);
	row(s, t->lo, 0, t->hi, N);
	row(s, t->hi, 0, t->hi, Y);
	row(s, t->hi, 0, t->hi - 1, N);
	if (t->uns) {
		row(s, t->top, 0, t->top, Y);
		row(s, t->top, 0, t->smax, N);
	} else {
		row(s, -1ULL, 0, -1ULL, Y);	/* all ones: sign-extended */
		row(s, -1ULL, 0, 1, N);
	}
}

static void rows_ne(struct cset *s, const struct ty *t)
{
	row(s, T, 0, T - 1, Y);
	row(s, T, 0, T, N);
	row(s, T, 0, T + 1, Y);
	row(s, T, 0, ext(t, T | t->top), Y);	/* differs in the top bit */
	row(s, t->lo, 0, t->lo, N);
	row(s, t->lo, 0, t->hi, Y);
	row(s, t->hi, 0, t->hi, N);
	row(s, t->hi, 0, t->lo, Y);
	if (t->uns) {
		row(s, t->top, 0, t->top, N);
		row(s, t->top, 0, t->hi, Y);
	} else {
		row(s, -1ULL, 0, -1ULL, N);
		row(s, -1ULL, 0, 0, Y);
	}
}

static void rows_in(struct cset *s, const struct ty *t)
{
	row(s, 10, 20, 9, N);
	row(s, 10, 20, 10, Y);
	row(s, 10, 20, 15, Y);
	row(s, 10, 20, 20, Y);
	row(s, 10, 20, 21, N);
	row(s, T, T, T - 1, N);
	row(s, T, T, T, Y);
	row(s, T, T, T + 1, N);
	row(s, t->lo, t->hi, t->lo, Y);
	row(s, t->lo, t->hi, t->hi, Y);
	row(s, t->lo, t->lo + 1, t->lo + 1, Y);
	row(s, t->lo, t->lo + 1, t->lo + 2, N);
	row(s, t->hi - 1, t->hi, t->hi, Y);
	row(s, t->hi - 1, t->hi, t->hi - 2, N);
	if (t->uns) {
		row(s, t->smax, t->top, t->smax - 1, N);
		row(s, t->smax, t->top, t->smax, Y);
		row(s, t->smax, t->top, t->top, Y);
		row(s, t->smax, t->top, t->top + 1, N);
		row(s, t->smax, t->top, t->hi, N);
	} else {
		row(s, -5ULL, 5, -6ULL, N);
		row(s, -5ULL, 5, -5ULL, Y);
		row(s, -5ULL, 5, 5, Y);
		row(s, -5ULL, 5, 6, N);
		row(s, -5ULL, 5, t->lo, N);
		row(s, -5ULL, 5, t->hi, N);
	}
}

static void rows_out(struct cset *s, const struct ty *t)
{
	row(s, 10, 20, 9, Y);
	row(s, 10, 20, 10, N);
	row(s, 10, 20, 15, N);
	row(s, 10, 20, 20, N);
	row(s, 10, 20, 21, Y);
	row(s, T, T, T - 1, Y);
	row(s, T, T, T, N);
	row(s, T, T, T + 1, Y);
	row(s, t->lo, t->hi, t->lo, N);
	row(s, t->lo, t->hi, t->hi, N);
	if (t->uns) {
		row(s, 0, t->smax, 0, N);
		row(s, 0, t->smax, t->smax, N);
		row(s, 0, t->smax, t->top, Y);
		row(s, 0, t->smax, t->hi, Y);
	} else {
		row(s, -5ULL, 5, -6ULL, Y);
		row(s, -5ULL, 5, -5ULL, N);
		row(s, -5ULL, 5, 5, N);
		row(s, -5ULL, 5, 6, Y);
		row(s, -5ULL, 5, t->lo, Y);
		row(s, -5ULL, 5, t->hi, Y);
	}
}

static void rows_any(struct cset *s, const struct ty *t)
{
	row(s, 5, 0, 0, N);
	row(s, 5, 0, 1, Y);			/* part of the mask */
	row(s, 5, 0, 4, Y);
	row(s, 5, 0, 5, Y);			/* all of it */
	row(s, 5, 0, 2, N);
	row(s, 5, 0, ext(t, t->ones & ~5ULL), N); /* everything else */
	row(s, t->top, 0, ext(t, t->top), Y);
	row(s, t->top, 0, t->smax, N);
	row(s, t->ones, 0, 0, N);
	row(s, t->ones, 0, 1, Y);
	row(s, t->ones, 0, ext(t, t->top), Y);
}

static void rows_all(struct cset *s, const struct ty *t)
{
	row(s, 5, 0, 0, N);
	row(s, 5, 0, 1, N);			/* part of the mask */
	row(s, 5, 0, 4, N);
	row(s, 5, 0, 5, Y);			/* all of it */
	row(s, 5, 0, 7, Y);			/* and more */
	row(s, 5, 0, ext(t, t->ones & ~5ULL), N);
	row(s, 5, 0, ext(t, t->ones), Y);
	row(s, t->top, 0, ext(t, t->top), Y);
	row(s, t->top, 0, t->smax, N);
	row(s, t->ones, 0, ext(t, t->ones), Y);
	row(s, t->ones, 0, ext(t, t->ones ^ 1), N);
	row(s, t->ones, 0, t->smax, N);
	row(s, t->ones, 0, ext(t, t->top), N);
}

#undef T
#undef Y
#undef N

static const char *describe(const struct ccase *c, uint64_t val, char *buf,
			    size_t n)
{
	char thr[48], arg[48], v[24];
	bool ranged = c->cond == VARMON_COND_IN || c->cond == VARMON_COND_OUT;
	bool mask = c->cond == VARMON_COND_ANY_BITS ||
		    c->cond == VARMON_COND_ALL_BITS;

	if (mask)
		snprintf(thr, sizeof(thr), "mask 0x%" PRIx64, c->thr);
	else
		snprintf(thr, sizeof(thr), "%s %s",
			 ranged ? "range" : "threshold",
			 fmt(c->t, c->thr, v, sizeof(v)));
	arg[0] = '\0';
	if (ranged)
		snprintf(arg, sizeof(arg), "..%s",
			 fmt(c->t, c->arg, v, sizeof(v)));
	snprintf(buf, n, "%s (%s %u-byte %s, %s%s, value %s)", c->name,
		 cond_name(c->cond), c->t->w, c->t->uns ? "unsigned" : "signed",
		 thr, arg, fmt(c->t, val, v, sizeof(v)));
	return buf;
}

/* The listing shows what was registered. */
static int check_listing(struct ccase *const *cs, size_t n)
{
	static struct wls ws;
	char want[32], d[160];
	size_t i;

	CHECK(watches_get(&ws));
	TAP_EXPECT(ws.n == n, "%zu watches listed, registered %zu", ws.n, n);
	for (i = 0; i < n; i++) {
		const struct ccase *c = cs[i];
		const struct wl *l = wl_find(&ws, c->name);

		TAP_EXPECT(l, "%s is not listed", describe(c, c->val, d,
							   sizeof(d)));
		TAP_EXPECT(l->length == c->t->w && !strcmp(l->cond,
							   cond_name(c->cond)),
			   "%s listed as length %u cond %s",
			   describe(c, c->val, d, sizeof(d)), l->length,
			   l->cond);
		TAP_EXPECT(!strcmp(l->thr, fmt(c->t, c->thr, want,
					       sizeof(want))),
			   "%s listed with threshold %s, want %s",
			   describe(c, c->val, d, sizeof(d)), l->thr, want);
		TAP_EXPECT(!strcmp(l->arg, fmt(c->t, c->arg, want,
					       sizeof(want))),
			   "%s listed with arg %s, want %s",
			   describe(c, c->val, d, sizeof(d)), l->arg, want);
		TAP_EXPECT(l->interval_ns == FAST_NS,
			   "%s listed with interval %" PRIu64 " ns",
			   c->name, l->interval_ns);
	}
	return TAP_PASS;
}

/* Poll until every case in @cs has tripped; name those that did not. */
static int wait_all_tripped(struct ccase *const *cs, size_t n, bool ctl,
			    const char *when)
{
	static struct wls ws;
	uint64_t end = tl_now_ms() + TL_WAIT_MS;
	size_t i, missing;
	char d[160];

	do {
		CHECK(watches_get(&ws));
		missing = 0;
		for (i = 0; i < n; i++) {
			const struct wl *l = wl_find(&ws, cs[i]->name);

			missing += !l || !l->trips;
		}
		if (!missing)
			return TAP_PASS;
		tl_sleep_ms(POLL_MS);
	} while (tl_now_ms() < end);

	for (i = 0; i < n; i++) {
		const struct wl *l = wl_find(&ws, cs[i]->name);

		if (!l || !l->trips)
			tap_diag("did not trip %s: %s", when,
				 describe(cs[i], ctl ? cs[i]->ctl : cs[i]->val,
					  d, sizeof(d)));
	}
	return TAP_FAIL_MSG("%zu of %zu watches did not trip %s", missing, n,
			    when);
}

/* Watches that must not trip: hold, check, then prove them live. */
static int batch_negative(struct ccase *const *cs, size_t n,
			  unsigned char *mem)
{
	static struct wls ws;
	struct ccase *ctl[BATCH];
	uint64_t t0, t1;
	size_t i, nctl = 0, bad = 0;
	char d[160];

	for (i = 0; i < n; i++)
		slot_set(mem + 8 * i, cs[i]->t->w, cs[i]->val);
	for (i = 0; i < n; i++)
		CHECK(watch(cs[i]->name, mem + 8 * i, cs[i]->t, cs[i]->cond,
			    cs[i]->thr, cs[i]->arg, FAST_NS));
	CHECK(check_listing(cs, n));
	CHECK(stat_get("trips", &t0));
	CHECK(hold_quiet(HOLD_TICKS));
	CHECK(stat_get("trips", &t1));
	CHECK(watches_get(&ws));
	for (i = 0; i < n; i++) {
		const struct wl *l = wl_find(&ws, cs[i]->name);

		TAP_EXPECT(l, "%s is no longer listed", cs[i]->name);
		if (l->trips) {
			tap_diag("tripped %" PRIu64 " times: %s", l->trips,
				 describe(cs[i], cs[i]->val, d, sizeof(d)));
			bad++;
		}
	}
	TAP_EXPECT(!bad, "%zu of %zu watches tripped on a value that does "
		   "not meet their condition", bad, n);
	TAP_EXPECT(t1 == t0, "stats trips went %" PRIu64 " -> %" PRIu64
		   " while no watch tripped", t0, t1);

	for (i = 0; i < n; i++) {
		if (!cs[i]->has_ctl)
			continue;
		store(mem + 8 * i, cs[i]->t->w, cs[i]->ctl);
		ctl[nctl++] = cs[i];
	}
	CHECK(wait_all_tripped(ctl, nctl, true, "after moving to a value "
			       "that meets the condition"));
	return cancel_all();
}

static int batch_positive(struct ccase *const *cs, size_t n,
			  unsigned char *mem)
{
	size_t i;

	for (i = 0; i < n; i++)
		slot_set(mem + 8 * i, cs[i]->t->w, cs[i]->val);
	for (i = 0; i < n; i++)
		CHECK(watch(cs[i]->name, mem + 8 * i, cs[i]->t, cs[i]->cond,
			    cs[i]->thr, cs[i]->arg, FAST_NS));
	CHECK(check_listing(cs, n));
	CHECK(wait_all_tripped(cs, n, false, "on a value that meets the "
			       "condition"));
	return cancel_all();
}

/* Every control value is a tripping value of the same watch. */
static void link_controls(struct cset *s)
{
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		struct ccase *c = &s->c[i];

		for (j = 0; j < s->n && !c->hit; j++) {
			const struct ccase *o = &s->c[j];

			if (o->hit && o->t == c->t && o->thr == c->thr &&
			    o->arg == c->arg) {
				c->has_ctl = true;
				c->ctl = o->val;
				break;
			}
		}
	}
}

static int run_batches(struct cset *s, bool hit, unsigned char *mem)
{
	struct ccase *b[BATCH];
	size_t i, n = 0;

	for (i = 0; i <= s->n; i++) {
		if (i < s->n && s->c[i].hit == hit)
			b[n++] = &s->c[i];
		if (n && (n == BATCH || i == s->n)) {
			CHECK(hit ? batch_positive(b, n, mem) :
				    batch_negative(b, n, mem));
			n = 0;
		}
	}
	return TAP_PASS;
}

static int matrix(unsigned int cond,
		  void (*rows)(struct cset *, const struct ty *))
{
	static struct cset s;
	unsigned char *mem = map_pages(1);
	size_t i, hits = 0;

	TAP_EXPECT(mem, "mmap: %s", strerror(errno));
	CHECK(expect_quiet());
	/* Tripping watches pause their timer; keep the pauses short. */
	CHECK(set_dump_reset(1));
	memset(&s, 0, sizeof(s));
	s.cond = cond;
	for (i = 0; i < TAP_COUNT(tys); i++) {
		s.t = &tys[i];
		rows(&s, s.t);
	}
	TAP_EXPECT(!s.overflow, "more than %d cases", MAX_CASES);
	for (i = 0; i < s.n; i++)
		hits += s.c[i].hit;
	TAP_EXPECT(hits && hits < s.n, "the table needs both outcomes");
	link_controls(&s);
	tap_diag("%s: %zu cases, %zu that trip", cond_name(cond), s.n, hits);
	CHECK(run_batches(&s, false, mem));
	return run_batches(&s, true, mem);
}

static int test_gt(void)
{
	return matrix(VARMON_COND_GT, rows_gt);
}

static int test_lt(void)
{
	return matrix(VARMON_COND_LT, rows_lt);
}

static int test_ge(void)
{
	return matrix(VARMON_COND_GE, rows_ge);
}

static int test_le(void)
{
	return matrix(VARMON_COND_LE, rows_le);
}

static int test_eq(void)
{
	return matrix(VARMON_COND_EQ, rows_eq);
}

static int test_ne(void)
{
	return matrix(VARMON_COND_NE, rows_ne);
}

static int test_in(void)
{
	return matrix(VARMON_COND_IN, rows_in);
}

static int test_out(void)
{
	return matrix(VARMON_COND_OUT, rows_out);
}

static int test_any_bits(void)
{
	return matrix(VARMON_COND_ANY_BITS, rows_any);
}

static int test_all_bits(void)
{
	return matrix(VARMON_COND_ALL_BITS, rows_all);
}

/* One watch per type, on @mem's slots, named "<prefix><width><s|u>". */
static void ty_name(char *buf, size_t n, const char *prefix,
		    const struct ty *t)
{
	snprintf(buf, n, "%s%u%c", prefix, t->w, t->uns ? 'u' : 's');
}

/* Every watch of @prefix has exactly @want trips (after a hold). */
static int expect_all_trips(const char *prefix, long long want,
			    const char *when)
{
	char name[VARMON_NAME_LEN];
	size_t i;

	for (i = 0; i < TAP_COUNT(tys); i++) {
		ty_name(name, sizeof(name), prefix, &tys[i]);
		CHECK(expect_trips(name, want, when));
	}
	return TAP_PASS;
}

static int reach_all_trips(const char *prefix, long long want,
			   const char *when)
{
	char name[VARMON_NAME_LEN];
	size_t i;

	for (i = 0; i < TAP_COUNT(tys); i++) {
		ty_name(name, sizeof(name), prefix, &tys[i]);
		CHECK(reach_trips(name, want, when));
	}
	return TAP_PASS;
}

/* changed: one trip per change of the variable's own bytes, none else. */
static int test_changed(void)
{
	unsigned char *mem = map_pages(1);
	uint64_t t0, t1;
	char name[VARMON_NAME_LEN], when[64];
	struct tl_buf kb = { 0 };
	size_t i, k;
	int kfd;

	TAP_EXPECT(mem, "mmap: %s", strerror(errno));
	CHECK(expect_quiet());
	CHECK(set_dump_reset(0));	/* nothing but the condition limits */
	CHECK(kmsg_open(&kfd));
	for (i = 0; i < TAP_COUNT(tys); i++) {
		slot_set(mem + 8 * i, tys[i].w, 0x11);
		ty_name(name, sizeof(name), "chg", &tys[i]);
		CHECK(watch(name, mem + 8 * i, &tys[i], VARMON_COND_CHANGED, 0,
			    0, FAST_NS));
	}
	CHECK(stat_get("trips", &t0));
	CHECK(hold(HOLD_TICKS));
	CHECK(expect_all_trips("chg", 0, "while constant"));

	/* The rest of each slot is not the variable. */
	for (i = 0; i < TAP_COUNT(tys); i++)
		memset(mem + 8 * i + tys[i].w, 0x3C, 8 - tys[i].w);
	CHECK(hold(HOLD_TICKS));
	CHECK(expect_all_trips("chg", 0, "after writes next to the variable"));

	for (k = 1; k <= 5; k++) {
		for (i = 0; i < TAP_COUNT(tys); i++) {
			const struct ty *t = &tys[i];
			const uint64_t step[] = { t->top, t->top | 1, t->ones,
						  0, 1 };

			store(mem + 8 * i, t->w, step[k - 1]);
		}
		snprintf(when, sizeof(when), "after change %zu", k);
		CHECK(reach_all_trips("chg", (long long)k, when));
		CHECK(hold(HOLD_TICKS / 4));
		snprintf(when, sizeof(when), "while constant after change %zu",
			 k);
		CHECK(expect_all_trips("chg", (long long)k, when));
	}
	CHECK(stat_get("trips", &t1));
	TAP_EXPECT(t1 - t0 == 5 * TAP_COUNT(tys), "stats trips rose by %"
		   PRIu64 ", want %zu", t1 - t0, 5 * TAP_COUNT(tys));
	for (i = 0; i < TAP_COUNT(tys); i++) {
		ty_name(name, sizeof(name), "chg", &tys[i]);
		TAP_EXPECT(kmsg_wait(kfd, &kb, name, "cond changed", 1),
			   "no dmesg line names %s with cond changed", name);
	}
	tl_buf_free(&kb);
	close(kfd);
	return cancel_all();
}

#define STALL_N		50	/* samples that make a stall */

/* stalled: a value never seen moving is idle, not stalled. */
static int test_stalled_idle(void)
{
	unsigned char *mem = map_pages(1);
	char name[VARMON_NAME_LEN];
	size_t i;

	TAP_EXPECT(mem, "mmap: %s", strerror(errno));
	CHECK(expect_quiet());
	CHECK(set_dump_reset(0));
	for (i = 0; i < TAP_COUNT(tys); i++) {
		slot_set(mem + 8 * i, tys[i].w, 7);
		ty_name(name, sizeof(name), "idle", &tys[i]);
		/* HOLD_TICKS is 20 stalls' worth. */
		CHECK(watch(name, mem + 8 * i, &tys[i], VARMON_COND_STALLED,
			    HOLD_TICKS / 20, 0, SLOW_NS));
	}
	CHECK(hold(HOLD_TICKS));
	CHECK(expect_all_trips("idle", 0, "for a value that never moved"));
	/* One move arms them: the same watches do fire. */
	for (i = 0; i < TAP_COUNT(tys); i++)
		store(mem + 8 * i, tys[i].w, 8);
	CHECK(reach_all_trips("idle", 1, "after one move and a stop"));
	return cancel_all();
}

/*
 * stalled: each watch is moved on its own, and the next one only after
 * the dmesg line of this one appeared, so every trip gets its own report
 * and the dmesg lines can be counted exactly.
 */
static int test_stalled_once(void)
{
	unsigned char *mem = map_pages(1);
	char name[VARMON_NAME_LEN], when[64];
	struct tl_buf kb = { 0 };
	uint64_t t0, t1, d0, d1;
	size_t i, n;
	long long r;
	int kfd;

	TAP_EXPECT(mem, "mmap: %s", strerror(errno));
	CHECK(expect_quiet());
	CHECK(set_dump_reset(0));	/* the once comes from the condition */
	CHECK(kmsg_open(&kfd));
	for (i = 0; i < TAP_COUNT(tys); i++) {
		slot_set(mem + 8 * i, tys[i].w, 0);
		ty_name(name, sizeof(name), "stall", &tys[i]);
		CHECK(watch(name, mem + 8 * i, &tys[i], VARMON_COND_STALLED,
			    STALL_N, 0, SLOW_NS));
	}
	CHECK(stat_get("trips", &t0));
	CHECK(dumps_total(&d0));
	for (r = 1; r <= 2; r++) {
		for (i = 0; i < TAP_COUNT(tys); i++) {
			const struct ty *t = &tys[i];

			/* only the width's top bit, then only bit 0 */
			store(mem + 8 * i, t->w, r == 1 ? t->top : t->top | 1);
			ty_name(name, sizeof(name), "stall", t);
			snprintf(when, sizeof(when),
				 "after move %lld and a stop", r);
			CHECK(reach_trips(name, r, when));
			n = kmsg_wait(kfd, &kb, name, "cond stalled",
				      (size_t)r);
			TAP_EXPECT(n == (size_t)r, "%s: %zu dmesg lines after "
				   "%lld stalls", name, n, r);
		}
		CHECK(hold(HOLD_TICKS));
		snprintf(when, sizeof(when), "while stopped after move %lld",
			 r);
		CHECK(expect_all_trips("stall", r, when));
		TAP_EXPECT(!tl_kmsg_collect(kfd, &kb), "cannot read /dev/kmsg");
		for (i = 0; i < TAP_COUNT(tys); i++) {
			ty_name(name, sizeof(name), "stall", &tys[i]);
			n = kmsg_count(&kb, name, NULL);
			TAP_EXPECT(n == (size_t)r, "%s: %zu dmesg lines %s, "
				   "want %lld", name, n, when, r);
		}
	}
	CHECK(stat_get("trips", &t1));
	TAP_EXPECT(t1 - t0 == 2 * TAP_COUNT(tys), "stats trips rose by %"
		   PRIu64 ", want %zu", t1 - t0, 2 * TAP_COUNT(tys));
	CHECK(wait_dumps(d0 + 2 * TAP_COUNT(tys), &d1));
	TAP_EXPECT(d1 - d0 == 2 * TAP_COUNT(tys), "%" PRIu64 " dumps (or "
		   "drops) for %zu stalls, each reported alone", d1 - d0,
		   2 * TAP_COUNT(tys));
	tl_buf_free(&kb);
	close(kfd);
	return cancel_all();
}

/*
 * stalled: "the same value for N samples" means consecutive samples. A
 * value that changes every N/5 samples for many times N never fires.
 * N is larger here than elsewhere: on a slow (debug, emulated) kernel
 * one round of this loop may last tens of samples.
 */
#define MOVER_N		500
static int test_stalled_slow_mover(void)
{
	unsigned char *mem = map_pages(1);
	const struct ty *t = &tys[3];	/* 2 bytes, unsigned */
	uint64_t base, now, worst = 0;
	unsigned int i;

	TAP_EXPECT(mem, "mmap: %s", strerror(errno));
	CHECK(expect_quiet());
	CHECK(set_dump_reset(0));
	slot_set(mem, t->w, 0);
	CHECK(watch("mover", mem, t, VARMON_COND_STALLED, MOVER_N, 0,
		    SLOW_NS));
	for (i = 1; i <= 30; i++) {
		store(mem, t->w, i);
		CHECK(stat_get("ticks", &base));
		do {
			tl_sleep_ms(1);
			CHECK(stat_get("ticks", &now));
		} while (now - base < MOVER_N / 5);
		if (now - base > worst)
			worst = now - base;
	}
	/* A sample in flight when it was read may be one more. */
	TAP_EXPECT(worst + 2 < MOVER_N, "this test moved the value only every "
		   "%" PRIu64 " samples; it needs fewer than %d", worst + 2,
		   MOVER_N);
	CHECK(expect_trips("mover", 0, "while moving every few samples"));
	CHECK(reach_trips("mover", 1, "after it stopped"));
	CHECK(hold(HOLD_TICKS));
	CHECK(expect_trips("mover", 1, "while stopped"));
	return cancel_all();
}

/* Rearm by value: register one watch with VARMON_WATCH_REARM_VALUE. */
static int watch_rearm(const char *name, void *p, const struct ty *t,
		       unsigned int cond, uint64_t thr, uint64_t rearm)
{
	struct varmon_watch w;
	int err = varmon_watch_init(&w, name, p, (int)t->w, t->uns,
				    (int)cond, (long long)thr);

	TAP_EXPECT(!err, "varmon_watch_init(%s): %s", name, errname(-err));
	w.flags |= VARMON_WATCH_REARM_VALUE;
	w.rearm = (__s64)rearm;
	w.interval_ns = SLOW_NS;
	err = start_watch_ex(&w);
	TAP_EXPECT(!err, "start_watch_ex(%s, rearm): %s", name,
		   errname(-err));
	return TAP_PASS;
}

/* Set the variable and let its timer sample it at least twice. */
static int step(void *p, const struct ty *t, uint64_t v)
{
	store(p, t->w, v);
	return hold(3);
}

#define ROUNDS		6
#define ROUNDS_STR	"6"

/*
 * gt 100 with rearm 90 on a value going 99, 101, 99, 101, ...: one trip
 * and one dump. The same oscillation without the flag, as a control,
 * trips on every crossing.
 */
static int test_rearm_gt(void)
{
	unsigned char *mem = map_pages(1);
	const struct ty *t = &tys[4];	/* 4 bytes, signed */
	uint64_t base, got;
	struct tl_buf kb = { 0 };
	long long ctl;
	unsigned int r;
	size_t n;
	int kfd;

	TAP_EXPECT(mem, "mmap: %s", strerror(errno));
	CHECK(expect_quiet());
	CHECK(set_dump_reset(0));	/* only the rearm rule holds it back */
	CHECK(kmsg_open(&kfd));
	slot_set(mem, t->w, 0);
	CHECK(watch_rearm("hyst", mem, t, VARMON_COND_GT, 100, 90));
	CHECK(dumps_total(&base));
	for (r = 0; r < ROUNDS; r++) {
		CHECK(step(mem, t, 101));
		if (!r)
			CHECK(reach_trips("hyst", 1, "above the threshold"));
		CHECK(step(mem, t, 99));
	}
	CHECK(expect_trips("hyst", 1, "after " ROUNDS_STR " crossings"));
	CHECK(wait_dumps(base + 1, &got));
	TAP_EXPECT(got - base == 1, "%" PRIu64 " dumps for %d crossings "
		   "with rearm at 90, want 1", got - base, ROUNDS);
	n = kmsg_wait(kfd, &kb, "hyst", "cond gt", 1);
	TAP_EXPECT(n == 1, "%zu dmesg lines for hyst, want 1", n);

	/* 91 is not back at the rearm value; 90 is. */
	CHECK(step(mem, t, 91));
	CHECK(step(mem, t, 101));
	CHECK(expect_trips("hyst", 1, "after returning only to 91"));
	CHECK(step(mem, t, 90));
	CHECK(expect_trips("hyst", 1, "at the rearm value 90"));
	store(mem, t->w, 101);
	CHECK(reach_trips("hyst", 2, "above the threshold after 90"));
	CHECK(step(mem, t, 99));
	CHECK(step(mem, t, 101));
	CHECK(expect_trips("hyst", 2, "after one more crossing"));
	CHECK(wait_dumps(base + 2, &got));
	CHECK(hold(HOLD_TICKS));
	CHECK(dumps_total(&got));
	TAP_EXPECT(got - base == 2, "%" PRIu64 " dumps, want 2 (one per "
		   "rearm)", got - base);
	CHECK(cancel_all());

	/* Control: the same crossings without the rearm flag. */
	slot_set(mem, t->w, 0);
	CHECK(watch("noh", mem, t, VARMON_COND_GT, 100, 0, SLOW_NS));
	CHECK(dumps_total(&base));
	for (r = 0; r < ROUNDS; r++) {
		long long before = trips_of("noh");
		char when[48];

		store(mem, t->w, 101);
		snprintf(when, sizeof(when), "on crossing %u", r + 1);
		CHECK(reach_trips("noh", before + 1, when));
		CHECK(step(mem, t, 99));
	}
	ctl = trips_of("noh");
	TAP_EXPECT(ctl >= ROUNDS, "the control tripped %lld times in %d "
		   "crossings", ctl, ROUNDS);
	CHECK(wait_dumps(base + 2, &got));
	TAP_EXPECT(got - base >= 2, "the control made %" PRIu64 " dumps; "
		   "it needs more than one to show what rearm prevents",
		   got - base);
	tl_buf_free(&kb);
	close(kfd);
	return cancel_all();
}

/*
 * le with rearm above the threshold, unsigned 64-bit, around the signed
 * boundary: a signed comparison would get every step wrong.
 */
static int test_rearm_le_unsigned(void)
{
	unsigned char *mem = map_pages(1);
	const struct ty *t = &tys[7];	/* 8 bytes, unsigned */
	const uint64_t thr = INT64_MAX - 2, rearm = (1ULL << 63) + 1;
	unsigned int r;

	TAP_EXPECT(mem, "mmap: %s", strerror(errno));
	CHECK(expect_quiet());
	CHECK(set_dump_reset(0));
	slot_set(mem, t->w, rearm + 5);
	CHECK(watch_rearm("hyst_le", mem, t, VARMON_COND_LE, thr, rearm));
	CHECK(hold(HOLD_TICKS));
	CHECK(expect_trips("hyst_le", 0, "above the threshold"));
	for (r = 0; r < ROUNDS; r++) {
		CHECK(step(mem, t, thr));
		if (!r)
			CHECK(reach_trips("hyst_le", 1, "at the threshold"));
		CHECK(step(mem, t, thr + 1));
	}
	CHECK(expect_trips("hyst_le", 1, "after " ROUNDS_STR " crossings"));
	/* 2^63 is below rearm; as a signed number it would be below thr. */
	CHECK(step(mem, t, 1ULL << 63));
	CHECK(step(mem, t, thr));
	CHECK(expect_trips("hyst_le", 1, "after returning only to 2^63"));
	CHECK(step(mem, t, rearm));
	store(mem, t->w, thr - 1000);
	CHECK(reach_trips("hyst_le", 2, "below the threshold after rearm"));
	CHECK(hold(HOLD_TICKS));
	CHECK(expect_trips("hyst_le", 2, "while staying below"));
	return cancel_all();
}

/*
 * Registration of the new fields. Every rejected struct must leave
 * nothing behind; every accepted one is listed and then cancelled.
 */
static volatile uint64_t *reg_var;

static void reg_base(struct varmon_watch *w, unsigned int cond,
		     unsigned int len, bool uns, int64_t thr)
{
	varmon_watch_init(w, "reg", reg_var, (int)len, uns, (int)cond,
			  (long long)thr);
	w->interval_ns = SLOW_NS;
}

static int reg_expect(struct varmon_watch *w, int want, const char *what)
{
	static struct wls ws;
	uint64_t watches0, pins0, watches1, pins1;
	int fd = tl_dev_open(), err;

	TAP_EXPECT(fd >= 0, "open %s: %s", VARMON_DEVICE, errname(-fd));
	CHECK(stat_get("watches", &watches0));
	CHECK(stat_get("pinned_pages", &pins0));
	err = tl_ioctl_watch(fd, w);
	TAP_EXPECT(err == want, "%s: got %s, want %s", what, errname(err),
		   errname(want));
	CHECK(watches_get(&ws));
	if (!want) {
		TAP_EXPECT(ws.n == 1 && !strcmp(ws.l[0].cond,
						cond_name(w->cond)),
			   "%s: accepted but not listed as %s", what,
			   cond_name(w->cond));
		err = tl_ioctl_cancel(fd, 0);
		TAP_EXPECT(!err, "cancel: %s", errname(err));
		CHECK(watches_get(&ws));
	}
	TAP_EXPECT(ws.n == 0, "%s: %zu watches listed afterwards", what,
		   ws.n);
	CHECK(stat_get("watches", &watches1));
	CHECK(stat_get("pinned_pages", &pins1));
	TAP_EXPECT(watches1 == watches0 && pins1 == pins0,
		   "%s: stats watches %" PRIu64 " -> %" PRIu64 ", pinned_pages "
		   "%" PRIu64 " -> %" PRIu64, what, watches0, watches1, pins0,
		   pins1);
	close(fd);
	return TAP_PASS;
}

static int reg_setup(void)
{
	unsigned char *mem = map_pages(1);

	TAP_EXPECT(mem, "mmap: %s", strerror(errno));
	reg_var = (volatile uint64_t *)mem;
	return expect_quiet();
}

/* Register cond with threshold/arg on a len-byte variable. */
static int reg_try(unsigned int cond, unsigned int len, bool uns,
		   int64_t thr, int64_t arg, int want)
{
	struct varmon_watch w;
	char what[128];

	reg_base(&w, cond, len, uns, thr);
	w.arg = arg;
	snprintf(what, sizeof(what), "%s %u-byte %s threshold %" PRId64
		 " arg %" PRId64, cond_name(cond), len,
		 uns ? "unsigned" : "signed", thr, arg);
	return reg_expect(&w, want, what);
}

static int test_reg_arg(void)
{
	static const unsigned int others[] = {
		VARMON_COND_GT, VARMON_COND_LT, VARMON_COND_GE,
		VARMON_COND_LE, VARMON_COND_EQ, VARMON_COND_NE,
		VARMON_COND_ANY_BITS, VARMON_COND_ALL_BITS,
		VARMON_COND_CHANGED, VARMON_COND_STALLED,
	};
	size_t i;

	CHECK(reg_setup());
	for (i = 0; i < TAP_COUNT(others); i++) {
		/* threshold 1 is valid for each of them */
		int64_t thr = others[i] == VARMON_COND_CHANGED ? 0 : 1;

		CHECK(reg_try(others[i], 4, false, thr, 1, EINVAL));
		CHECK(reg_try(others[i], 4, false, thr, -1, EINVAL));
		CHECK(reg_try(others[i], 4, false, thr, 0, 0));
	}
	return TAP_PASS;
}

static int test_reg_range(void)
{
	static const unsigned int conds[] = { VARMON_COND_IN,
					      VARMON_COND_OUT };
	size_t i;

	CHECK(reg_setup());
	for (i = 0; i < TAP_COUNT(conds); i++) {
		unsigned int c = conds[i];

		CHECK(reg_try(c, 4, false, 5, 4, EINVAL));
		CHECK(reg_try(c, 4, false, 5, 5, 0));	/* one value */
		CHECK(reg_try(c, 4, false, 5, 6, 0));
		CHECK(reg_try(c, 4, false, -1, -2, EINVAL));
		CHECK(reg_try(c, 4, false, -2, -1, 0));
		/* -1 is the largest unsigned value, the smallest signed */
		CHECK(reg_try(c, 8, false, 1, -1, EINVAL));
		CHECK(reg_try(c, 8, true, 1, -1, 0));
		CHECK(reg_try(c, 8, true, -1, 1, EINVAL));
		CHECK(reg_try(c, 8, false, -1, 1, 0));
		CHECK(reg_try(c, 8, false, INT64_MAX, INT64_MIN, EINVAL));
		CHECK(reg_try(c, 8, false, INT64_MIN, INT64_MAX, 0));
	}
	return TAP_PASS;
}

static int test_reg_mask(void)
{
	static const unsigned int conds[] = { VARMON_COND_ANY_BITS,
					      VARMON_COND_ALL_BITS };
	size_t i, j;

	CHECK(reg_setup());
	for (i = 0; i < TAP_COUNT(conds); i++) {
		unsigned int c = conds[i];

		for (j = 0; j < TAP_COUNT(tys); j++) {
			const struct ty *t = &tys[j];

			CHECK(reg_try(c, t->w, t->uns, 0, 0, EINVAL));
			CHECK(reg_try(c, t->w, t->uns, (int64_t)t->ones, 0, 0));
			CHECK(reg_try(c, t->w, t->uns, (int64_t)t->top, 0, 0));
			CHECK(reg_try(c, t->w, t->uns, 1, 0, 0));
			if (t->w == 8)
				continue;
			/* a bit above the width, alone or with valid ones */
			CHECK(reg_try(c, t->w, t->uns, (int64_t)(t->top << 1),
				      0, EINVAL));
			CHECK(reg_try(c, t->w, t->uns,
				      (int64_t)((t->top << 1) | t->ones), 0,
				      EINVAL));
			CHECK(reg_try(c, t->w, t->uns, INT64_MIN, 0, EINVAL));
			/* the variable's -1, sign-extended: wider than it */
			CHECK(reg_try(c, t->w, t->uns, -1, 0, EINVAL));
		}
	}
	return TAP_PASS;
}

static int test_reg_stalled(void)
{
	CHECK(reg_setup());
	CHECK(reg_try(VARMON_COND_STALLED, 4, false, 0, 0, EINVAL));
	CHECK(reg_try(VARMON_COND_STALLED, 4, false, -1, 0, EINVAL));
	CHECK(reg_try(VARMON_COND_STALLED, 4, false, INT64_MIN, 0, EINVAL));
	CHECK(reg_try(VARMON_COND_STALLED, 4, false, (int64_t)INT_MAX + 1, 0,
		      EINVAL));
	CHECK(reg_try(VARMON_COND_STALLED, 4, true, (int64_t)UINT32_MAX, 0,
		      EINVAL));
	CHECK(reg_try(VARMON_COND_STALLED, 4, false, 1, 0, 0));
	CHECK(reg_try(VARMON_COND_STALLED, 4, false, INT_MAX, 0, 0));
	CHECK(reg_try(VARMON_COND_STALLED, 1, true, INT_MAX, 0, 0));
	return TAP_PASS;
}

static int test_reg_changed(void)
{
	CHECK(reg_setup());
	CHECK(reg_try(VARMON_COND_CHANGED, 4, false, 1, 0, EINVAL));
	CHECK(reg_try(VARMON_COND_CHANGED, 4, false, -1, 0, EINVAL));
	CHECK(reg_try(VARMON_COND_CHANGED, 4, false, 0, 0, 0));
	return TAP_PASS;
}

static int reg_rearm(unsigned int cond, bool uns, int64_t thr,
		     int64_t arg, bool flag, int64_t rearm, int want)
{
	struct varmon_watch w;
	char what[160];

	reg_base(&w, cond, 8, uns, thr);
	w.arg = arg;
	if (flag)
		w.flags |= VARMON_WATCH_REARM_VALUE;
	w.rearm = rearm;
	snprintf(what, sizeof(what), "%s 8-byte %s threshold %" PRId64
		 " arg %" PRId64 " %s rearm %" PRId64, cond_name(cond),
		 uns ? "unsigned" : "signed", thr, arg,
		 flag ? "with" : "without", rearm);
	return reg_expect(&w, want, what);
}

static int test_reg_rearm(void)
{
	static const struct {
		unsigned int cond;
		int64_t thr, arg;
	} other[] = {
		{ VARMON_COND_EQ, 10, 0 },
		{ VARMON_COND_NE, 10, 0 },
		{ VARMON_COND_IN, 10, 20 },
		{ VARMON_COND_OUT, 10, 20 },
		{ VARMON_COND_ANY_BITS, 10, 0 },
		{ VARMON_COND_ALL_BITS, 10, 0 },
		{ VARMON_COND_CHANGED, 0, 0 },
		{ VARMON_COND_STALLED, 10, 0 },
	};
	static const unsigned int above[] = { VARMON_COND_GT, VARMON_COND_GE };
	static const unsigned int below[] = { VARMON_COND_LT, VARMON_COND_LE };
	size_t i;

	CHECK(reg_setup());
	/* rearm needs the flag */
	CHECK(reg_rearm(VARMON_COND_GT, false, 10, 0, false, 5, EINVAL));
	CHECK(reg_rearm(VARMON_COND_LT, false, 10, 0, false, 15, EINVAL));
	CHECK(reg_rearm(VARMON_COND_EQ, false, 10, 0, false, 5, EINVAL));
	/* and only gt, ge, lt and le have a side to come back to */
	for (i = 0; i < TAP_COUNT(other); i++) {
		CHECK(reg_rearm(other[i].cond, false, other[i].thr,
				other[i].arg, true, 0, EINVAL));
		CHECK(reg_rearm(other[i].cond, false, other[i].thr,
				other[i].arg, true, 5, EINVAL));
	}
	for (i = 0; i < TAP_COUNT(above); i++) {
		unsigned int c = above[i];

		CHECK(reg_rearm(c, false, 10, 0, true, 11, EINVAL));
		CHECK(reg_rearm(c, false, 10, 0, true, 10, EINVAL));
		CHECK(reg_rearm(c, false, 10, 0, true, 9, 0));
		CHECK(reg_rearm(c, false, 10, 0, true, 0, 0));
		CHECK(reg_rearm(c, false, 10, 0, true, -1, 0));
		CHECK(reg_rearm(c, true, 10, 0, true, -1, EINVAL));
		CHECK(reg_rearm(c, true, 10, 0, true, 0, 0));
		/* the flag alone does not make arg legal */
		CHECK(reg_rearm(c, false, 10, 1, true, 9, EINVAL));
	}
	for (i = 0; i < TAP_COUNT(below); i++) {
		unsigned int c = below[i];

		CHECK(reg_rearm(c, false, 10, 0, true, 9, EINVAL));
		CHECK(reg_rearm(c, false, 10, 0, true, 10, EINVAL));
		CHECK(reg_rearm(c, false, 10, 0, true, 11, 0));
		CHECK(reg_rearm(c, false, 10, 0, true, INT64_MAX, 0));
		CHECK(reg_rearm(c, false, INT64_MAX - 2, 0, true,
				INT64_MIN + 1, EINVAL));
		CHECK(reg_rearm(c, true, INT64_MAX - 2, 0, true,
				INT64_MIN + 1, 0));
		CHECK(reg_rearm(c, true, -1, 0, true, 0, EINVAL));
	}
	return TAP_PASS;
}

static int test_reg_unknown(void)
{
	static const unsigned int bad[] = { 0, VARMON_COND_MAX + 1, 255 };
	struct varmon_watch w;
	char what[64];
	unsigned int bit;
	size_t i;

	CHECK(reg_setup());
	for (i = 0; i < TAP_COUNT(bad); i++) {
		reg_base(&w, VARMON_COND_GT, 4, false, 1);
		w.cond = (__u8)bad[i];
		snprintf(what, sizeof(what), "cond %u", bad[i]);
		CHECK(reg_expect(&w, EINVAL, what));
	}
	/* the lowest flag bit the header does not define */
	for (bit = 1; bit & VARMON_WATCH_FLAGS; bit <<= 1)
		;
	reg_base(&w, VARMON_COND_GT, 4, false, 1);
	w.flags |= bit;
	snprintf(what, sizeof(what), "flags 0x%x", bit);
	CHECK(reg_expect(&w, EINVAL, what));
	for (i = 0; i < TAP_COUNT(w.reserved); i++) {
		reg_base(&w, VARMON_COND_IN, 4, false, 1);
		w.arg = 2;
		w.reserved[i] = 1;
		snprintf(what, sizeof(what), "reserved[%zu] = 1", i);
		CHECK(reg_expect(&w, EINVAL, what));
	}
	return TAP_PASS;
}

/*
 * The app header: START_WATCH_* take width and signedness from the
 * pointed-to type, and each trip prints the value, condition, threshold
 * and arg in the dmesg block.
 */
static volatile uint8_t m_u8;
static volatile int16_t m_s16;
static volatile uint32_t m_u32;
static volatile int64_t m_s64;
static volatile int8_t m_s8;
static volatile unsigned long long m_u64;
static volatile uint16_t m_u16;
static volatile int32_t m_s32;
static volatile int m_int;
static volatile long m_long;

struct mcase {
	const char *name;
	unsigned int length;
	const char *cond;
	const char *thr;
	const char *arg;
	const char *tripline;	/* "value V cond C threshold T arg A" */
};

static const struct mcase mcases[] = {
	{ "m_ge", 1, "ge", "200", "0",
	  "value 255 cond ge threshold 200 arg 0" },
	{ "m_le", 2, "le", "-300", "0",
	  "value -32768 cond le threshold -300 arg 0" },
	{ "m_eq", 4, "eq", "4000000000", "0",
	  "value 4000000000 cond eq threshold 4000000000 arg 0" },
	{ "m_ne", 8, "ne", "-5", "0",
	  "value -6 cond ne threshold -5 arg 0" },
	{ "m_in", 1, "in", "-10", "10",
	  "value -10 cond in threshold -10 arg 10" },
	{ "m_out", 8, "out", "10", "18446744073709551600",
	  "value 18446744073709551615 cond out threshold 10 "
	  "arg 18446744073709551600" },
	{ "m_any", 2, "any_bits", "32769", "0",
	  "value 32768 cond any_bits threshold 32769 arg 0" },
	{ "m_all", 4, "all_bits", "2147483649", "0",
	  "value -1 cond all_bits threshold 2147483649 arg 0" },
};

static int test_macros(void)
{
	static struct wls ws;
	char line[512];
	struct tl_buf kb = { 0 };
	size_t i;
	int err, kfd;

	CHECK(expect_quiet());
	/* The macros use def_interval_ns; keep the VM responsive. */
	err = tl_proc_write_u64("def_interval_ns", SLOW_NS);
	TAP_EXPECT(!err, "cannot set def_interval_ns: %s", errname(-err));
	CHECK(set_dump_reset(1));
	CHECK(kmsg_open(&kfd));

	m_u8 = 199;
	m_s16 = -299;
	m_u32 = 3999999999U;
	m_s64 = -5;
	m_s8 = 11;
	m_u64 = 10;
	m_u16 = 0x7FFE;
	m_s32 = 0x7FFFFFFF;
	m_int = 1;
	m_long = 1;
	err = START_WATCH_GE("m_ge", &m_u8, 200);
	TAP_EXPECT(!err, "START_WATCH_GE: %s", errname(-err));
	err = START_WATCH_LE("m_le", &m_s16, -300);
	TAP_EXPECT(!err, "START_WATCH_LE: %s", errname(-err));
	err = START_WATCH_EQ("m_eq", &m_u32, 4000000000LL);
	TAP_EXPECT(!err, "START_WATCH_EQ: %s", errname(-err));
	err = START_WATCH_NE("m_ne", &m_s64, -5);
	TAP_EXPECT(!err, "START_WATCH_NE: %s", errname(-err));
	err = START_WATCH_IN("m_in", &m_s8, -10, 10);
	TAP_EXPECT(!err, "START_WATCH_IN: %s", errname(-err));
	err = START_WATCH_OUT("m_out", &m_u64, 10, -16);
	TAP_EXPECT(!err, "START_WATCH_OUT: %s", errname(-err));
	err = START_WATCH_ANY_BITS("m_any", &m_u16, 0x8001);
	TAP_EXPECT(!err, "START_WATCH_ANY_BITS: %s", errname(-err));
	/* bits 31 and 0 of a signed int */
	err = START_WATCH_ALL_BITS("m_all", &m_s32, 0x80000001);
	TAP_EXPECT(!err, "START_WATCH_ALL_BITS: %s", errname(-err));
	err = START_WATCH_CHANGED("m_chg", &m_int);
	TAP_EXPECT(!err, "START_WATCH_CHANGED: %s", errname(-err));
	err = START_WATCH_STALLED("m_stl", &m_long, 3);
	TAP_EXPECT(!err, "START_WATCH_STALLED: %s", errname(-err));

	CHECK(watches_get(&ws));
	TAP_EXPECT(ws.n == TAP_COUNT(mcases) + 2,
		   "%zu watches listed, want %zu", ws.n,
		   TAP_COUNT(mcases) + 2);
	for (i = 0; i < TAP_COUNT(mcases); i++) {
		const struct mcase *m = &mcases[i];
		const struct wl *l = wl_find(&ws, m->name);

		TAP_EXPECT(l, "%s is not listed", m->name);
		TAP_EXPECT(l->length == m->length &&
			   !strcmp(l->cond, m->cond) &&
			   !strcmp(l->thr, m->thr) && !strcmp(l->arg, m->arg),
			   "%s listed as length %u cond %s threshold %s "
			   "arg %s, want %u %s %s %s", m->name, l->length,
			   l->cond, l->thr, l->arg, m->length, m->cond,
			   m->thr, m->arg);
	}
	{
		const struct wl *c = wl_find(&ws, "m_chg");
		const struct wl *s = wl_find(&ws, "m_stl");

		TAP_EXPECT(c && c->length == sizeof(int) &&
			   !strcmp(c->cond, "changed") && !strcmp(c->thr, "0"),
			   "m_chg is not listed as a changed watch of an int");
		TAP_EXPECT(s && s->length == sizeof(long) &&
			   !strcmp(s->cond, "stalled") && !strcmp(s->thr, "3"),
			   "m_stl is not listed as a 3-sample stall of a long");
	}
	CHECK(hold_quiet(HOLD_TICKS));
	for (i = 0; i < ws.n; i++)
		TAP_EXPECT(trips_of(ws.l[i].name) == 0,
			   "%s tripped before its value was set", ws.l[i].name);

	m_u8 = 255;
	m_s16 = -32768;
	m_u32 = 4000000000U;
	m_s64 = -6;
	m_s8 = -10;
	m_u64 = UINT64_MAX;
	m_u16 = 0x8000;
	m_s32 = -1;
	for (i = 0; i < TAP_COUNT(mcases); i++) {
		const struct mcase *m = &mcases[i];
		char needle[48];

		snprintf(needle, sizeof(needle), "name %s ptr", m->name);
		err = tl_kmsg_wait_line(kfd, &kb, line, sizeof(line), needle,
					m->tripline, NULL);
		TAP_EXPECT(!err, "no dmesg line with '%s' and '%s'", needle,
			   m->tripline);
	}
	/* Quiet again, so the next two get reports of their own. */
	m_u8 = 0;
	m_s16 = 0;
	m_u32 = 0;
	m_s64 = -5;
	m_s8 = 11;
	m_u64 = 10;
	m_u16 = 0;
	m_s32 = 0;
	CHECK(hold(HOLD_TICKS));
	m_int = 2;
	err = tl_kmsg_wait_line(kfd, &kb, line, sizeof(line), "name m_chg ptr",
				"value 2 cond changed", NULL);
	TAP_EXPECT(!err, "no dmesg line for m_chg changing to 2");
	m_long = 2;
	err = tl_kmsg_wait_line(kfd, &kb, line, sizeof(line), "name m_stl ptr",
				"value 2 cond stalled threshold 3", NULL);
	TAP_EXPECT(!err, "no dmesg line for m_stl stalling at 2");
	tl_buf_free(&kb);
	close(kfd);
	return cancel_all();
}

static const struct tap_test tests[] = {
	{ "gt: boundaries of every width, signed and unsigned", test_gt },
	{ "lt: boundaries of every width, signed and unsigned", test_lt },
	{ "ge: boundaries of every width, signed and unsigned", test_ge },
	{ "le: boundaries of every width, signed and unsigned", test_le },
	{ "eq: boundaries of every width, signed and unsigned", test_eq },
	{ "ne: boundaries of every width, signed and unsigned", test_ne },
	{ "in: range ends of every width, signed and unsigned", test_in },
	{ "out: range ends of every width, signed and unsigned", test_out },
	{ "any_bits: partial and full masks within every width",
	  test_any_bits },
	{ "all_bits: partial and full masks within every width",
	  test_all_bits },
	{ "changed: one trip per change, none while constant or for "
	  "neighbouring bytes", test_changed },
	{ "stalled: a value never seen moving does not fire",
	  test_stalled_idle },
	{ "stalled: fires once per stop, again only after moving again",
	  test_stalled_once },
	{ "stalled: a value that keeps moving, however slowly, does not fire",
	  test_stalled_slow_mover },
	{ "rearm: gt oscillating at the threshold dumps once; without rearm "
	  "on every crossing", test_rearm_gt },
	{ "rearm: le on unsigned 64-bit values across 2^63",
	  test_rearm_le_unsigned },
	{ "registration: arg only for in and out", test_reg_arg },
	{ "registration: range high end not below its low end",
	  test_reg_range },
	{ "registration: bit mask non-zero and within the width",
	  test_reg_mask },
	{ "registration: stall samples in 1..INT_MAX", test_reg_stalled },
	{ "registration: changed takes no threshold", test_reg_changed },
	{ "registration: rearm needs the flag, gt/ge/lt/le and the far side",
	  test_reg_rearm },
	{ "registration: unknown conditions, flags and reserved words",
	  test_reg_unknown },
	{ "START_WATCH_* macros: type, fields and the dmesg block",
	  test_macros },
};

int main(int argc, char **argv)
{
	struct stat st;

	if (argc == 2 && !strcmp(argv[1], "-l"))
		return tap_main(tests, TAP_COUNT(tests), argc, argv, NULL);
	if (stat(VARMON_DEVICE, &st)) {
		printf("TAP version 13\nBail out! %s: %s\n", VARMON_DEVICE,
		       strerror(errno));
		return 1;
	}
	tys_init();
	tl_tunables_save();
	return tap_main(tests, TAP_COUNT(tests), argc, argv,
			tl_tunables_restore);
}
