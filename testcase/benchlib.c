// SPDX-License-Identifier: GPL-2.0-only
/*
 * benchlib.c - helpers of the make bench programs (see benchlib.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchlib.h"
#include "testlib.h"
#include "varmon_record.h"

void bl_stats_parse(char *text, struct bl_stats *s)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
#define K(f) { #f, offsetof(struct bl_stats, f) }
		K(timers), K(watches), K(pinned_pages), K(ticks), K(trips),
		K(callback_ns_total), K(callback_ns_max), K(reports),
		K(report_ns_total), K(report_ns_max), K(dumps), K(records),
		K(bytes), K(drops),
#undef K
	};
	char *line, *next;
	size_t i;

	memset(s, 0, sizeof(*s));
	for (line = text; line && *line; line = next) {
		char key[64];
		uint64_t v;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "%63s %" SCNu64, key, &v) != 2)
			continue;
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strcmp(key, keys[i].key))
				*(uint64_t *)((char *)s + keys[i].off) = v;
	}
}

int bl_stats_read(struct bl_stats *s)
{
	struct tl_buf b = { 0 };
	int err = tl_read_file(VARMON_PROC_DIR "/stats", &b);

	if (!err)
		bl_stats_parse(b.s, s);
	tl_buf_free(&b);
	return err;
}

uint64_t bl_timer_irqs_parse(const char *text, int cpu)
{
	const char *line = strstr(text, "\nLOC:");
	uint64_t n = 0;
	char *end;
	int i;

	if (!line)
		return 0;
	line += 5;
	for (i = 0; i <= cpu; i++) {
		n = strtoull(line, &end, 10);
		if (end == line)
			return 0;
		line = end;
	}
	return n;
}

uint64_t bl_timer_irqs(int cpu)
{
	struct tl_buf b = { 0 };
	uint64_t n = 0;

	if (!tl_read_file("/proc/interrupts", &b))
		n = bl_timer_irqs_parse(b.s, cpu);
	tl_buf_free(&b);
	return n;
}

uint64_t bl_slab_parse(char *text)
{
	uint64_t sum = 0;
	char *line, *next;

	for (line = text; line && *line; line = next) {
		unsigned long long active, total, size;
		char name[64];

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "%63s %llu %llu %llu", name, &active, &total,
			   &size) == 4)
			sum += (uint64_t)active * size;
	}
	return sum;
}

int bl_slab_bytes(uint64_t *bytes)
{
	struct tl_buf b = { 0 };
	int err = tl_read_file("/proc/slabinfo", &b);

	if (!err)
		*bytes = bl_slab_parse(b.s);
	tl_buf_free(&b);
	return err;
}

long long bl_meminfo_parse(char *text, const char *key)
{
	size_t klen = strlen(key);
	char *line, *next;

	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, key, klen) && line[klen] == ':')
			return strtoll(line + klen + 1, NULL, 10);
	}
	return -ENOENT;
}

long long bl_meminfo_kb(const char *key)
{
	struct tl_buf b = { 0 };
	long long kb;
	int err = tl_read_file("/proc/meminfo", &b);

	kb = err ? err : bl_meminfo_parse(b.s, key);
	tl_buf_free(&b);
	return kb;
}

uint64_t bl_clock_ns(int clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t bl_now_ns(void)
{
	return bl_clock_ns(CLOCK_MONOTONIC);
}

void bl_sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ULL),
			       (long)(ns % 1000000000ULL) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int bl_pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

uint64_t bl_spin(uint64_t ns, uint64_t *iters, uint64_t *spent)
{
	uint64_t start = bl_now_ns(), now = start, n = 0;
	volatile uint64_t sink;
	uint64_t x = 88172645463325252ULL;
	unsigned int i;

	do {
		/* xorshift: a dependent chain the compiler cannot fold */
		for (i = 0; i < 4096; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		n += 4096;
		now = bl_now_ns();
	} while (now - start < ns);
	sink = x;
	(void)sink;
	*iters += n;
	*spent += now - start;
	return n;
}

int bl_tunable(const char *name, uint64_t val)
{
	int err = tl_proc_write_u64(name, val);

	if (err)
		fprintf(stderr, "bench: cannot set %s to %" PRIu64 ": %s\n",
			name, val, strerror(-err));
	return err;
}

int bl_target_start(struct bl_target *t, size_t bytes)
{
	int fds[2];
	uintptr_t addr = 0;
	ssize_t n;

	if (pipe(fds))
		return -errno;
	t->bytes = bytes;
	t->pid = fork();
	if (t->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (t->pid == 0) {
		void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
			       -1, 0);

		close(fds[0]);
		if (p != MAP_FAILED) {
			memset(p, 0, bytes);
			addr = (uintptr_t)p;
		}
		if (write(fds[1], &addr, sizeof(addr)) != sizeof(addr))
			_exit(1);
		close(fds[1]);
		for (;;)
			pause();
	}
	close(fds[1]);
	n = read(fds[0], &addr, sizeof(addr));
	close(fds[0]);
	if (n != sizeof(addr) || !addr) {
		bl_target_stop(t);
		return -ENOMEM;
	}
	t->addr = addr;
	return 0;
}

void bl_target_stop(struct bl_target *t)
{
	if (t->pid <= 0)
		return;
	kill(t->pid, SIGKILL);
	while (waitpid(t->pid, NULL, 0) < 0 && errno == EINTR)
		;
	t->pid = 0;
}

int bl_watch(int fd, pid_t pid, uintptr_t addr, unsigned int length,
	     uint64_t interval_ns, int64_t threshold, int rearm_flag,
	     int64_t rearm, unsigned int idx)
{
	struct varmon_watch w;
	char name[VARMON_NAME_LEN];

	snprintf(name, sizeof(name), "b%u", idx);
	tl_watch_init(&w, (const volatile void *)addr, length, name);
	w.pid = (__u32)pid;
	w.interval_ns = interval_ns;
	w.threshold = threshold;
	if (rearm_flag) {
		w.flags |= VARMON_WATCH_REARM_VALUE;
		w.rearm = rearm;
	}
	return -tl_ioctl_watch(fd, &w);
}

int bl_cancel(int fd, pid_t pid)
{
	return -tl_ioctl_cancel(fd, pid);
}

void bl_drained_reset(struct bl_drained *d)
{
	d->len = 0;
}

void bl_drained_free(struct bl_drained *d)
{
	free(d->buf);
	memset(d, 0, sizeof(*d));
}

#define DRAIN_ROOM	(4UL << 20)

int bl_drain_all(int fd, struct bl_drained *d)
{
	struct varmon_drain a;

	do {
		if (d->cap - d->len < DRAIN_ROOM) {
			uint8_t *p = realloc(d->buf, d->cap + 2 * DRAIN_ROOM);

			if (!p)
				return -ENOMEM;
			d->buf = p;
			d->cap += 2 * DRAIN_ROOM;
		}
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.buf = (uintptr_t)(d->buf + d->len);
		a.len = d->cap - d->len;
		if (ioctl(fd, VARMON_IOC_DRAIN, &a) < 0)
			return -errno;
		d->len += a.copied;
	} while (a.records);
	return 0;
}

int bl_dumps(const struct bl_drained *d, struct bl_dump *out, int max)
{
	size_t off = 0;
	int n = 0;

	while (off < d->len) {
		const struct varmon_rec_hdr *h = (const void *)(d->buf + off);
		struct bl_dump *cur = n > 0 && n <= max ? &out[n - 1] : NULL;

		if (d->len - off < sizeof(*h) || h->magic != VARMON_REC_MAGIC ||
		    h->size < sizeof(*h) || h->size % VARMON_REC_ALIGN ||
		    h->size > d->len - off)
			return -EBADMSG;
		off += h->size;
		if (h->type == VARMON_REC_DUMP) {
			const struct varmon_rec_dump *r = (const void *)h;

			if (h->size < sizeof(*r))
				return -EBADMSG;
			if (n < max) {
				cur = &out[n];
				memset(cur, 0, sizeof(*cur));
				cur->dump_id = h->dump_id;
				cur->trip_mono_ns = r->trip_mono_ns;
				cur->first_ns = h->time_ns;
				cur->nr_selected = r->nr_selected;
				cur->nr_skipped = r->nr_skipped;
				cur->nr_triggers = r->nr_triggers;
			} else {
				cur = NULL;
			}
			n++;
		}
		if (!cur || h->dump_id != cur->dump_id)
			continue;
		cur->records++;
		cur->bytes += h->size;
		if (h->time_ns > cur->last_ns)
			cur->last_ns = h->time_ns;
	}
	return n;
}

int bl_wait_dumps(int fd, struct bl_drained *d, int want,
		  unsigned int timeout_ms)
{
	uint64_t end = bl_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t now;
	int n, err;

	for (;;) {
		err = bl_drain_all(fd, d);
		if (err)
			return err;
		n = bl_dumps(d, NULL, 0);
		if (n < 0 || n >= want)
			return n;
		now = bl_now_ns();
		if (now >= end)
			return -ETIMEDOUT;
		poll(&p, 1, (int)((end - now) / 1000000ULL) + 1);
	}
}

int bl_wait_ticks(uint64_t n, unsigned int timeout_ms)
{
	uint64_t end = bl_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	struct bl_stats s0, s;
	int err = bl_stats_read(&s0);

	if (err)
		return err;
	for (;;) {
		err = bl_stats_read(&s);
		if (err)
			return err;
		if (s.ticks - s0.ticks >= n)
			return 0;
		if (bl_now_ns() >= end)
			return -ETIMEDOUT;
		/* Short naps: the ticks may be due on this very CPU. */
		bl_sleep_ns(20000);
	}
}

uint64_t bl_arg_u64(const char *opt, const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "bench: %s: not a number: %s\n", opt, s);
		exit(2);
	}
	return v;
}
