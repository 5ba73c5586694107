// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_engine.c - the watch engine, tested from userspace inside the VM.
 *
 * Runs as root with variable_monitor loaded. Every test runs in its own
 * child process (tap.h), so the watches it registers go away with it;
 * the runner restores the procfs tunables and the device mode after
 * each test. Tests never measure time: they wait, with a generous
 * timeout, for a counter the module exposes to move.
 *
 *	test_engine [-l] [substring...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "monitor_user.h"
#include "tap.h"
#include "testlib.h"

#define PG		4096UL
#define NOBODY		65534
#define SLOW_NS		5000000ULL	/* 5 ms: an interval cheap under TCG */
#define KO_DEFAULT	"/varmon/variable_monitor.ko"
#define VARMON_STR2(x)	#x
#define VARMON_STR(x)	VARMON_STR2(x)

static mode_t dev_mode;
static uid_t dev_uid;
static gid_t dev_gid;

static const char *errname(int err)
{
	const char *s;

	if (!err)
		return "success";
	s = strerrorname_np(err);
	return s ? s : "unknown errno";
}

static void *map_pages(size_t n)
{
	void *p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, n * PG);	/* real pages, not the shared zero page */
	return p;
}

/* fork() @fn; returns its TAP result (a signal counts as a failure). */
static int run_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return TAP_FAIL_MSG("fork: %s", strerror(errno));
	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) < 0)
		return TAP_FAIL_MSG("waitpid: %s", strerror(errno));
	if (WIFSIGNALED(status))
		return TAP_FAIL_MSG("child killed by signal %d",
				    WTERMSIG(status));
	return WEXITSTATUS(status);
}

/* fork() a child that runs @fn and then sleeps until killed. */
static pid_t spawn_sleeper(void (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (fn)
			fn(arg);
		tl_sleep_forever();
	}
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/*
 * Registration errors. Each test sends one bad struct, checks the errno
 * and that nothing was left behind, then sends the corrected struct,
 * which must register: the rejection was for the field under test.
 */
static int reject_then_accept(void *bad, int want, void *good,
			      const char *what)
{
	uint64_t before, after, pins_before, pins_after;
	int fd = tl_dev_open(), err;

	TAP_EXPECT(fd >= 0, "open %s: %s", VARMON_DEVICE, strerror(-fd));
	TAP_EXPECT(!tl_stat("watches", &before) &&
		   !tl_stat("pinned_pages", &pins_before),
		   "cannot read %s/stats", VARMON_PROC_DIR);
	err = tl_ioctl_watch(fd, bad);
	TAP_EXPECT(err == want, "%s: got %s, want %s", what, errname(err),
		   errname(want));
	TAP_EXPECT(!tl_stat("watches", &after) && after == before,
		   "%s: stats watches went %" PRIu64 " -> %" PRIu64
		   " on a failed registration", what, before, after);
	TAP_EXPECT(!tl_stat("pinned_pages", &pins_after) &&
		   pins_after == pins_before,
		   "%s: pinned_pages went %" PRIu64 " -> %" PRIu64
		   " on a failed registration", what, pins_before, pins_after);
	TAP_EXPECT(tl_watch_count(getpid()) == 0,
		   "%s: the watches file lists a watch after the failure",
		   what);
	if (good) {
		err = tl_ioctl_watch(fd, good);
		TAP_EXPECT(!err, "corrected struct after '%s' failed with %s",
			   what, errname(err));
	}
	close(fd);
	return TAP_PASS;
}

/* @w must register and be listed. */
static int expect_accept(void *w, const char *what)
{
	long before = tl_watch_count(getpid()), after;
	int fd = tl_dev_open(), err;

	TAP_EXPECT(fd >= 0, "open %s: %s", VARMON_DEVICE, strerror(-fd));
	err = tl_ioctl_watch(fd, w);
	TAP_EXPECT(!err, "%s: %s", what, errname(err));
	after = tl_watch_count(getpid());
	TAP_EXPECT(after == before + 1, "%s: %ld watches listed, want %ld",
		   what, after, before + 1);
	close(fd);
	return TAP_PASS;
}

static volatile uint64_t err_var[4];

static int bad_length(unsigned int len)
{
	struct varmon_watch bad, good;
	char what[32];

	tl_watch_init(&good, &err_var[0], 4, "len");
	bad = good;
	bad.length = (__u8)len;
	snprintf(what, sizeof(what), "length %u", len);
	return reject_then_accept(&bad, EINVAL, &good, what);
}

static int test_length_0(void)
{
	return bad_length(0);
}

static int test_length_3(void)
{
	return bad_length(3);
}

static int test_length_16(void)
{
	return bad_length(16);
}

static int test_misaligned(void)
{
	char *p = map_pages(2);
	struct varmon_watch bad, good;
	int ret;

	TAP_EXPECT(p, "mmap: %s", strerror(errno));
	tl_watch_init(&good, p + 8, 4, "misaligned");
	bad = good;
	bad.addr += 2;
	ret = reject_then_accept(&bad, EINVAL, NULL, "4 bytes at offset 2");
	if (ret)
		return ret;
	/* 8 bytes that would straddle the page boundary */
	tl_watch_init(&bad, p + PG - 4, 8, "misaligned");
	return reject_then_accept(&bad, EINVAL, &good,
				  "8 bytes across a page boundary");
}

static int test_name_empty(void)
{
	struct varmon_watch bad, good;

	tl_watch_init(&good, &err_var[0], 8, "x");
	bad = good;
	memset(bad.name, 0, sizeof(bad.name));
	return reject_then_accept(&bad, EINVAL, &good, "empty name");
}

static int test_name_16(void)
{
	struct varmon_watch bad, good;

	tl_watch_init(&good, &err_var[0], 8, "fifteen_chars_x");
	bad = good;
	memcpy(bad.name, "sixteen_chars_xx", VARMON_NAME_LEN);
	return reject_then_accept(&bad, EINVAL, &good,
				  "16-character name without NUL");
}

static int test_interval_below_min(void)
{
	struct varmon_watch bad, good;
	uint64_t min;

	TAP_EXPECT(!tl_proc_read_u64("min_interval_ns", &min),
		   "cannot read min_interval_ns");
	tl_watch_init(&good, &err_var[0], 8, "interval");
	good.interval_ns = min;
	bad = good;
	bad.interval_ns = min - 1;
	return reject_then_accept(&bad, EINVAL, &good,
				  "interval min_interval_ns - 1");
}

static int test_pad_nonzero(void)
{
	struct varmon_watch bad, good;

	tl_watch_init(&good, &err_var[0], 8, "pad");
	bad = good;
	bad.__pad0 = 1;
	return reject_then_accept(&bad, EINVAL, &good, "__pad0 = 1");
}

static int test_reserved_nonzero(void)
{
	struct varmon_watch bad, good;
	size_t i;

	tl_watch_init(&good, &err_var[0], 8, "reserved");
	for (i = 0; i < TAP_COUNT(good.reserved); i++) {
		char what[32];
		int ret;

		bad = good;
		bad.reserved[i] = 1ULL << 63;
		snprintf(what, sizeof(what), "reserved[%zu] != 0", i);
		ret = reject_then_accept(&bad, EINVAL, NULL, what);
		if (ret)
			return ret;
	}
	return expect_accept(&good, "all reserved zero");
}

static int test_unknown_flags(void)
{
	static const __u32 flags[] = { 1U << 1, 1U << 31, ~0U };
	struct varmon_watch bad, good;
	size_t i;

	tl_watch_init(&good, &err_var[0], 8, "flags");
	good.flags = VARMON_WATCH_UNSIGNED;
	for (i = 0; i < TAP_COUNT(flags); i++) {
		char what[32];
		int ret;

		bad = good;
		bad.flags = flags[i];
		snprintf(what, sizeof(what), "flags 0x%x", flags[i]);
		ret = reject_then_accept(&bad, EINVAL, NULL, what);
		if (ret)
			return ret;
	}
	return expect_accept(&good, "known flags");
}

static int test_bad_cond(void)
{
	static const __u8 conds[] = { 0, VARMON_COND_MAX + 1, 255 };
	struct varmon_watch bad, good;
	size_t i;

	tl_watch_init(&good, &err_var[0], 8, "cond");
	good.cond = VARMON_COND_LT;
	for (i = 0; i < TAP_COUNT(conds); i++) {
		char what[32];
		int ret;

		bad = good;
		bad.cond = conds[i];
		snprintf(what, sizeof(what), "cond %u", conds[i]);
		ret = reject_then_accept(&bad, EINVAL, NULL, what);
		if (ret)
			return ret;
	}
	return expect_accept(&good, "cond lt");
}

static int test_bad_trigger(void)
{
	struct varmon_watch bad, good;
	int ret;

	tl_watch_init(&good, &err_var[0], 8, "trigger");
	bad = good;
	bad.trigger = VARMON_TRIGGER_HWBP + 1;
	ret = reject_then_accept(&bad, EINVAL, NULL, "trigger 2");
	if (ret)
		return ret;
	bad.trigger = 255;
	return reject_then_accept(&bad, EINVAL, &good, "trigger 255");
}

static int test_size_too_small(void)
{
	static const __u32 sizes[] = { 0, 4, VARMON_WATCH_SIZE_VER0 - 8,
				       VARMON_WATCH_SIZE_VER0 - 1 };
	struct varmon_watch bad, good;
	size_t i;

	tl_watch_init(&good, &err_var[0], 8, "size");
	good.size = VARMON_WATCH_SIZE_VER0;
	for (i = 0; i < TAP_COUNT(sizes); i++) {
		char what[32];
		int ret;

		bad = good;
		bad.size = sizes[i];
		snprintf(what, sizeof(what), "size %u", sizes[i]);
		ret = reject_then_accept(&bad, EINVAL, NULL, what);
		if (ret)
			return ret;
	}
	return expect_accept(&good, "size VER0");
}

/* A caller built against a later, larger struct. */
struct watch_v2 {
	struct varmon_watch w;
	__u64 more[3];
};

static int test_size_larger_nonzero_tail(void)
{
	struct watch_v2 bad, good;

	memset(&good, 0, sizeof(good));
	tl_watch_init(&good.w, &err_var[0], 8, "bigger");
	good.w.size = sizeof(good);
	bad = good;
	bad.more[2] = 1;
	return reject_then_accept(&bad, E2BIG, &good,
				  "larger struct with a non-zero tail");
}

static int test_size_larger_zero_tail(void)
{
	struct watch_v2 w;
	unsigned long cmd;
	int fd = tl_dev_open(), err;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	memset(&w, 0, sizeof(w));
	tl_watch_init(&w.w, &err_var[0], 8, "bigger");
	w.w.size = sizeof(w);
	/* the number a newer header would encode, with the larger size */
	cmd = _IOC(_IOC_WRITE, VARMON_IOC_MAGIC, _IOC_NR(VARMON_IOC_WATCH),
		   sizeof(w));
	err = ioctl(fd, cmd, &w) < 0 ? errno : 0;
	TAP_EXPECT(!err, "larger struct with a zero tail: %s", errname(err));
	TAP_EXPECT(tl_watch_find(getpid(), "bigger", NULL) == 1,
		   "the watch is not listed in the watches file");
	return TAP_PASS;
}

static int test_unknown_ioctl(void)
{
	const unsigned long cmds[] = {
		_IO(VARMON_IOC_MAGIC, 0x7f),
		_IOW(VARMON_IOC_MAGIC, 0x7f, struct varmon_watch),
		_IOW('x', _IOC_NR(VARMON_IOC_WATCH), struct varmon_watch),
		_IOR(VARMON_IOC_MAGIC, _IOC_NR(VARMON_IOC_WATCH),
		     struct varmon_watch),
		TCGETS,
	};
	struct varmon_watch w;
	int fd = tl_dev_open();
	size_t i;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	tl_watch_init(&w, &err_var[0], 8, "unknown");
	for (i = 0; i < TAP_COUNT(cmds); i++) {
		int err = ioctl(fd, cmds[i], &w) < 0 ? errno : 0;

		TAP_EXPECT(err == ENOTTY, "ioctl 0x%lx: got %s, want ENOTTY",
			   cmds[i], errname(err));
	}
	TAP_EXPECT(tl_watch_count(getpid()) == 0,
		   "an unknown ioctl registered a watch");
	return TAP_PASS;
}

static int test_cancel_bad_struct(void)
{
	struct varmon_cancel c;
	int fd = tl_dev_open(), err;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.reserved[1] = 1;
	err = ioctl(fd, VARMON_IOC_CANCEL, &c) < 0 ? errno : 0;
	TAP_EXPECT(err == EINVAL, "cancel with reserved[1] != 0: got %s",
		   errname(err));
	c.reserved[1] = 0;
	c.size = VARMON_CANCEL_SIZE_VER0 - 1;
	err = ioctl(fd, VARMON_IOC_CANCEL, &c) < 0 ? errno : 0;
	TAP_EXPECT(err == EINVAL, "cancel with size %u: got %s", c.size,
		   errname(err));
	c.size = sizeof(c);
	err = ioctl(fd, VARMON_IOC_CANCEL, &c) < 0 ? errno : 0;
	TAP_EXPECT(!err, "valid cancel failed: %s", errname(err));
	return TAP_PASS;
}

static int test_unmapped(void)
{
	void *p = map_pages(1);
	struct varmon_watch bad, good;
	volatile uint64_t *ok = map_pages(1);

	TAP_EXPECT(p && ok, "mmap: %s", strerror(errno));
	munmap(p, PG);
	tl_watch_init(&bad, p, 8, "unmapped");
	tl_watch_init(&good, ok, 8, "mapped");
	return reject_then_accept(&bad, EFAULT, &good, "unmapped address");
}

static int test_prot_none(void)
{
	char *p = map_pages(1);
	struct varmon_watch w;
	int ret;

	TAP_EXPECT(p, "mmap: %s", strerror(errno));
	TAP_EXPECT(!mprotect(p, PG, PROT_NONE), "mprotect: %s",
		   strerror(errno));
	tl_watch_init(&w, p + 64, 8, "prot_none");
	ret = reject_then_accept(&w, EFAULT, NULL, "PROT_NONE page");
	if (ret)
		return ret;
	TAP_EXPECT(!mprotect(p, PG, PROT_READ | PROT_WRITE), "mprotect: %s",
		   strerror(errno));
	return expect_accept(&w, "same page made readable");
}

static int test_kernel_address(void)
{
	static const uint64_t addrs[] = {
		0, 0xffffffff81000000ULL, 0xffff888000000000ULL,
		0x8000000000000000ULL,
	};
	struct varmon_watch w;
	size_t i;

	for (i = 0; i < TAP_COUNT(addrs); i++) {
		char what[48];
		int ret;

		tl_watch_init(&w, NULL, 8, "kaddr");
		w.addr = addrs[i];
		snprintf(what, sizeof(what), "address 0x%" PRIx64, addrs[i]);
		ret = reject_then_accept(&w, EFAULT, NULL, what);
		if (ret)
			return ret;
	}
	return TAP_PASS;
}

static int test_read_only_mapping(void)
{
	char *p = map_pages(1);
	struct varmon_watch w;

	TAP_EXPECT(p, "mmap: %s", strerror(errno));
	TAP_EXPECT(!mprotect(p, PG, PROT_READ), "mprotect: %s",
		   strerror(errno));
	tl_watch_init(&w, p + 64, 8, "read_only");
	return expect_accept(&w, "readable, not writable");
}

static int test_esrch(void)
{
	struct varmon_watch w;
	pid_t gone = fork();
	int ret;

	if (gone == 0)
		_exit(0);
	TAP_EXPECT(gone > 0, "fork: %s", strerror(errno));
	waitpid(gone, NULL, 0);
	tl_watch_init(&w, &err_var[0], 8, "esrch");
	w.pid = (__u32)gone;
	ret = reject_then_accept(&w, ESRCH, NULL, "pid of a reaped child");
	if (ret)
		return ret;
	w.pid = 0x7fffffff;	/* above any pid_max */
	return reject_then_accept(&w, ESRCH, NULL, "pid 0x7fffffff");
}

/* Unprivileged caller: its own watch works, a root process's does not. */
static int eperm_child(void *arg)
{
	pid_t target = *(pid_t *)arg;
	struct varmon_watch w;
	int fd, err;

	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return TAP_FAIL_MSG("dropping to uid %d: %s", NOBODY,
				    strerror(errno));
	fd = tl_dev_open();
	TAP_EXPECT(fd >= 0, "unprivileged open of a 0666 device: %s",
		   strerror(-fd));
	tl_watch_init(&w, &err_var[1], 8, "mine");
	err = tl_ioctl_watch(fd, &w);
	TAP_EXPECT(!err, "unprivileged watch on its own memory: %s",
		   errname(err));
	tl_watch_init(&w, &err_var[0], 8, "theirs");
	w.pid = (__u32)target;
	err = tl_ioctl_watch(fd, &w);
	TAP_EXPECT(err == EPERM, "watch on root's pid %d: got %s, want EPERM",
		   target, errname(err));
	TAP_EXPECT(tl_watch_count(target) == 0,
		   "the refused watch is listed under pid %d", target);
	return TAP_PASS;
}

static int test_eperm(void)
{
	pid_t target;
	int ret;

	TAP_EXPECT(!chmod(VARMON_DEVICE, 0666), "chmod: %s", strerror(errno));
	target = spawn_sleeper(NULL, NULL);
	TAP_EXPECT(target > 0, "fork: %s", strerror(errno));
	ret = run_child(eperm_child, &target);
	reap(target);
	return ret;
}

static int test_device_mode(void)
{
	struct stat st;
	int ret;

	TAP_EXPECT(!stat(VARMON_DEVICE, &st), "stat: %s", strerror(errno));
	TAP_EXPECT(S_ISCHR(st.st_mode), "%s is not a character device",
		   VARMON_DEVICE);
	TAP_EXPECT((st.st_mode & 07777) == 0600 && st.st_uid == 0,
		   "mode %o uid %u, want 0600 root", st.st_mode & 07777,
		   st.st_uid);
	ret = fork();
	if (ret == 0) {
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(2);
		_exit(open(VARMON_DEVICE, O_RDWR) < 0 && errno == EACCES ?
		      0 : 1);
	}
	TAP_EXPECT(ret > 0, "fork: %s", strerror(errno));
	waitpid(ret, &ret, 0);
	TAP_EXPECT(WIFEXITED(ret) && WEXITSTATUS(ret) == 0,
		   "uid %d could open the device (or could not drop root)",
		   NOBODY);
	return TAP_PASS;
}

/*
 * Trips for every typed macro. Signed watches use threshold -5: ">"
 * starts at -10 and goes to -1, "<" starts at 0 and goes to -10.
 * Unsigned watches use max-55: ">" starts at 100 and goes to max-5, "<"
 * the reverse. A comparison with the wrong signedness either trips on
 * the starting value or never trips.
 */
struct type_desc {
	const char *id;
	unsigned int size;
	int is_unsigned;
	int (*reg)(int gt, long long thr);
	void (*set)(long long v);
};

static int type_trip(const struct type_desc *t, int gt)
{
	uint64_t max = t->size == 8 ? UINT64_MAX :
		       (1ULL << (8 * t->size)) - 1;
	long long thr, start, trip;
	struct tl_watch_line line;
	int err;

	if (t->is_unsigned) {
		thr = (long long)(max - 55);
		start = gt ? 100 : (long long)(max - 5);
		trip = gt ? (long long)(max - 5) : 100;
	} else {
		thr = -5;
		start = gt ? -10 : 0;
		trip = gt ? -1 : -10;
	}
	t->set(start);
	err = t->reg(gt, thr);
	TAP_EXPECT(!err, "START_WATCH for %s: %s", t->id, errname(-err));
	TAP_EXPECT(tl_watch_find(getpid(), t->id, &line) == 1,
		   "watch %s not listed", t->id);
	TAP_EXPECT(line.length == t->size, "listed length %u, want %u",
		   line.length, t->size);
	TAP_EXPECT(!tl_wait_ticks(100), "timers did not tick");
	TAP_EXPECT(tl_watch_trips(getpid(), t->id) == 0,
		   "tripped on the starting value %lld (threshold %lld)",
		   start, thr);
	t->set(trip);
	TAP_EXPECT(tl_wait_trips(getpid(), t->id, 0) > 0,
		   "no trip for value %lld %s threshold %lld", trip,
		   gt ? ">" : "<", thr);
	return TAP_PASS;
}

#define TYPE_LIST(X)						\
	X(char, CHAR, char)					\
	X(signed char, SCHAR, schar)				\
	X(unsigned char, UCHAR, uchar)				\
	X(short, SHORT, short)					\
	X(unsigned short, USHORT, ushort)			\
	X(int, INT, int)					\
	X(unsigned int, UINT, uint)				\
	X(long, LONG, long)					\
	X(unsigned long, ULONG, ulong)				\
	X(long long, LLONG, llong)				\
	X(unsigned long long, ULLONG, ullong)			\
	X(int8_t, INT8, int8)					\
	X(uint8_t, UINT8, uint8)				\
	X(int16_t, INT16, int16)				\
	X(uint16_t, UINT16, uint16)				\
	X(int32_t, INT32, int32)				\
	X(uint32_t, UINT32, uint32)				\
	X(int64_t, INT64, int64)				\
	X(uint64_t, UINT64, uint64)

#define TYPE_FUNCS(T, MAC, id)						\
static volatile T id##_var;						\
static int id##_reg(int gt, long long thr)				\
{									\
	return gt ? START_WATCH_##MAC(#id, &id##_var, thr)		\
		  : START_WATCH_##MAC##_LESS(#id, &id##_var, thr);	\
}									\
static void id##_set(long long v)					\
{									\
	id##_var = (T)v;						\
}									\
static const struct type_desc id##_desc = {				\
	#id, sizeof(T), (T)-1 > (T)0, id##_reg, id##_set		\
};									\
static int test_##id##_gt(void)						\
{									\
	return type_trip(&id##_desc, 1);				\
}									\
static int test_##id##_lt(void)						\
{									\
	return type_trip(&id##_desc, 0);				\
}

TYPE_LIST(TYPE_FUNCS)

#define TYPE_TESTS(T, MAC, id)						\
	{ "START_WATCH_" #MAC " (" #T ") trips when value > threshold",	\
	  test_##id##_gt },						\
	{ "START_WATCH_" #MAC "_LESS (" #T ") trips when value < threshold", \
	  test_##id##_lt },

/* The dmesg block names the pid, the watch, the value and the threshold. */
static int dmesg_trip(const char *name, int is_unsigned)
{
	static volatile int64_t s64var = 0;
	static volatile uint64_t u64var = 0;
	char pid[16], line[512];
	struct tl_buf b = { 0 };
	const char *value, *thr;
	int kfd = tl_kmsg_open(), err;

	TAP_EXPECT(kfd >= 0, "open /dev/kmsg: %s", strerror(-kfd));
	if (is_unsigned) {
		err = START_WATCH_UINT64(name, &u64var, (long long)(1ULL << 63));
		u64var = UINT64_MAX;
		value = "18446744073709551615";
		thr = "9223372036854775808";
	} else {
		err = START_WATCH_INT64_LESS(name, &s64var, -3);
		s64var = -7;
		value = "-7";
		thr = "-3";
	}
	TAP_EXPECT(!err, "START_WATCH: %s", errname(-err));
	TAP_EXPECT(tl_wait_trips(getpid(), name, 0) > 0, "no trip");
	snprintf(pid, sizeof(pid), "%d", getpid());
	err = tl_kmsg_wait_line(kfd, &b, line, sizeof(line), name, pid, value,
				thr, NULL);
	if (err) {
		tap_diag("kernel log since the watch:\n%s", b.s ? b.s : "");
		return TAP_FAIL_MSG("no dmesg line with name %s, pid %s, "
				    "value %s and threshold %s", name, pid,
				    value, thr);
	}
	tap_diag("%s", line);
	return TAP_PASS;
}

static int test_dmesg_signed(void)
{
	return dmesg_trip("dmesg_s64", 0);
}

static int test_dmesg_unsigned(void)
{
	return dmesg_trip("dmesg_u64", 1);
}

static int test_watches_format(void)
{
	static volatile int64_t var = 0;
	static volatile uint64_t uvar = 0;
	static const char header[] =
		"# pid name addr length cond threshold interval_ns trips arg rearm trigger\n";
	struct tl_buf b = { 0 };
	struct tl_watch_line l;
	uint64_t def;
	char addr[32];
	watch_arg a;
	int err;

	TAP_EXPECT(!tl_proc_read_u64("def_interval_ns", &def),
		   "cannot read def_interval_ns");
	err = START_WATCH_INT64_LESS("fmt_s", &var, -42);
	TAP_EXPECT(!err, "START_WATCH: %s", errname(-err));
	memset(&a, 0, sizeof(a));
	strcpy(a.name, "fmt_u");
	a.ptr = (void *)&uvar;
	a.length_byte = 8;
	a.threshold = -1;	/* all ones: shown as an unsigned number */
	a.unsigned_flag = 1;
	a.greater_flag = 1;
	a.time_ns = 7000000;
	err = start_watch(a);
	TAP_EXPECT(!err, "start_watch: %s", errname(-err));

	TAP_EXPECT(!tl_read_file(VARMON_PROC_DIR "/watches", &b),
		   "cannot read watches");
	TAP_EXPECT(!strncmp(b.s, header, strlen(header)),
		   "header line is '%.*s'", (int)strcspn(b.s, "\n"), b.s);
	TAP_EXPECT(tl_watch_find(getpid(), "fmt_s", &l) == 1,
		   "fmt_s not listed (or a line did not parse)");
	snprintf(addr, sizeof(addr), "%" PRIx64, (uint64_t)(uintptr_t)&var);
	TAP_EXPECT(strstr(l.addr, addr), "root sees address %s, want %s",
		   l.addr, addr);
	TAP_EXPECT(l.length == 8 && !strcmp(l.cond, "lt") &&
		   !strcmp(l.threshold, "-42") && l.interval_ns == def &&
		   l.trips == 0 && !strcmp(l.arg, "0") &&
		   !strcmp(l.rearm, "0") && !strcmp(l.trigger, "poll"),
		   "fmt_s: length %u cond %s threshold %s interval %" PRIu64
		   " trips %" PRIu64 " arg %s rearm %s trigger %s; want 8 lt -42 %"
		   PRIu64 " 0 0 0 poll", l.length, l.cond, l.threshold,
		   l.interval_ns, l.trips, l.arg, l.rearm, l.trigger, def);
	TAP_EXPECT(tl_watch_find(getpid(), "fmt_u", &l) == 1,
		   "fmt_u not listed");
	TAP_EXPECT(!strcmp(l.cond, "gt") &&
		   !strcmp(l.threshold, "18446744073709551615") &&
		   l.interval_ns == 7000000,
		   "fmt_u: cond %s threshold %s interval %" PRIu64
		   "; want gt 18446744073709551615 7000000", l.cond,
		   l.threshold, l.interval_ns);
	tl_buf_free(&b);
	return TAP_PASS;
}

static int hashed_reader(void *arg)
{
	const char *addr = arg;
	struct tl_buf b = { 0 };
	int err;

	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return TAP_FAIL_MSG("setuid: %s", strerror(errno));
	err = tl_read_file(VARMON_PROC_DIR "/watches", &b);
	if (err == -EACCES || err == -EPERM)
		return TAP_PASS;	/* no access at all leaks nothing */
	TAP_EXPECT(!err, "unprivileged read of watches: %s",
		   strerror(-err));
	TAP_EXPECT(!strstr(b.s, addr),
		   "uid %d reads the real address %s", NOBODY, addr);
	return TAP_PASS;
}

/*
 * With no_hash_pointers, or slub debugging which turns it on, %p prints
 * real addresses to everyone by the admin's choice. The last
 * slub_debug= (slab_debug= on 7.x) counts; "-" means no debugging.
 */
static int kernel_hashes_pointers(void)
{
	struct tl_buf b = { 0 };
	const char *slub = NULL;
	int unhashed = 0;
	char *tok, *save;

	if (tl_read_file("/proc/cmdline", &b))
		return 1;
	for (tok = strtok_r(b.s, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save)) {
		if (!strcmp(tok, "no_hash_pointers"))
			unhashed = 1;
		else if (!strcmp(tok, "slub_debug") || !strcmp(tok, "slab_debug"))
			slub = "";
		else if (!strncmp(tok, "slub_debug=", 11) ||
			 !strncmp(tok, "slab_debug=", 11))
			slub = tok + 11;
	}
	if (slub && strcmp(slub, "-"))
		unhashed = 1;
	tl_buf_free(&b);
	return !unhashed;
}

static int test_watches_hashed(void)
{
	static volatile int var;
	char addr[32];
	int err;

	if (!kernel_hashes_pointers())
		return tap_skip("this boot prints %%p unhashed "
				"(no_hash_pointers or slub_debug)");
	err = START_WATCH_INT("hashed", &var, 1);
	TAP_EXPECT(!err, "START_WATCH: %s", errname(-err));
	snprintf(addr, sizeof(addr), "%" PRIx64, (uint64_t)(uintptr_t)&var);
	return run_child(hashed_reader, addr);
}

static int test_stats_keys(void)
{
	static const char *const keys[] = {
		"timers", "watches", "pinned_pages", "ticks", "trips",
		"callback_ns_total", "callback_ns_max",
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < TAP_COUNT(keys); i++)
		TAP_EXPECT(!tl_stat(keys[i], &v), "stats has no valid '%s'",
			   keys[i]);
	return TAP_PASS;
}

static int test_stats_count(void)
{
	static volatile int var;
	uint64_t t0, t1, w0, w1, ticks0, ticks1, ns;
	int err;

	TAP_EXPECT(!tl_stat("trips", &t0) && !tl_stat("watches", &w0),
		   "cannot read stats");
	err = START_WATCH_INT("count", &var, 10);
	TAP_EXPECT(!err, "START_WATCH: %s", errname(-err));
	TAP_EXPECT(!tl_stat("watches", &w1) && w1 == w0 + 1,
		   "stats watches %" PRIu64 " -> %" PRIu64 ", want +1", w0,
		   w1);
	TAP_EXPECT(!tl_stat("ticks", &ticks0), "cannot read ticks");
	TAP_EXPECT(!tl_wait_ticks(10), "stats ticks stays at %" PRIu64,
		   ticks0);
	var = 11;
	TAP_EXPECT(tl_wait_trips(getpid(), "count", 0) > 0, "no trip");
	TAP_EXPECT(!tl_stat("trips", &t1) && t1 > t0,
		   "stats trips stays at %" PRIu64 " after a trip", t0);
	TAP_EXPECT(!tl_stat("ticks", &ticks1) && ticks1 > ticks0,
		   "ticks did not grow");
	TAP_EXPECT(!tl_stat("callback_ns_total", &ns) && ns > 0,
		   "callback_ns_total is 0 after %" PRIu64 " ticks", ticks1);
	return TAP_PASS;
}

/* Watches with the same interval share a timer of max_watches_per_timer. */
static int test_timer_sharing(void)
{
	static volatile int vars[40];
	uint64_t t0, t1, per;
	watch_arg a;
	int i, err;

	TAP_EXPECT(!tl_proc_read_u64("max_watches_per_timer", &per) &&
		   per <= 32, "max_watches_per_timer unreadable or > 32");
	TAP_EXPECT(!tl_stat("timers", &t0), "cannot read stats");
	memset(&a, 0, sizeof(a));
	a.length_byte = sizeof(int);
	a.threshold = 100;
	a.greater_flag = 1;
	for (i = 0; i < (int)per + 1; i++) {
		snprintf(a.name, sizeof(a.name), "share%d", i);
		a.ptr = (void *)&vars[i];
		a.time_ns = SLOW_NS;
		err = start_watch(a);
		TAP_EXPECT(!err, "watch %d: %s", i, errname(-err));
		TAP_EXPECT(!tl_stat("timers", &t1), "cannot read stats");
		TAP_EXPECT(t1 - t0 == (i < (int)per ? 1 : 2),
			   "after %d watches of one interval: %" PRIu64
			   " timers, want %d", i + 1, t1 - t0,
			   i < (int)per ? 1 : 2);
	}
	a.time_ns = SLOW_NS + 1000;
	a.ptr = (void *)&vars[per + 1];
	strcpy(a.name, "other");
	err = start_watch(a);
	TAP_EXPECT(!err, "watch with another interval: %s", errname(-err));
	TAP_EXPECT(!tl_stat("timers", &t1) && t1 - t0 == 3,
		   "another interval: %" PRIu64 " timers, want 3", t1 - t0);
	TAP_EXPECT(!cancel_watch(), "cancel_watch: %s", strerror(errno));
	TAP_EXPECT(!tl_wait_stat("timers", t0),
		   "timers not released after cancel_watch()");
	return TAP_PASS;
}

static int test_many_watches(void)
{
	static volatile int vars[2049];
	uint64_t w0, t0, p0, w1, t1, per;
	long n;
	watch_arg a;
	int i, err;

	TAP_EXPECT(!tl_proc_read_u64("max_watches_per_timer", &per) &&
		   per == 32, "max_watches_per_timer is not the default 32");
	TAP_EXPECT(!tl_stat("watches", &w0) && !tl_stat("timers", &t0) &&
		   !tl_stat("pinned_pages", &p0), "cannot read stats");
	memset(&a, 0, sizeof(a));
	a.length_byte = sizeof(int);
	a.threshold = 1000;
	a.greater_flag = 1;
	a.time_ns = SLOW_NS;
	for (i = 0; i < 2049; i++) {
		snprintf(a.name, sizeof(a.name), "many%d", i);
		a.ptr = (void *)&vars[i];
		err = start_watch(a);
		TAP_EXPECT(!err, "watch %d of 2049: %s", i, errname(-err));
	}
	n = tl_watch_count(getpid());
	TAP_EXPECT(n == 2049, "watches file lists %ld watches, want 2049", n);
	TAP_EXPECT(!tl_stat("watches", &w1) && w1 - w0 == 2049,
		   "stats watches grew by %" PRIu64 ", want 2049", w1 - w0);
	TAP_EXPECT(!tl_stat("timers", &t1) && t1 - t0 == 65,
		   "%" PRIu64 " timers for 2049 watches, want 65", t1 - t0);
	vars[2048] = 1001;	/* the only watch of the 65th timer */
	vars[0] = 1001;
	TAP_EXPECT(tl_wait_trips(getpid(), "many2048", 0) > 0,
		   "many2048 did not trip");
	TAP_EXPECT(tl_wait_trips(getpid(), "many0", 0) > 0,
		   "many0 did not trip");
	TAP_EXPECT(tl_watch_trips(getpid(), "many1") == 0,
		   "many1 tripped while below its threshold");
	TAP_EXPECT(!cancel_watch(), "cancel_watch: %s", strerror(errno));
	TAP_EXPECT(!tl_wait_stat("watches", w0) &&
		   !tl_wait_stat("timers", t0) &&
		   !tl_wait_stat("pinned_pages", p0),
		   "cancel_watch() did not release every watch, timer and pin");
	return TAP_PASS;
}

/* Capacity: with 2 timers of 2 watches, the fifth watch gets ENOSPC. */
static int test_enospc(void)
{
	volatile int *v = map_pages(1);
	uint64_t t0, w0, p0, w1, p1;
	watch_arg a;
	int i, err;

	TAP_EXPECT(v, "mmap: %s", strerror(errno));
	TAP_EXPECT(!tl_stat("timers", &t0) && !tl_stat("watches", &w0),
		   "cannot read stats");
	TAP_EXPECT(!tl_proc_write_u64("max_watches_per_timer", 2) &&
		   !tl_proc_write_u64("max_timers", t0 + 2),
		   "cannot lower max_watches_per_timer / max_timers");
	memset(&a, 0, sizeof(a));
	a.length_byte = sizeof(int);
	a.threshold = 10;
	a.greater_flag = 1;
	a.time_ns = SLOW_NS;
	for (i = 0; i < 4; i++) {
		snprintf(a.name, sizeof(a.name), "cap%d", i);
		a.ptr = (void *)&v[i * 2];
		err = start_watch(a);
		TAP_EXPECT(!err, "watch %d within capacity: %s", i,
			   errname(-err));
	}
	TAP_EXPECT(!tl_stat("pinned_pages", &p0), "cannot read stats");
	strcpy(a.name, "cap4");
	a.ptr = (void *)&v[100];
	err = start_watch(a);
	TAP_EXPECT(err == -ENOSPC, "fifth watch, same interval: got %s, "
		   "want ENOSPC", errname(-err));
	a.time_ns = SLOW_NS + 1000;
	err = start_watch(a);
	TAP_EXPECT(err == -ENOSPC, "fifth watch, new interval: got %s, "
		   "want ENOSPC", errname(-err));
	TAP_EXPECT(!tl_stat("watches", &w1) && w1 == w0 + 4 &&
		   !tl_stat("pinned_pages", &p1) && p1 == p0,
		   "ENOSPC left state behind: watches +%" PRIu64
		   " (want 4), pinned_pages %" PRIu64 " -> %" PRIu64,
		   w1 - w0, p0, p1);
	TAP_EXPECT(tl_watch_find(getpid(), "cap4", NULL) == 0,
		   "the refused watch is listed");
	v[6] = 11;
	TAP_EXPECT(tl_wait_trips(getpid(), "cap3", 0) > 0,
		   "an earlier watch stopped working after ENOSPC");
	return TAP_PASS;
}

/* A never-written bss page maps the zero page until the first write. */
static int test_untouched_page(void)
{
	int *p = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile int *v = p;
	int err;

	TAP_EXPECT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	TAP_EXPECT(v[3] == 0, "fresh page is not zero");	/* read fault */
	err = START_WATCH_INT("untouched", p + 3, 5);
	TAP_EXPECT(!err, "START_WATCH: %s", errname(-err));
	v[3] = 6;
	TAP_EXPECT(tl_wait_trips(getpid(), "untouched", 0) > 0,
		   "first write to a never-written page is not seen");
	return TAP_PASS;
}

static int test_own_pid_explicit(void)
{
	static volatile int var;
	watch_arg a;
	int err;

	memset(&a, 0, sizeof(a));
	a.task_id = getpid();
	strcpy(a.name, "ownpid");
	a.ptr = (void *)&var;
	a.length_byte = sizeof(int);
	a.threshold = 3;
	a.greater_flag = 1;
	err = start_watch(a);
	TAP_EXPECT(!err, "start_watch with task_id = getpid(): %s",
		   errname(-err));
	var = 4;
	TAP_EXPECT(tl_wait_trips(getpid(), "ownpid", 0) > 0, "no trip");
	return TAP_PASS;
}

/* The child waits for "go", then writes over the threshold. */
struct remote {
	volatile int *var;
	struct tl_sync go;
};

static void remote_body(void *arg)
{
	struct remote *r = arg;

	if (!tl_sync_wait(&r->go))
		*r->var = 50;
}

static int test_other_process_trip(void)
{
	struct remote r;
	struct varmon_watch w;
	pid_t child;
	int fd = tl_dev_open(), err;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	r.var = map_pages(1);
	TAP_EXPECT(r.var && !tl_sync_init(&r.go), "setup: %s",
		   strerror(errno));
	child = spawn_sleeper(remote_body, &r);
	TAP_EXPECT(child > 0, "fork: %s", strerror(errno));
	tl_watch_init(&w, r.var, 4, "remote");
	w.pid = (__u32)child;
	w.threshold = 40;
	err = tl_ioctl_watch(fd, &w);
	TAP_EXPECT(!err, "root watch on pid %d: %s", child, errname(err));
	TAP_EXPECT(tl_watch_find(child, "remote", NULL) == 1,
		   "watch not listed under the target pid %d", child);
	tl_sync_post(&r.go);
	TAP_EXPECT(tl_wait_trips(child, "remote", 0) > 0,
		   "the target's write was not seen");
	return TAP_PASS;
}

static int test_other_process_exit(void)
{
	static volatile int var;
	struct varmon_watch w;
	uint64_t w0, p0;
	pid_t child;
	int fd = tl_dev_open(), err;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	TAP_EXPECT(!tl_stat("watches", &w0) && !tl_stat("pinned_pages", &p0),
		   "cannot read stats");
	child = spawn_sleeper(NULL, NULL);
	TAP_EXPECT(child > 0, "fork: %s", strerror(errno));
	tl_watch_init(&w, &var, 4, "target");
	w.pid = (__u32)child;
	err = tl_ioctl_watch(fd, &w);
	TAP_EXPECT(!err, "watch on pid %d: %s", child, errname(err));
	reap(child);
	TAP_EXPECT(!tl_wait_watch_count(child, 0),
		   "watch of exited pid %d still listed", child);
	TAP_EXPECT(!tl_wait_stat("watches", w0) &&
		   !tl_wait_stat("pinned_pages", p0),
		   "stats not back to watches %" PRIu64 " pinned %" PRIu64,
		   w0, p0);
	return TAP_PASS;
}

/* fork + copy-on-write: the watch follows the registering process. */
static void cow_child_write(void *arg)
{
	struct remote *r = arg;

	*r->var = 50;
	tl_sync_post(&r->go);
}

static int test_fork_child_write(void)
{
	struct remote r;
	pid_t child;
	int err;

	r.var = map_pages(1);
	TAP_EXPECT(r.var && !tl_sync_init(&r.go), "setup: %s",
		   strerror(errno));
	err = START_WATCH_INT("cow", r.var, 40);
	TAP_EXPECT(!err, "START_WATCH: %s", errname(-err));
	child = spawn_sleeper(cow_child_write, &r);
	TAP_EXPECT(child > 0, "fork: %s", strerror(errno));
	TAP_EXPECT(!tl_sync_wait(&r.go), "child did not write");
	TAP_EXPECT(!tl_wait_ticks(200), "timers did not tick");
	TAP_EXPECT(tl_watch_trips(getpid(), "cow") == 0,
		   "the child's write to its own copy tripped the parent's "
		   "watch");
	return TAP_PASS;
}

static int test_fork_parent_write(void)
{
	struct remote r;
	pid_t child;
	int err;

	r.var = map_pages(1);
	TAP_EXPECT(r.var, "mmap: %s", strerror(errno));
	err = START_WATCH_INT("cow", r.var, 40);
	TAP_EXPECT(!err, "START_WATCH: %s", errname(-err));
	child = spawn_sleeper(NULL, NULL);	/* shares the page, COW */
	TAP_EXPECT(child > 0, "fork: %s", strerror(errno));
	*r.var = 50;
	TAP_EXPECT(tl_wait_trips(getpid(), "cow", 0) > 0,
		   "the parent's write after fork() was not seen");
	reap(child);
	TAP_EXPECT(tl_watch_find(getpid(), "cow", NULL) == 1,
		   "the child's exit removed the parent's watch");
	return TAP_PASS;
}

/* The owner exits while a forked child still holds the descriptor. */
struct owner_info {
	pid_t owner;
	pid_t holder;
};

static int test_exit_with_fd_in_child(void)
{
	struct owner_info info;
	uint64_t w0;
	int fds[2];
	pid_t owner;

	TAP_EXPECT(!tl_stat("watches", &w0), "cannot read stats");
	TAP_EXPECT(!pipe(fds), "pipe: %s", strerror(errno));
	owner = fork();
	if (owner == 0) {
		static volatile int var;

		info.owner = getpid();
		if (START_WATCH_INT("owned", &var, 1))
			_exit(1);
		info.holder = spawn_sleeper(NULL, NULL);	/* has the fd */
		if (write(fds[1], &info, sizeof(info)) != sizeof(info))
			_exit(1);
		_exit(0);
	}
	TAP_EXPECT(owner > 0, "fork: %s", strerror(errno));
	TAP_EXPECT(read(fds[0], &info, sizeof(info)) == sizeof(info),
		   "owner could not register");
	waitpid(owner, NULL, 0);
	TAP_EXPECT(!tl_wait_watch_count(owner, 0),
		   "exited owner %d still has watches while pid %d holds the fd",
		   owner, info.holder);
	TAP_EXPECT(!tl_wait_stat("watches", w0), "stats watches not back");
	reap(info.holder);
	return TAP_PASS;
}

static int test_close_last_fd(void)
{
	static volatile int var;
	struct varmon_watch w;
	int fd = tl_dev_open(), fd2, err;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	tl_watch_init(&w, &var, 4, "closing");
	err = tl_ioctl_watch(fd, &w);
	TAP_EXPECT(!err, "watch: %s", errname(err));
	fd2 = dup(fd);
	close(fd);
	TAP_EXPECT(!tl_wait_ticks(20), "timers did not tick");
	TAP_EXPECT(tl_watch_find(getpid(), "closing", NULL) == 1,
		   "closing one of two fds removed the watch");
	close(fd2);
	TAP_EXPECT(!tl_wait_watch_count(getpid(), 0),
		   "closing the last fd left the watch");
	return TAP_PASS;
}

static void register_b(void *arg)
{
	static volatile int var;
	struct tl_sync *s = arg;

	if (!START_WATCH_INT("procB", &var, 100))
		tl_sync_post(s);
}

static int test_cancel_only_own(void)
{
	static volatile int var;
	struct tl_sync s;
	pid_t b;
	int err;

	TAP_EXPECT(!tl_sync_init(&s), "pipe: %s", strerror(errno));
	b = spawn_sleeper(register_b, &s);
	TAP_EXPECT(b > 0, "fork: %s", strerror(errno));
	TAP_EXPECT(!tl_sync_wait(&s), "process B could not register");
	err = START_WATCH_INT("procA", &var, 100);
	TAP_EXPECT(!err, "START_WATCH: %s", errname(-err));
	err = cancel_watch();
	TAP_EXPECT(!err, "cancel_watch: %s", errname(-err));
	TAP_EXPECT(tl_watch_count(getpid()) == 0,
		   "cancel_watch() left the caller's watch");
	TAP_EXPECT(tl_watch_find(b, "procB", NULL) == 1,
		   "cancel_watch() removed another process's watch");
	return TAP_PASS;
}

/* Memory going away under a watch. */
static int test_munmap_drops(void)
{
	char *p = map_pages(1);
	uint64_t w0, p0, w1;
	int err;

	TAP_EXPECT(p, "mmap: %s", strerror(errno));
	TAP_EXPECT(!tl_stat("watches", &w0) && !tl_stat("pinned_pages", &p0),
		   "cannot read stats");
	err = START_WATCH_INT("unmapped", (int *)(p + 64), 5);
	TAP_EXPECT(!err, "START_WATCH: %s", errname(-err));
	TAP_EXPECT(!tl_stat("watches", &w1) && w1 == w0 + 1,
		   "watch not counted");
	TAP_EXPECT(!munmap(p, PG), "munmap: %s", strerror(errno));
	TAP_EXPECT(!tl_wait_watch_count(getpid(), 0),
		   "watch still listed after munmap");
	TAP_EXPECT(!tl_wait_stat("watches", w0) &&
		   !tl_wait_stat("pinned_pages", p0),
		   "stats watches/pinned_pages not back after munmap");
	return TAP_PASS;
}

static int test_munmap_dmesg(void)
{
	char *p = map_pages(1), pid[16], line[512];
	struct tl_buf b = { 0 };
	int kfd = tl_kmsg_open(), err;

	TAP_EXPECT(p, "mmap: %s", strerror(errno));
	TAP_EXPECT(kfd >= 0, "open /dev/kmsg: %s", strerror(-kfd));
	err = START_WATCH_INT("gone_var", (int *)(p + 64), 5);
	TAP_EXPECT(!err, "START_WATCH: %s", errname(-err));
	TAP_EXPECT(!munmap(p, PG), "munmap: %s", strerror(errno));
	snprintf(pid, sizeof(pid), "%d", getpid());
	err = tl_kmsg_wait_line(kfd, &b, line, sizeof(line), "gone_var", pid,
				NULL);
	if (err) {
		tap_diag("kernel log since the watch:\n%s", b.s ? b.s : "");
		return TAP_FAIL_MSG("no dmesg note naming gone_var and pid %s",
				    pid);
	}
	tap_diag("%s", line);
	return TAP_PASS;
}

static int test_munmap_partial(void)
{
	char *p = map_pages(3);
	int err;

	TAP_EXPECT(p, "mmap: %s", strerror(errno));
	err = START_WATCH_INT("keep", (int *)p, 5);
	TAP_EXPECT(!err, "START_WATCH keep: %s", errname(-err));
	err = START_WATCH_INT("drop", (int *)(p + PG), 5);
	TAP_EXPECT(!err, "START_WATCH drop: %s", errname(-err));
	TAP_EXPECT(!munmap(p + PG, PG), "munmap: %s", strerror(errno));
	TAP_EXPECT(!tl_wait_watch_count(getpid(), 1),
		   "%ld watches after unmapping one of two pages, want 1",
		   tl_watch_count(getpid()));
	TAP_EXPECT(tl_watch_find(getpid(), "keep", NULL) == 1,
		   "the watch on the page still mapped was dropped");
	*(volatile int *)p = 6;
	TAP_EXPECT(tl_wait_trips(getpid(), "keep", 0) > 0,
		   "the remaining watch no longer trips");
	return TAP_PASS;
}

static int test_mremap_drops(void)
{
	char *p = map_pages(2), *q;
	/* a reserved destination, so the move clobbers nothing */
	void *dst = mmap(NULL, 2 * PG, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int err;

	TAP_EXPECT(p && dst != MAP_FAILED, "mmap: %s", strerror(errno));
	err = START_WATCH_INT("moved", (int *)(p + 64), 5);
	TAP_EXPECT(!err, "START_WATCH: %s", errname(-err));
	q = mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	TAP_EXPECT(q == dst, "mremap: %s", strerror(errno));
	TAP_EXPECT(!tl_wait_watch_count(getpid(), 0),
		   "watch still listed after its memory moved");
	return TAP_PASS;
}

/* Wait until @pid runs the "--sleep" image. */
static int wait_exec(pid_t pid)
{
	uint64_t end = tl_now_ms() + TL_WAIT_MS;
	struct tl_buf b = { 0 };
	char path[64];
	int ret = -ETIMEDOUT;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	do {
		/* cmdline is NUL-separated: the second word follows the first */
		if (!tl_read_file(path, &b) && b.len > strlen(b.s) + 1 &&
		    !strcmp(b.s + strlen(b.s) + 1, "--sleep")) {
			ret = 0;
			break;
		}
		tl_sleep_ms(20);
	} while (tl_now_ms() < end);
	tl_buf_free(&b);
	return ret;
}

static int test_exec_drops(void)
{
	struct varmon_watch w;
	struct tl_sync ready, go;
	char *p = map_pages(1);
	pid_t child;

	TAP_EXPECT(p && !tl_sync_init(&ready) && !tl_sync_init(&go),
		   "setup: %s", strerror(errno));
	child = fork();
	if (child == 0) {
		/* an fd that survives exec, so only exec can drop it */
		int fd = open(VARMON_DEVICE, O_RDWR);

		tl_watch_init(&w, p + 64, 4, "execd");
		if (fd < 0 || tl_ioctl_watch(fd, &w))
			_exit(1);
		tl_sync_post(&ready);
		tl_sync_wait(&go);	/* parent saw the watch */
		execl("/proc/self/exe", "test_engine", "--sleep", NULL);
		_exit(1);
	}
	TAP_EXPECT(child > 0, "fork: %s", strerror(errno));
	TAP_EXPECT(!tl_sync_wait(&ready), "child could not register");
	TAP_EXPECT(tl_watch_find(child, "execd", NULL) == 1,
		   "watch not listed before exec");
	tl_sync_post(&go);
	TAP_EXPECT(!wait_exec(child), "pid %d did not exec", child);
	TAP_EXPECT(!tl_wait_watch_count(child, 0),
		   "watch of pid %d still listed after exec", child);
	reap(child);
	return TAP_PASS;
}

static int test_hugetlb(void)
{
	const size_t huge = 2UL << 20;
	char *p = mmap(NULL, huge, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	volatile long *v;
	struct tl_buf nr = { 0 };
	int err;

	if (p == MAP_FAILED) {
		err = errno;
		tl_read_file("/proc/sys/vm/nr_hugepages", &nr);
		return TAP_FAIL_MSG("mmap MAP_HUGETLB: %s (nr_hugepages %s)",
				    strerror(err), nr.s ? nr.s : "?");
	}
	v = (volatile long *)(p + (1UL << 20) + 64);	/* a tail subpage */
	*v = 0;
	err = START_WATCH_LONG("huge", v, 7);
	TAP_EXPECT(!err, "START_WATCH on a hugetlb page: %s", errname(-err));
	TAP_EXPECT(!tl_wait_ticks(100), "timers did not tick");
	TAP_EXPECT(tl_watch_trips(getpid(), "huge") == 0,
		   "tripped while the value was 0");
	*v = 8;
	TAP_EXPECT(tl_wait_trips(getpid(), "huge", 0) > 0,
		   "write to a hugetlb page not seen");
	return TAP_PASS;
}

/* 8 processes with 64 watches each, each on its own page, then SIGKILL. */
#define KILL_PROCS	8
#define KILL_WATCHES	64

static void kill_body(void *arg)
{
	struct tl_sync *s = arg;
	char *p = map_pages(KILL_WATCHES);
	watch_arg a;
	int i;

	if (!p)
		return;
	memset(&a, 0, sizeof(a));
	a.length_byte = 8;
	a.threshold = 1;
	a.greater_flag = 1;
	a.time_ns = SLOW_NS + (unsigned long)(getpid() % 7) * 1000;
	for (i = 0; i < KILL_WATCHES; i++) {
		snprintf(a.name, sizeof(a.name), "k%d", i);
		a.ptr = p + (size_t)i * PG + 8 * (size_t)(i % 8);
		if (start_watch(a))
			return;
	}
	tl_sync_post(s);
}

static int kill_many(int check_pins)
{
	pid_t pids[KILL_PROCS];
	uint64_t w0, p0, t0, w1, p1, acq, rel;
	struct tl_sync s;
	int i;

	TAP_EXPECT(!tl_sync_init(&s), "pipe: %s", strerror(errno));
	TAP_EXPECT(!tl_stat("watches", &w0) && !tl_stat("pinned_pages", &p0) &&
		   !tl_stat("timers", &t0), "cannot read stats");
	for (i = 0; i < KILL_PROCS; i++) {
		pids[i] = spawn_sleeper(kill_body, &s);
		TAP_EXPECT(pids[i] > 0, "fork: %s", strerror(errno));
	}
	for (i = 0; i < KILL_PROCS; i++)
		TAP_EXPECT(!tl_sync_wait(&s), "process %d of %d could not "
			   "register %d watches", i, KILL_PROCS, KILL_WATCHES);
	TAP_EXPECT(!tl_stat("watches", &w1) &&
		   w1 - w0 == KILL_PROCS * KILL_WATCHES,
		   "stats watches +%" PRIu64 ", want %d", w1 - w0,
		   KILL_PROCS * KILL_WATCHES);
	TAP_EXPECT(!tl_stat("pinned_pages", &p1) &&
		   p1 - p0 == KILL_PROCS * KILL_WATCHES,
		   "pinned_pages +%" PRIu64 " for %d watches on distinct pages",
		   p1 - p0, KILL_PROCS * KILL_WATCHES);
	for (i = 0; i < KILL_PROCS; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < KILL_PROCS; i++)
		waitpid(pids[i], NULL, 0);
	if (!check_pins) {
		TAP_EXPECT(!tl_wait_stat("watches", w0),
			   "stats watches not back to %" PRIu64, w0);
		TAP_EXPECT(!tl_wait_stat("timers", t0),
			   "stats timers not back to %" PRIu64, t0);
		TAP_EXPECT(tl_watch_count(0) == (long)w0,
			   "watches file still lists killed processes");
		return TAP_PASS;
	}
	TAP_EXPECT(!tl_wait_stat("pinned_pages", p0),
		   "stats pinned_pages not back to %" PRIu64, p0);
	TAP_EXPECT(!tl_wait_pins_balanced(&acq, &rel),
		   "/proc/vmstat nr_foll_pin_acquired %" PRIu64
		   " != nr_foll_pin_released %" PRIu64, acq, rel);
	return TAP_PASS;
}

static int test_sigkill_watches(void)
{
	return kill_many(0);
}

static int test_sigkill_pins(void)
{
	return kill_many(1);
}

/* 16 threads register at once, over 4 intervals, through one fd. */
#define THREADS		16
#define PER_THREAD	32

static pthread_barrier_t barrier;
static volatile int thread_vars[THREADS][PER_THREAD];

static void *thread_body(void *arg)
{
	long t = (long)arg, err = 0;
	watch_arg a;
	int i;

	memset(&a, 0, sizeof(a));
	a.length_byte = sizeof(int);
	a.threshold = 10;
	a.greater_flag = 1;
	a.time_ns = SLOW_NS + (unsigned long)(t % 4) * 1000;
	pthread_barrier_wait(&barrier);
	for (i = 0; i < PER_THREAD && !err; i++) {
		snprintf(a.name, sizeof(a.name), "t%ld_%d", t, i);
		a.ptr = (void *)&thread_vars[t][i];
		err = start_watch(a);
	}
	return (void *)err;
}

static int test_threads(void)
{
	pthread_t th[THREADS];
	uint64_t t0, t1;
	long i, n;

	TAP_EXPECT(!tl_stat("timers", &t0), "cannot read stats");
	pthread_barrier_init(&barrier, NULL, THREADS);
	for (i = 0; i < THREADS; i++)
		TAP_EXPECT(!pthread_create(&th[i], NULL, thread_body,
					   (void *)i), "pthread_create");
	for (i = 0; i < THREADS; i++) {
		void *ret;

		pthread_join(th[i], &ret);
		TAP_EXPECT(!ret, "thread %ld: start_watch: %s", i,
			   errname(-(int)(long)ret));
	}
	n = tl_watch_count(getpid());
	TAP_EXPECT(n == THREADS * PER_THREAD, "%ld watches listed, want %d",
		   n, THREADS * PER_THREAD);
	/* 4 intervals x 128 watches: exactly 4 full timers each */
	TAP_EXPECT(!tl_stat("timers", &t1) && t1 - t0 == 16,
		   "%" PRIu64 " timers, want 16 (racing threads created extra "
		   "timers or shared wrongly)", t1 - t0);
	thread_vars[THREADS - 1][PER_THREAD - 1] = 11;
	TAP_EXPECT(tl_wait_trips(getpid(), "t15_31", 0) > 0,
		   "the last thread's last watch does not trip");
	return TAP_PASS;
}

/* dump_reset_sec: the pause after a trip. */
static int test_dump_reset_repeat(void)
{
	static volatile int var;
	int err;

	TAP_EXPECT(!tl_proc_write_u64("dump_reset_sec", 1),
		   "cannot set dump_reset_sec");
	err = START_WATCH_INT("again", &var, 0);
	TAP_EXPECT(!err, "START_WATCH: %s", errname(-err));
	var = 1;
	TAP_EXPECT(tl_wait_trips(getpid(), "again", 1) > 1,
		   "a watch still over its threshold tripped only once with "
		   "dump_reset_sec=1");
	return TAP_PASS;
}

static int test_dump_reset_pause(void)
{
	static volatile int paused, ticker;
	watch_arg a;
	long long trips;
	int err;

	TAP_EXPECT(!tl_proc_write_u64("dump_reset_sec", 3600),
		   "cannot set dump_reset_sec");
	err = START_WATCH_INT("paused", &paused, 0);
	TAP_EXPECT(!err, "START_WATCH: %s", errname(-err));
	memset(&a, 0, sizeof(a));	/* another timer keeps ticking */
	strcpy(a.name, "ticker");
	a.ptr = (void *)&ticker;
	a.length_byte = sizeof(int);
	a.threshold = 100;
	a.greater_flag = 1;
	a.time_ns = SLOW_NS;
	err = start_watch(a);
	TAP_EXPECT(!err, "start_watch: %s", errname(-err));
	paused = 1;
	TAP_EXPECT(tl_wait_trips(getpid(), "paused", 0) > 0, "no trip");
	TAP_EXPECT(!tl_wait_ticks(200), "the other timer did not tick");
	trips = tl_watch_trips(getpid(), "paused");
	TAP_EXPECT(trips == 1, "%lld trips while paused for an hour, want 1",
		   trips);
	return TAP_PASS;
}

/* rmmod: refused while a file is open, then works; reload after. */
static int delete_module(unsigned int flags)
{
	return syscall(SYS_delete_module, TL_MODULE, flags) < 0 ? errno : 0;
}

static int module_loaded(void)
{
	struct tl_buf b = { 0 };
	int ret = !tl_read_file("/proc/modules", &b) &&
		  (!strncmp(b.s, TL_MODULE " ", strlen(TL_MODULE) + 1) ||
		   strstr(b.s, "\n" TL_MODULE " "));

	tl_buf_free(&b);
	return ret;
}

static int load_module(const char *params)
{
	const char *ko = getenv("VARMON_KO");
	int fd = open(ko ? ko : KO_DEFAULT, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return errno;
	err = syscall(SYS_finit_module, fd, params, 0) < 0 ? errno : 0;
	close(fd);
	return err;
}

static int wait_device(int present)
{
	uint64_t end = tl_now_ms() + TL_WAIT_MS;

	do {
		if ((access(VARMON_DEVICE, F_OK) == 0) == present)
			return 0;
		tl_sleep_ms(20);
	} while (tl_now_ms() < end);
	return -ETIMEDOUT;
}

static int unload_idle(void)
{
	uint64_t end = tl_now_ms() + TL_WAIT_MS;
	int err;

	do {
		err = delete_module(O_NONBLOCK);
		if (err != EAGAIN && err != EBUSY)
			return err;
		tl_sleep_ms(50);
	} while (tl_now_ms() < end);
	return err;
}

static int test_rmmod_busy(void)
{
	static volatile int var;
	struct varmon_watch w;
	int fd = tl_dev_open(), err;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	tl_watch_init(&w, &var, 4, "busy");
	TAP_EXPECT(!tl_ioctl_watch(fd, &w), "watch failed");
	err = delete_module(O_NONBLOCK);
	/* the kernel says "in use" as EWOULDBLOCK; rmmod prints it as busy */
	TAP_EXPECT(err == EWOULDBLOCK || err == EBUSY,
		   "delete_module with an open fd: got %s, want EWOULDBLOCK "
		   "or EBUSY", errname(err));
	TAP_EXPECT(module_loaded(), "module gone while its fd is open");
	tl_watch_init(&w, &var, 4, "still");
	err = tl_ioctl_watch(fd, &w);
	TAP_EXPECT(!err, "the open fd stopped working: %s", errname(err));
	return TAP_PASS;
}

static int test_rmmod_idle(void)
{
	int err;

	TAP_EXPECT(module_loaded(), "module not loaded to begin with");
	err = unload_idle();
	TAP_EXPECT(!err, "delete_module with no fd open: %s", errname(err));
	TAP_EXPECT(!module_loaded(), "still in /proc/modules");
	TAP_EXPECT(access(VARMON_PROC_DIR, F_OK) && errno == ENOENT,
		   "%s survived rmmod", VARMON_PROC_DIR);
	TAP_EXPECT(!wait_device(0), "%s survived rmmod", VARMON_DEVICE);
	err = load_module("");
	TAP_EXPECT(!err, "reload: %s", errname(err));
	TAP_EXPECT(!wait_device(1), "no %s after reload", VARMON_DEVICE);
	return TAP_PASS;
}

static int group_child(void *arg)
{
	gid_t group = *(gid_t *)arg;
	static volatile int var;
	int fd, err;

	if (setgroups(1, &group) || setgid(NOBODY) || setuid(NOBODY))
		return TAP_FAIL_MSG("setuid: %s", strerror(errno));
	fd = tl_dev_open();
	TAP_EXPECT(fd >= 0, "member of group %u cannot open: %s", group,
		   strerror(-fd));
	close(fd);
	err = START_WATCH_INT("grouped", &var, 1);
	TAP_EXPECT(!err, "member of group %u cannot watch its own variable: "
		   "%s", group, errname(-err));
	return TAP_PASS;
}

static int outsider_child(void *arg)
{
	gid_t group = *(gid_t *)arg + 1;
	int fd;

	if (setgroups(1, &group) || setgid(NOBODY) || setuid(NOBODY))
		return TAP_FAIL_MSG("setuid: %s", strerror(errno));
	fd = tl_dev_open();
	/* EACCES from the node's mode, or EPERM from a check in open() */
	TAP_EXPECT(fd == -EACCES || fd == -EPERM, "uid %d outside the group "
		   "opened the device", NOBODY);
	return TAP_PASS;
}

#define GROUP	4242

static int check_group_mode(void)
{
	struct stat st;

	TAP_EXPECT(!wait_device(1), "no device after load");
	TAP_EXPECT(!stat(VARMON_DEVICE, &st), "stat: %s", strerror(errno));
	TAP_EXPECT((st.st_mode & 07777) == 0660 && st.st_gid == GROUP,
		   "mode %o gid %u with group=%u, want 0660 gid %u",
		   st.st_mode & 07777, st.st_gid, GROUP, GROUP);
	return TAP_PASS;
}

static int check_group_access(void)
{
	gid_t group = GROUP;
	int ret;

	TAP_EXPECT(!wait_device(1), "no device after load");
	ret = run_child(group_child, &group);
	return ret ? ret : run_child(outsider_child, &group);
}

/* Reload with group=GROUP, run @check, and reload as before. */
static int with_group(int (*check)(void))
{
	int err, ret;

	err = unload_idle();
	TAP_EXPECT(!err, "unload: %s", errname(err));
	err = load_module("group=" VARMON_STR(GROUP));
	TAP_EXPECT(!err, "load with group=%d: %s", GROUP, errname(err));
	ret = check();
	/* whatever happened, leave the module loaded as it was */
	err = unload_idle();
	if (!err)
		err = load_module("");
	TAP_EXPECT(!err, "reload without group: %s", errname(err));
	TAP_EXPECT(!wait_device(1), "no device after reload");
	return ret;
}

static int test_group_mode(void)
{
	return with_group(check_group_mode);
}

static int test_group_access(void)
{
	return with_group(check_group_access);
}

/* Runs last: nothing any test left may still be pinned or counted. */
static int test_nothing_left(void)
{
	uint64_t w, p, t, acq, rel;

	TAP_EXPECT(!tl_wait_stat("watches", 0), "stats watches %s",
		   tl_stat("watches", &w) ? "unreadable" : "not 0");
	TAP_EXPECT(!tl_wait_stat("timers", 0), "stats timers %s",
		   tl_stat("timers", &t) ? "unreadable" : "not 0");
	TAP_EXPECT(!tl_wait_stat("pinned_pages", 0), "stats pinned_pages %s",
		   tl_stat("pinned_pages", &p) ? "unreadable" : "not 0");
	TAP_EXPECT(!tl_wait_pins_balanced(&acq, &rel),
		   "nr_foll_pin_acquired %" PRIu64 " != released %" PRIu64,
		   acq, rel);
	return TAP_PASS;
}

static const struct tap_test tests[] = {
	{ "device is 0600 root and refuses other users", test_device_mode },
	{ "stats lists every engine counter", test_stats_keys },
	{ "length 0 is EINVAL", test_length_0 },
	{ "length 3 is EINVAL", test_length_3 },
	{ "length 16 is EINVAL", test_length_16 },
	{ "address not aligned to its length is EINVAL", test_misaligned },
	{ "empty name is EINVAL", test_name_empty },
	{ "16-character name is EINVAL", test_name_16 },
	{ "interval below min_interval_ns is EINVAL",
	  test_interval_below_min },
	{ "non-zero __pad0 is EINVAL", test_pad_nonzero },
	{ "non-zero reserved is EINVAL", test_reserved_nonzero },
	{ "unknown flags are EINVAL", test_unknown_flags },
	{ "unknown cond is EINVAL", test_bad_cond },
	{ "unknown trigger is EINVAL", test_bad_trigger },
	{ "size below VER0 is EINVAL", test_size_too_small },
	{ "larger size with a non-zero tail is E2BIG",
	  test_size_larger_nonzero_tail },
	{ "larger size with a zero tail is accepted",
	  test_size_larger_zero_tail },
	{ "unknown ioctl is ENOTTY", test_unknown_ioctl },
	{ "cancel with bad size or reserved is EINVAL",
	  test_cancel_bad_struct },
	{ "unmapped address is EFAULT", test_unmapped },
	{ "PROT_NONE address is EFAULT", test_prot_none },
	{ "NULL and addresses outside user space are EFAULT",
	  test_kernel_address },
	{ "read-only mapping can be watched", test_read_only_mapping },
	{ "nonexistent pid is ESRCH", test_esrch },
	{ "unprivileged watch on another user's process is EPERM",
	  test_eperm },
	{ "capacity exhaustion is ENOSPC, earlier watches keep working",
	  test_enospc },
	TYPE_LIST(TYPE_TESTS)
	{ "trip prints pid, name, value, threshold to dmesg (signed)",
	  test_dmesg_signed },
	{ "trip prints pid, name, value, threshold to dmesg (unsigned)",
	  test_dmesg_unsigned },
	{ "watches file lists each watch's fields", test_watches_format },
	{ "watches file hides addresses from unprivileged readers",
	  test_watches_hashed },
	{ "stats counts watches, ticks and trips", test_stats_count },
	{ "same interval shares a timer up to max_watches_per_timer",
	  test_timer_sharing },
	{ "2049 watches in one process", test_many_watches },
	{ "write to a never-written page is seen", test_untouched_page },
	{ "task_id = getpid() works like 0", test_own_pid_explicit },
	{ "root watch on another process trips", test_other_process_trip },
	{ "watches on a process go when it exits", test_other_process_exit },
	{ "fork: the child's write to its copy does not trip",
	  test_fork_child_write },
	{ "fork: the parent's write after fork trips",
	  test_fork_parent_write },
	{ "owner exit removes watches while a child holds the fd",
	  test_exit_with_fd_in_child },
	{ "closing the last fd removes the watches", test_close_last_fd },
	{ "cancel_watch removes only the caller's watches",
	  test_cancel_only_own },
	{ "munmap drops the watch and its pin", test_munmap_drops },
	{ "munmap drop is noted in dmesg", test_munmap_dmesg },
	{ "munmap of one page keeps watches on other pages",
	  test_munmap_partial },
	{ "mremap move drops the watch", test_mremap_drops },
	{ "exec drops the watches", test_exec_drops },
	{ "hugetlb page can be watched and trips", test_hugetlb },
	{ "SIGKILL of 8 processes frees every watch and timer",
	  test_sigkill_watches },
	{ "SIGKILL of 8 processes unpins every page", test_sigkill_pins },
	{ "16 threads registering at once", test_threads },
	{ "dump_reset_sec=1 lets a watch trip again", test_dump_reset_repeat },
	{ "dump_reset_sec=3600 pauses a timer after a trip",
	  test_dump_reset_pause },
	{ "nothing left pinned or counted", test_nothing_left },
	{ "rmmod with an open fd fails", test_rmmod_busy },
	{ "rmmod with no fd open succeeds; reload works", test_rmmod_idle },
	{ "group= makes the device node 0660 with that group",
	  test_group_mode },
	{ "group= lets members of that group, and no one else, use it",
	  test_group_access },
};

static void after_each(void)
{
	struct stat st;

	tl_tunables_restore();
	tl_settle();
	if (!stat(VARMON_DEVICE, &st) &&
	    ((st.st_mode & 07777) != dev_mode || st.st_uid != dev_uid ||
	     st.st_gid != dev_gid)) {
		if (chmod(VARMON_DEVICE, dev_mode) ||
		    chown(VARMON_DEVICE, dev_uid, dev_gid))
			printf("# could not restore %s mode\n", VARMON_DEVICE);
	}
}

int main(int argc, char **argv)
{
	struct stat st;

	if (argc == 2 && !strcmp(argv[1], "--sleep"))
		tl_sleep_forever();	/* the image test_exec_drops runs */
	if (argc == 2 && !strcmp(argv[1], "-l"))
		return tap_main(tests, TAP_COUNT(tests), argc, argv, NULL);
	if (stat(VARMON_DEVICE, &st)) {
		printf("TAP version 13\nBail out! %s: %s\n", VARMON_DEVICE,
		       strerror(errno));
		return 1;
	}
	dev_mode = st.st_mode & 07777;
	dev_uid = st.st_uid;
	dev_gid = st.st_gid;
	tl_tunables_save();
	return tap_main(tests, TAP_COUNT(tests), argc, argv, after_each);
}
