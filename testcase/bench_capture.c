// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_capture.c - what a dump costs (make bench row 5), and a dump for
 * ucli to chew on (row 6).
 *
 *	bench_capture --threads T [--runs R]
 *	bench_capture --threads T --hold
 *
 * The process runs T threads (itself and T-1 asleep in pause()); a watch
 * on one of its variables trips R times, and every trip dumps all T
 * threads (max_dump_tasks is raised to fit them), plus whatever else is
 * running. Per trip it prints the dump's records and bytes as drained,
 * the tasks in it, the time from the tick that saw the trip to the last
 * record written (queueing and capture), the capture alone (header to
 * last record), and how long the work item ran (the report_ns counter:
 * dmesg block and capture).
 *
 * --hold trips once, waits until the dump is in the buffer, prints
 * "BENCH-HOLD ready" and sleeps, so that `ucli record` can drain it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "benchlib.h"
#include "testlib.h"

#define THRESHOLD	100
#define HIGH		1000
#define INTERVAL_NS	1000000ULL
#define WAIT_MS		60000
#define STACK_BYTES	(256UL << 10)

static volatile int64_t watched;
static pthread_barrier_t started;

static void *sleeper(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&started);
	for (;;)
		pause();
	return NULL;
}

static int start_threads(unsigned int n)
{
	pthread_attr_t attr;
	unsigned int i;
	pthread_t t;
	int err;

	err = pthread_barrier_init(&started, NULL, n);
	if (err)
		return -err;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK_BYTES);
	for (i = 1; i < n; i++) {
		err = pthread_create(&t, &attr, sleeper, NULL);
		if (err)
			return -err;
	}
	pthread_attr_destroy(&attr);
	pthread_barrier_wait(&started);
	return 0;
}

/* Wait until the stats counter at @off exceeds @than; 0 or -ETIMEDOUT. */
static int wait_counter(size_t off, uint64_t than, struct bl_stats *s)
{
	uint64_t end = bl_now_ns() + WAIT_MS * 1000000ULL;
	int err;

	for (;;) {
		err = bl_stats_read(s);
		if (err)
			return err;
		if (*(uint64_t *)((char *)s + off) > than)
			return 0;
		if (bl_now_ns() >= end)
			return -ETIMEDOUT;
		bl_sleep_ns(1000000);
	}
}

/* One trip: the dump it gave, and the work item's time. */
static int one_trip(int fd, unsigned int run, unsigned int threads)
{
	uint64_t end = bl_now_ns() + WAIT_MS * 1000000ULL, since;
	struct bl_drained d = { 0 };
	struct bl_stats s0, s1;
	struct bl_dump dumps[8], *dump = NULL;
	int n, i, err;

	since = bl_now_ns();
	err = bl_wait_ticks(2, WAIT_MS);
	err = err ?: bl_stats_read(&s0);
	if (err)
		return err;
	watched = HIGH;
	while (!dump) {
		bl_drained_reset(&d);
		n = bl_wait_dumps(fd, &d, 1, WAIT_MS);
		if (n < 0) {
			err = n;
			goto out;
		}
		n = bl_dumps(&d, dumps, 8);
		for (i = 0; i < n && i < 8 && !dump; i++)
			if (dumps[i].trip_mono_ns >= since)
				dump = &dumps[i];
		if (!dump && bl_now_ns() >= end) {
			err = -ETIMEDOUT;
			goto out;
		}
	}
	watched = 0;
	err = wait_counter(offsetof(struct bl_stats, reports), s0.reports, &s1);
	if (err)
		goto out;
	printf("BENCH-DATA {\"bench\":\"capture\",\"run\":%u,\"threads\":%u"
	       ",\"records\":%u,\"bytes\":%" PRIu64 ",\"selected\":%u"
	       ",\"skipped\":%u,\"trip_to_last_ns\":%" PRIu64
	       ",\"capture_ns\":%" PRIu64 ",\"reports\":%" PRIu64
	       ",\"report_ns\":%" PRIu64 "}\n",
	       run, threads, dump->records, dump->bytes, dump->nr_selected,
	       dump->nr_skipped, dump->last_ns - dump->trip_mono_ns,
	       dump->last_ns - dump->first_ns, s1.reports - s0.reports,
	       s1.report_ns_total - s0.report_ns_total);
out:
	watched = 0;
	bl_drained_free(&d);
	return err;
}

static int hold(void)
{
	struct bl_stats s0, s1;
	int err;

	err = bl_wait_ticks(2, WAIT_MS);
	err = err ?: bl_stats_read(&s0);
	if (err)
		return err;
	watched = HIGH;
	err = wait_counter(offsetof(struct bl_stats, dumps), s0.dumps, &s1);
	watched = 0;
	if (err)
		return err;
	printf("BENCH-HOLD ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_capture --threads T [--runs R | --hold]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t threads = 0, runs = 5;
	unsigned int i;
	int fd, err, do_hold = 0;
	struct bl_drained d = { 0 };

	for (i = 1; i < (unsigned int)argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--hold"))
			do_hold = 1;
		else if (!strcmp(a, "--threads") && i + 1 < (unsigned int)argc)
			threads = bl_arg_u64(a, argv[++i]);
		else if (!strcmp(a, "--runs") && i + 1 < (unsigned int)argc)
			runs = bl_arg_u64(a, argv[++i]);
		else
			usage();
	}
	if (!threads || threads > 4096 || !runs)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	fd = tl_dev_open();
	err = fd < 0 ? fd : bl_tunable("dump_reset_sec", 0);
	err = err ?: bl_tunable("max_dump_tasks", threads + 256);
	err = err ?: start_threads((unsigned int)threads);
	/* Whatever an earlier program left in the buffer is not ours. */
	err = err ?: bl_drain_all(fd, &d);
	bl_drained_free(&d);
	err = err ?: bl_watch(fd, 0, (uintptr_t)&watched, sizeof(watched),
			      INTERVAL_NS, THRESHOLD, 1, 0, 0);
	if (!err && do_hold)
		err = hold();
	for (i = 1; !err && i <= runs; i++)
		err = one_trip(fd, i, (unsigned int)threads);
	if (err) {
		printf("BENCH-DATA {\"bench\":\"capture\",\"threads\":%" PRIu64
		       ",\"error\":\"%s\"}\n", threads, strerror(-err));
		return 1;
	}
	return 0;
}
