// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_poll.c - what polling costs (make bench rows 1 to 3): the
 * module's callback time per tick and per watch, a plain read of the
 * same words (the module's calibrate file), a userspace poller reading
 * the same variables with process_vm_readv(), and how much each slows
 * down a CPU-bound loop on the CPU they run on.
 *
 *	bench_poll --interval NS [--runs R] [--pairs P] [--slice-ms MS]
 *		   N:K [N:K...]
 *
 * N:K is N watches, K per timer (max_watches_per_timer). For each run,
 * for each N:K in order, one sample, all on CPU 0 (the timers start on
 * the CPU that registers them), of two phases:
 *
 *   module  N watches on a child process that never trips them; P
 *           slices of the loop with them registered and P without,
 *           interleaved (ABBA); then calibrate (plain reads of the same
 *           words, same run), a few times
 *   poller  the same with a thread reading the same N variables of the
 *           child every NS with process_vm_readv() instead
 *
 * An emulated CPU runs slower whenever the host runs something else, by
 * tens of percent and for milliseconds at a time, and a callback it was
 * in the middle of looks that much longer. So every slice is cut into
 * 10 ms pieces, each measured on its own (loop rate, and the module's
 * counters or the poller's CPU clock around it), and the report takes
 * medians over pieces: a piece the host stole from drops out.
 *
 * Each sample prints one "BENCH-DATA {...}" line of raw numbers;
 * tools/bench-report.py derives the ratios. Nothing here judges time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "benchlib.h"
#include "testlib.h"

/* One variable per cache line, as scattered globals would be. */
#define STRIDE		64
#define MAX_CONFIGS	16
#define PIECE_NS	10000000ULL
#define MAX_PIECES	512
/* Calibrations per sample, each of about this many plain reads. */
#define CALIBRATIONS	5
#define CALIB_READS	200000U
/* Never reached: the values stay 0. */
#define THRESHOLD	(INT64_C(1) << 40)

struct config {
	unsigned int watches;
	unsigned int per_timer;
};

struct opts {
	uint64_t interval_ns;
	uint64_t slice_ns;
	unsigned int pairs;
};

/* Per-piece values of one phase. */
struct series {
	double v[MAX_PIECES];
	unsigned int n;
};

static void series_add(struct series *s, double v)
{
	if (s->n < MAX_PIECES)
		s->v[s->n++] = v;
}

static void series_print(const char *key, const struct series *s)
{
	unsigned int i;

	printf(",\"%s\":[", key);
	for (i = 0; i < s->n; i++)
		printf("%s%.2f", i ? "," : "", s->v[i]);
	printf("]");
}

struct poller {
	pid_t pid;
	uintptr_t base;
	unsigned int n;
	uint64_t interval_ns;
	atomic_int stop;
	atomic_uint_fast64_t checks;
	/* results */
	uint64_t cpu_ns;
	uint64_t wall_ns;
	uint64_t trips;
	int err;
};

/* What getrusage(RUSAGE_THREAD) says this thread used, user + system. */
static uint64_t rusage_thread_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) *
		1000000000ULL +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) *
		1000ULL;
}

/*
 * What a user would write without the module: wake up every interval,
 * read every variable of the target, compare. Missed periods are skipped
 * as hrtimer_forward_now() skips them.
 */
static void *poller_fn(void *arg)
{
	struct poller *p = arg;
	struct iovec *remote = calloc(p->n, sizeof(*remote));
	int64_t *vals = calloc(p->n, sizeof(*vals));
	uint64_t cpu0, start, next;
	struct timespec ts;
	unsigned int i;

	if (!remote || !vals) {
		p->err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < p->n; i++) {
		remote[i].iov_base = (void *)(p->base + (uintptr_t)i * STRIDE);
		remote[i].iov_len = sizeof(int64_t);
	}
	cpu0 = rusage_thread_ns();
	start = bl_now_ns();
	next = start + p->interval_ns;
	while (!atomic_load(&p->stop)) {
		uint64_t now;

		ts.tv_sec = (time_t)(next / 1000000000ULL);
		ts.tv_nsec = (long)(next % 1000000000ULL);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				       NULL) == EINTR)
			;
		for (i = 0; i < p->n; i += IOV_MAX) {
			unsigned int cnt = p->n - i < IOV_MAX ? p->n - i : IOV_MAX;
			struct iovec local = {
				vals + i, cnt * sizeof(int64_t)
			};

			if (process_vm_readv(p->pid, &local, 1, remote + i,
					     cnt, 0) < 0) {
				p->err = -errno;
				goto done;
			}
		}
		for (i = 0; i < p->n; i++)
			p->trips += vals[i] > THRESHOLD;
		atomic_fetch_add(&p->checks, 1);
		now = bl_now_ns();
		next += p->interval_ns;
		if (next <= now)
			next = now + p->interval_ns;
	}
done:
	p->wall_ns = bl_now_ns() - start;
	p->cpu_ns = rusage_thread_ns() - cpu0;
out:
	free(remote);
	free(vals);
	return NULL;
}

/* Plain read cost per word, as the module's calibrate file measures it. */
static int calibrate(unsigned int words, double *ns_per_word)
{
	unsigned int rounds = CALIB_READS / words;
	uint64_t w, r, ns;
	struct tl_buf b = { 0 };
	char val[32];
	int err;

	/* The calibrate file takes 1 to 100000 rounds. */
	if (rounds < 1)
		rounds = 1;
	if (rounds > 100000)
		rounds = 100000;
	snprintf(val, sizeof(val), "%u\n", rounds);
	err = tl_proc_write("calibrate", val);
	if (!err)
		err = tl_read_file(VARMON_PROC_DIR "/calibrate", &b);
	if (!err && sscanf(b.s, "words %" SCNu64 " rounds %" SCNu64
			   " ns %" SCNu64, &w, &r, &ns) != 3)
		err = -EBADMSG;
	tl_buf_free(&b);
	if (!err && (w != words || !r))
		err = -EBADMSG;
	if (!err)
		*ns_per_word = (double)ns / (double)(w * r);
	return err;
}

/* What one slice of the loop saw. */
struct slice {
	struct series rate;	/* loop iterations per microsecond */
	struct series cost;	/* module: ns per tick; poller: CPU ns per check */
	uint64_t ticks, callback_ns, trips, checks, cpu_ns, ns;
	uint64_t irqs, wall_ns;	/* CPU 0's timer interrupts over the slices */
};

/*
 * Spin for one slice, piece by piece. With @counters, read the module's
 * stats around each piece; with @p, the poller's CPU clock and checks.
 * Both are read in the slices without too, so that their own cost falls
 * on both sides.
 */
static int spin_slice(uint64_t slice_ns, struct slice *sl, int counters,
		      struct poller *p, clockid_t pclock)
{
	uint64_t done = 0, iters, ns, c0 = 0, c1, k0 = 0, k1, r0, r1;
	uint64_t irq0 = bl_timer_irqs(0), t0 = bl_now_ns();
	struct bl_stats s0, s1;
	int err;

	/* The counters cover r0..r1, between two reads, pieces and reads. */
	err = bl_stats_read(&s0);
	r0 = bl_now_ns();
	if (p) {
		c0 = bl_clock_ns(pclock);
		k0 = atomic_load(&p->checks);
	}
	while (!err && done < slice_ns) {
		iters = 0;
		ns = 0;
		bl_spin(PIECE_NS, &iters, &ns);
		done += ns;
		series_add(&sl->rate, (double)iters * 1000.0 / (double)ns);
		err = bl_stats_read(&s1);
		r1 = bl_now_ns();
		if (err)
			break;
		if (counters && s1.ticks > s0.ticks) {
			sl->ticks += s1.ticks - s0.ticks;
			sl->callback_ns += s1.callback_ns_total -
					   s0.callback_ns_total;
			sl->trips += s1.trips - s0.trips;
			sl->ns += r1 - r0;
			series_add(&sl->cost,
				   (double)(s1.callback_ns_total -
					    s0.callback_ns_total) /
				   (double)(s1.ticks - s0.ticks));
		}
		s0 = s1;
		if (p) {
			c1 = bl_clock_ns(pclock);
			k1 = atomic_load(&p->checks);
			if (k1 > k0) {
				sl->checks += k1 - k0;
				sl->cpu_ns += c1 - c0;
				sl->ns += r1 - r0;
				series_add(&sl->cost, (double)(c1 - c0) /
						      (double)(k1 - k0));
			}
			c0 = c1;
			k0 = k1;
		}
		r0 = r1;
	}
	sl->irqs += bl_timer_irqs(0) - irq0;
	sl->wall_ns += bl_now_ns() - t0;
	return err;
}

static int register_all(int fd, const struct bl_target *tgt,
			const struct config *c, uint64_t interval_ns)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < c->watches && !err; i++)
		err = bl_watch(fd, tgt->pid, tgt->addr + (uintptr_t)i * STRIDE,
			       sizeof(int64_t), interval_ns, THRESHOLD, 0, 0, i);
	if (err)
		fprintf(stderr, "bench_poll: watch %u of %u: %s\n", i,
			c->watches, strerror(-err));
	return err;
}

static int no_leftovers(void)
{
	struct bl_stats s;
	int err = bl_stats_read(&s);

	if (!err && (s.timers || s.watches)) {
		fprintf(stderr, "bench_poll: %" PRIu64 " timers and %" PRIu64
			" watches left after cancel\n", s.timers, s.watches);
		err = -EBUSY;
	}
	return err;
}

/* The module side; the last slice with watches also calibrates. */
static int module_phase(int fd, const struct bl_target *tgt,
			const struct config *c, const struct opts *o,
			struct slice *base, struct slice *load,
			uint64_t *reg_ns, uint64_t *timers,
			struct series *calib)
{
	unsigned int k, i;
	struct bl_stats s;
	uint64_t t0;
	int err;

	for (k = 0; k < o->pairs; k++) {
		if (!(k & 1)) {
			err = spin_slice(o->slice_ns, base, 0, NULL, 0);
			if (err)
				return err;
		}
		t0 = bl_now_ns();
		err = register_all(fd, tgt, c, o->interval_ns);
		if (!k)
			*reg_ns = bl_now_ns() - t0;
		if (!err) {
			err = bl_stats_read(&s);
			*timers = s.timers;
		}
		err = err ?: spin_slice(o->slice_ns, load, 1, NULL, 0);
		for (i = 0; !err && k == o->pairs - 1 && i < CALIBRATIONS; i++) {
			double ns = 0;

			err = calibrate(c->watches, &ns);
			if (!err)
				series_add(calib, ns);
		}
		bl_cancel(fd, tgt->pid);
		err = err ?: no_leftovers();
		if (!err && (k & 1))
			err = spin_slice(o->slice_ns, base, 0, NULL, 0);
		if (err)
			return err;
	}
	return 0;
}

/* The same for the userspace poller, started and stopped per slice. */
static int poller_phase(const struct bl_target *tgt, const struct config *c,
			const struct opts *o, struct slice *base,
			struct slice *load, struct poller *sum)
{
	unsigned int k;
	clockid_t clk;
	pthread_t thr;
	int err;

	for (k = 0; k < o->pairs; k++) {
		struct poller p = { 0 };

		if (!(k & 1)) {
			err = spin_slice(o->slice_ns, base, 0, NULL, 0);
			if (err)
				return err;
		}
		p.pid = tgt->pid;
		p.base = tgt->addr;
		p.n = c->watches;
		p.interval_ns = o->interval_ns;
		err = -pthread_create(&thr, NULL, poller_fn, &p);
		if (err)
			return err;
		err = -pthread_getcpuclockid(thr, &clk);
		if (!err)
			err = spin_slice(o->slice_ns, load, 0, &p, clk);
		atomic_store(&p.stop, 1);
		pthread_join(thr, NULL);
		if (p.err) {
			fprintf(stderr, "bench_poll: process_vm_readv: %s\n",
				strerror(-p.err));
			err = p.err;
		}
		sum->checks += atomic_load(&p.checks);
		sum->cpu_ns += p.cpu_ns;
		sum->wall_ns += p.wall_ns;
		sum->trips += p.trips;
		if (!err && (k & 1))
			err = spin_slice(o->slice_ns, base, 0, NULL, 0);
		if (err)
			return err;
	}
	return 0;
}

/* Static: the slices hold a few kilobytes of pieces each. */
static struct slice mbase, mload, pbase, pload;
static struct series calib;

static int sample(unsigned int run, const struct opts *o,
		  const struct config *c)
{
	uint64_t reg_ns = 0, timers = 0;
	struct poller p = { 0 };
	struct bl_target tgt;
	int fd, err;

	memset(&mbase, 0, sizeof(mbase));
	memset(&mload, 0, sizeof(mload));
	memset(&pbase, 0, sizeof(pbase));
	memset(&pload, 0, sizeof(pload));
	memset(&calib, 0, sizeof(calib));
	err = bl_tunable("max_watches_per_timer", c->per_timer);
	if (err)
		return err;
	err = bl_target_start(&tgt, (size_t)c->watches * STRIDE);
	if (err)
		return err;
	fd = tl_dev_open();
	if (fd < 0) {
		err = fd;
		goto out_target;
	}
	err = module_phase(fd, &tgt, c, o, &mbase, &mload, &reg_ns, &timers,
			   &calib);
	if (!err)
		err = poller_phase(&tgt, c, o, &pbase, &pload, &p);
	if (err)
		goto out_close;

	printf("BENCH-DATA {\"bench\":\"poll\",\"run\":%u,\"interval_ns\":%" PRIu64
	       ",\"watches\":%u,\"per_timer\":%u,\"timers\":%" PRIu64
	       ",\"reg_ns\":%" PRIu64 ",\"piece_ns\":%llu"
	       ",\"ticks\":%" PRIu64 ",\"callback_ns\":%" PRIu64
	       ",\"ticked_ns\":%" PRIu64 ",\"trips\":%" PRIu64
	       ",\"poll_checks\":%" PRIu64 ",\"poll_cpu_ns\":%" PRIu64
	       ",\"poll_wall_ns\":%" PRIu64 ",\"poll_trips\":%" PRIu64
	       ",\"poll_clock_checks\":%" PRIu64
	       ",\"poll_clock_cpu_ns\":%" PRIu64 ",\"poll_clock_ns\":%" PRIu64
	       ",\"irqs\":[%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]"
	       ",\"irq_wall_ns\":[%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]",
	       run, o->interval_ns, c->watches, c->per_timer, timers, reg_ns,
	       PIECE_NS, mload.ticks, mload.callback_ns, mload.ns, mload.trips,
	       p.checks, p.cpu_ns, p.wall_ns, p.trips, pload.checks,
	       pload.cpu_ns, pload.ns, mbase.irqs, mload.irqs, pbase.irqs,
	       pload.irqs, mbase.wall_ns, mload.wall_ns, pbase.wall_ns,
	       pload.wall_ns);
	series_print("calib_ns_per_word", &calib);
	series_print("cb_ns_per_tick", &mload.cost);
	series_print("poll_cpu_ns_per_check", &pload.cost);
	series_print("mod_base_rate", &mbase.rate);
	series_print("mod_load_rate", &mload.rate);
	series_print("poll_base_rate", &pbase.rate);
	series_print("poll_load_rate", &pload.rate);
	printf("}\n");
	fflush(stdout);

out_close:
	close(fd);
out_target:
	bl_target_stop(&tgt);
	return err;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_poll --interval NS [--runs R] [--pairs P] [--slice-ms MS] N:K...\n"
		"  N watches, K per timer; one sample per run and N:K, each of\n"
		"  P slices with and P without, for the module and the poller\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = { .slice_ns = 100000000ULL, .pairs = 4 };
	struct config cfg[MAX_CONFIGS];
	unsigned int ncfg = 0, r, i;
	uint64_t runs = 5;
	int failed = 0;

	for (i = 1; i < (unsigned int)argc; i++) {
		const char *a = argv[i];
		unsigned int n, k;
		char extra;

		if (!strcmp(a, "--interval") && i + 1 < (unsigned int)argc)
			o.interval_ns = bl_arg_u64(a, argv[++i]);
		else if (!strcmp(a, "--runs") && i + 1 < (unsigned int)argc)
			runs = bl_arg_u64(a, argv[++i]);
		else if (!strcmp(a, "--pairs") && i + 1 < (unsigned int)argc)
			o.pairs = (unsigned int)bl_arg_u64(a, argv[++i]);
		else if (!strcmp(a, "--slice-ms") && i + 1 < (unsigned int)argc)
			o.slice_ns = bl_arg_u64(a, argv[++i]) * 1000000ULL;
		else if (sscanf(a, "%u:%u%c", &n, &k, &extra) == 2 && n && k &&
			 ncfg < MAX_CONFIGS)
			cfg[ncfg++] = (struct config){ n, k };
		else
			usage();
	}
	if (!o.interval_ns || !ncfg || !runs || !o.pairs || !o.slice_ns ||
	    o.pairs * (o.slice_ns / PIECE_NS + 1) > MAX_PIECES)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (bl_pin_cpu(0))
		perror("bench_poll: sched_setaffinity");

	for (r = 1; r <= runs; r++) {
		for (i = 0; i < ncfg; i++) {
			int err = sample(r, &o, &cfg[i]);

			if (err) {
				printf("BENCH-DATA {\"bench\":\"poll\",\"run\":%u,\"interval_ns\":%" PRIu64
				       ",\"watches\":%u,\"per_timer\":%u,\"error\":\"%s\"}\n",
				       r, o.interval_ns, cfg[i].watches,
				       cfg[i].per_timer, strerror(-err));
				failed = 1;
			}
		}
	}
	return failed;
}
