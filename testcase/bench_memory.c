// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_memory.c - kernel memory per watch and per timer, and pinned
 * pages per watch (make bench row 7).
 *
 *	bench_memory [--run R]
 *
 * Watches go on a child process whose memory is populated before the
 * first reading, so that /proc/meminfo's SUnreclaim (unreclaimable slab,
 * where the module's kmalloc()s land) moves only with what the module
 * allocates. Three layouts, each registered, measured and cancelled:
 *
 *   spread   4096 8-byte watches, one per 64 bytes over 64 pages, one
 *            interval: 4096 watches, 128 timers (32 each), 64 pages
 *   timers   128 watches, each with an interval of its own: 128 timers
 *   shared   4096 1-byte watches in one page, one interval
 *
 * From spread and timers: bytes per watch and per timer (two equations,
 * two unknowns). The pinned_pages counter says how many pins each
 * layout took. Intervals are long (1 s and up), so no timer work runs.
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

#define PAGE		4096U
#define SPREAD_WATCHES	4096U
#define SPREAD_STRIDE	64U
#define SPREAD_PAGES	(SPREAD_WATCHES * SPREAD_STRIDE / PAGE)
#define TIMER_WATCHES	128U
#define SLOW_NS		1000000000ULL

struct layout {
	const char *name;
	unsigned int watches;
	unsigned int stride;	/* bytes between watches */
	unsigned int length;	/* bytes per watch */
	int own_interval;	/* one timer per watch */
};

static const struct layout layouts[] = {
	{ "spread", SPREAD_WATCHES, SPREAD_STRIDE, 8, 0 },
	{ "timers", TIMER_WATCHES, SPREAD_STRIDE, 8, 1 },
	{ "shared", PAGE, 1, 1, 0 },
};

static int measure(int fd, const struct bl_target *tgt,
		   const struct layout *l, unsigned int run)
{
	uint64_t slab0 = 0, slab1 = 0;
	long long before, after;
	struct bl_stats s;
	unsigned int i;
	int err = 0;

	/* Let RCU-freed objects of the previous layout go first. */
	bl_sleep_ns(200000000ULL);
	before = bl_meminfo_kb("SUnreclaim");
	err = bl_slab_bytes(&slab0);
	for (i = 0; i < l->watches && !err; i++)
		err = bl_watch(fd, tgt->pid, tgt->addr + (uintptr_t)i * l->stride,
			       l->length,
			       SLOW_NS + (l->own_interval ? i * 1000ULL : 0),
			       INT64_C(1) << 6, 0, 0, i);
	after = bl_meminfo_kb("SUnreclaim");
	err = err ?: bl_slab_bytes(&slab1);
	if (!err)
		err = bl_stats_read(&s);
	bl_cancel(fd, tgt->pid);
	if (err) {
		fprintf(stderr, "bench_memory: %s: watch %u: %s\n", l->name, i,
			strerror(-err));
		return err;
	}
	if (before < 0 || after < 0)
		return -ENOENT;
	printf("BENCH-DATA {\"bench\":\"memory\",\"run\":%u,\"layout\":\"%s\""
	       ",\"watches\":%" PRIu64 ",\"timers\":%" PRIu64
	       ",\"pinned_pages\":%" PRIu64 ",\"distinct_pages\":%u"
	       ",\"sunreclaim_kb_delta\":%lld,\"slab_bytes_delta\":%lld}\n",
	       run, l->name, s.watches, s.timers, s.pinned_pages,
	       (l->watches * l->stride + PAGE - 1) / PAGE, after - before,
	       (long long)(slab1 - slab0));
	return 0;
}

int main(int argc, char **argv)
{
	struct bl_target tgt;
	uint64_t run = 1;
	unsigned int i;
	int fd, err;

	if (argc == 3 && !strcmp(argv[1], "--run"))
		run = bl_arg_u64(argv[1], argv[2]);
	else if (argc != 1) {
		fprintf(stderr, "usage: bench_memory [--run R]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	err = bl_tunable("max_watches_per_timer", 32);
	if (err)
		return 1;
	err = bl_target_start(&tgt, SPREAD_PAGES * PAGE);
	if (err) {
		fprintf(stderr, "bench_memory: target: %s\n", strerror(-err));
		return 1;
	}
	fd = tl_dev_open();
	err = fd < 0 ? fd : 0;
	for (i = 0; !err && i < sizeof(layouts) / sizeof(layouts[0]); i++)
		err = measure(fd, &tgt, &layouts[i], (unsigned int)run);
	if (err)
		printf("BENCH-DATA {\"bench\":\"memory\",\"run\":%" PRIu64
		       ",\"error\":\"%s\"}\n", run, strerror(-err));
	if (fd >= 0)
		close(fd);
	bl_target_stop(&tgt);
	return err ? 1 : 0;
}
