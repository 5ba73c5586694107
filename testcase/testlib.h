/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * testlib.h - helpers shared by the in-VM tests: the raw ioctl, procfs
 * files of the module, /dev/kmsg, /proc/vmstat and polling with a
 * timeout. Functions return 0 or a negative errno unless noted.
 */
#ifndef VARMON_TESTLIB_H
#define VARMON_TESTLIB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "variable_monitor.h"

/*
 * Timers run far slower than asked under TCG, so waiting for something
 * the module does asynchronously gets this long before it counts as
 * "never happened".
 */
#define TL_WAIT_MS	20000

#define TL_MODULE	"variable_monitor"

/* A growable, NUL-terminated text buffer. */
struct tl_buf {
	char *s;
	size_t len;
	size_t cap;
};

void tl_buf_free(struct tl_buf *b);
int tl_buf_append(struct tl_buf *b, const char *s, size_t n);

/* Whole file into @b (replacing its contents). */
int tl_read_file(const char *path, struct tl_buf *b);

/* One write() of @s to /proc/variable_monitor/@name. */
int tl_proc_write(const char *name, const char *s);
int tl_proc_read_u64(const char *name, uint64_t *val);
int tl_proc_write_u64(const char *name, uint64_t val);

/* "key value" of /proc/variable_monitor/stats, or @key of /proc/vmstat. */
int tl_stat(const char *key, uint64_t *val);
int tl_vmstat(const char *key, uint64_t *val);

/* One line of /proc/variable_monitor/watches. */
struct tl_watch_line {
	long pid;
	char name[VARMON_NAME_LEN];
	char addr[32];
	unsigned int length;
	char cond[16];
	char threshold[32];
	uint64_t interval_ns;
	uint64_t trips;
	char arg[32];
	char rearm[32];
	char trigger[16];
};

/*
 * Find the watch of @pid named @name: 1 when found (filled into @out,
 * which may be NULL), 0 when absent, negative errno on a read or parse
 * error.
 */
int tl_watch_find(pid_t pid, const char *name, struct tl_watch_line *out);
/* Number of watch lines of @pid (any pid when @pid is 0), or -errno. */
long tl_watch_count(pid_t pid);
/* Trips of a watch, or -1 when it is not listed. */
long long tl_watch_trips(pid_t pid, const char *name);

/*
 * Poll until the watch has more than @above trips: returns the count,
 * or -1 on timeout / missing watch.
 */
long long tl_wait_trips(pid_t pid, const char *name, long long above);
/* Poll until stats @key equals @want; 0, or -ETIMEDOUT. */
int tl_wait_stat(const char *key, uint64_t want);
/* Poll until the watches file lists @want lines of @pid. */
int tl_wait_watch_count(pid_t pid, long want);
/*
 * Between tests: wait until no watch, timer or pinned page is counted.
 * An exited process's watches are freed later by a work item, and the
 * next test must not take them for its baseline. Says which did not.
 */
void tl_settle(void);
/*
 * Wait until the engine's tick counter moved @n past its current value:
 * proof that timers polled, without measuring time.
 */
int tl_wait_ticks(uint64_t n);
/* Poll until nr_foll_pin_acquired == nr_foll_pin_released. */
int tl_wait_pins_balanced(uint64_t *acq, uint64_t *rel);

void tl_sleep_ms(unsigned int ms);
uint64_t tl_now_ms(void);

/* The raw ABI. */
int tl_dev_open(void);
void tl_watch_init(struct varmon_watch *w, const volatile void *addr,
		   unsigned int length, const char *name);
/* VARMON_IOC_WATCH on @fd: 0 or the errno it failed with. */
int tl_ioctl_watch(int fd, void *arg);
int tl_ioctl_cancel(int fd, pid_t pid);

/* /dev/kmsg, positioned after every message logged so far. */
int tl_kmsg_open(void);
/*
 * Append the text of every message logged since the last call to @b,
 * one line per message.
 */
int tl_kmsg_collect(int fd, struct tl_buf *b);
/*
 * Poll /dev/kmsg until one message line contains every string of the
 * NULL-terminated list, and copy that line to @line. 0, or -ETIMEDOUT.
 * @b accumulates what was read, so later calls search it again.
 */
int tl_kmsg_wait_line(int fd, struct tl_buf *b, char *line, size_t linelen,
		      ...) __attribute__((sentinel));

/* Tunables of /proc/variable_monitor, for save and restore. */
extern const char *const tl_tunables[];
extern const size_t tl_nr_tunables;
void tl_tunables_save(void);
void tl_tunables_restore(void);

/* A process-shared byte pipe to say "ready" or "go". */
struct tl_sync {
	int rd;
	int wr;
};

int tl_sync_init(struct tl_sync *s);
int tl_sync_post(struct tl_sync *s);
/* Wait for one byte; -ETIMEDOUT when none came in TL_WAIT_MS. */
int tl_sync_wait(struct tl_sync *s);

/* Block until killed: the body of a child that only holds watches. */
void tl_sleep_forever(void) __attribute__((noreturn));

/* ---- For the hardening tests (test_fuzz, test_churn) ---- */

/* /proc/sys/kernel/tainted, or -errno. */
long long tl_tainted(void);

/*
 * Find the first message in @b (as tl_kmsg_collect() fills it) that the
 * VM runner would call a kernel problem: BUG, WARNING, Oops, a sanitizer,
 * lockup or corruption report, a killed process. 1 and the line copied to
 * @line when there is one, else 0.
 */
int tl_kmsg_problem(const struct tl_buf *b, char *line, size_t linelen);

/*
 * Drain what is pending on @fd, appending whole records to @b; a record
 * that does not fit gets a buffer of the size the kernel says it needs.
 * Returns the number of records drained, or -errno.
 */
long tl_drain_all(int fd, struct tl_buf *b);

/*
 * Keep the kernel's perf_sched_events static key on while this process
 * lives. Every hardware watch is a per-task perf event: when the last
 * one goes the key is switched off, and the next one switches it on,
 * each time patching __schedule() through int3. Debian's 6.12 kernel
 * under QEMU TCG dies of that patching ("Oops: int3" at __schedule),
 * with or without this module; one dummy per-task event held open
 * keeps the key from flipping. Returns the event's fd or -errno.
 */
int tl_perf_hold(void);

#endif /* VARMON_TESTLIB_H */
