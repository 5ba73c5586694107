// SPDX-License-Identifier: GPL-2.0-only
/*
 * testlib.c - helpers shared by the in-VM tests (see testlib.h).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include "testlib.h"

#define POLL_MS	20

void tl_buf_free(struct tl_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = 0;
	b->cap = 0;
}

int tl_buf_append(struct tl_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->s, cap);
		if (!p)
			return -ENOMEM;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

int tl_read_file(const char *path, struct tl_buf *b)
{
	char chunk[4096];
	ssize_t n;
	int fd, err = 0;

	b->len = 0;
	if (tl_buf_append(b, "", 0))
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		err = tl_buf_append(b, chunk, (size_t)n);
		if (err)
			break;
	}
	close(fd);
	return err;
}

static void proc_path(char *path, size_t len, const char *name)
{
	snprintf(path, len, "%s/%s", VARMON_PROC_DIR, name);
}

int tl_proc_write(const char *name, const char *s)
{
	char path[128];
	size_t len = strlen(s);
	ssize_t n;
	int fd, err = 0;

	proc_path(path, sizeof(path), name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;	/* a short write would hide a partial parse */
	close(fd);
	return err;
}

/* Strictly one decimal number and an optional newline. */
static int parse_u64(const char *s, uint64_t *val)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -errno;
	if (*end == '\n')
		end++;
	if (*end)
		return -EINVAL;
	*val = v;
	return 0;
}

int tl_proc_read_u64(const char *name, uint64_t *val)
{
	struct tl_buf b = { 0 };
	char path[128];
	int err;

	proc_path(path, sizeof(path), name);
	err = tl_read_file(path, &b);
	if (!err)
		err = parse_u64(b.s, val);
	tl_buf_free(&b);
	return err;
}

int tl_proc_write_u64(const char *name, uint64_t val)
{
	char s[32];

	snprintf(s, sizeof(s), "%" PRIu64 "\n", val);
	return tl_proc_write(name, s);
}

/* Find "key value" in a file of such lines. */
static int keyed_value(const char *path, const char *key, uint64_t *val)
{
	struct tl_buf b = { 0 };
	size_t klen = strlen(key);
	char *line, *next;
	int err;

	err = tl_read_file(path, &b);
	if (err)
		goto out;
	err = -ENOENT;
	for (line = b.s; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, key, klen) && line[klen] == ' ') {
			err = parse_u64(line + klen + 1, val);
			break;
		}
	}
out:
	tl_buf_free(&b);
	return err;
}

int tl_stat(const char *key, uint64_t *val)
{
	return keyed_value(VARMON_PROC_DIR "/stats", key, val);
}

int tl_vmstat(const char *key, uint64_t *val)
{
	return keyed_value("/proc/vmstat", key, val);
}

static int parse_watch_line(const char *line, struct tl_watch_line *w)
{
	int n = sscanf(line, "%ld %15s %31s %u %15s %31s %" SCNu64 " %" SCNu64
		       " %31s %31s %15s",
		       &w->pid, w->name, w->addr, &w->length, w->cond,
		       w->threshold, &w->interval_ns, &w->trips, w->arg,
		       w->rearm, w->trigger);

	return n == 11 ? 0 : -EBADMSG;
}

/* Call @fn for every watch line; stops when it returns non-zero. */
static int for_each_watch(int (*fn)(const struct tl_watch_line *, void *),
			  void *arg)
{
	struct tl_buf b = { 0 };
	char *line, *next;
	int err;

	err = tl_read_file(VARMON_PROC_DIR "/watches", &b);
	if (err)
		goto out;
	for (line = b.s; *line; line = next) {
		struct tl_watch_line w;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (line[0] == '#' || !line[0])
			continue;
		err = parse_watch_line(line, &w);
		if (err)
			break;
		err = fn(&w, arg);
		if (err)
			break;
	}
out:
	tl_buf_free(&b);
	return err;
}

struct find_arg {
	pid_t pid;
	const char *name;
	struct tl_watch_line *out;
	long count;
};

static int find_one(const struct tl_watch_line *w, void *arg)
{
	struct find_arg *a = arg;

	if (w->pid != a->pid || strcmp(w->name, a->name))
		return 0;
	if (a->out)
		*a->out = *w;
	return 1;
}

int tl_watch_find(pid_t pid, const char *name, struct tl_watch_line *out)
{
	struct find_arg a = { .pid = pid, .name = name, .out = out };

	return for_each_watch(find_one, &a);
}

static int count_one(const struct tl_watch_line *w, void *arg)
{
	struct find_arg *a = arg;

	if (!a->pid || w->pid == a->pid)
		a->count++;
	return 0;
}

long tl_watch_count(pid_t pid)
{
	struct find_arg a = { .pid = pid };
	int err = for_each_watch(count_one, &a);

	return err ? err : a.count;
}

long long tl_watch_trips(pid_t pid, const char *name)
{
	struct tl_watch_line w;

	if (tl_watch_find(pid, name, &w) != 1)
		return -1;
	return (long long)w.trips;
}

void tl_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

uint64_t tl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

long long tl_wait_trips(pid_t pid, const char *name, long long above)
{
	uint64_t end = tl_now_ms() + TL_WAIT_MS;

	do {
		long long t = tl_watch_trips(pid, name);

		if (t > above)
			return t;
		if (t < 0)
			return -1;
		tl_sleep_ms(POLL_MS);
	} while (tl_now_ms() < end);
	return -1;
}

int tl_wait_stat(const char *key, uint64_t want)
{
	uint64_t end = tl_now_ms() + TL_WAIT_MS, v;

	do {
		if (!tl_stat(key, &v) && v == want)
			return 0;
		tl_sleep_ms(POLL_MS);
	} while (tl_now_ms() < end);
	return -ETIMEDOUT;
}

int tl_wait_watch_count(pid_t pid, long want)
{
	uint64_t end = tl_now_ms() + TL_WAIT_MS;

	do {
		if (tl_watch_count(pid) == want)
			return 0;
		tl_sleep_ms(POLL_MS);
	} while (tl_now_ms() < end);
	return -ETIMEDOUT;
}

void tl_settle(void)
{
	static const char *const keys[] = { "watches", "timers",
					    "pinned_pages" };
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (tl_wait_stat(keys[i], 0) && !tl_stat(keys[i], &v))
			printf("# stats %s still %" PRIu64 " after the test\n",
			       keys[i], v);
}

int tl_wait_ticks(uint64_t n)
{
	uint64_t end = tl_now_ms() + TL_WAIT_MS, start, v;
	int err = tl_stat("ticks", &start);

	if (err)
		return err;
	do {
		tl_sleep_ms(POLL_MS);
		err = tl_stat("ticks", &v);
		if (err)
			return err;
		if (v - start >= n)
			return 0;
	} while (tl_now_ms() < end);
	return -ETIMEDOUT;
}

int tl_wait_pins_balanced(uint64_t *acq, uint64_t *rel)
{
	uint64_t end = tl_now_ms() + TL_WAIT_MS;
	int fd;

	do {
		/* Fold the per-CPU deltas, or the counters lag by seconds. */
		fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, "1", 1) < 0) {
				/* refreshed anyway; an error only flags a
				 * negative unrelated counter */
			}
			close(fd);
		}
		if (tl_vmstat("nr_foll_pin_acquired", acq) ||
		    tl_vmstat("nr_foll_pin_released", rel))
			return -ENOENT;
		if (*acq == *rel)
			return 0;
		tl_sleep_ms(POLL_MS);
	} while (tl_now_ms() < end);
	return -ETIMEDOUT;
}

int tl_dev_open(void)
{
	int fd = open(VARMON_DEVICE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

void tl_watch_init(struct varmon_watch *w, const volatile void *addr,
		   unsigned int length, const char *name)
{
	memset(w, 0, sizeof(*w));
	w->size = sizeof(*w);
	w->length = (__u8)length;
	w->cond = VARMON_COND_GT;
	w->trigger = VARMON_TRIGGER_POLL;
	w->addr = (__u64)(uintptr_t)addr;
	w->threshold = 0;
	memcpy(w->name, name, strnlen(name, sizeof(w->name) - 1));
}

int tl_ioctl_watch(int fd, void *arg)
{
	return ioctl(fd, VARMON_IOC_WATCH, arg) < 0 ? errno : 0;
}

int tl_ioctl_cancel(int fd, pid_t pid)
{
	struct varmon_cancel c;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.pid = (__u32)pid;
	return ioctl(fd, VARMON_IOC_CANCEL, &c) < 0 ? errno : 0;
}

int tl_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_END) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int tl_kmsg_collect(int fd, struct tl_buf *b)
{
	char rec[8192];

	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *msg, *end;

		if (n < 0) {
			if (errno == EAGAIN)
				return 0;
			if (errno == EPIPE || errno == EINTR)
				continue;	/* overwritten; next is valid */
			return -errno;
		}
		rec[n] = '\0';
		/* "prio,seq,usec,flags;text\n" then " KEY=value" lines */
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		end = strchr(msg, '\n');
		if (end)
			*end = '\0';
		if (tl_buf_append(b, msg, strlen(msg)) ||
		    tl_buf_append(b, "\n", 1))
			return -ENOMEM;
	}
}

static int line_has_all(const char *line, size_t len, va_list ap)
{
	char tmp[1024];
	const char *needle;

	if (len >= sizeof(tmp))
		len = sizeof(tmp) - 1;
	memcpy(tmp, line, len);
	tmp[len] = '\0';
	while ((needle = va_arg(ap, const char *)))
		if (!strstr(tmp, needle))
			return 0;
	return 1;
}

int tl_kmsg_wait_line(int fd, struct tl_buf *b, char *line, size_t linelen,
		      ...)
{
	uint64_t end = tl_now_ms() + TL_WAIT_MS;

	do {
		const char *p;

		if (tl_kmsg_collect(fd, b))
			return -EIO;
		for (p = b->s; p && *p;) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			va_list ap;
			int hit;

			va_start(ap, linelen);
			hit = line_has_all(p, len, ap);
			va_end(ap);
			if (hit) {
				if (len >= linelen)
					len = linelen - 1;
				memcpy(line, p, len);
				line[len] = '\0';
				return 0;
			}
			p = nl ? nl + 1 : NULL;
		}
		tl_sleep_ms(POLL_MS);
	} while (tl_now_ms() < end);
	return -ETIMEDOUT;
}

const char *const tl_tunables[] = {
	"def_interval_ns", "dump_reset_sec", "min_interval_ns", "max_timers",
	"max_watches_per_timer", "user_stack_bytes", "max_dump_tasks",
	"max_watches", "max_process_watches", "max_process_timers",
};
const size_t tl_nr_tunables = sizeof(tl_tunables) / sizeof(tl_tunables[0]);

static uint64_t saved[sizeof(tl_tunables) / sizeof(tl_tunables[0])];
static int saved_ok[sizeof(tl_tunables) / sizeof(tl_tunables[0])];

void tl_tunables_save(void)
{
	size_t i;

	for (i = 0; i < tl_nr_tunables; i++)
		saved_ok[i] = !tl_proc_read_u64(tl_tunables[i], &saved[i]);
}

void tl_tunables_restore(void)
{
	int pass;
	size_t i;

	/*
	 * def_interval_ns >= min_interval_ns holds at every step, so one
	 * order can fail where the other works: a second pass finishes.
	 */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < tl_nr_tunables; i++) {
			uint64_t v;

			if (!saved_ok[i] ||
			    (!tl_proc_read_u64(tl_tunables[i], &v) &&
			     v == saved[i]))
				continue;
			if (tl_proc_write_u64(tl_tunables[i], saved[i]) &&
			    pass == 1)
				printf("# could not restore %s to %" PRIu64 "\n",
				       tl_tunables[i], saved[i]);
		}
	}
}

int tl_sync_init(struct tl_sync *s)
{
	int fds[2];

	if (pipe(fds) < 0)
		return -errno;
	s->rd = fds[0];
	s->wr = fds[1];
	return 0;
}

int tl_sync_post(struct tl_sync *s)
{
	char c = 1;

	return write(s->wr, &c, 1) == 1 ? 0 : -errno;
}

int tl_sync_wait(struct tl_sync *s)
{
	uint64_t end = tl_now_ms() + TL_WAIT_MS;
	int fl = fcntl(s->rd, F_GETFL);
	char c;

	fcntl(s->rd, F_SETFL, fl | O_NONBLOCK);
	do {
		ssize_t n = read(s->rd, &c, 1);

		if (n == 1)
			return 0;
		if (n == 0)
			return -EPIPE;	/* every writer is gone */
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		tl_sleep_ms(POLL_MS);
	} while (tl_now_ms() < end);
	return -ETIMEDOUT;
}

void tl_sleep_forever(void)
{
	for (;;)
		pause();
}

long long tl_tainted(void)
{
	uint64_t v;
	struct tl_buf b = { 0 };
	int err = tl_read_file("/proc/sys/kernel/tainted", &b);

	if (!err)
		err = parse_u64(b.s, &v);
	tl_buf_free(&b);
	return err ? err : (long long)v;
}

/* What tools/vm.sh's console scan fails a run for, message by message. */
static int kmsg_bad(const char *msg)
{
	static const char *const bad[] = {
		"Oops", "WARNING:", "Call Trace", "Kernel panic",
		"general protection", "KFENCE", "KASAN", "UBSAN",
		"Redzone", "Poison overwritten", "adding overwritten",
		"Freepointer corrupt", "Freechain corrupt",
		"Object already free", "Invalid object pointer",
		"Objects remaining", "still has objects", "Wrong object count",
		"Bad page", "list_add corruption", "list_del corruption",
		"refcount_t:", "stack-protector", "stack guard page",
		"double fault", "soft lockup", "hard LOCKUP",
		"blocked for more than", "hung_task", "detected stall",
		"scheduling while atomic",
		"sleeping function called from invalid context",
		"Out of memory", "oom-kill", "segfault at", "traps: ",
	};
	const char *p;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strstr(msg, bad[i]))
			return 1;
	if (strstr(msg, "kmemleak") &&
	    !strstr(msg, "kmemleak: Kernel memory leak detector initialized") &&
	    !strstr(msg, "kmemleak: Automatic memory scanning thread"))
		return 1;
	/* "BUG" as a word, as in "BUG:" or "kernel BUG at". */
	for (p = strstr(msg, "BUG"); p; p = strstr(p + 1, "BUG")) {
		int before = p == msg || !(isalnum((unsigned char)p[-1]) ||
					   p[-1] == '_');
		int after = !(isalnum((unsigned char)p[3]) || p[3] == '_');

		if (before && after)
			return 1;
	}
	return 0;
}

int tl_kmsg_problem(const struct tl_buf *b, char *line, size_t linelen)
{
	const char *p = b->s;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char tmp[1024];

		if (len >= sizeof(tmp))
			len = sizeof(tmp) - 1;
		memcpy(tmp, p, len);
		tmp[len] = '\0';
		if (kmsg_bad(tmp)) {
			snprintf(line, linelen, "%s", tmp);
			return 1;
		}
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

long tl_drain_all(int fd, struct tl_buf *b)
{
	size_t cap = 64 << 10;
	char *buf = malloc(cap);
	long total = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		struct varmon_drain d;

		memset(&d, 0, sizeof(d));
		d.size = sizeof(d);
		d.buf = (uintptr_t)buf;
		d.len = cap;
		if (ioctl(fd, VARMON_IOC_DRAIN, &d) < 0) {
			char *nbuf;

			if (errno == EINTR)
				continue;
			if (errno != ENOSPC || d.needed <= cap) {
				total = -errno;
				break;
			}
			nbuf = realloc(buf, d.needed);
			if (!nbuf) {
				total = -ENOMEM;
				break;
			}
			buf = nbuf;
			cap = d.needed;
			continue;
		}
		if (!d.records)
			break;
		if (tl_buf_append(b, buf, d.copied)) {
			total = -ENOMEM;
			break;
		}
		total += d.records;
	}
	free(buf);
	return total;
}

int tl_perf_hold(void)
{
	struct perf_event_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_SW_DUMMY;
	fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}
