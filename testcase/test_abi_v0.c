// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_abi_v0.c - a program built against the first ABI keeps working.
 *
 * This file, and the testlib.c linked with it, are compiled against the
 * headers of commit 7679e95 only (testcase/abi_v0/, see conditions.mk):
 * the struct varmon_watch whose last 32 bytes were reserved, and only the
 * gt and lt conditions. It registers watches the way such a binary does,
 * with its monitor_user.h and with the raw ioctl, trips and cancels them,
 * and checks how the kernel handles struct sizes around the one it knows.
 *
 * Runs as root with variable_monitor loaded, each test in its own child
 * (tap.h); the runner restores the procfs tunables after each test.
 *
 *	test_abi_v0 [-l] [substring...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor_user.h"
#include "tap.h"
#include "testlib.h"

/* Only the frozen first ABI may be visible here. */
#if defined(VARMON_COND_GE) || defined(VARMON_COND_STALLED) || \
	defined(VARMON_WATCH_REARM_VALUE) || defined(VARMON_TRIGGER_HWBP) || \
	defined(VARMON_COND_WATCH) || VARMON_COND_MAX != VARMON_COND_LT
#error "test_abi_v0 must be built against testcase/abi_v0/ only"
#endif
_Static_assert(sizeof(struct varmon_watch) == VARMON_WATCH_SIZE_VER0 &&
	       VARMON_WATCH_SIZE_VER0 == 88,
	       "the first ABI's struct varmon_watch is 88 bytes");
_Static_assert(sizeof(struct varmon_cancel) == VARMON_CANCEL_SIZE_VER0 &&
	       VARMON_CANCEL_SIZE_VER0 == 24,
	       "the first ABI's struct varmon_cancel is 24 bytes");
_Static_assert(_IOC_SIZE(VARMON_IOC_WATCH) == 88,
	       "the first ABI's VARMON_IOC_WATCH encodes 88 bytes");

#define PG		4096UL
#define SLOW_NS		1000000ULL	/* 1 ms keeps the VM responsive */
#define HOLD_TICKS	200

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

static int expect_quiet(void)
{
	TAP_EXPECT(!tl_wait_stat("watches", 0),
		   "watches of an earlier test are still registered");
	TAP_EXPECT(!tl_wait_stat("timers", 0),
		   "timers of an earlier test are still running");
	return TAP_PASS;
}

static int slow_default_interval(void)
{
	int err = tl_proc_write_u64("def_interval_ns", SLOW_NS);

	TAP_EXPECT(!err, "cannot set def_interval_ns: %s", errname(-err));
	return TAP_PASS;
}

/*
 * Let the engine sample HOLD_TICKS times while nothing may trip. Stop
 * early when something does trip: that pauses the timer for
 * dump_reset_sec, and the caller names the watch.
 */
static int hold(void)
{
	uint64_t end = tl_now_ms() + TL_WAIT_MS, start, now, t0, t;

	TAP_EXPECT(!tl_stat("ticks", &start) && !tl_stat("trips", &t0),
		   "cannot read stats");
	do {
		tl_sleep_ms(20);
		TAP_EXPECT(!tl_stat("ticks", &now) && !tl_stat("trips", &t),
			   "cannot read stats");
		if (t != t0 || now - start >= HOLD_TICKS)
			return TAP_PASS;
	} while (tl_now_ms() < end);
	return TAP_FAIL_MSG("the engine did not tick %d times", HOLD_TICKS);
}

/*
 * The app header of the first ABI: START_WATCH_INT, a dmesg block on the
 * trip, cancel_watch().
 */
static volatile int temp;

static int test_start_watch_int(void)
{
	struct tl_watch_line l;
	struct tl_buf kb = { 0 };
	char line[512];
	long long trips;
	int err, kfd;

	CHECK(expect_quiet());
	CHECK(slow_default_interval());
	kfd = tl_kmsg_open();
	TAP_EXPECT(kfd >= 0, "open /dev/kmsg: %s", errname(-kfd));
	temp = 150;
	err = START_WATCH_INT("v0_temp", &temp, 150);
	TAP_EXPECT(!err, "START_WATCH_INT: %s", errname(-err));
	TAP_EXPECT(tl_watch_find(getpid(), "v0_temp", &l) == 1,
		   "v0_temp is not listed");
	TAP_EXPECT(l.length == 4 && !strcmp(l.cond, "gt") &&
		   !strcmp(l.threshold, "150") && l.interval_ns == SLOW_NS,
		   "v0_temp listed as length %u cond %s threshold %s interval "
		   "%" PRIu64, l.length, l.cond, l.threshold, l.interval_ns);
	CHECK(hold());
	trips = tl_watch_trips(getpid(), "v0_temp");
	TAP_EXPECT(trips == 0, "%lld trips at the threshold", trips);
	temp = 151;
	TAP_EXPECT(tl_wait_trips(getpid(), "v0_temp", 0) > 0,
		   "no trip above the threshold");
	err = tl_kmsg_wait_line(kfd, &kb, line, sizeof(line),
				"name v0_temp ptr",
				"value 151 cond gt threshold 150", NULL);
	TAP_EXPECT(!err, "no dmesg line for v0_temp at 151");
	err = cancel_watch();
	TAP_EXPECT(!err, "cancel_watch: %s", errname(-err));
	TAP_EXPECT(tl_watch_count(getpid()) == 0,
		   "watches still listed after cancel_watch()");
	tl_buf_free(&kb);
	close(kfd);
	return TAP_PASS;
}

/*
 * gt and lt on every width, signed and unsigned, through the first ABI's
 * typed macros, at the edges of each type: held at a value that must not
 * trip, then moved one step to a value that must.
 */
static volatile uint8_t g_u8, l_u8;
static volatile int8_t g_s8, l_s8;
static volatile uint16_t g_u16, l_u16;
static volatile int16_t g_s16, l_s16;
static volatile uint32_t g_u32, l_u32;
static volatile int32_t g_s32, l_s32;
static volatile uint64_t g_u64, l_u64;
static volatile int64_t g_s64, l_s64;

static const char *const edge_names[] = {
	"g_u8", "g_s8", "g_u16", "g_s16", "g_u32", "g_s32", "g_u64", "g_s64",
	"l_u8", "l_s8", "l_u16", "l_s16", "l_u32", "l_s32", "l_u64", "l_s64",
};

static int test_every_width(void)
{
	int err = 0;
	size_t i;

	CHECK(expect_quiet());
	CHECK(slow_default_interval());
	/* gt: unsigned max-1 (top bit set), signed -1; at the threshold */
	g_u8 = UINT8_MAX - 1;
	g_s8 = -1;
	g_u16 = UINT16_MAX - 1;
	g_s16 = -1;
	g_u32 = UINT32_MAX - 1;
	g_s32 = -1;
	g_u64 = UINT64_MAX - 1;
	g_s64 = -1;
	/* lt: unsigned 1, signed min+1; at the threshold */
	l_u8 = 1;
	l_s8 = INT8_MIN + 1;
	l_u16 = 1;
	l_s16 = INT16_MIN + 1;
	l_u32 = 1;
	l_s32 = INT32_MIN + 1;
	l_u64 = 1;
	l_s64 = INT64_MIN + 1;
	err |= START_WATCH_UINT8("g_u8", &g_u8, UINT8_MAX - 1);
	err |= START_WATCH_INT8("g_s8", &g_s8, -1);
	err |= START_WATCH_UINT16("g_u16", &g_u16, UINT16_MAX - 1);
	err |= START_WATCH_INT16("g_s16", &g_s16, -1);
	err |= START_WATCH_UINT32("g_u32", &g_u32, UINT32_MAX - 1);
	err |= START_WATCH_INT32("g_s32", &g_s32, -1);
	err |= START_WATCH_UINT64("g_u64", &g_u64, (long long)(UINT64_MAX - 1));
	err |= START_WATCH_INT64("g_s64", &g_s64, -1);
	err |= START_WATCH_UINT8_LESS("l_u8", &l_u8, 1);
	err |= START_WATCH_INT8_LESS("l_s8", &l_s8, INT8_MIN + 1);
	err |= START_WATCH_UINT16_LESS("l_u16", &l_u16, 1);
	err |= START_WATCH_INT16_LESS("l_s16", &l_s16, INT16_MIN + 1);
	err |= START_WATCH_UINT32_LESS("l_u32", &l_u32, 1);
	err |= START_WATCH_INT32_LESS("l_s32", &l_s32, INT32_MIN + 1);
	err |= START_WATCH_UINT64_LESS("l_u64", &l_u64, 1);
	err |= START_WATCH_INT64_LESS("l_s64", &l_s64, INT64_MIN + 1);
	TAP_EXPECT(!err, "a START_WATCH_* macro failed");
	TAP_EXPECT(tl_watch_count(getpid()) == (long)TAP_COUNT(edge_names),
		   "%ld watches listed, want %zu", tl_watch_count(getpid()),
		   TAP_COUNT(edge_names));
	CHECK(hold());
	for (i = 0; i < TAP_COUNT(edge_names); i++) {
		long long t = tl_watch_trips(getpid(), edge_names[i]);

		TAP_EXPECT(t == 0, "%s: %lld trips at its threshold",
			   edge_names[i], t);
	}
	g_u8 = UINT8_MAX;
	g_s8 = 0;
	g_u16 = UINT16_MAX;
	g_s16 = 0;
	g_u32 = UINT32_MAX;
	g_s32 = 0;
	g_u64 = UINT64_MAX;
	g_s64 = 0;
	l_u8 = 0;
	l_s8 = INT8_MIN;
	l_u16 = 0;
	l_s16 = INT16_MIN;
	l_u32 = 0;
	l_s32 = INT32_MIN;
	l_u64 = 0;
	l_s64 = INT64_MIN;
	for (i = 0; i < TAP_COUNT(edge_names); i++)
		TAP_EXPECT(tl_wait_trips(getpid(), edge_names[i], 0) > 0,
			   "%s did not trip one step past its threshold",
			   edge_names[i]);
	err = cancel_watch();
	TAP_EXPECT(!err, "cancel_watch: %s", errname(-err));
	return TAP_PASS;
}

/*
 * The raw ioctl with the first ABI's structs. @buf holds a struct
 * varmon_watch at its start, and @size is what its size field says.
 */
static volatile uint32_t *raw_var;

static void raw_init(struct varmon_watch *w, const char *name)
{
	memset(w, 0, sizeof(*w));
	w->size = sizeof(*w);
	w->length = sizeof(*raw_var);
	w->cond = VARMON_COND_GT;
	w->trigger = VARMON_TRIGGER_POLL;
	w->addr = (__u64)(uintptr_t)raw_var;
	w->threshold = 10;
	w->interval_ns = SLOW_NS;
	memcpy(w->name, name, strlen(name));
}

/* ioctl @cmd on @arg: 0 or the errno; nothing must remain on failure. */
static int raw_expect(unsigned long cmd, void *arg, int want,
		      const char *what)
{
	uint64_t watches0, pins0, watches1, pins1;
	int fd = tl_dev_open(), err;
	long n;

	TAP_EXPECT(fd >= 0, "open %s: %s", VARMON_DEVICE, errname(-fd));
	TAP_EXPECT(!tl_stat("watches", &watches0) &&
		   !tl_stat("pinned_pages", &pins0), "cannot read stats");
	err = ioctl(fd, cmd, arg) < 0 ? errno : 0;
	TAP_EXPECT(err == want, "%s: got %s, want %s", what, errname(err),
		   errname(want));
	n = tl_watch_count(getpid());
	if (!want) {
		TAP_EXPECT(n == 1, "%s: %ld watches listed, want 1", what, n);
		err = tl_ioctl_cancel(fd, 0);
		TAP_EXPECT(!err, "%s: cancel: %s", what, errname(err));
		n = tl_watch_count(getpid());
	}
	TAP_EXPECT(n == 0, "%s: %ld watches listed afterwards", what, n);
	TAP_EXPECT(!tl_stat("watches", &watches1) &&
		   !tl_stat("pinned_pages", &pins1), "cannot read stats");
	TAP_EXPECT(watches1 == watches0 && pins1 == pins0,
		   "%s: stats watches %" PRIu64 " -> %" PRIu64 ", pinned_pages "
		   "%" PRIu64 " -> %" PRIu64, what, watches0, watches1, pins0,
		   pins1);
	close(fd);
	return TAP_PASS;
}

static int raw_setup(unsigned char **buf, size_t pages)
{
	unsigned char *var = map_pages(1);

	TAP_EXPECT(var, "mmap: %s", strerror(errno));
	raw_var = (volatile uint32_t *)var;
	*buf = map_pages(pages);
	TAP_EXPECT(*buf, "mmap: %s", strerror(errno));
	return expect_quiet();
}

/* The words the first ABI reserved must still be zero. */
static int test_reserved(void)
{
	struct varmon_watch w;
	unsigned char *buf;
	char what[64];
	size_t i;

	CHECK(raw_setup(&buf, 1));
	for (i = 0; i < TAP_COUNT(w.reserved); i++) {
		static const __u64 vals[] = { 1, ~0ULL, 1ULL << 63 };
		size_t j;

		for (j = 0; j < TAP_COUNT(vals); j++) {
			raw_init(&w, "v0_res");
			w.reserved[i] = vals[j];
			snprintf(what, sizeof(what), "reserved[%zu] = 0x%llx",
				 i, (unsigned long long)vals[j]);
			CHECK(raw_expect(VARMON_IOC_WATCH, &w, EINVAL, what));
		}
	}
	raw_init(&w, "v0_res");
	return raw_expect(VARMON_IOC_WATCH, &w, 0, "all reserved zero");
}

/* A raw v0 watch trips, and the v0 cancel struct removes it. */
static int test_raw_trip_cancel(void)
{
	struct varmon_watch w;
	struct varmon_cancel c;
	unsigned char *buf;
	int fd, err;

	CHECK(raw_setup(&buf, 1));
	fd = tl_dev_open();
	TAP_EXPECT(fd >= 0, "open %s: %s", VARMON_DEVICE, errname(-fd));
	raw_init(&w, "v0_raw_lt");
	w.cond = VARMON_COND_LT;
	w.flags = VARMON_WATCH_UNSIGNED;
	w.threshold = 1;
	*raw_var = 1;
	err = tl_ioctl_watch(fd, &w);
	TAP_EXPECT(!err, "VARMON_IOC_WATCH: %s", errname(err));
	CHECK(hold());
	TAP_EXPECT(tl_watch_trips(getpid(), "v0_raw_lt") == 0,
		   "tripped at its threshold");
	*raw_var = 0;
	TAP_EXPECT(tl_wait_trips(getpid(), "v0_raw_lt", 0) > 0,
		   "did not trip below its threshold");
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	err = ioctl(fd, VARMON_IOC_CANCEL, &c) < 0 ? errno : 0;
	TAP_EXPECT(!err, "VARMON_IOC_CANCEL: %s", errname(err));
	TAP_EXPECT(tl_watch_count(getpid()) == 0,
		   "watches still listed after VARMON_IOC_CANCEL");
	close(fd);
	return TAP_PASS;
}

/* An ioctl number for the same command with another size encoded. */
static unsigned long cmd_sized(unsigned long cmd, size_t size)
{
	return _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), size);
}

static int test_size_short(void)
{
	static const __u32 sizes[] = { 0, 1, 4, 8, 56, 72, 80, 87 };
	struct varmon_watch w;
	unsigned char *buf;
	char what[64];
	size_t i;

	CHECK(raw_setup(&buf, 1));
	for (i = 0; i < TAP_COUNT(sizes); i++) {
		raw_init(&w, "v0_short");
		w.size = sizes[i];
		snprintf(what, sizeof(what), "size %u", sizes[i]);
		CHECK(raw_expect(VARMON_IOC_WATCH, &w, EINVAL, what));
		if (sizes[i]) {
			snprintf(what, sizeof(what), "size %u, encoded too",
				 sizes[i]);
			CHECK(raw_expect(cmd_sized(VARMON_IOC_WATCH, sizes[i]),
					 &w, EINVAL, what));
		}
	}
	raw_init(&w, "v0_short");
	return raw_expect(VARMON_IOC_WATCH, &w, 0, "size 88");
}

/*
 * Larger structs, as a later ABI would send: accepted when the part past
 * 88 bytes is zero, E2BIG when any of it is not, whichever size the
 * ioctl number encodes.
 */
static int test_size_long(void)
{
	static const __u32 sizes[] = { 89, 96, 128, 1024, PG };
	unsigned char *buf;
	char what[64];
	size_t i, k;

	CHECK(raw_setup(&buf, 2));
	for (i = 0; i < TAP_COUNT(sizes); i++) {
		__u32 size = sizes[i];
		const size_t bad[] = { sizeof(struct varmon_watch),
				       size - 1 };

		for (k = 0; k < 2; k++) {
			unsigned long cmd = k ?
				cmd_sized(VARMON_IOC_WATCH, size) :
				VARMON_IOC_WATCH;
			const char *enc = k ? "encoded" : "88 encoded";
			size_t b;

			memset(buf, 0, 2 * PG);
			raw_init((struct varmon_watch *)buf, "v0_long");
			((struct varmon_watch *)buf)->size = size;
			snprintf(what, sizeof(what), "size %u, zero tail, %s",
				 size, enc);
			CHECK(raw_expect(cmd, buf, 0, what));
			for (b = 0; b < TAP_COUNT(bad); b++) {
				buf[bad[b]] = 0x01;
				snprintf(what, sizeof(what),
					 "size %u, byte %zu set, %s", size,
					 bad[b], enc);
				CHECK(raw_expect(cmd, buf, E2BIG, what));
				buf[bad[b]] = 0;
			}
			/* bytes past the size are not the struct's */
			buf[size] = 0xff;
			snprintf(what, sizeof(what), "size %u, byte %u set, %s",
				 size, size, enc);
			CHECK(raw_expect(cmd, buf, 0, what));
		}
	}
	return TAP_PASS;
}

/* The cancel struct follows the same size rules. */
static int test_cancel_sizes(void)
{
	static const __u32 sizes[] = { 96, PG };
	unsigned char *buf;
	struct varmon_cancel *c;
	char what[64];
	int fd, err;
	size_t i;

	CHECK(raw_setup(&buf, 1));
	c = (struct varmon_cancel *)buf;
	fd = tl_dev_open();
	TAP_EXPECT(fd >= 0, "open %s: %s", VARMON_DEVICE, errname(-fd));
	c->size = sizeof(*c) - 1;
	err = ioctl(fd, VARMON_IOC_CANCEL, c) < 0 ? errno : 0;
	TAP_EXPECT(err == EINVAL, "cancel size %zu: got %s, want EINVAL",
		   sizeof(*c) - 1, errname(err));
	for (i = 0; i < TAP_COUNT(sizes); i++) {
		struct varmon_watch w;

		raw_init(&w, "v0_cancel");
		err = tl_ioctl_watch(fd, &w);
		TAP_EXPECT(!err, "VARMON_IOC_WATCH: %s", errname(err));
		memset(buf, 0, PG);
		c->size = sizes[i];
		buf[sizes[i] - 1] = 1;
		err = ioctl(fd, VARMON_IOC_CANCEL, c) < 0 ? errno : 0;
		snprintf(what, sizeof(what), "cancel size %u, last byte set",
			 sizes[i]);
		TAP_EXPECT(err == E2BIG, "%s: got %s, want E2BIG", what,
			   errname(err));
		TAP_EXPECT(tl_watch_count(getpid()) == 1,
			   "%s: the watch went away", what);
		buf[sizes[i] - 1] = 0;
		err = ioctl(fd, VARMON_IOC_CANCEL, c) < 0 ? errno : 0;
		TAP_EXPECT(!err, "cancel size %u, zero tail: %s", sizes[i],
			   errname(err));
		TAP_EXPECT(tl_watch_count(getpid()) == 0,
			   "cancel size %u, zero tail: the watch is still "
			   "listed", sizes[i]);
	}
	close(fd);
	return TAP_PASS;
}

static const struct tap_test tests[] = {
	{ "v0 START_WATCH_INT: listed as gt, trips, dmesg block, cancel",
	  test_start_watch_int },
	{ "v0 gt and lt macros at the edges of every width", test_every_width },
	{ "v0 reserved words must still be zero", test_reserved },
	{ "v0 raw lt watch trips; the v0 cancel struct removes it",
	  test_raw_trip_cancel },
	{ "watch struct of 88 bytes works, shorter is EINVAL",
	  test_size_short },
	{ "larger watch struct: zero tail works, non-zero tail is E2BIG",
	  test_size_long },
	{ "cancel struct: shorter is EINVAL, non-zero tail E2BIG, zero tail "
	  "works", test_cancel_sizes },
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
	tl_tunables_save();
	return tap_main(tests, TAP_COUNT(tests), argc, argv,
			tl_tunables_restore);
}
