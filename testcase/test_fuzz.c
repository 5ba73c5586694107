// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_fuzz.c - hostile input to /dev/variable_monitor, in the VM as root.
 *
 * First the edges of the ABI with exact expectations: command numbers,
 * struct sizes, argument pointers (NULL, kernel, unmapped, PROT_NONE,
 * read-only, cut off by the end of a mapping), every watch field alone
 * and the addresses a watch may name. Then drains into buffers that
 * cannot take a record, which must fail cleanly and keep the record.
 * Then a seeded fuzzer: several processes with several threads each send
 * random and boundary requests for a bounded number of calls and time.
 * Mutations of a valid request must fail with the errno that field
 * calls for; fully random ones with an errno the command can return.
 * Last, the module must still work, its counters and the kernel's pin
 * counters must balance, and the kernel log must be clean.
 *
 *	test_fuzz [-l] [substring...]
 *
 * Environment: VARMON_FUZZ_SEED (default fixed, printed), VARMON_FUZZ_CALLS
 * (50000), VARMON_FUZZ_SECONDS (20).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/userfaultfd.h>

#include "rec_check.h"
#include "tap.h"
#include "testlib.h"
#include "hardening.h"

#define PAGE		4096UL
#define KERNEL_ADDR	0xffffffff81000000ULL	/* kernel text */
#define DIRECT_MAP	0xffff888000000000ULL	/* kernel direct map */
#define NONCANON	0x0000800000000000ULL	/* first address past user */
#define HDR_SIZE	sizeof(struct varmon_rec_hdr)
#define ONE_HOUR_NS	(3600ULL * 1000000000ULL)
#define PID_MAX_LIMIT	4194304U		/* the kernel's, on 64-bit */

/* Intervals of the watches that succeed; the VM stays responsive. */
#define FUZZ_MIN_NS	100000ULL
#define FUZZ_DEF_NS	1000000ULL

/* Under TCG a blocked-forever ioctl would hang the suite: bound it. */
#define CALL_TIMEOUT_S	60

static uint64_t fuzz_seed = 0x7661726d6f6e31ULL;	/* "varmon1" */
static unsigned long fuzz_calls = 50000;
static unsigned int fuzz_seconds = 20;
static int kmsg_all = -1;	/* opened in main(): the whole run's log */
static long long taint_start;

static const char *errname(int err)
{
	const char *s;

	if (!err)
		return "success";
	s = strerrorname_np(err);
	return s ? s : "unknown errno";
}

static int xioctl(int fd, unsigned long cmd, const void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? errno : 0;
}

/* ---- random numbers: splitmix64, one state per thread ---- */

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t *s, uint64_t n)
{
	return rnd(s) % n;
}

#define PICK(s, arr)	((arr)[below((s), TAP_COUNT(arr))])

/* ---- memory with known properties ---- */

/**
 * struct arena - places to put an argument or a variable
 * @rw:		two read-write pages
 * @ro:		two read-only pages, the same memory as @ro_w
 * @ro_w:	a writable view of @ro
 * @edge:	a read-write page followed by nothing (unmapped)
 * @none:	a PROT_NONE page
 * @hole:	an address with nothing mapped around it
 */
struct arena {
	unsigned char *rw;
	unsigned char *ro;
	unsigned char *ro_w;
	unsigned char *edge;
	unsigned char *none;
	unsigned char *hole;
};

static int unmapped(const void *p)
{
	unsigned char v;

	return mincore((void *)((uintptr_t)p & ~(PAGE - 1)), PAGE, &v) < 0 &&
	       errno == ENOMEM;
}

/*
 * The edge page goes low in the address space, where mmap() never puts
 * anything by itself, so the page after it stays unmapped. @slot keeps
 * the arenas of different threads apart.
 */
static int arena_init(struct arena *a, unsigned int slot)
{
	uintptr_t low = 0x200000 + (uintptr_t)slot * 0x10000;
	void *p;
	int mfd;

	memset(a, 0, sizeof(*a));
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	a->rw = p;
	mfd = memfd_create("varmon-fuzz", MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, 2 * PAGE))
		return -errno;
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (p == MAP_FAILED)
		return -errno;
	a->ro_w = p;
	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, mfd, 0);
	close(mfd);
	if (p == MAP_FAILED)
		return -errno;
	a->ro = p;
	p = mmap((void *)low, PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	a->edge = p;
	if (!unmapped(a->edge + PAGE))
		return -EEXIST;
	p = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	a->none = p;
	a->hole = (unsigned char *)low + 0x8000;
	if (!unmapped(a->hole))
		return -EEXIST;
	return 0;
}

static void arena_free(struct arena *a)
{
	if (a->rw)
		munmap(a->rw, 2 * PAGE);
	if (a->ro_w)
		munmap(a->ro_w, 2 * PAGE);
	if (a->ro)
		munmap(a->ro, 2 * PAGE);
	if (a->edge)
		munmap(a->edge, PAGE);
	if (a->none)
		munmap(a->none, PAGE);
	memset(a, 0, sizeof(*a));
}

enum place {
	P_RW,		/* read-write, zeros after the struct */
	P_RO,		/* read-only, zeros after the struct */
	P_EDGE_FIT,	/* ends exactly where the mapping ends */
	P_EDGE_CUT,	/* the mapping ends inside it */
	P_NULL,
	P_KERNEL,
	P_DIRECT,
	P_NONCANON,
	P_HOLE,
	P_NONE,
	P_COUNT
};

static const char *const place_names[P_COUNT] = {
	"read-write", "read-only", "at the end of a mapping",
	"cut by the end of a mapping", "NULL", "kernel text",
	"kernel direct map", "non-canonical", "unmapped", "PROT_NONE",
};

/*
 * Put @len bytes of @src (up to 2 pages) where @pl says; for P_EDGE_CUT
 * only the first @cut bytes are mapped. Returns the argument pointer and
 * in @readable how many bytes from it can be read.
 */
static void *place(struct arena *a, enum place pl, const void *src, size_t len,
		   size_t cut, size_t *readable)
{
	*readable = 0;
	switch (pl) {
	case P_RW:
		memcpy(a->rw, src, len);
		memset(a->rw + len, 0, 2 * PAGE - len);
		*readable = 2 * PAGE;
		return a->rw;
	case P_RO:
		memcpy(a->ro_w, src, len);
		memset(a->ro_w + len, 0, 2 * PAGE - len);
		*readable = 2 * PAGE;
		return a->ro;
	case P_EDGE_FIT:
		memcpy(a->edge + PAGE - len, src, len);
		*readable = len;
		return a->edge + PAGE - len;
	case P_EDGE_CUT:
		memcpy(a->edge + PAGE - cut, src, cut);
		*readable = cut;
		return a->edge + PAGE - cut;
	case P_NULL:
		return NULL;
	case P_KERNEL:
		return (void *)(uintptr_t)KERNEL_ADDR;
	case P_DIRECT:
		return (void *)(uintptr_t)DIRECT_MAP;
	case P_NONCANON:
		return (void *)(uintptr_t)NONCANON;
	case P_HOLE:
		return a->hole;
	default:
		return a->none;
	}
}

/*
 * What copying a size-versioned argument gives, as the ABI says: the
 * size field must be readable, then below VER0 is EINVAL, above a page
 * E2BIG, and every byte up to the size must be readable.
 */
static int arg_errno(size_t readable, uint32_t usize, size_t ver0)
{
	if (readable < sizeof(uint32_t))
		return EFAULT;
	if (usize < ver0)
		return EINVAL;
	if (usize > PAGE)
		return E2BIG;
	if (readable < usize)
		return EFAULT;
	return 0;
}

/* ---- kernel log and counters ---- */

static volatile int64_t trip_var;

/*
 * Register a watch on @var named @name, trip it and wait until a dump
 * naming it has been drained on @fd; the records drained go to @b.
 */
static int trip_and_drain(int fd, const char *name, struct tl_buf *b)
{
	struct varmon_watch w;
	uint64_t end = tl_now_ms() + TL_WAIT_MS;
	struct tl_rec_check c = { 0 };
	char why[256];
	size_t off = 0;
	int err;

	/* Start at a dump boundary: what is pending now is not checked. */
	TAP_EXPECT(tl_drain_all(fd, b) >= 0, "drain of old records failed");
	b->len = 0;
	trip_var = 0;
	tl_watch_init(&w, &trip_var, sizeof(trip_var), name);
	w.interval_ns = FUZZ_DEF_NS;
	err = xioctl(fd, VARMON_IOC_WATCH, &w);
	TAP_EXPECT(!err, "watch '%s': %s", name, errname(err));
	trip_var = 1;
	TAP_EXPECT(tl_wait_trips(getpid(), name, 0) > 0,
		   "watch '%s' did not trip", name);
	do {
		long n = tl_drain_all(fd, b);

		TAP_EXPECT(n >= 0, "drain: %s", errname((int)-n));
		TAP_EXPECT(!tl_rec_check_feed(&c, b->s + off, b->len - off,
					      why, sizeof(why)),
			   "drained records: %s", why);
		for (; off < b->len;) {
			const struct varmon_rec_hdr *h =
				(const void *)(b->s + off);
			const struct varmon_rec_dump *d = (const void *)h;
			const struct varmon_trigger *t = (const void *)(d + 1);

			if (h->type == VARMON_REC_DUMP && d->nr_triggers &&
			    !strcmp(t->name, name) &&
			    t->pid == (uint32_t)getpid())
				return TAP_PASS;
			off += h->size;
		}
		tl_sleep_ms(50);
	} while (tl_now_ms() < end);
	return TAP_FAIL_MSG("no dump naming '%s' was drained", name);
}

/* ---- commands ---- */

/* ioctl types the VFS answers itself, for any file: never send those. */
static int vfs_type(unsigned int type)
{
	return type == 0x00 || type == 'T' || type == 'f' || type == 'X' ||
	       type == 0x94 || type == 0x15;
}

static int our_cmd(unsigned long cmd)
{
	unsigned long base = VARMON_IOC_BASE(cmd);

	if (base == VARMON_IOC_BASE(VARMON_IOC_WATCH))
		return 1;
	if (base == VARMON_IOC_BASE(VARMON_IOC_CANCEL))
		return 2;
	if (base == VARMON_IOC_BASE(VARMON_IOC_DRAIN))
		return 3;
	return 0;
}

static int test_cmd_sweep(void)
{
	static const unsigned int dirs[] = { _IOC_NONE, _IOC_WRITE, _IOC_READ,
					     _IOC_READ | _IOC_WRITE };
	static const unsigned int sizes[] = { 0, 1, 24, 64, 88, 4096,
					      _IOC_SIZEMASK };
	static unsigned char arg[2 * PAGE];	/* size 0: EINVAL if ours */
	uint64_t s = fuzz_seed;
	unsigned int d, nr, i, n = 0;
	int fd = tl_dev_open(), err;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	for (d = 0; d < TAP_COUNT(dirs); d++) {
		for (nr = 0; nr < 256; nr++) {
			for (i = 0; i < TAP_COUNT(sizes); i++) {
				unsigned long cmd = _IOC(dirs[d],
							 VARMON_IOC_MAGIC, nr,
							 sizes[i]);
				int want = our_cmd(cmd) ? EINVAL : ENOTTY;

				err = xioctl(fd, cmd, arg);
				TAP_EXPECT(err == want,
					   "cmd %#lx (dir %u nr %u size %u): "
					   "%s, want %s", cmd, dirs[d], nr,
					   sizes[i], errname(err),
					   errname(want));
				n++;
			}
		}
	}
	/* Other types, and numbers that are no _IOC() at all. */
	for (i = 0; i < 4000; i++) {
		unsigned long cmd = (uint32_t)rnd(&s);

		if (vfs_type(_IOC_TYPE(cmd)) ||
		    _IOC_TYPE(cmd) == VARMON_IOC_MAGIC)
			continue;
		err = xioctl(fd, cmd, i & 1 ? arg : NULL);
		TAP_EXPECT(err == ENOTTY, "cmd %#lx: %s, want ENOTTY", cmd,
			   errname(err));
		n++;
	}
	{
		static const unsigned long odd[] = { 0, 0xffffffffUL,
			0x541B /* FIONREAD */, 0x5401 /* TCGETS */,
			0xB700, 0xB7FF, 0x4000B700 };

		for (i = 0; i < TAP_COUNT(odd); i++) {
			err = xioctl(fd, odd[i], arg);
			TAP_EXPECT(err == ENOTTY, "cmd %#lx: %s, want ENOTTY",
				   odd[i], errname(err));
		}
	}
	tap_diag("%u command numbers tried", n);
	close(fd);
	return TAP_PASS;
}

/* The size bits of the command number do not matter, as the ABI says. */
static int test_cmd_size_ignored(void)
{
	static const unsigned int sizes[] = { 0, 1, 24, 87, 89, 4095,
					      _IOC_SIZEMASK };
	static volatile int64_t v;
	struct varmon_watch w;
	struct varmon_cancel c;
	size_t i;
	int fd = tl_dev_open(), err;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	for (i = 0; i < TAP_COUNT(sizes); i++) {
		unsigned long wcmd = _IOC(_IOC_WRITE, VARMON_IOC_MAGIC, 1,
					  sizes[i]);
		unsigned long ccmd = _IOC(_IOC_WRITE, VARMON_IOC_MAGIC, 2,
					  sizes[i]);

		tl_watch_init(&w, &v, sizeof(v), "sizebits");
		w.threshold = INT64_MAX;
		w.interval_ns = ONE_HOUR_NS;
		err = xioctl(fd, wcmd, &w);
		TAP_EXPECT(!err, "WATCH with size bits %u: %s", sizes[i],
			   errname(err));
		TAP_EXPECT(tl_watch_count(getpid()) == 1,
			   "size bits %u: %ld watches listed, want 1",
			   sizes[i], tl_watch_count(getpid()));
		memset(&c, 0, sizeof(c));
		c.size = sizeof(c);
		err = xioctl(fd, ccmd, &c);
		TAP_EXPECT(!err, "CANCEL with size bits %u: %s", sizes[i],
			   errname(err));
		TAP_EXPECT(tl_watch_count(getpid()) == 0,
			   "size bits %u: the cancel left watches", sizes[i]);
	}
	close(fd);
	return TAP_PASS;
}

/* ---- struct sizes and argument pointers, for all three commands ---- */

static volatile int64_t size_var;

enum which { C_WATCH, C_CANCEL, C_DRAIN, C_COUNT };

static const char *const cmd_names[C_COUNT] = { "WATCH", "CANCEL", "DRAIN" };
static const unsigned long cmds[C_COUNT] = { VARMON_IOC_WATCH,
					     VARMON_IOC_CANCEL,
					     VARMON_IOC_DRAIN };
static const size_t ver0[C_COUNT] = { VARMON_WATCH_SIZE_VER0,
				      VARMON_CANCEL_SIZE_VER0,
				      VARMON_DRAIN_SIZE_VER0 };

static unsigned char drain_space[64 << 10];

/* A valid request of each kind in @req (2 pages, zeroed). */
static void valid_req(enum which c, unsigned char *req, uint32_t size)
{
	memset(req, 0, 2 * PAGE);
	if (c == C_WATCH) {
		struct varmon_watch *w = (void *)req;

		tl_watch_init(w, &size_var, sizeof(size_var), "sizes");
		w->threshold = INT64_MAX;
		w->interval_ns = ONE_HOUR_NS;
		w->size = size;
	} else if (c == C_CANCEL) {
		struct varmon_cancel *k = (void *)req;

		k->size = size;
	} else {
		struct varmon_drain *d = (void *)req;

		d->size = size;
		d->buf = (uintptr_t)drain_space;
		d->len = sizeof(drain_space);
	}
}

/* Send @c with the request placed at @pl, expect @want; cancel after. */
static int send_expect(int fd, struct arena *a, enum which c, enum place pl,
		       size_t cut, uint32_t size, int tail, int want)
{
	static unsigned char req[2 * PAGE];
	size_t readable, len = size <= 2 * PAGE ? size : 2 * PAGE;
	void *arg;
	int err;

	valid_req(c, req, size);
	if (tail)
		req[ver0[c] + tail - 1] = 0x5a;
	/* At the edge, only the struct itself is mapped, whatever @size. */
	if (len < ver0[c] || pl == P_EDGE_FIT)
		len = ver0[c];
	arg = place(a, pl, req, len, cut, &readable);
	err = xioctl(fd, cmds[c], arg);
	if (c == C_WATCH && !err)
		tl_ioctl_cancel(fd, 0);
	TAP_EXPECT(err == want, "%s with size %u, %s%s: %s, want %s",
		   cmd_names[c], size, place_names[pl],
		   tail ? ", non-zero tail" : "", errname(err),
		   errname(want));
	return TAP_PASS;
}

static int test_sizes(void)
{
	struct arena a;
	int fd = tl_dev_open(), ret;
	enum which c;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	TAP_EXPECT(!arena_init(&a, 0), "arena: %s", strerror(errno));
	for (c = 0; c < C_COUNT; c++) {
		const uint32_t v = (uint32_t)ver0[c];
		const struct {
			uint32_t size;
			int tail;
			int want;
		} cases[] = {
			{ 0, 0, EINVAL }, { 1, 0, EINVAL },
			{ v - 8, 0, EINVAL }, { v - 1, 0, EINVAL },
			{ v, 0, 0 }, { v + 1, 0, 0 }, { v + 8, 0, 0 },
			{ v + 1, 1, E2BIG }, { v + 8, 8, E2BIG },
			{ 4095, 0, 0 }, { 4096, 0, 0 }, { 4096, 4096 - v, E2BIG },
			{ 4097, 0, E2BIG }, { 8192, 0, E2BIG },
			{ 0x7fffffff, 0, E2BIG }, { 0xffffffff, 0, E2BIG },
		};
		size_t i;

		for (i = 0; i < TAP_COUNT(cases); i++) {
			ret = send_expect(fd, &a, c, P_RW, 0, cases[i].size,
					  cases[i].tail, cases[i].want);
			if (ret)
				return ret;
		}
		/* The size says there is more than is mapped. */
		ret = send_expect(fd, &a, c, P_EDGE_FIT, 0, v + 8, 0, EFAULT);
		if (ret)
			return ret;
		ret = send_expect(fd, &a, c, P_EDGE_FIT, 0, 4096, 0, EFAULT);
		if (ret)
			return ret;
	}
	close(fd);
	arena_free(&a);
	return TAP_PASS;
}

static int test_arg_pointers(void)
{
	static const enum place bad[] = { P_NULL, P_KERNEL, P_DIRECT,
					  P_NONCANON, P_HOLE, P_NONE };
	struct arena a;
	int fd = tl_dev_open(), ret;
	enum which c;
	size_t i;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	TAP_EXPECT(!arena_init(&a, 0), "arena: %s", strerror(errno));
	for (c = 0; c < C_COUNT; c++) {
		const uint32_t v = (uint32_t)ver0[c];

		for (i = 0; i < TAP_COUNT(bad); i++) {
			ret = send_expect(fd, &a, c, bad[i], 0, v, 0, EFAULT);
			if (ret)
				return ret;
		}
		/* Ends where the mapping ends: fine. */
		ret = send_expect(fd, &a, c, P_EDGE_FIT, 0, v, 0, 0);
		if (ret)
			return ret;
		/* The size field itself, then the rest, cut off. */
		for (i = 1; i < v; i += i < 8 ? 1 : 8) {
			ret = send_expect(fd, &a, c, P_EDGE_CUT, i, v, 0,
					  EFAULT);
			if (ret)
				return ret;
		}
		/* Cut, but the size is refused before the rest is read. */
		ret = send_expect(fd, &a, c, P_EDGE_CUT, 8, 1, 0, EINVAL);
		if (ret)
			return ret;
		ret = send_expect(fd, &a, c, P_EDGE_CUT, 8, 4097, 0, E2BIG);
		if (ret)
			return ret;
		/* Read-only: WATCH and CANCEL only read it; DRAIN writes. */
		ret = send_expect(fd, &a, c, P_RO, 0, v, 0,
				  c == C_DRAIN ? EFAULT : 0);
		if (ret)
			return ret;
	}
	close(fd);
	arena_free(&a);
	return TAP_PASS;
}

/* ---- watch fields ---- */

/*
 * One change to a valid watch request and the errno it must give.
 * Returns a description of the change.
 */
static const char *mutate_watch(struct varmon_watch *w, unsigned int m,
				uint64_t *s, struct arena *a, int *want)
{
	static char what[96];
	uint64_t min_ns = FUZZ_MIN_NS;

	*want = EINVAL;
	switch (m) {
	case 0:
		w->flags |= 1U << (3 + below(s, 29));
		snprintf(what, sizeof(what), "unknown flag %#x", w->flags);
		return what;
	case 1:
		w->flags |= VARMON_WATCH_HW_FALLBACK;
		w->trigger = VARMON_TRIGGER_POLL;
		return "fallback flag on a polled watch";
	case 2:
		w->__pad0 = (uint8_t)(1 + below(s, 255));
		return "non-zero padding";
	case 3:
		w->reserved[below(s, 2)] = rnd(s) | 1;
		return "non-zero reserved word";
	case 4: {
		static const uint8_t lens[] = { 0, 3, 5, 6, 7, 9, 16, 255 };

		w->length = PICK(s, lens);
		snprintf(what, sizeof(what), "length %u", w->length);
		return what;
	}
	case 5: {
		static const uint8_t lens[] = { 2, 4, 8 };

		w->length = PICK(s, lens);
		w->addr += 1 + below(s, w->length - 1);
		snprintf(what, sizeof(what), "length %u at %#llx", w->length,
			 (unsigned long long)w->addr);
		return what;
	}
	case 6:
		memset(w->name, 0, sizeof(w->name));
		return "empty name";
	case 7:
		memset(w->name, 'n', sizeof(w->name));
		return "16-character name";
	case 8: {
		static const uint8_t conds[] = { 0, VARMON_COND_MAX + 1, 100,
						 255 };

		w->cond = PICK(s, conds);
		snprintf(what, sizeof(what), "condition %u", w->cond);
		return what;
	}
	case 9: {
		static const uint8_t trig[] = { 2, 3, 128, 255 };

		w->trigger = PICK(s, trig);
		snprintf(what, sizeof(what), "trigger %u", w->trigger);
		return what;
	}
	case 10:
		w->trigger = VARMON_TRIGGER_HWBP;
		w->cond = VARMON_COND_STALLED;
		w->threshold = 10;
		return "stalled with the hardware trigger";
	case 11:
		w->arg = (int64_t)(rnd(s) | 1);
		return "arg with the gt condition";
	case 12:
		w->interval_ns = below(s, 2) ? 1 : min_ns - 1;
		snprintf(what, sizeof(what), "interval %llu ns (min %llu)",
			 (unsigned long long)w->interval_ns,
			 (unsigned long long)min_ns);
		return what;
	case 13:
		w->interval_ns = below(s, 2) ? ONE_HOUR_NS + 1 : UINT64_MAX;
		snprintf(what, sizeof(what), "interval %llu ns",
			 (unsigned long long)w->interval_ns);
		return what;
	case 14:
		w->rearm = (int64_t)(rnd(s) | 1);
		return "rearm without its flag";
	case 15:
		w->cond = VARMON_COND_IN;
		w->threshold = 10;
		w->arg = 9;
		return "in with high end below low end";
	case 16:
		w->cond = below(s, 2) ? VARMON_COND_ANY_BITS :
					VARMON_COND_ALL_BITS;
		w->length = 1;
		w->threshold = below(s, 2) ? 0 : 0x100;
		return "bit mask empty or wider than the variable";
	case 17:
		w->cond = VARMON_COND_CHANGED;
		w->threshold = 1;
		return "changed with a threshold";
	case 18:
		w->cond = VARMON_COND_STALLED;
		w->threshold = below(s, 2) ? 0 : (int64_t)INT_MAX + 1;
		return "stalled with a bad sample count";
	case 19:
		w->flags |= VARMON_WATCH_REARM_VALUE;
		w->cond = VARMON_COND_EQ;
		return "rearm by value with eq";
	case 20:
		w->flags |= VARMON_WATCH_REARM_VALUE;
		w->threshold = 5;
		w->rearm = 5 + (int64_t)below(s, 100);
		return "gt with rearm not below the threshold";
	/* From here on, the request is well-formed but names bad memory. */
	case 21:
		*want = EFAULT;
		w->addr = 0;
		return "address NULL";
	case 22:
		*want = EFAULT;
		w->addr = below(s, 2) ? KERNEL_ADDR : DIRECT_MAP;
		return "kernel address";
	case 23:
		*want = EFAULT;
		w->addr = below(s, 2) ? NONCANON : ~7ULL;
		return "address past user space";
	case 24:
		*want = EFAULT;
		w->addr = (uintptr_t)a->hole;
		return "unmapped address";
	case 25:
		*want = EFAULT;
		w->addr = (uintptr_t)a->none + 8 * below(s, PAGE / 8);
		return "PROT_NONE address";
	case 26:
		*want = ESRCH;
		w->pid = below(s, 2) ? PID_MAX_LIMIT + 1 : 0xffffffffU;
		snprintf(what, sizeof(what), "pid %u", w->pid);
		return what;
	case 27:
		*want = ESRCH;
		w->pid = 2;	/* kthreadd: no user memory */
		return "pid of a kernel thread";
	default:
		*want = 0;
		return "nothing";
	}
}

#define NR_MUTATIONS	29

static volatile int64_t field_var[8];

static int test_watch_fields(void)
{
	uint64_t s = fuzz_seed;
	struct arena a;
	unsigned int m, round;
	int fd = tl_dev_open();

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	TAP_EXPECT(!arena_init(&a, 0), "arena: %s", strerror(errno));
	TAP_EXPECT(!tl_proc_write_u64("def_interval_ns", FUZZ_DEF_NS) &&
		   !tl_proc_write_u64("min_interval_ns", FUZZ_MIN_NS),
		   "cannot set the intervals");
	for (round = 0; round < 8; round++) {
		for (m = 0; m < NR_MUTATIONS; m++) {
			struct varmon_watch w;
			const char *what;
			int want, err;

			tl_watch_init(&w, &field_var[round], 8, "fields");
			w.threshold = INT64_MAX;
			w.interval_ns = FUZZ_DEF_NS;
			/* Every other round, the hardware trigger. */
			if (round & 1)
				w.trigger = VARMON_TRIGGER_HWBP;
			what = mutate_watch(&w, m, &s, &a, &want);
			err = xioctl(fd, VARMON_IOC_WATCH, &w);
			TAP_EXPECT(err == want,
				   "%s watch with %s: %s, want %s",
				   round & 1 ? "hardware" : "polled", what,
				   errname(err), errname(want));
			if (!err)
				TAP_EXPECT(!tl_ioctl_cancel(fd, 0),
					   "cancel failed");
		}
	}
	/* The edges that are fine. */
	{
		static const uint64_t ok_ns[] = { FUZZ_MIN_NS, ONE_HOUR_NS, 0 };
		struct varmon_watch w;
		size_t i;
		int err;

		for (i = 0; i < TAP_COUNT(ok_ns); i++) {
			tl_watch_init(&w, &field_var[0], 8, "edges");
			w.threshold = INT64_MAX;
			w.interval_ns = ok_ns[i];
			err = xioctl(fd, VARMON_IOC_WATCH, &w);
			TAP_EXPECT(!err, "interval %llu: %s",
				   (unsigned long long)ok_ns[i], errname(err));
		}
		tl_watch_init(&w, &field_var[1], 8, "fifteen-chars15");
		w.threshold = INT64_MAX;
		err = xioctl(fd, VARMON_IOC_WATCH, &w);
		TAP_EXPECT(!err, "15-character name: %s", errname(err));
		TAP_EXPECT(!tl_ioctl_cancel(fd, 0), "cancel failed");
	}
	close(fd);
	arena_free(&a);
	return hard_kernel_clean(kmsg_all, taint_start);
}

/* ---- what a watch may point at ---- */

static int watch_at(int fd, const volatile void *addr, unsigned int len,
		    int hw, int want, const char *what)
{
	struct varmon_watch w;
	int err;

	tl_watch_init(&w, addr, len, "where");
	w.threshold = INT64_MAX;
	w.interval_ns = FUZZ_DEF_NS;
	if (hw)
		w.trigger = VARMON_TRIGGER_HWBP;
	err = xioctl(fd, VARMON_IOC_WATCH, &w);
	if (!err)
		tl_ioctl_cancel(fd, 0);
	TAP_EXPECT(err == want, "%s watch on %s (%p): %s, want %s",
		   hw ? "hardware" : "polled", what, (const void *)addr,
		   errname(err), errname(want));
	return TAP_PASS;
}

/* The [vvar] mapping: I/O memory with no struct page to pin. */
static void *find_vvar(void)
{
	struct tl_buf b = { 0 };
	unsigned long lo = 0;
	char *p;

	if (!tl_read_file("/proc/self/maps", &b)) {
		p = strstr(b.s, "[vvar]");
		if (p) {
			while (p > b.s && p[-1] != '\n')
				p--;
			lo = strtoul(p, NULL, 16);
		}
	}
	tl_buf_free(&b);
	return (void *)lo;
}

/* A page that registration cannot fault in: userfaultfd, never served. */
static void *uffd_page(int *uffd)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	void *p;

	*uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (*uffd < 0)
		return NULL;
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || ioctl(*uffd, UFFDIO_API, &api))
		return NULL;
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)p;
	reg.range.len = PAGE;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(*uffd, UFFDIO_REGISTER, &reg))
		return NULL;
	return p;
}

static int test_watch_addresses(void)
{
	struct arena a;
	unsigned char *p, *vvar = find_vvar();
	int fd = tl_dev_open(), hw, ret, ffd, uffd, err;
	char path[] = "/tmp/varmon-fuzz-XXXXXX";

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	TAP_EXPECT(!arena_init(&a, 0), "arena: %s", strerror(errno));
	for (hw = 0; hw < 2; hw++) {
#define AT(addr, len, want, what)					\
	do {								\
		ret = watch_at(fd, (const volatile void *)(uintptr_t)(addr), \
			       (len), hw, (want), (what));		\
		if (ret)						\
			return ret;					\
	} while (0)
		AT(0, 8, EFAULT, "NULL");
		AT(8, 8, EFAULT, "the NULL page");
		AT(KERNEL_ADDR, 8, EFAULT, "kernel text");
		AT(DIRECT_MAP, 8, EFAULT, "the direct map");
		AT(NONCANON - 8, 8, EFAULT, "the last word of user space");
		AT(NONCANON, 8, EFAULT, "the first non-canonical address");
		AT(~7ULL, 8, EFAULT, "the last word of the address space");
		AT(a.hole, 1, EFAULT, "an unmapped page");
		AT(a.none, 4, EFAULT, "a PROT_NONE page");
		AT(a.edge + PAGE - 8, 8, 0, "the last word of a mapping");
		AT(a.edge + PAGE - 1, 1, 0, "the last byte of a mapping");
		AT(a.edge + PAGE, 1, EFAULT, "the byte after a mapping");
		AT(a.ro + PAGE - 8, 8, 0, "a read-only shared file mapping");
		if (vvar)
			AT(vvar, 8, EFAULT, "[vvar]");
#undef AT
	}

	/* A tmpfs file shared mapping: a write through the file trips it. */
	ffd = mkstemp(path);
	TAP_EXPECT(ffd >= 0, "mkstemp: %s", strerror(errno));
	unlink(path);
	TAP_EXPECT(!ftruncate(ffd, PAGE), "ftruncate: %s", strerror(errno));
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ffd, 0);
	TAP_EXPECT(p != MAP_FAILED, "mmap file: %s", strerror(errno));
	{
		struct varmon_watch w;
		int64_t one = 1;

		tl_watch_init(&w, p + 64, 8, "filepage");
		w.interval_ns = FUZZ_DEF_NS;
		err = xioctl(fd, VARMON_IOC_WATCH, &w);
		TAP_EXPECT(!err, "watch on a shared file page: %s",
			   errname(err));
		TAP_EXPECT(pwrite(ffd, &one, sizeof(one), 64) == sizeof(one),
			   "pwrite: %s", strerror(errno));
		TAP_EXPECT(tl_wait_trips(getpid(), "filepage", 0) > 0,
			   "a write through the file did not trip the watch");
		/*
		 * Truncating the file takes the page away: the watch must
		 * not go on reading a page the file no longer has.
		 */
		TAP_EXPECT(!ftruncate(ffd, 0) && !ftruncate(ffd, PAGE),
			   "truncate: %s", strerror(errno));
		TAP_EXPECT(!tl_wait_watch_count(getpid(), 0),
			   "the watch of a truncated file page is still listed");
		TAP_EXPECT(!tl_ioctl_cancel(fd, 0), "cancel");
	}
	munmap(p, PAGE);
	close(ffd);

	/* A private read-only mapping of a file: our own executable. */
	ffd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	TAP_EXPECT(ffd >= 0, "open /proc/self/exe: %s", strerror(errno));
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, ffd, 0);
	TAP_EXPECT(p != MAP_FAILED, "mmap exe: %s", strerror(errno));
	ret = watch_at(fd, p, 4, 0, 0, "a private read-only file mapping");
	if (ret)
		return ret;
	munmap(p, PAGE);
	close(ffd);

	/* Write-only memory: x86 can read it, but it is not mapped readable. */
	p = mmap(NULL, PAGE, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TAP_EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	ret = watch_at(fd, p, 4, 0, EFAULT, "a PROT_WRITE-only page");
	if (ret)
		return ret;
	munmap(p, PAGE);

	/* Huge pages, where the guest has some. */
	p = mmap(NULL, 2UL << 20, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p != MAP_FAILED) {
		p[(1UL << 20) + 8] = 0;
		ret = watch_at(fd, p + (1UL << 20) + 8, 8, 0, 0,
			       "a hugetlb page");
		if (!ret)
			ret = watch_at(fd, p + (2UL << 20) - 8, 8, 1, 0,
				       "the end of a hugetlb page");
		if (ret)
			return ret;
		munmap(p, 2UL << 20);
	} else {
		tap_diag("no hugetlb page: %s", strerror(errno));
	}

	/* memfd_secret memory is not pinnable by anyone. */
	ffd = (int)syscall(SYS_memfd_secret, 0);
	if (ffd >= 0) {
		TAP_EXPECT(!ftruncate(ffd, PAGE), "ftruncate: %s",
			   strerror(errno));
		p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ffd, 0);
		TAP_EXPECT(p != MAP_FAILED, "mmap secret: %s", strerror(errno));
		p[0] = 1;
		ret = watch_at(fd, p, 8, 0, EFAULT, "memfd_secret memory");
		if (ret)
			return ret;
		munmap(p, PAGE);
		close(ffd);
	} else {
		tap_diag("no memfd_secret: %s", strerror(errno));
	}

	/*
	 * A missing page under userfaultfd nobody serves: registration must
	 * not wait for it (the alarm of the test would fire).
	 */
	p = uffd_page(&uffd);
	if (p) {
		alarm(CALL_TIMEOUT_S);
		ret = watch_at(fd, p, 8, 0, EFAULT,
			       "a userfaultfd page nobody serves");
		alarm(TAP_DEFAULT_TIMEOUT);
		if (ret)
			return ret;
		close(uffd);
	} else {
		tap_diag("no userfaultfd: %s", strerror(errno));
	}
	close(fd);
	arena_free(&a);
	ret = hard_counters_zero();
	return ret ? ret : hard_kernel_clean(kmsg_all, taint_start);
}

/*
 * The watches file has one line per watch, space separated: a name with
 * a space or a line break would forge fields or whole lines. Each name
 * must be refused or come out as one line of 11 fields.
 */
static int test_name_bytes(void)
{
	static const char *const names[] = { "a b", "a\nb", "x\n1 y 0x0 8",
					     "tab\there", "esc\033[2J" };
	static volatile int64_t v;
	char bad[512] = "";
	size_t i, used = 0;
	int fd = tl_dev_open();

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	for (i = 0; i < TAP_COUNT(names); i++) {
		struct varmon_watch w;
		struct tl_buf b = { 0 };
		size_t lines = 0;
		long n;
		char *p;
		int err;

		tl_watch_init(&w, &v, sizeof(v), names[i]);
		w.threshold = INT64_MAX;
		w.interval_ns = ONE_HOUR_NS;
		err = xioctl(fd, VARMON_IOC_WATCH, &w);
		if (err == EINVAL)
			continue;	/* refused: fine */
		TAP_EXPECT(!err, "name %zu: %s", i, errname(err));
		TAP_EXPECT(!tl_read_file(VARMON_PROC_DIR "/watches", &b),
			   "cannot read watches");
		for (p = b.s; *p; p++)
			lines += *p == '\n';
		tl_buf_free(&b);
		n = tl_watch_count(getpid());
		TAP_EXPECT(!tl_ioctl_cancel(fd, 0), "cancel failed");
		/* The header line and ours. */
		if (lines != 2 || n != 1)
			used += (size_t)snprintf(bad + used, sizeof(bad) - used,
				"%s#%zu (%zu lines, %s)", used ? "; " : "",
				i, lines - 1, n == 1 ? "parses" :
				"does not parse as 11 fields");
		if (used >= sizeof(bad))
			break;
	}
	close(fd);
	TAP_EXPECT(!used, "names of watches break the watches file: %s", bad);
	return TAP_PASS;
}

/*
 * A name reaches the kernel log when its watch trips. A line break in it
 * would start a line of its own on the console, with the kernel's
 * timestamp and whatever text the name carries ("\nBUG: ..." forges a
 * kernel error). /dev/kmsg shows such a byte escaped as \x0a.
 */
static int test_name_log(void)
{
	static volatile int64_t v;
	struct varmon_watch w;
	struct tl_buf b = { 0 };
	uint64_t reports, now, end = tl_now_ms() + TL_WAIT_MS;
	int fd = tl_dev_open(), kfd = tl_kmsg_open(), err;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	TAP_EXPECT(kfd >= 0, "open /dev/kmsg: %s", strerror(-kfd));
	TAP_EXPECT(!tl_stat("reports", &reports), "stats");
	v = 0;
	tl_watch_init(&w, &v, sizeof(v), "log\nline");
	w.interval_ns = FUZZ_DEF_NS;
	err = xioctl(fd, VARMON_IOC_WATCH, &w);
	if (err == EINVAL)
		return TAP_PASS;	/* refused: fine */
	TAP_EXPECT(!err, "watch: %s", errname(err));
	v = 1;
	do {
		tl_sleep_ms(20);
		TAP_EXPECT(!tl_stat("reports", &now), "stats");
	} while (now == reports && tl_now_ms() < end);
	TAP_EXPECT(now > reports, "the watch did not trip");
	TAP_EXPECT(!tl_ioctl_cancel(fd, 0), "cancel");
	TAP_EXPECT(!tl_kmsg_collect(kfd, &b), "read /dev/kmsg");
	TAP_EXPECT(!strstr(b.s, "log\\x0aline"),
		   "the name \"log\\nline\" went to the kernel log with its "
		   "line break: a name can forge kernel log lines");
	tl_buf_free(&b);
	close(kfd);
	close(fd);
	return TAP_PASS;
}

/* ---- drains that cannot take a record ---- */

static volatile int64_t drain_var;

/* Make sure a dump is pending; returns the size of its first record. */
static int pending_dump(int fd, const char *name, uint32_t *first)
{
	struct varmon_watch w;
	struct varmon_drain d;
	struct tl_buf b = { 0 };
	uint64_t dumps, now;
	uint64_t end = tl_now_ms() + TL_WAIT_MS;
	int err;

	TAP_EXPECT(tl_drain_all(fd, &b) >= 0, "drain of old records failed");
	tl_buf_free(&b);
	TAP_EXPECT(!tl_stat("dumps", &dumps), "stats");
	drain_var = 0;
	tl_watch_init(&w, &drain_var, 8, name);
	w.interval_ns = FUZZ_DEF_NS;
	err = xioctl(fd, VARMON_IOC_WATCH, &w);
	TAP_EXPECT(!err, "watch: %s", errname(err));
	drain_var = 1;
	do {
		tl_sleep_ms(20);
		TAP_EXPECT(!tl_stat("dumps", &now), "stats");
	} while (now == dumps && tl_now_ms() < end);
	TAP_EXPECT(now > dumps, "no dump after a trip");
	TAP_EXPECT(!tl_ioctl_cancel(fd, 0), "cancel");
	memset(&d, 0, sizeof(d));
	d.size = sizeof(d);
	err = xioctl(fd, VARMON_IOC_DRAIN, &d);
	TAP_EXPECT(err == ENOSPC && d.needed > HDR_SIZE && !d.copied &&
		   !d.records,
		   "drain into nothing: %s, needed %llu copied %llu records %u",
		   errname(err), (unsigned long long)d.needed,
		   (unsigned long long)d.copied, d.records);
	*first = (uint32_t)d.needed;
	return TAP_PASS;
}

/* One drain with @buf/@len; @want the errno, @d filled in. */
static int drain_with(int fd, void *buf, uint64_t len, struct varmon_drain *d)
{
	memset(d, 0, sizeof(*d));
	d->size = sizeof(*d);
	d->buf = (uintptr_t)buf;
	d->len = len;
	return xioctl(fd, VARMON_IOC_DRAIN, d);
}

/* The next record drained is the DUMP of @name, seq 0: nothing was lost. */
static int first_is_dump(int fd, const char *name, const char *after)
{
	const struct varmon_rec_dump *dump;
	const struct varmon_trigger *t;
	struct tl_buf b = { 0 };
	struct tl_rec_check c = { 0 };
	char why[256];
	long n = tl_drain_all(fd, &b);

	TAP_EXPECT(n > 0, "after %s, nothing left to drain (%s): the "
		   "record was lost", after, n ? errname((int)-n) : "empty");
	dump = (const void *)b.s;
	t = (const void *)(dump + 1);
	TAP_EXPECT(dump->hdr.type == VARMON_REC_DUMP && dump->hdr.seq == 0 &&
		   dump->nr_triggers >= 1 && !strcmp(t->name, name),
		   "after %s, the first record is type %u seq %u: the dump's "
		   "first record was lost", after, dump->hdr.type,
		   dump->hdr.seq);
	TAP_EXPECT(!tl_rec_check_feed(&c, b.s, b.len, why, sizeof(why)),
		   "after %s: %s", after, why);
	tl_buf_free(&b);
	return TAP_PASS;
}

static int test_drain_small(void)
{
	struct varmon_drain d;
	uint32_t first;
	char buf[HDR_SIZE];
	int fd = tl_dev_open(), ret, err;
	size_t i;
	const uint64_t lens[] = { 1, 7, 8, HDR_SIZE - 1, HDR_SIZE };

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	ret = pending_dump(fd, "drainsmall", &first);
	if (ret)
		return ret;
	for (i = 0; i < TAP_COUNT(lens); i++) {
		err = drain_with(fd, buf, lens[i], &d);
		TAP_EXPECT(err == ENOSPC && d.needed == first && !d.copied &&
			   !d.records,
			   "drain into %llu bytes: %s, needed %llu (want %u) "
			   "copied %llu", (unsigned long long)lens[i],
			   errname(err), (unsigned long long)d.needed, first,
			   (unsigned long long)d.copied);
	}
	/* One byte short of the record, with a valid buffer. */
	{
		char *big = malloc(first);

		TAP_EXPECT(big, "malloc");
		err = drain_with(fd, big, first - 1, &d);
		TAP_EXPECT(err == ENOSPC && d.needed == first,
			   "drain into %u bytes: %s", first - 1, errname(err));
		free(big);
	}
	ret = first_is_dump(fd, "drainsmall", "drains too small");
	close(fd);
	return ret;
}

static int test_drain_bad_buffers(void)
{
	struct varmon_drain d;
	struct arena a;
	uint32_t first;
	int fd = tl_dev_open(), ret, err;
	size_t i;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	TAP_EXPECT(!arena_init(&a, 0), "arena: %s", strerror(errno));
	ret = pending_dump(fd, "drainbad", &first);
	if (ret)
		return ret;
	{
		const struct {
			void *buf;
			uint64_t len;
			const char *what;
		} bad[] = {
			{ NULL, 1 << 20, "NULL" },
			{ NULL, UINT64_MAX, "NULL, length 2^64-1" },
			{ (void *)(uintptr_t)KERNEL_ADDR, 1 << 20, "kernel text" },
			{ (void *)(uintptr_t)DIRECT_MAP, 1 << 20, "direct map" },
			{ (void *)(uintptr_t)(NONCANON - PAGE), 1 << 20,
			  "the last page of user space" },
			{ a.hole, PAGE, "unmapped" },
			{ a.none, PAGE, "PROT_NONE" },
			{ a.ro, 2 * PAGE, "read-only" },
			{ a.edge + PAGE - first / 2, first,
			  "cut by the end of a mapping" },
			{ a.edge + PAGE - first + 8, UINT64_MAX,
			  "cut by the end of a mapping, length 2^64-1" },
		};

		for (i = 0; i < TAP_COUNT(bad); i++) {
			err = drain_with(fd, bad[i].buf, bad[i].len, &d);
			TAP_EXPECT(err == EFAULT,
				   "drain into a %s buffer: %s, want EFAULT",
				   bad[i].what, errname(err));
		}
	}
	ret = first_is_dump(fd, "drainbad", "drains into bad buffers");
	close(fd);
	arena_free(&a);
	return ret;
}

/* Alignment is the reader's business: records come out whole anyway. */
static int test_drain_misaligned(void)
{
	struct varmon_drain d;
	struct tl_rec_check c = { 0 };
	uint32_t first;
	char why[256];
	unsigned char *buf = malloc(sizeof(drain_space) + 8);
	int fd = tl_dev_open(), ret, err;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	TAP_EXPECT(buf, "malloc");
	ret = pending_dump(fd, "drainodd", &first);
	if (ret)
		return ret;
	err = drain_with(fd, buf + 1, sizeof(drain_space), &d);
	TAP_EXPECT(!err && d.records >= 1 && d.copied >= first,
		   "drain into buf+1: %s, %u records %llu bytes", errname(err),
		   d.records, (unsigned long long)d.copied);
	memcpy(drain_space, buf + 1, d.copied);
	TAP_EXPECT(!tl_rec_check_feed(&c, drain_space, d.copied, why,
				      sizeof(why)),
		   "records drained to buf+1: %s", why);
	TAP_EXPECT(c.dumps == 1, "%" PRIu64 " dumps start in what buf+1 got",
		   c.dumps);
	free(buf);
	close(fd);
	return TAP_PASS;
}

/*
 * A buffer whose end is not mapped: the records that fit in the mapped
 * part come out, the one that runs into the hole stays for the next drain.
 */
static int test_drain_cut_buffer(void)
{
	struct varmon_drain d;
	struct tl_rec_check c = { 0 };
	struct tl_buf rest = { 0 };
	struct arena a;
	uint32_t first;
	char why[256];
	unsigned char *buf;
	int fd = tl_dev_open(), ret, err;
	long n;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	TAP_EXPECT(!arena_init(&a, 0), "arena: %s", strerror(errno));
	ret = pending_dump(fd, "draincut", &first);
	if (ret)
		return ret;
	/* Room for the DUMP record and 8 bytes of the next. */
	buf = a.edge + PAGE - first - 8;
	err = drain_with(fd, buf, 1 << 20, &d);
	TAP_EXPECT(!err && d.records == 1 && d.copied == first,
		   "drain into a buffer cut after %u bytes: %s, %u records "
		   "%llu bytes, want 1 record of %u", first + 8, errname(err),
		   d.records, (unsigned long long)d.copied, first);
	memcpy(drain_space, buf, first);
	TAP_EXPECT(!tl_rec_check_feed(&c, drain_space, first, why, sizeof(why)),
		   "first record: %s", why);
	n = tl_drain_all(fd, &rest);
	TAP_EXPECT(n > 0, "the record cut by the hole was lost (%s)",
		   n ? errname((int)-n) : "nothing left");
	TAP_EXPECT(!tl_rec_check_feed(&c, rest.s, rest.len, why, sizeof(why)),
		   "the rest of the dump: %s", why);
	tl_buf_free(&rest);
	close(fd);
	arena_free(&a);
	return TAP_PASS;
}

/*
 * The drain argument itself is read-only: the kernel can read the
 * request but not write back copied/needed/records. It must fail with
 * EFAULT, and since the caller cannot learn what it got, consume nothing.
 */
static int test_drain_ro_struct(void)
{
	static unsigned char buf[64 << 10];
	struct varmon_drain d;
	struct arena a;
	uint32_t first;
	size_t readable;
	void *arg;
	int fd = tl_dev_open(), ret, err;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	TAP_EXPECT(!arena_init(&a, 0), "arena: %s", strerror(errno));
	ret = pending_dump(fd, "drainro", &first);
	if (ret)
		return ret;
	memset(&d, 0, sizeof(d));
	d.size = sizeof(d);
	d.buf = (uintptr_t)buf;
	d.len = sizeof(buf);
	arg = place(&a, P_RO, &d, sizeof(d), 0, &readable);
	err = xioctl(fd, VARMON_IOC_DRAIN, arg);
	TAP_EXPECT(err == EFAULT, "drain with a read-only struct: %s, want "
		   "EFAULT", errname(err));
	ret = first_is_dump(fd, "drainro",
			    "a drain that could not report what it copied");
	close(fd);
	arena_free(&a);
	return ret;
}

/* ---- the fuzzer ---- */

#define FUZZ_PROCS	2
#define FUZZ_THREADS	4
#define NR_VARS		64
#define DRAIN_ROOM	(64 << 10)

enum op { OP_WATCH, OP_CANCEL, OP_DRAIN, OP_CMD, OP_REOPEN, OP_COUNT };

static const char *const op_names[OP_COUNT] = { "watch", "cancel", "drain",
						"other-cmd", "reopen" };

/* What each thread reports, in memory shared by the fuzz processes. */
struct fz_result {
	unsigned long calls[OP_COUNT];
	unsigned long ok[OP_COUNT];
	unsigned long errs[OP_COUNT][8];	/* see errno_slot() */
	unsigned long unexpected;
	char first[320];
};

struct fz_shared {
	pid_t pids[FUZZ_PROCS];
	uint64_t deadline_ms;
	struct fz_result res[FUZZ_PROCS * FUZZ_THREADS];
};

struct fz {
	unsigned int id;
	uint64_t rng;
	int fd;
	struct arena a;
	volatile int64_t *vars;
	struct fz_shared *sh;
	struct fz_result *res;
	unsigned long limit;
	unsigned long n;
	unsigned char req[2 * PAGE];
};

static const int errno_slots[8] = { 0, EINVAL, E2BIG, EFAULT, ESRCH, ENOSPC,
				    ENOTTY, -1 };

static void count_errno(struct fz *t, enum op op, int err)
{
	size_t i;

	for (i = 0; i < 7 && errno_slots[i] != err; i++)
		;
	t->res->errs[op][i]++;
}

__attribute__((format(printf, 2, 3)))
static void fz_bad(struct fz *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->res->unexpected++)
		return;
	n = snprintf(t->res->first, sizeof(t->res->first),
		     "thread %u call %lu: ", t->id, t->n);
	va_start(ap, fmt);
	vsnprintf(t->res->first + n, sizeof(t->res->first) - (size_t)n, fmt,
		  ap);
	va_end(ap);
}

static int in_set(int err, const int *set)
{
	for (; *set >= 0; set++)
		if (*set == err)
			return 1;
	return 0;
}

static const int watch_errs[] = { 0, EINVAL, E2BIG, EFAULT, ESRCH, ENOSPC,
				  -1 };
static const int cancel_errs[] = { 0, EINVAL, E2BIG, EFAULT, ESRCH, -1 };
static const int drain_errs[] = { 0, EINVAL, E2BIG, EFAULT, ENOSPC, -1 };

static enum place pick_place(struct fz *t, size_t ver, size_t *cut)
{
	unsigned int r = (unsigned int)below(&t->rng, 100);

	*cut = 0;
	if (r < 70)
		return P_RW;
	if (r < 76)
		return P_RO;
	if (r < 82)
		return P_EDGE_FIT;
	if (r < 88) {
		*cut = 1 + below(&t->rng, ver - 1);
		return P_EDGE_CUT;
	}
	return (enum place)(P_NULL + below(&t->rng, P_COUNT - P_NULL));
}

static uint32_t pick_size(struct fz *t, size_t ver)
{
	const uint32_t v = (uint32_t)ver;
	const uint32_t sizes[] = { 0, 1, 4, v - 1, v, v, v, v, v + 1, v + 8,
				   4095, 4096, 4097, 0xffff, 0xffffffff,
				   (uint32_t)below(&t->rng, 8192) };

	return PICK(&t->rng, sizes);
}

static uint32_t pick_pid(struct fz *t)
{
	const uint32_t pids[] = { 0, 0, 0, 0, (uint32_t)getpid(),
				  (uint32_t)gettid(), 1, 2,
				  (uint32_t)getppid(),
				  (uint32_t)t->sh->pids[0],
				  (uint32_t)t->sh->pids[1], 0x7fffffff,
				  0xffffffff, PID_MAX_LIMIT,
				  PID_MAX_LIMIT + 1,
				  (uint32_t)below(&t->rng, 1 << 16) };

	return PICK(&t->rng, pids);
}

static int64_t pick_value(struct fz *t)
{
	const int64_t vals[] = { 0, 1, -1, 2, 100, INT64_MIN, INT64_MAX,
				 INT32_MAX, (int64_t)rnd(&t->rng) };

	return PICK(&t->rng, vals);
}

static uint64_t pick_addr(struct fz *t)
{
	volatile int64_t *v = &t->vars[below(&t->rng, NR_VARS)];
	const uint64_t addrs[] = { (uintptr_t)v, (uintptr_t)v, (uintptr_t)v,
				   (uintptr_t)v + 1 + below(&t->rng, 7),
				   (uintptr_t)v + 4, 0, 8, KERNEL_ADDR,
				   DIRECT_MAP, NONCANON, NONCANON - 8, ~7ULL,
				   (uintptr_t)t->a.hole,
				   (uintptr_t)t->a.none,
				   (uintptr_t)t->a.ro + 8 * below(&t->rng, 512),
				   (uintptr_t)t->a.edge + PAGE - 8,
				   rnd(&t->rng) };

	return PICK(&t->rng, addrs);
}

/* A name of letters and digits: nothing a console scan could mistake. */
static void pick_name(struct fz *t, char *name)
{
	static const char cs[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
	unsigned int len = (unsigned int)below(&t->rng, 18), i;

	memset(name, 0, VARMON_NAME_LEN);
	if (len > VARMON_NAME_LEN)
		len = VARMON_NAME_LEN;
	for (i = 0; i < len; i++)
		name[i] = cs[below(&t->rng, sizeof(cs) - 1)];
}

static void random_watch(struct fz *t, struct varmon_watch *w)
{
	const uint8_t lens[] = { 1, 2, 4, 8, 8, 0, 3, 16, 255 };
	const uint64_t ivs[] = { 0, 0, 1, FUZZ_MIN_NS - 1, FUZZ_MIN_NS,
				 FUZZ_DEF_NS, 10 * FUZZ_DEF_NS, ONE_HOUR_NS,
				 ONE_HOUR_NS + 1, UINT64_MAX, rnd(&t->rng) };

	w->size = pick_size(t, VARMON_WATCH_SIZE_VER0);
	w->flags = below(&t->rng, 2) ? 0 :
		   below(&t->rng, 2) ? (uint32_t)below(&t->rng, 8) :
		   (uint32_t)rnd(&t->rng);
	w->pid = pick_pid(t);
	w->length = PICK(&t->rng, lens);
	w->cond = (uint8_t)(below(&t->rng, 8) ? 1 + below(&t->rng, 12) :
			    rnd(&t->rng));
	w->trigger = (uint8_t)(below(&t->rng, 4) ? below(&t->rng, 2) :
			       rnd(&t->rng));
	w->__pad0 = below(&t->rng, 16) ? 0 : (uint8_t)rnd(&t->rng);
	w->addr = pick_addr(t);
	w->threshold = pick_value(t);
	w->interval_ns = PICK(&t->rng, ivs);
	pick_name(t, w->name);
	w->arg = below(&t->rng, 2) ? 0 : pick_value(t);
	w->rearm = below(&t->rng, 2) ? 0 : pick_value(t);
	w->reserved[0] = below(&t->rng, 16) ? 0 : rnd(&t->rng);
	w->reserved[1] = below(&t->rng, 16) ? 0 : rnd(&t->rng);
}

/*
 * WATCH: a valid request with one mutation (exact errno), a valid one
 * at a random place, or random fields anywhere (errno from the set).
 */
static void op_watch(struct fz *t, unsigned long cmd)
{
	struct varmon_watch *w = (void *)t->req;
	unsigned int mode = (unsigned int)below(&t->rng, 10);
	const char *what = "random fields";
	size_t cut = 0, readable;
	enum place pl = P_RW;
	int want = -1, err, size_err;
	void *arg;

	memset(t->req, 0, sizeof(t->req));
	if (mode < 6) {
		tl_watch_init(w, &t->vars[below(&t->rng, NR_VARS)], 8, "fz");
		pick_name(t, w->name);
		if (!w->name[0] || w->name[VARMON_NAME_LEN - 1])
			strcpy(w->name, "fz");
		w->threshold = below(&t->rng, 2) ? INT64_MAX : 0;
		w->interval_ns = below(&t->rng, 2) ? 0 : FUZZ_DEF_NS;
		if (!below(&t->rng, 4)) {
			w->trigger = VARMON_TRIGGER_HWBP;
			if (below(&t->rng, 2))
				w->flags |= VARMON_WATCH_HW_FALLBACK;
		}
		if (mode < 4)
			what = mutate_watch(w, (unsigned int)below(&t->rng,
								   NR_MUTATIONS),
					    &t->rng, &t->a, &want);
		else
			pl = pick_place(t, VARMON_WATCH_SIZE_VER0, &cut);
		if (mode >= 4)
			want = 0;
	} else {
		random_watch(t, w);
		pl = pick_place(t, VARMON_WATCH_SIZE_VER0, &cut);
	}
	arg = place(&t->a, pl, t->req, sizeof(*w), cut, &readable);
	size_err = arg_errno(readable, w->size, VARMON_WATCH_SIZE_VER0);
	if (want >= 0 && size_err)
		want = size_err;
	err = xioctl(t->fd, cmd, arg);
	count_errno(t, OP_WATCH, err);
	if (!err)
		t->res->ok[OP_WATCH]++;
	if (want >= 0) {
		/*
		 * A valid request may find the process or the machine full
		 * (timer slots, debug registers), and the module takes those
		 * before it looks at the memory: ENOSPC may come first.
		 */
		if (err != want &&
		    !((want == 0 || want == EFAULT) && err == ENOSPC))
			fz_bad(t, "WATCH (%s, %s, pid %u): %s, want %s", what,
			       place_names[pl], w->pid, errname(err),
			       errname(want));
	} else if (!in_set(err, watch_errs)) {
		fz_bad(t, "WATCH with random fields (%s): %s", place_names[pl],
		       errname(err));
	}
}

static void op_cancel(struct fz *t, unsigned long cmd)
{
	struct varmon_cancel *c = (void *)t->req;
	size_t cut = 0, readable;
	enum place pl = P_RW;
	int want = -1, err;
	void *arg;

	memset(t->req, 0, sizeof(t->req));
	c->size = VARMON_CANCEL_SIZE_VER0;
	if (below(&t->rng, 2)) {
		/* Our own watches, or an exact mutation. */
		want = 0;
		switch (below(&t->rng, 5)) {
		case 0:
			c->reserved[below(&t->rng, 2)] = rnd(&t->rng) | 1;
			want = EINVAL;
			break;
		case 1:
			c->pid = PID_MAX_LIMIT + 1;
			want = ESRCH;
			break;
		default:
			break;
		}
		pl = pick_place(t, VARMON_CANCEL_SIZE_VER0, &cut);
	} else {
		c->size = pick_size(t, VARMON_CANCEL_SIZE_VER0);
		c->pid = pick_pid(t);
		if (!below(&t->rng, 8))
			c->reserved[below(&t->rng, 2)] = rnd(&t->rng);
		pl = pick_place(t, VARMON_CANCEL_SIZE_VER0, &cut);
	}
	arg = place(&t->a, pl, t->req, sizeof(*c), cut, &readable);
	if (want >= 0) {
		int size_err = arg_errno(readable, c->size,
					 VARMON_CANCEL_SIZE_VER0);

		if (size_err)
			want = size_err;
	}
	err = xioctl(t->fd, cmd, arg);
	count_errno(t, OP_CANCEL, err);
	if (!err)
		t->res->ok[OP_CANCEL]++;
	if (want >= 0 ? err != want : !in_set(err, cancel_errs))
		fz_bad(t, "CANCEL (%s, pid %u): %s, want %s", place_names[pl],
		       c->pid, errname(err), want >= 0 ? errname(want) :
		       "one of its errnos");
}

/* What a successful drain copied must be whole, well-formed records. */
static void check_copied(struct fz *t, const unsigned char *buf,
			 const struct varmon_drain *d)
{
	uint64_t off = 0;
	uint32_t n = 0;

	while (off < d->copied) {
		struct varmon_rec_hdr h;

		if (d->copied - off < HDR_SIZE)
			break;
		memcpy(&h, buf + off, sizeof(h));
		if (h.magic != VARMON_REC_MAGIC || h.size < HDR_SIZE ||
		    h.size % VARMON_REC_ALIGN || h.size > d->copied - off)
			break;
		off += h.size;
		n++;
	}
	if (off != d->copied || n != d->records)
		fz_bad(t, "DRAIN copied %llu bytes, %u records, but they "
		       "parse as %u records of %llu bytes",
		       (unsigned long long)d->copied, d->records, n,
		       (unsigned long long)off);
}

static void op_drain(struct fz *t, unsigned long cmd)
{
	struct varmon_drain *d = (void *)t->req;
	const uint64_t lens[] = { 0, 1, HDR_SIZE - 1, HDR_SIZE, 4096,
				  DRAIN_ROOM, DRAIN_ROOM,
				  below(&t->rng, DRAIN_ROOM + 1) };
	const uint64_t any_lens[] = { 0, 1, HDR_SIZE, 4096, DRAIN_ROOM,
				      UINT64_MAX, rnd(&t->rng) };
	/* 8 bytes of slack: a drain to space + 1 stays inside. */
	static __thread unsigned char space[DRAIN_ROOM + 8];
	size_t cut = 0, readable;
	enum place pl = P_RW;
	int want = -1, err;
	void *arg;

	memset(t->req, 0, sizeof(t->req));
	d->size = VARMON_DRAIN_SIZE_VER0;
	d->buf = (uintptr_t)space;
	d->len = PICK(&t->rng, lens);
	if (below(&t->rng, 2)) {
		switch (below(&t->rng, 4)) {
		case 0:
			d->flags = (uint32_t)rnd(&t->rng) | 1;
			want = EINVAL;
			break;
		case 1:
			d->__pad0 = (uint32_t)rnd(&t->rng) | 1;
			want = EINVAL;
			break;
		case 2:
			d->reserved[below(&t->rng, 2)] = rnd(&t->rng) | 1;
			want = EINVAL;
			break;
		default:
			break;
		}
	} else {
		/*
		 * Memory the kernel may not write, of any length, or the
		 * end of a mapping with a hole after it. Never a length
		 * past memory of ours that is writable.
		 */
		const uint64_t bufs[] = { 0, KERNEL_ADDR, DIRECT_MAP,
					  NONCANON - PAGE,
					  (uintptr_t)t->a.hole,
					  (uintptr_t)t->a.none,
					  (uintptr_t)t->a.ro,
					  (uintptr_t)t->a.edge + PAGE -
					  below(&t->rng, PAGE + 1) };

		d->size = pick_size(t, VARMON_DRAIN_SIZE_VER0);
		if (below(&t->rng, 3)) {
			d->buf = PICK(&t->rng, bufs);
			d->len = PICK(&t->rng, any_lens);
		} else if (below(&t->rng, 2)) {
			d->buf = (uintptr_t)space + 1;
		}
		if (!below(&t->rng, 8))
			d->flags = (uint32_t)rnd(&t->rng);
	}
	pl = pick_place(t, VARMON_DRAIN_SIZE_VER0, &cut);
	arg = place(&t->a, pl, t->req, sizeof(*d), cut, &readable);
	if (want >= 0) {
		int size_err = arg_errno(readable, d->size,
					 VARMON_DRAIN_SIZE_VER0);

		if (size_err)
			want = size_err;
		else if (pl == P_RO && !want)
			want = EFAULT;	/* it cannot write back */
	}
	err = xioctl(t->fd, cmd, arg);
	count_errno(t, OP_DRAIN, err);
	if (!err) {
		t->res->ok[OP_DRAIN]++;
		if (pl != P_RO && d->buf == (uintptr_t)space) {
			struct varmon_drain out;

			memcpy(&out, arg, sizeof(out));
			check_copied(t, space, &out);
		}
	}
	if (want >= 0 ? err != want : !in_set(err, drain_errs))
		fz_bad(t, "DRAIN (%s, buf %#llx len %llu flags %#x): %s, want %s",
		       place_names[pl], (unsigned long long)d->buf,
		       (unsigned long long)d->len, d->flags, errname(err),
		       want >= 0 ? errname(want) : "one of its errnos");
}

/* Any other command number, including ours with other directions. */
static void op_cmd(struct fz *t)
{
	unsigned long cmd;
	unsigned int type;

	if (below(&t->rng, 2)) {
		cmd = _IOC((unsigned int)below(&t->rng, 4), VARMON_IOC_MAGIC,
			   (unsigned int)below(&t->rng, 8),
			   (unsigned int)below(&t->rng, _IOC_SIZEMASK + 1));
	} else {
		do {
			cmd = (uint32_t)rnd(&t->rng);
			type = _IOC_TYPE(cmd);
		} while (vfs_type(type) || type == VARMON_IOC_MAGIC);
	}
	switch (our_cmd(cmd)) {
	case 1:
		op_watch(t, cmd);
		return;
	case 2:
		op_cancel(t, cmd);
		return;
	case 3:
		op_drain(t, cmd);
		return;
	default:
		break;
	}
	{
		size_t cut, readable;
		enum place pl = pick_place(t, 64, &cut);
		void *arg = place(&t->a, pl, t->req, 64, cut, &readable);
		int err = xioctl(t->fd, cmd, arg);

		count_errno(t, OP_CMD, err);
		if (err != ENOTTY)
			fz_bad(t, "cmd %#lx: %s, want ENOTTY", cmd,
			       errname(err));
	}
}

static void *fz_thread(void *arg)
{
	struct fz *t = arg;

	for (t->n = 0; t->n < t->limit && tl_now_ms() < t->sh->deadline_ms;
	     t->n++) {
		unsigned int r = (unsigned int)below(&t->rng, 100);
		enum op op = r < 45 ? OP_WATCH : r < 55 ? OP_CANCEL :
			     r < 70 ? OP_DRAIN : r < 97 ? OP_CMD : OP_REOPEN;

		t->res->calls[op]++;
		switch (op) {
		case OP_WATCH:
			op_watch(t, VARMON_IOC_WATCH);
			break;
		case OP_CANCEL:
			op_cancel(t, VARMON_IOC_CANCEL);
			break;
		case OP_DRAIN:
			op_drain(t, VARMON_IOC_DRAIN);
			break;
		case OP_CMD:
			op_cmd(t);
			break;
		default:
			/* Releasing a file drops the watches made through it. */
			close(t->fd);
			t->fd = tl_dev_open();
			if (t->fd < 0) {
				fz_bad(t, "reopen: %s", strerror(-t->fd));
				return NULL;
			}
			t->res->ok[OP_REOPEN]++;
			break;
		}
		/* The variables move, so conditions come and go. */
		t->vars[below(&t->rng, NR_VARS)] = pick_value(t);
	}
	return NULL;
}

static int fz_process(struct fz_shared *sh, unsigned int proc)
{
	static struct fz th[FUZZ_THREADS];
	pthread_t tid[FUZZ_THREADS];
	volatile int64_t *vars;
	unsigned int i;

	vars = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vars == MAP_FAILED)
		return 1;
	for (i = 0; i < FUZZ_THREADS; i++) {
		struct fz *t = &th[i];
		int err;

		t->id = proc * FUZZ_THREADS + i;
		t->rng = fuzz_seed ^ ((uint64_t)(t->id + 1) << 56);
		t->sh = sh;
		t->res = &sh->res[t->id];
		t->limit = fuzz_calls / (FUZZ_PROCS * FUZZ_THREADS);
		t->vars = vars;
		t->fd = tl_dev_open();
		err = arena_init(&t->a, t->id + 1);
		if (t->fd < 0 || err) {
			snprintf(t->res->first, sizeof(t->res->first),
				 "setup of thread %u: fd %d arena %s", t->id,
				 t->fd, strerror(-err));
			t->res->unexpected++;
			return 1;
		}
	}
	for (i = 0; i < NR_VARS; i++)
		vars[i] = (int64_t)rnd(&th[0].rng) % 1000;
	for (i = 0; i < FUZZ_THREADS; i++)
		if (pthread_create(&tid[i], NULL, fz_thread, &th[i]))
			return 1;
	for (i = 0; i < FUZZ_THREADS; i++)
		pthread_join(tid[i], NULL);
	for (i = 0; i < FUZZ_THREADS; i++)
		close(th[i].fd);
	return 0;
}

static int test_fuzz(void)
{
	struct fz_shared *sh;
	struct tl_buf b = { 0 };
	unsigned long total = 0, bad = 0;
	unsigned int p, i, o;
	uint64_t start = tl_now_ms();
	int fd, ret;

	tap_diag("fuzz: seed %#" PRIx64 ", %lu calls or %u s, %d processes "
		 "x %d threads (VARMON_FUZZ_SEED=%#" PRIx64 " reproduces)",
		 fuzz_seed, fuzz_calls, fuzz_seconds, FUZZ_PROCS,
		 FUZZ_THREADS, fuzz_seed);
	TAP_EXPECT(!tl_proc_write_u64("def_interval_ns", FUZZ_DEF_NS) &&
		   !tl_proc_write_u64("min_interval_ns", FUZZ_MIN_NS) &&
		   !tl_proc_write_u64("dump_reset_sec", 2),
		   "cannot set the tunables");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	TAP_EXPECT(sh != MAP_FAILED, "mmap: %s", strerror(errno));
	sh->deadline_ms = start + fuzz_seconds * 1000ULL;
	for (p = 0; p < FUZZ_PROCS; p++) {
		pid_t pid = fork();

		TAP_EXPECT(pid >= 0, "fork: %s", strerror(errno));
		if (!pid) {
			/* Wait for the sibling's pid, so both can aim at it. */
			while (!__atomic_load_n(&sh->pids[FUZZ_PROCS - 1],
						__ATOMIC_ACQUIRE))
				tl_sleep_ms(1);
			_exit(fz_process(sh, p));
		}
		__atomic_store_n(&sh->pids[p], pid, __ATOMIC_RELEASE);
	}
	for (p = 0; p < FUZZ_PROCS; p++) {
		int status;

		TAP_EXPECT(waitpid(sh->pids[p], &status, 0) == sh->pids[p],
			   "waitpid: %s", strerror(errno));
		TAP_EXPECT(WIFEXITED(status),
			   "fuzz process %u died of signal %d", p,
			   WTERMSIG(status));
	}
	for (i = 0; i < FUZZ_PROCS * FUZZ_THREADS; i++) {
		for (o = 0; o < OP_COUNT; o++)
			total += sh->res[i].calls[o];
		bad += sh->res[i].unexpected;
	}
	for (o = 0; o < OP_COUNT; o++) {
		unsigned long c = 0, ok = 0, e[8] = { 0 };
		unsigned int k;

		for (i = 0; i < FUZZ_PROCS * FUZZ_THREADS; i++) {
			c += sh->res[i].calls[o];
			ok += sh->res[i].ok[o];
			for (k = 0; k < 8; k++)
				e[k] += sh->res[i].errs[o][k];
		}
		tap_diag("%-9s %6lu calls %6lu ok; EINVAL %lu E2BIG %lu "
			 "EFAULT %lu ESRCH %lu ENOSPC %lu ENOTTY %lu other %lu",
			 op_names[o], c, ok, e[1], e[2], e[3], e[4], e[5],
			 e[6], e[7]);
	}
	tap_diag("%lu calls in %" PRIu64 " ms", total, tl_now_ms() - start);
	for (i = 0; i < FUZZ_PROCS * FUZZ_THREADS; i++)
		TAP_EXPECT(!sh->res[i].unexpected,
			   "%lu unexpected results, first: %s (seed %#" PRIx64
			   ")", sh->res[i].unexpected, sh->res[i].first,
			   fuzz_seed);
	TAP_EXPECT(total >= 1000 || total >= fuzz_calls,
		   "only %lu calls were made", total);

	/* Everything the fuzzers made went with their files. */
	ret = hard_counters_zero();
	if (ret)
		return ret;
	/* And the module still does its job. */
	fd = tl_dev_open();
	TAP_EXPECT(fd >= 0, "open after the fuzz: %s", strerror(-fd));
	ret = trip_and_drain(fd, "afterfuzz", &b);
	tl_buf_free(&b);
	if (ret)
		return ret;
	TAP_EXPECT(!tl_ioctl_cancel(fd, 0), "cancel after the fuzz");
	close(fd);
	ret = hard_counters_zero();
	return ret ? ret : hard_kernel_clean(kmsg_all, taint_start);
}

/* After all of it: the module works, nothing is left, the log is clean. */
static int test_after(void)
{
	struct tl_buf b = { 0 };
	int fd = tl_dev_open(), ret;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	ret = trip_and_drain(fd, "lastcheck", &b);
	tl_buf_free(&b);
	if (ret)
		return ret;
	close(fd);
	ret = hard_counters_zero();
	return ret ? ret : hard_kernel_clean(kmsg_all, taint_start);
}

static const struct tap_test tests[] = {
	{ "commands: other directions, numbers and types are ENOTTY",
	  test_cmd_sweep },
	{ "commands: the size bits of our numbers are ignored",
	  test_cmd_size_ignored },
	{ "sizes: below VER0 EINVAL, above a page or a non-zero tail E2BIG, "
	  "past the mapping EFAULT", test_sizes },
	{ "pointers: NULL, kernel, unmapped, PROT_NONE, cut-off arguments "
	  "EFAULT; read-only only for DRAIN", test_arg_pointers },
	{ "watch fields: each bad field alone gives its errno",
	  test_watch_fields },
	{ "watch addresses: bad memory EFAULT; mapping ends, files, hugetlb "
	  "work; userfaultfd does not hang", test_watch_addresses },
	{ "names with spaces or line breaks keep one watch per line",
	  test_name_bytes },
	{ "names with line breaks do not reach the kernel log raw",
	  test_name_log },
	{ "drain: too small is ENOSPC with needed, the record stays",
	  test_drain_small },
	{ "drain: bad, read-only and cut-off buffers are EFAULT, the record "
	  "stays", test_drain_bad_buffers },
	{ "drain: a misaligned buffer gets whole records",
	  test_drain_misaligned },
	{ "drain: a buffer ending in a hole gets what fits, the rest stays",
	  test_drain_cut_buffer },
	{ "drain: a read-only argument is EFAULT and consumes nothing",
	  test_drain_ro_struct },
	{ "fuzz: threads of several processes, seeded, bounded",
	  test_fuzz },
	{ "after all: the module works, counters zero, kernel log clean",
	  test_after },
};

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtoul(s, &end, 0);
	return errno || *end ? def : v;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "-l"))
		return tap_main(tests, TAP_COUNT(tests), argc, argv, NULL);
	if (access(VARMON_DEVICE, F_OK)) {
		printf("TAP version 13\nBail out! %s: %s\n", VARMON_DEVICE,
		       strerror(errno));
		return 1;
	}
	fuzz_seed = env_ul("VARMON_FUZZ_SEED", fuzz_seed);
	fuzz_calls = env_ul("VARMON_FUZZ_CALLS", fuzz_calls);
	fuzz_seconds = (unsigned int)env_ul("VARMON_FUZZ_SECONDS",
					    fuzz_seconds);
	/* Hardware watches come and go here: see tl_perf_hold(). */
	if (tl_perf_hold() < 0)
		printf("# perf_sched_events not held: %s\n", strerror(errno));
	kmsg_all = tl_kmsg_open();
	taint_start = tl_tainted();
	tl_tunables_save();
	return tap_main(tests, TAP_COUNT(tests), argc, argv,
			tl_tunables_restore);
}
