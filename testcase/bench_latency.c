// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_latency.c - detection latency and missed pulses (make bench
 * row 4).
 *
 *	bench_latency --interval NS [--run R] [--trips N] [--pulses N]
 *
 * One watch on a variable of this process, "value > 100", re-armed by
 * value (quiet after a trip until the value is back at 0), so that one
 * pulse gives one dump; dump_reset_sec is set to 0.
 *
 * Latency: N times, wait until the timer has seen the value back at 0
 * (two more ticks), spin for a random time up to two real timer periods
 * so pulses land at any phase of the timer, stamp CLOCK_MONOTONIC and
 * write 1000, then drain until the dump arrives. Its header's
 * trip_mono_ns (the tick that saw the value) minus the stamp is one
 * sample.
 *
 * Missed pulses: N pulses of 1000 that go back to 0 at once, and N that
 * last half an interval; how many the timer caught (the trips counter).
 * Polling misses short pulses by design: a pulse of width w is seen with
 * probability about w / period.
 *
 * Prints one "BENCH-DATA {...}" line with the raw samples.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "benchlib.h"
#include "testlib.h"

#define THRESHOLD	100
#define HIGH		1000
#define WAIT_MS		20000

static volatile int64_t watched;
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * Re-armed (two ticks saw 0), then a random phase. The wait ends on a
 * timer interrupt, and under emulation the next tick tends to come a
 * whole (slow) period later, so a short sleep would land every pulse
 * just after a tick: spin instead, for up to two real periods.
 */
static uint64_t period_ns;

static int settle(void)
{
	int err = bl_wait_ticks(2, WAIT_MS);
	uint64_t end;

	if (err)
		return err;
	end = bl_now_ns() + rng() % (2 * period_ns);
	while (bl_now_ns() < end)
		;
	return 0;
}

/*
 * The period the timer really keeps while this CPU is busy, as it is
 * during the pulses (under TCG, much longer than asked).
 */
static int measure_period(uint64_t interval_ns)
{
	uint64_t window = 100 * interval_ns, iters = 0, ns = 0;
	struct bl_stats s0, s1;
	int err;

	if (window < 100000000ULL)
		window = 100000000ULL;
	err = bl_stats_read(&s0);
	bl_spin(window, &iters, &ns);
	err = err ?: bl_stats_read(&s1);
	if (err)
		return err;
	period_ns = s1.ticks > s0.ticks ? ns / (s1.ticks - s0.ticks) :
		    interval_ns;
	if (period_ns < interval_ns)
		period_ns = interval_ns;
	return 0;
}

/*
 * The dump of the pulse just written: the first one whose tick came
 * after @since, when the value was back at 0, so not a late dump of an
 * earlier pulse (or of another program).
 */
static int wait_dump(int fd, uint64_t since, uint64_t *trip_ns)
{
	uint64_t end = bl_now_ns() + WAIT_MS * 1000000ULL;
	struct bl_drained d = { 0 };
	struct bl_dump dumps[16];
	int n, i, err = -ETIMEDOUT;

	while (bl_now_ns() < end) {
		n = bl_wait_dumps(fd, &d, 1, WAIT_MS);
		if (n < 0) {
			err = n;
			break;
		}
		n = bl_dumps(&d, dumps, 16);
		for (i = 0; i < n && i < 16; i++) {
			if (dumps[i].trip_mono_ns >= since) {
				*trip_ns = dumps[i].trip_mono_ns;
				err = 0;
				goto out;
			}
		}
		bl_drained_reset(&d);
	}
out:
	bl_drained_free(&d);
	return err;
}

static int latency(int fd, unsigned int trips, int64_t *lat,
		   unsigned int *got)
{
	unsigned int i;
	int err = 0;

	*got = 0;
	for (i = 0; i < trips; i++) {
		uint64_t since = bl_now_ns(), stamp, trip_ns;

		err = settle();
		if (err)
			break;
		stamp = bl_now_ns();
		watched = HIGH;
		err = wait_dump(fd, since, &trip_ns);
		watched = 0;
		if (err)
			break;
		lat[(*got)++] = (int64_t)(trip_ns - stamp);
	}
	return err;
}

/* Pulses of @width_ns (0: back at once); returns the trips they gave. */
static int pulses(int fd, unsigned int count, uint64_t width_ns,
		  uint64_t *caught, double *tick_hz)
{
	struct bl_drained d = { 0 };
	struct bl_stats s0, s1;
	uint64_t t0;
	unsigned int i;
	int err;

	err = bl_stats_read(&s0);
	t0 = bl_now_ns();
	for (i = 0; i < count && !err; i++) {
		err = settle();
		if (err)
			break;
		if (width_ns) {
			uint64_t end = bl_now_ns() + width_ns;

			watched = HIGH;
			while (bl_now_ns() < end)
				;
			watched = 0;
		} else {
			watched = HIGH;
			watched = 0;
		}
		/* Keep the ring from filling with the dumps of caught ones. */
		if (i % 32 == 31)
			err = bl_drain_all(fd, &d);
		bl_drained_reset(&d);
	}
	err = err ?: bl_wait_ticks(3, WAIT_MS);
	err = err ?: bl_stats_read(&s1);
	if (!err) {
		*caught = s1.trips - s0.trips;
		*tick_hz = (double)(s1.ticks - s0.ticks) * 1e9 /
			   (double)(bl_now_ns() - t0);
	}
	bl_drain_all(fd, &d);
	bl_drained_free(&d);
	return err;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_latency --interval NS [--run R] [--trips N] [--pulses N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t interval_ns = 0, run = 1, trips = 200, npulses = 200;
	uint64_t caught0 = 0, caught_half = 0;
	double hz0 = 0, hz_half = 0;
	unsigned int got = 0, i;
	const char *what = "";
	int64_t *lat;
	int fd, err;

	for (i = 1; i < (unsigned int)argc; i++) {
		const char *a = argv[i];

		if (i + 1 >= (unsigned int)argc)
			usage();
		if (!strcmp(a, "--interval"))
			interval_ns = bl_arg_u64(a, argv[++i]);
		else if (!strcmp(a, "--run"))
			run = bl_arg_u64(a, argv[++i]);
		else if (!strcmp(a, "--trips"))
			trips = bl_arg_u64(a, argv[++i]);
		else if (!strcmp(a, "--pulses"))
			npulses = bl_arg_u64(a, argv[++i]);
		else
			usage();
	}
	if (!interval_ns || !trips || trips > 100000 || npulses > 100000)
		usage();
	rng_state = bl_now_ns() | 1;
	lat = calloc(trips, sizeof(*lat));
	if (!lat)
		return 1;
	if (bl_pin_cpu(0))
		perror("bench_latency: sched_setaffinity");

	fd = tl_dev_open();
	err = fd < 0 ? fd : bl_tunable("dump_reset_sec", 0);
	if (err) {
		what = "setup";
		goto out;
	}
	err = bl_watch(fd, 0, (uintptr_t)&watched, sizeof(watched),
		       interval_ns, THRESHOLD, 1, 0, 0);
	if (err) {
		what = "watch";
		goto out;
	}
	err = measure_period(interval_ns);
	if (err) {
		what = "period";
		goto out;
	}
	err = latency(fd, (unsigned int)trips, lat, &got);
	if (err) {
		what = "latency";
		goto out;
	}
	err = pulses(fd, (unsigned int)npulses, 0, &caught0, &hz0);
	if (err) {
		what = "short pulses";
		goto out;
	}
	err = pulses(fd, (unsigned int)npulses, interval_ns / 2,
		     &caught_half, &hz_half);
	if (err)
		what = "half-interval pulses";
out:
	printf("BENCH-DATA {\"bench\":\"latency\",\"run\":%" PRIu64
	       ",\"interval_ns\":%" PRIu64, run, interval_ns);
	if (err)
		printf(",\"error\":\"%s: %s\"", what, strerror(-err));
	printf(",\"pulses\":%" PRIu64 ",\"caught_instant\":%" PRIu64
	       ",\"caught_half\":%" PRIu64 ",\"half_width_ns\":%" PRIu64
	       ",\"period_ns\":%" PRIu64
	       ",\"tick_hz_instant\":%.0f,\"tick_hz_half\":%.0f,\"latency_ns\":[",
	       npulses, caught0, caught_half, interval_ns / 2, period_ns, hz0,
	       hz_half);
	for (i = 0; i < got; i++)
		printf("%s%" PRId64, i ? "," : "", lat[i]);
	printf("]}\n");
	if (fd >= 0)
		close(fd);
	free(lat);
	return err ? 1 : 0;
}
