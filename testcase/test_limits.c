// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_limits - resource limits: pins charged to RLIMIT_MEMLOCK, caps on
 * watches per process and in all, and a per-process share of timers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor_user.h"
#include "tap.h"
#include "testlib.h"

/* Variables in two different pages. */
static volatile long page_a[512] __attribute__((aligned(4096)));
static volatile long page_b[512] __attribute__((aligned(4096)));

static int watch_at(const char *name, volatile long *var, uint64_t interval)
{
	struct varmon_watch w;
	int err;

	VARMON_WATCH_INIT(&w, name, var, VARMON_COND_GT, 1000);
	w.interval_ns = interval;
	err = start_watch_ex(&w);
	return err < 0 ? -err : 0;
}

/* KiB of pinned memory of this process (VmPin in /proc/self/status). */
static long vm_pin_kib(void)
{
	struct tl_buf b = { 0 };
	long kib = -1;
	char *p;

	if (tl_read_file("/proc/self/status", &b))
		return -1;
	p = strstr(b.s, "VmPin:");
	if (p)
		sscanf(p, "VmPin: %ld", &kib);
	tl_buf_free(&b);
	return kib;
}

static int drop_cap_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_IPC_LOCK / 32].effective &= ~(1U << (CAP_IPC_LOCK % 32));
	data[CAP_IPC_LOCK / 32].permitted &= ~(1U << (CAP_IPC_LOCK % 32));
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

static int test_memlock_charged(void)
{
	struct rlimit one_page = { 4096, 4096 };
	long before, during, after;
	int err;

	TAP_EXPECT(!drop_cap_ipc_lock(), "cannot drop CAP_IPC_LOCK");
	TAP_EXPECT(!setrlimit(RLIMIT_MEMLOCK, &one_page),
		   "setrlimit: %s", strerror(errno));
	before = vm_pin_kib();
	err = watch_at("pin_a", &page_a[0], 0);
	TAP_EXPECT(!err, "first page within the limit: %s", strerror(err));
	during = vm_pin_kib();
	TAP_EXPECT(during - before == 4,
		   "VmPin grew by %ld KiB for one pinned page, want 4",
		   during - before);
	err = watch_at("pin_a2", &page_a[1], 0);
	TAP_EXPECT(!err, "a second watch in the same page costs nothing: %s",
		   strerror(err));
	err = watch_at("pin_b", &page_b[0], 0);
	TAP_EXPECT(err == ENOMEM, "a second page past RLIMIT_MEMLOCK: %s, want ENOMEM",
		   strerror(err));
	TAP_EXPECT(tl_watch_count(getpid()) == 2, "the rejected watch is listed");
	TAP_EXPECT(!cancel_watch(), "cancel_watch failed");
	TAP_EXPECT(!tl_wait_watch_count(getpid(), 0), "watches remain");
	after = vm_pin_kib();
	TAP_EXPECT(after == before, "VmPin %ld KiB after cancel, want %ld",
		   after, before);
	return TAP_PASS;
}

static int test_process_watch_cap(void)
{
	pid_t child;
	int status, err, i;

	TAP_EXPECT(!tl_proc_write_u64("max_process_watches", 3),
		   "cannot set max_process_watches");
	for (i = 0; i < 3; i++) {
		err = watch_at("cap", &page_a[i], 0);
		TAP_EXPECT(!err, "watch %d of 3: %s", i, strerror(err));
	}
	err = watch_at("cap", &page_a[3], 0);
	TAP_EXPECT(err == ENOSPC, "fourth watch: %s, want ENOSPC", strerror(err));
	child = fork();
	TAP_EXPECT(child >= 0, "fork: %s", strerror(errno));
	if (child == 0)
		_exit(watch_at("other", &page_b[0], 0));
	waitpid(child, &status, 0);
	TAP_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		   "another process could not register (status %d)", status);
	return TAP_PASS;
}

static int test_total_watch_cap(void)
{
	long before = tl_watch_count(0);
	int err;

	TAP_EXPECT(before == 0, "%ld watches exist before the test", before);
	TAP_EXPECT(!tl_proc_write_u64("max_watches", 2),
		   "cannot set max_watches");
	TAP_EXPECT(!watch_at("t1", &page_a[0], 0), "first watch refused");
	TAP_EXPECT(!watch_at("t2", &page_a[1], 0), "second watch refused");
	err = watch_at("t3", &page_a[2], 0);
	TAP_EXPECT(err == ENOSPC, "third watch: %s, want ENOSPC", strerror(err));
	return TAP_PASS;
}

static int test_timer_share(void)
{
	uint64_t timers;
	pid_t child;
	int status, err;

	TAP_EXPECT(!tl_proc_write_u64("max_process_timers", 2),
		   "cannot set max_process_timers");
	TAP_EXPECT(!watch_at("s1", &page_a[0], 100000), "first interval refused");
	TAP_EXPECT(!watch_at("s2", &page_a[1], 200000), "second interval refused");
	err = watch_at("s3", &page_a[2], 300000);
	TAP_EXPECT(err == ENOSPC, "third timer of one process: %s, want ENOSPC",
		   strerror(err));
	/* Joining an existing timer takes nothing from the share. */
	err = watch_at("s4", &page_a[3], 100000);
	TAP_EXPECT(!err, "same interval again: %s", strerror(err));

	child = fork();
	TAP_EXPECT(child >= 0, "fork: %s", strerror(errno));
	if (child == 0)
		_exit(watch_at("o1", &page_b[0], 300000));
	waitpid(child, &status, 0);
	TAP_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		   "another process could not make its own timer (status %d)",
		   status);
	/* The child's watch is freed by a work item after its exit. */
	if (tl_wait_stat("timers", 2)) {
		TAP_EXPECT(!tl_stat("timers", &timers), "cannot read stats");
		return TAP_FAIL_MSG("%llu timers after the child exited, want 2",
				    (unsigned long long)timers);
	}
	return TAP_PASS;
}

static const struct tap_test tests[] = {
	{ "pinned pages count against RLIMIT_MEMLOCK without CAP_IPC_LOCK",
	  test_memlock_charged },
	{ "max_process_watches caps one process, not others",
	  test_process_watch_cap },
	{ "max_watches caps all watches", test_total_watch_cap },
	{ "max_process_timers caps the timers one process creates",
	  test_timer_share },
};

static void restore(void)
{
	tl_tunables_restore();
	tl_settle();
}

int main(int argc, char **argv)
{
	tl_tunables_save();
	return tap_main(tests, TAP_COUNT(tests), argc, argv, restore);
}
