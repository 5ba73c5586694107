/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * benchlib.h - helpers of the make bench programs (testcase/bench_*.c),
 * which run in the VM next to the tests but assert nothing: they print
 * their raw measurements as one "BENCH-DATA {json}" line per run, and
 * tools/bench-report.py turns those into the table.
 *
 * Functions return 0 or a negative errno unless noted.
 */
#ifndef VARMON_BENCHLIB_H
#define VARMON_BENCHLIB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "variable_monitor.h"

/* The counters of /proc/variable_monitor/stats, read in one go. */
struct bl_stats {
	uint64_t timers;
	uint64_t watches;
	uint64_t pinned_pages;
	uint64_t ticks;
	uint64_t trips;
	uint64_t callback_ns_total;
	uint64_t callback_ns_max;
	uint64_t reports;
	uint64_t report_ns_total;
	uint64_t report_ns_max;
	uint64_t dumps;
	uint64_t records;
	uint64_t bytes;
	uint64_t drops;
};

int bl_stats_read(struct bl_stats *s);

/* Local timer interrupts (LOC in /proc/interrupts) of @cpu so far, or 0. */
uint64_t bl_timer_irqs(int cpu);

/*
 * Bytes in live slab objects, summed over /proc/slabinfo (active objects
 * times object size). Unlike meminfo, not rounded to whole slabs.
 */
int bl_slab_bytes(uint64_t *bytes);

/* A line of /proc/meminfo in kB ("SUnreclaim"), or -errno. */
long long bl_meminfo_kb(const char *key);

/*
 * The parsers behind the four above, on a file's NUL-terminated text
 * (split in place into lines where they take a char *); fuzz_bench
 * feeds them anything.
 */
void bl_stats_parse(char *text, struct bl_stats *s);
uint64_t bl_timer_irqs_parse(const char *text, int cpu);
uint64_t bl_slab_parse(char *text);
long long bl_meminfo_parse(char *text, const char *key);

/* CLOCK_MONOTONIC (or @clk) in nanoseconds. */
uint64_t bl_now_ns(void);
uint64_t bl_clock_ns(int clk);
void bl_sleep_ns(uint64_t ns);

/* Pin the calling thread to one CPU. */
int bl_pin_cpu(int cpu);

/*
 * The CPU-bound loop: spin for about @ns of wall time; returns the
 * iterations done and adds them to *@iters and the time taken to
 * *@spent. Everything that steals the CPU from it (timer callbacks, a
 * poller thread) shows as fewer iterations per second.
 */
uint64_t bl_spin(uint64_t ns, uint64_t *iters, uint64_t *spent);

/* Set a tunable; prints why on failure. */
int bl_tunable(const char *name, uint64_t val);

/*
 * A target process: a child that maps @bytes of zeroed, populated
 * anonymous memory and sleeps until bl_target_stop(). @addr is where
 * the memory sits in the child.
 */
struct bl_target {
	pid_t pid;
	uintptr_t addr;
	size_t bytes;
};

int bl_target_start(struct bl_target *t, size_t bytes);
void bl_target_stop(struct bl_target *t);

/*
 * Register a polled watch of @pid (0: the caller): @length bytes at
 * @addr, "value > threshold", every @interval_ns. With @rearm_flag the
 * watch stays quiet after a trip until the value is <= @rearm.
 */
int bl_watch(int fd, pid_t pid, uintptr_t addr, unsigned int length,
	     uint64_t interval_ns, int64_t threshold, int rearm_flag,
	     int64_t rearm, unsigned int idx);
int bl_cancel(int fd, pid_t pid);

/* Records drained so far, back to back. */
struct bl_drained {
	uint8_t *buf;
	size_t len;
	size_t cap;
};

void bl_drained_reset(struct bl_drained *d);
void bl_drained_free(struct bl_drained *d);
/* Drain until the module has nothing more. */
int bl_drain_all(int fd, struct bl_drained *d);

/* What one dump in a drained buffer holds. */
struct bl_dump {
	uint64_t dump_id;
	uint64_t trip_mono_ns;
	uint64_t first_ns;	/* time_ns of the header record */
	uint64_t last_ns;	/* time_ns of its last record */
	uint64_t bytes;		/* its records, as drained */
	uint32_t records;
	uint32_t nr_selected;
	uint32_t nr_skipped;
	uint32_t nr_triggers;
};

/*
 * The dumps in @d, in order, into @out (at most @max); returns how many
 * there are (may exceed @max), or -EBADMSG for a malformed buffer.
 */
int bl_dumps(const struct bl_drained *d, struct bl_dump *out, int max);

/*
 * Poll the device until at least @want dumps are drained into @d in all,
 * or @timeout_ms passes. Returns the number of dumps in @d or -errno.
 */
int bl_wait_dumps(int fd, struct bl_drained *d, int want,
		  unsigned int timeout_ms);

/* Wait until the engine ticked @n more times; 0 or -ETIMEDOUT. */
int bl_wait_ticks(uint64_t n, unsigned int timeout_ms);

/* Parse a decimal number option, or exit with a usage error. */
uint64_t bl_arg_u64(const char *opt, const char *s);

#endif /* VARMON_BENCHLIB_H */
