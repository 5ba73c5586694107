// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_rt - the polling timers are hard hrtimers.
 *
 * On PREEMPT_RT an hrtimer that is not marked hard runs from a softirq
 * thread (ktimers/N, SCHED_FIFO 1), which any higher real-time task on
 * that CPU starves. Ours are HRTIMER_MODE_REL_HARD, so they must keep
 * polling while a SCHED_FIFO 99 task spins on their CPU. On other
 * kernels every hrtimer is hard and the test holds as well.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monitor_user.h"
#include "tap.h"
#include "testlib.h"

#define HOG_CPU		1
#define HOG_MS		1500

static volatile long polled;

static int sysctl_write(const char *name, const char *val)
{
	char path[128];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fputs(val, f) < 0)
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}

static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static void hog(void)
{
	struct sched_param sp = { .sched_priority = 99 };
	uint64_t end;

	if (pin_to(HOG_CPU) || sched_setscheduler(0, SCHED_FIFO, &sp))
		_exit(1);
	end = tl_now_ms() + HOG_MS;
	while (tl_now_ms() < end)
		;
	_exit(0);
}

static int test_ticks_under_rt_hog(void)
{
	uint64_t before, after;
	struct varmon_watch w;
	int status, err;
	pid_t child;

	if (sysconf(_SC_NPROCESSORS_ONLN) <= HOG_CPU)
		return TAP_SKIP;
	/* Keep the timer on the CPU that starts it, and the hog unthrottled. */
	TAP_EXPECT(!sysctl_write("kernel/timer_migration", "0"),
		   "cannot disable timer migration");
	TAP_EXPECT(!sysctl_write("kernel/sched_rt_runtime_us", "-1"),
		   "cannot disable RT throttling");

	TAP_EXPECT(!pin_to(HOG_CPU), "cannot run on CPU %d", HOG_CPU);
	VARMON_WATCH_INIT(&w, "rt_poll", &polled, VARMON_COND_GT, 1);
	w.interval_ns = 100000;
	err = start_watch_ex(&w);
	TAP_EXPECT(!err, "watch: %s", strerror(-err));
	TAP_EXPECT(!pin_to(0), "cannot move to CPU 0");

	child = fork();
	TAP_EXPECT(child >= 0, "fork: %s", strerror(errno));
	if (child == 0)
		hog();
	tl_sleep_ms(200);	/* the hog owns its CPU by now */
	TAP_EXPECT(!tl_stat("ticks", &before), "cannot read stats");
	tl_sleep_ms(HOG_MS / 2);
	TAP_EXPECT(!tl_stat("ticks", &after), "cannot read stats");
	waitpid(child, &status, 0);
	TAP_EXPECT(WIFEXITED(status) && !WEXITSTATUS(status),
		   "the SCHED_FIFO hog could not start (status %d)", status);
	tap_diag("%llu ticks while a SCHED_FIFO 99 task spun on CPU %d",
		 (unsigned long long)(after - before), HOG_CPU);
	TAP_EXPECT(after - before >= 10,
		   "only %llu ticks while its CPU was hogged: the timer is not hard",
		   (unsigned long long)(after - before));
	return TAP_PASS;
}

static const struct tap_test tests[] = {
	{ "polling keeps ticking under a SCHED_FIFO 99 hog (hard hrtimer)",
	  test_ticks_under_rt_hog },
};

static void restore(void)
{
	sysctl_write("kernel/timer_migration", "1");
	sysctl_write("kernel/sched_rt_runtime_us", "950000");
}

int main(int argc, char **argv)
{
	return tap_main(tests, TAP_COUNT(tests), argc, argv, restore);
}
