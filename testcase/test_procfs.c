// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_procfs.c - the tunables of /proc/variable_monitor/, tested inside
 * the VM as root with the module freshly loaded.
 *
 * For every tunable: its default, a valid write read back, the ends of
 * its range, and writes that must fail with EINVAL and change nothing
 * (out of range, garbage, negative, overflowing, partly numeric). Then
 * that the values take effect on new registrations. Each test runs in
 * its own child and the runner restores the tunables after it.
 *
 *	test_procfs [-l] [substring...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "monitor_user.h"
#include "tap.h"
#include "testlib.h"

#define NO_LIMIT	UINT64_MAX

/*
 * One tunable as the spec defines it. @hi is NO_LIMIT when the spec sets
 * no maximum; @align is 0 when any value in range goes.
 */
struct tunable {
	const char *name;
	uint64_t def;
	uint64_t lo;
	uint64_t hi;
	uint64_t align;
	uint64_t valid;		/* in range, not the default */
};

static const struct tunable tunables[] = {
	{ "def_interval_ns", 10000, 5000, NO_LIMIT, 0, 20000 },
	{ "dump_reset_sec", 5, 0, 3600, 0, 7 },
	{ "min_interval_ns", 5000, 1000, 1000000000, 0, 6000 },
	{ "max_timers", 128, 1, 1024, 0, 100 },
	{ "max_watches_per_timer", 32, 1, 256, 0, 16 },
	{ "user_stack_bytes", 16384, 0, 65536, 8, 8192 },
	{ "max_dump_tasks", 256, 1, 8192, 0, 100 },
	{ "max_watches", 8192, 1, 262144, 0, 100 },
	{ "max_process_watches", 4096, 1, 262144, 0, 100 },
	{ "max_process_timers", 96, 1, 1024, 0, 10 },
};

static const char *errname(int err)
{
	const char *s;

	if (!err)
		return "success";
	s = strerrorname_np(err);
	return s ? s : "unknown errno";
}

static int check_value(const char *name, uint64_t want, const char *after)
{
	uint64_t v;
	int err = tl_proc_read_u64(name, &v);

	TAP_EXPECT(!err, "read %s: %s", name, strerror(-err));
	TAP_EXPECT(v == want, "%s reads %" PRIu64 " after %s, want %" PRIu64,
		   name, v, after, want);
	return TAP_PASS;
}

/* @s must be refused with EINVAL and leave the value as it was. */
static int check_rejected(const char *name, const char *s)
{
	char after[96];
	uint64_t before;
	int err = tl_proc_read_u64(name, &before);

	TAP_EXPECT(!err, "read %s: %s", name, strerror(-err));
	err = tl_proc_write(name, s);
	TAP_EXPECT(err == -EINVAL, "writing '%s' to %s: got %s, want EINVAL",
		   s, name, errname(-err));
	snprintf(after, sizeof(after), "the refused write '%s'", s);
	return check_value(name, before, after);
}

static int check_accepted(const char *name, uint64_t v, int newline)
{
	char s[32], after[64];
	int err;

	snprintf(s, sizeof(s), "%" PRIu64 "%s", v, newline ? "\n" : "");
	err = tl_proc_write(name, s);
	TAP_EXPECT(!err, "writing %" PRIu64 " to %s: %s", v, name,
		   errname(-err));
	snprintf(after, sizeof(after), "writing %" PRIu64, v);
	return check_value(name, v, after);
}

/*
 * min_interval_ns may not exceed def_interval_ns: raise the default
 * first, so only min_interval_ns's own range decides about @v.
 */
static int make_room(const struct tunable *t, uint64_t v)
{
	if (!strcmp(t->name, "min_interval_ns"))
		return tl_proc_write_u64("def_interval_ns",
					 v > 1000000000 ? v : 1000000000);
	return 0;
}

static int t_default(const struct tunable *t)
{
	return check_value(t->name, t->def, "module load");
}

static int t_valid(const struct tunable *t)
{
	int ret = check_accepted(t->name, t->valid, 0);

	return ret ? ret : check_accepted(t->name, t->def, 1);
}

static int t_bounds(const struct tunable *t)
{
	int ret;

	TAP_EXPECT(!make_room(t, t->hi), "cannot make room for %s bounds",
		   t->name);
	ret = check_accepted(t->name, t->lo, 1);
	if (ret || t->hi == NO_LIMIT)
		return ret;
	return check_accepted(t->name, t->hi, 1);
}

static int t_out_of_range(const struct tunable *t)
{
	char s[32];
	int ret;

	if (t->lo > 0) {
		snprintf(s, sizeof(s), "%" PRIu64, t->lo - 1);
		ret = check_rejected(t->name, s);
		if (ret)
			return ret;
	}
	if (t->hi != NO_LIMIT) {
		TAP_EXPECT(!make_room(t, t->hi + 1), "cannot make room for "
			   "%s", t->name);
		snprintf(s, sizeof(s), "%" PRIu64 "\n",
			 t->hi + (t->align ? t->align : 1));
		ret = check_rejected(t->name, s);
		if (ret)
			return ret;
	}
	if (t->align) {
		snprintf(s, sizeof(s), "%" PRIu64, t->valid + t->align / 2);
		ret = check_rejected(t->name, s);
		if (ret)
			return ret;
	}
	return TAP_PASS;
}

static int t_garbage(const struct tunable *t)
{
	static const char *const bad[] = {
		"abc", "-1", "-5\n", "12abc", "1 2", "1.5", "0x10", "\n",
		"99999999999999999999", "18446744073709551616\n", "7\n8\n",
	};
	size_t i;

	for (i = 0; i < TAP_COUNT(bad); i++) {
		int ret = check_rejected(t->name, bad[i]);

		if (ret)
			return ret;
	}
	return TAP_PASS;
}

enum kind { DEFAULT, VALID, BOUNDS, RANGE, GARBAGE };

static int run_kind(size_t idx, enum kind k)
{
	const struct tunable *t = &tunables[idx];

	switch (k) {
	case DEFAULT:
		return t_default(t);
	case VALID:
		return t_valid(t);
	case BOUNDS:
		return t_bounds(t);
	case RANGE:
		return t_out_of_range(t);
	default:
		return t_garbage(t);
	}
}

#define TUNABLE_TESTS(i)						\
static int test_##i##_default(void) { return run_kind(i, DEFAULT); }	\
static int test_##i##_valid(void) { return run_kind(i, VALID); }	\
static int test_##i##_bounds(void) { return run_kind(i, BOUNDS); }	\
static int test_##i##_range(void) { return run_kind(i, RANGE); }	\
static int test_##i##_garbage(void) { return run_kind(i, GARBAGE); }

TUNABLE_TESTS(0)
TUNABLE_TESTS(1)
TUNABLE_TESTS(2)
TUNABLE_TESTS(3)
TUNABLE_TESTS(4)
TUNABLE_TESTS(5)
TUNABLE_TESTS(6)
TUNABLE_TESTS(7)
TUNABLE_TESTS(8)
TUNABLE_TESTS(9)

#define TUNABLE_ENTRIES(i, name, def, bounds)				\
	{ name ": default is " def, test_##i##_default },		\
	{ name ": a valid write reads back", test_##i##_valid },	\
	{ name ": " bounds, test_##i##_bounds },			\
	{ name ": out-of-range writes are EINVAL, value unchanged",	\
	  test_##i##_range },						\
	{ name ": garbage, negative, overflowing and partial writes are " \
	  "EINVAL, value unchanged", test_##i##_garbage },

static int test_def_below_min(void)
{
	uint64_t min;
	char s[32];

	TAP_EXPECT(!tl_proc_read_u64("min_interval_ns", &min),
		   "cannot read min_interval_ns");
	snprintf(s, sizeof(s), "%" PRIu64, min - 1);
	return check_rejected("def_interval_ns", s);
}

static int test_min_above_def(void)
{
	uint64_t def;
	char s[32];

	TAP_EXPECT(!tl_proc_read_u64("def_interval_ns", &def),
		   "cannot read def_interval_ns");
	snprintf(s, sizeof(s), "%" PRIu64, def + 1);
	return check_rejected("min_interval_ns", s);
}

static int test_def_interval_applies(void)
{
	static volatile int var;
	struct tl_watch_line l;
	int err;

	TAP_EXPECT(!tl_proc_write_u64("def_interval_ns", 20000),
		   "cannot set def_interval_ns");
	err = START_WATCH_INT("defint", &var, 1);
	TAP_EXPECT(!err, "START_WATCH: %s", errname(-err));
	TAP_EXPECT(tl_watch_find(getpid(), "defint", &l) == 1,
		   "watch not listed");
	TAP_EXPECT(l.interval_ns == 20000,
		   "interval 0 became %" PRIu64 " ns, want def_interval_ns "
		   "20000", l.interval_ns);
	return TAP_PASS;
}

static int test_min_interval_applies(void)
{
	static volatile int var;
	watch_arg a;
	int err;

	TAP_EXPECT(!tl_proc_write_u64("def_interval_ns", 50000) &&
		   !tl_proc_write_u64("min_interval_ns", 40000),
		   "cannot raise min_interval_ns to 40000");
	memset(&a, 0, sizeof(a));
	strcpy(a.name, "minint");
	a.ptr = (void *)&var;
	a.length_byte = sizeof(int);
	a.greater_flag = 1;
	a.time_ns = 39999;
	err = start_watch(a);
	TAP_EXPECT(err == -EINVAL, "interval 39999 with min 40000: got %s",
		   errname(-err));
	a.time_ns = 40000;
	err = start_watch(a);
	TAP_EXPECT(!err, "interval 40000 with min 40000: %s", errname(-err));
	return TAP_PASS;
}

/* Lowering a limit keeps what is registered; it only bounds new ones. */
static int test_limits_new_only(void)
{
	static volatile int vars[4];
	uint64_t t0, t1;
	watch_arg a;
	int i, err;

	TAP_EXPECT(!tl_stat("timers", &t0), "cannot read stats");
	memset(&a, 0, sizeof(a));
	a.length_byte = sizeof(int);
	a.threshold = 10;
	a.greater_flag = 1;
	a.time_ns = 5000000;
	for (i = 0; i < 3; i++) {
		snprintf(a.name, sizeof(a.name), "lim%d", i);
		a.ptr = (void *)&vars[i];
		err = start_watch(a);
		TAP_EXPECT(!err, "watch %d: %s", i, errname(-err));
	}
	TAP_EXPECT(!tl_proc_write_u64("max_watches_per_timer", 1),
		   "cannot lower max_watches_per_timer");
	TAP_EXPECT(tl_watch_count(getpid()) == 3,
		   "lowering max_watches_per_timer dropped watches");
	vars[2] = 11;
	TAP_EXPECT(tl_wait_trips(getpid(), "lim2", 0) > 0,
		   "a watch registered before the limit changed stopped "
		   "working");
	strcpy(a.name, "lim3");
	a.ptr = (void *)&vars[3];
	err = start_watch(a);
	TAP_EXPECT(!err, "new watch under the lower limit: %s", errname(-err));
	TAP_EXPECT(!tl_stat("timers", &t1) && t1 - t0 == 2,
		   "%" PRIu64 " timers; the new watch should get its own, "
		   "want 2", t1 - t0);
	return TAP_PASS;
}

static int test_readonly_files(void)
{
	static const char *const ro[] = { "watches", "stats" };
	struct stat st;
	char path[128];
	size_t i;

	for (i = 0; i < TAP_COUNT(ro); i++) {
		snprintf(path, sizeof(path), "%s/%s", VARMON_PROC_DIR, ro[i]);
		TAP_EXPECT(!stat(path, &st), "stat %s: %s", path,
			   strerror(errno));
		TAP_EXPECT(!(st.st_mode & 0222), "%s is writable (mode %o)",
			   path, st.st_mode & 0777);
	}
	return TAP_PASS;
}

static const struct tap_test tests[] = {
	TUNABLE_ENTRIES(0, "def_interval_ns", "10000",
			"5000 (equal to min_interval_ns) is accepted")
	TUNABLE_ENTRIES(1, "dump_reset_sec", "5", "0 and 3600 are accepted")
	TUNABLE_ENTRIES(2, "min_interval_ns", "5000",
			"1000 and 1000000000 are accepted")
	TUNABLE_ENTRIES(3, "max_timers", "128", "1 and 1024 are accepted")
	TUNABLE_ENTRIES(4, "max_watches_per_timer", "32",
			"1 and 256 are accepted")
	TUNABLE_ENTRIES(5, "user_stack_bytes", "16384",
			"0 and 65536 are accepted")
	TUNABLE_ENTRIES(6, "max_dump_tasks", "256", "1 and 8192 are accepted")
	TUNABLE_ENTRIES(7, "max_watches", "8192", "1 and 262144 are accepted")
	TUNABLE_ENTRIES(8, "max_process_watches", "4096",
			"1 and 262144 are accepted")
	TUNABLE_ENTRIES(9, "max_process_timers", "96", "1 and 1024 are accepted")
	{ "def_interval_ns below min_interval_ns is EINVAL",
	  test_def_below_min },
	{ "min_interval_ns above def_interval_ns is EINVAL",
	  test_min_above_def },
	{ "def_interval_ns applies to new watches with interval 0",
	  test_def_interval_applies },
	{ "min_interval_ns applies to new registrations",
	  test_min_interval_applies },
	{ "lowering max_watches_per_timer keeps existing watches",
	  test_limits_new_only },
	{ "watches and stats are read-only", test_readonly_files },
};

static void after_each(void)
{
	tl_tunables_restore();
	tl_settle();
}

int main(int argc, char **argv)
{
	if (!(argc == 2 && !strcmp(argv[1], "-l")) &&
	    access(VARMON_PROC_DIR, F_OK)) {
		printf("TAP version 13\nBail out! %s: %s\n", VARMON_PROC_DIR,
		       strerror(errno));
		return 1;
	}
	tl_tunables_save();
	return tap_main(tests, TAP_COUNT(tests), argc, argv, after_each);
}
