// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_hwbp - the hardware-breakpoint trigger (VARMON_TRIGGER_HWBP).
 *
 * A breakpoint sees every write, so a value that is over the threshold
 * for a moment between two stores is caught, where polling at any
 * interval misses it. These tests need debug registers in the CPU (or
 * QEMU's emulation of them, which TCG provides).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor_user.h"
#include "tap.h"
#include "testlib.h"

#define PULSES		50
#define X86_DEBUG_REGS	4

static volatile int hw_var;
static volatile int poll_var;
static volatile long slot_vars[X86_DEBUG_REGS + 2];

/*
 * Over the threshold and back within two stores: shorter than any
 * polling interval (and under TCG no interrupt lands between them).
 */
static __attribute__((noinline)) void pulse(volatile int *v)
{
	*v = 500;
	*v = 0;
	__asm__ volatile("" ::: "memory");
}

static int hw_watch(const char *name, volatile void *addr, int length,
		    __u32 flags)
{
	struct varmon_watch w;
	int err;

	tl_watch_init(&w, addr, length, name);
	w.cond = VARMON_COND_GT;
	w.threshold = 100;
	w.trigger = VARMON_TRIGGER_HWBP;
	w.flags = flags;
	err = start_watch_ex(&w);
	return err < 0 ? -err : 0;
}

static int test_pulse_caught(void)
{
	long long hw, polled;
	watch_arg a;
	int err, i;

	err = hw_watch("hw_pulse", &hw_var, 4, 0);
	TAP_EXPECT(!err, "hardware watch: %s", strerror(err));
	memset(&a, 0, sizeof(a));
	strcpy(a.name, "poll_pulse");
	a.ptr = (void *)&poll_var;
	a.length_byte = 4;
	a.threshold = 100;
	a.greater_flag = 1;
	a.time_ns = 1000000;	/* 1 ms */
	err = start_watch(a);
	TAP_EXPECT(!err, "polled watch: %s", strerror(-err));

	for (i = 0; i < PULSES; i++) {
		pulse(&hw_var);
		pulse(&poll_var);
		tl_sleep_ms(2);
	}
	/* Give the 1 ms timer a few hundred ticks to see a pulse, if it can. */
	TAP_EXPECT(!tl_wait_ticks(300), "polling timer did not tick");

	hw = tl_watch_trips(getpid(), "hw_pulse");
	polled = tl_watch_trips(getpid(), "poll_pulse");
	tap_diag("%d pulses: hardware trips %lld, 1 ms polling trips %lld",
		 PULSES, hw, polled);
	TAP_EXPECT(hw == PULSES, "hardware watch tripped %lld times, want %d",
		   hw, PULSES);
	TAP_EXPECT(polled >= 0 && polled < PULSES / 10,
		   "1 ms polling caught %lld of %d sub-microsecond pulses",
		   polled, PULSES);
	return TAP_PASS;
}

static void *pulse_thread(void *arg)
{
	(void)arg;
	pulse(&hw_var);
	return NULL;
}

static int test_new_threads_covered(void)
{
	pthread_t th;
	long long trips;
	int err;

	err = hw_watch("hw_thread", &hw_var, 4, 0);
	TAP_EXPECT(!err, "hardware watch: %s", strerror(err));
	/* Created after the registration: covered by inheritance. */
	TAP_EXPECT(!pthread_create(&th, NULL, pulse_thread, NULL),
		   "pthread_create failed");
	pthread_join(th, NULL);
	trips = tl_wait_trips(getpid(), "hw_thread", 0);
	TAP_EXPECT(trips == 1, "a new thread's write tripped it %lld times, want 1",
		   trips);
	return TAP_PASS;
}

static int test_fork_child_ignored(void)
{
	long long trips;
	pid_t child;
	int status;
	int err;

	err = hw_watch("hw_fork", &hw_var, 4, 0);
	TAP_EXPECT(!err, "hardware watch: %s", strerror(err));
	child = fork();
	TAP_EXPECT(child >= 0, "fork: %s", strerror(errno));
	if (child == 0) {
		pulse(&hw_var);	/* the child's own copy of the page */
		_exit(0);
	}
	waitpid(child, &status, 0);
	TAP_EXPECT(WIFEXITED(status) && !WEXITSTATUS(status),
		   "child failed");
	pulse(&hw_var);
	trips = tl_wait_trips(getpid(), "hw_fork", 0);
	TAP_EXPECT(trips == 1,
		   "trips %lld after a child's and the parent's write, want 1",
		   trips);
	return TAP_PASS;
}

/* Watches on slot_vars[0..n) until the debug registers run out. */
static int fill_debug_registers(int *n)
{
	char name[16];
	int err = 0;

	for (*n = 0; *n < X86_DEBUG_REGS + 1; (*n)++) {
		snprintf(name, sizeof(name), "slot%d", *n);
		err = hw_watch(name, &slot_vars[*n], 8, 0);
		if (err)
			break;
	}
	return err;
}

static int test_enospc(void)
{
	long before, after;
	int n, err;

	before = tl_watch_count(getpid());
	err = fill_debug_registers(&n);
	after = tl_watch_count(getpid());
	TAP_EXPECT(err == ENOSPC, "after %d hardware watches: %s, want ENOSPC",
		   n, strerror(err));
	TAP_EXPECT(n == X86_DEBUG_REGS, "%d watches fit, want %d", n,
		   X86_DEBUG_REGS);
	TAP_EXPECT(after - before == n,
		   "%ld watches listed after %d succeeded", after - before, n);
	return TAP_PASS;
}

static int test_fallback(void)
{
	struct tl_buf kmsg = { 0 };
	struct tl_watch_line l;
	char line[256];
	int kfd = tl_kmsg_open();
	long long trips;
	int n, err;

	TAP_EXPECT(kfd >= 0, "cannot open /dev/kmsg");
	err = fill_debug_registers(&n);
	TAP_EXPECT(err == ENOSPC, "registers never ran out: %s", strerror(err));
	err = hw_watch("fallback", &slot_vars[X86_DEBUG_REGS + 1], 8,
		       VARMON_WATCH_HW_FALLBACK);
	TAP_EXPECT(!err, "with the fallback flag: %s", strerror(err));
	TAP_EXPECT(tl_watch_find(getpid(), "fallback", &l) == 1,
		   "fallback watch not listed");
	TAP_EXPECT(!strcmp(l.trigger, "poll-fallback"),
		   "trigger column says '%s', want poll-fallback", l.trigger);
	TAP_EXPECT(!tl_kmsg_wait_line(kfd, &kmsg, line, sizeof(line),
				      "'fallback'", "polling instead", NULL),
		   "no dmesg line reports the fallback");
	slot_vars[X86_DEBUG_REGS + 1] = 500;	/* the polled watch trips */
	trips = tl_wait_trips(getpid(), "fallback", 0);
	TAP_EXPECT(trips >= 1, "fallen-back watch never tripped");
	tl_buf_free(&kmsg);
	return TAP_PASS;
}

static int test_bad_combinations(void)
{
	struct varmon_watch w;
	int err;

	tl_watch_init(&w, &hw_var, 4, "bad_stall");
	w.cond = VARMON_COND_STALLED;
	w.threshold = 10;
	w.trigger = VARMON_TRIGGER_HWBP;
	err = start_watch_ex(&w);
	TAP_EXPECT(err == -EINVAL, "stalled with a breakpoint: %s, want EINVAL",
		   strerror(-err));
	tl_watch_init(&w, &hw_var, 4, "bad_flag");
	w.cond = VARMON_COND_GT;
	w.flags = VARMON_WATCH_HW_FALLBACK;
	err = start_watch_ex(&w);
	TAP_EXPECT(err == -EINVAL,
		   "fallback flag on a polled watch: %s, want EINVAL",
		   strerror(-err));
	TAP_EXPECT(tl_watch_count(getpid()) == 0, "a rejected watch is listed");
	return TAP_PASS;
}

static const struct tap_test tests[] = {
	{ "hardware watch catches a pulse 1 ms polling misses",
	  test_pulse_caught },
	{ "threads created after registration are covered",
	  test_new_threads_covered },
	{ "a forked child's writes do not trip the parent's watch",
	  test_fork_child_ignored },
	{ "no free debug register is ENOSPC", test_enospc },
	{ "fallback flag polls instead and says so", test_fallback },
	{ "stalled or fallback without a breakpoint is EINVAL",
	  test_bad_combinations },
};

int main(int argc, char **argv)
{
	return tap_main(tests, TAP_COUNT(tests), argc, argv, NULL);
}
