// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_churn.c - races and churn, in the VM as root, bounded in time.
 *
 * Each test runs a storm for a bounded time and number of rounds while
 * another thread keeps trying to unload the module (which must fail
 * with EWOULDBLOCK or EBUSY: a file is open), then checks that every
 * watch, pinned page and timer is gone, that the kernel's pin counters
 * balance and that the kernel log is clean:
 *  - processes register, trip, cancel and exit, some killed with SIGKILL
 *    mid-registration, another registers on them from outside, while
 *    `ucli follow` (or our own drain) follows the dumps;
 *  - cancels race with constant trips (dump_reset_sec 0), polled and
 *    hardware;
 *  - processes with many threads exit right after their trip, while
 *    their dump is being taken; the dumps drained are whole;
 *  - memory is unmapped, moved, zapped and forked under watches being
 *    registered and polled;
 *  - hardware watches come and go while threads and children do;
 *  - the limits and capture tunables change under all of it.
 * Last, with nothing open, rmmod succeeds (and the module is reloaded).
 *
 * Timers run slow and irregular under TCG: nothing here measures time,
 * loops stop at a round count or a generous deadline, whichever first.
 *
 *	test_churn [-l] [substring...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor_user.h"
#include "rec_check.h"
#include "tap.h"
#include "testlib.h"
#include "hardening.h"

#define PAGE		4096UL
#define KO_DEFAULT	"/varmon/variable_monitor.ko"
#define UCLI		"/varmon/bin/ucli"

/* Intervals of the watches here: the VM must stay responsive. */
#define MIN_NS		100000ULL
#define DEF_NS		200000ULL

static int kmsg_all = -1;
static long long taint_start;

static const char *errname(int err)
{
	const char *s;

	if (!err)
		return "success";
	s = strerrorname_np(err);
	return s ? s : "unknown errno";
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void sleep_us(unsigned int us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- what the processes of a test report, in shared memory ---- */

#define MAX_PIDS	64

struct shared {
	int stop;
	int fails;
	char first[256];
	unsigned long n[8];	/* counters, meaning per test */
	pid_t pids[MAX_PIDS];	/* live processes others may aim at */
};

static struct shared *sh;

static int shared_init(void)
{
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return sh == MAP_FAILED ? -errno : 0;
}

static int stopping(void)
{
	return __atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE);
}

static void count(unsigned int i)
{
	__atomic_fetch_add(&sh->n[i], 1, __ATOMIC_RELAXED);
}

__attribute__((format(printf, 1, 2)))
static void fail(const char *fmt, ...)
{
	va_list ap;

	if (__atomic_fetch_add(&sh->fails, 1, __ATOMIC_ACQ_REL))
		return;
	va_start(ap, fmt);
	vsnprintf(sh->first, sizeof(sh->first), fmt, ap);
	va_end(ap);
}

static int shared_ok(void)
{
	TAP_EXPECT(!sh->fails, "%d failures, the first: %s", sh->fails,
		   sh->first);
	return TAP_PASS;
}

/* ---- rmmod, all the time ---- */

static int delete_module(unsigned int flags)
{
	return syscall(SYS_delete_module, TL_MODULE, flags) < 0 ? errno : 0;
}

/*
 * Tries to unload the module every few milliseconds, and reads the
 * procfs files in between. It holds a file of its own open, so every
 * attempt must fail with EWOULDBLOCK (EBUSY while it changes state).
 */
struct hammer {
	pthread_t tid;
	int fd;
	volatile int stop;
	unsigned long tries;
	int bad;
};

static void *hammer_fn(void *arg)
{
	struct hammer *h = arg;
	struct tl_buf b = { 0 };

	while (!h->stop) {
		int err = delete_module(O_NONBLOCK);

		h->tries++;
		if (err != EWOULDBLOCK && err != EBUSY) {
			h->bad = err ? err : -1;
			break;
		}
		tl_read_file(VARMON_PROC_DIR "/stats", &b);
		tl_read_file(VARMON_PROC_DIR "/watches", &b);
		sleep_us(20000);
	}
	tl_buf_free(&b);
	return NULL;
}

static int hammer_start(struct hammer *h)
{
	memset(h, 0, sizeof(*h));
	h->fd = tl_dev_open();
	TAP_EXPECT(h->fd >= 0, "open: %s", strerror(-h->fd));
	TAP_EXPECT(!pthread_create(&h->tid, NULL, hammer_fn, h),
		   "pthread_create");
	return TAP_PASS;
}

static int hammer_stop(struct hammer *h)
{
	h->stop = 1;
	pthread_join(h->tid, NULL);
	close(h->fd);
	TAP_EXPECT(!h->bad, "delete_module(O_NONBLOCK) with files open: %s, "
		   "want EWOULDBLOCK or EBUSY", h->bad < 0 ? "success" :
		   errname(h->bad));
	TAP_EXPECT(h->tries > 0, "no rmmod attempt was made");
	tap_diag("%lu rmmod attempts refused", h->tries);
	return TAP_PASS;
}

/* ---- the checks after a storm ---- */

static int all_gone(void)
{
	int ret = hard_counters_zero();

	return ret ? ret : hard_kernel_clean(kmsg_all, taint_start);
}

static int set_tunables(uint64_t dump_reset)
{
	TAP_EXPECT(!tl_proc_write_u64("def_interval_ns", DEF_NS) &&
		   !tl_proc_write_u64("min_interval_ns", MIN_NS) &&
		   !tl_proc_write_u64("dump_reset_sec", dump_reset),
		   "cannot set the tunables");
	return TAP_PASS;
}

static int stat_now(const char *key, uint64_t *v)
{
	TAP_EXPECT(!tl_stat(key, v), "cannot read stats %s", key);
	return TAP_PASS;
}

/* Wait for a child, at most @ms, then kill it; its status, or -1. */
static int reap_within(pid_t pid, unsigned int ms)
{
	uint64_t end = tl_now_ms() + ms;
	int status;

	while (tl_now_ms() < end) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0)
			return -1;
		sleep_us(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* ---- a drainer of our own, checking the stream ---- */

struct drainer {
	pthread_t tid;
	int fd;
	volatile int stop;
	struct tl_rec_check c;
	char why[256];
	int bad;
	/* Called with the first trigger of every dump drained, or NULL. */
	void (*on_dump)(const struct varmon_trigger *t);
};

static void drainer_scan(struct drainer *d, const struct tl_buf *b)
{
	size_t off = 0;

	while (off + sizeof(struct varmon_rec_hdr) <= b->len) {
		const struct varmon_rec_dump *dump = (const void *)(b->s + off);
		const struct varmon_trigger *t = (const void *)(dump + 1);

		if (dump->hdr.type == VARMON_REC_DUMP && dump->nr_triggers &&
		    d->on_dump)
			d->on_dump(t);
		off += dump->hdr.size;
	}
}

static void *drainer_fn(void *arg)
{
	struct drainer *d = arg;
	struct tl_buf b = { 0 };

	for (;;) {
		int last = d->stop;
		long n;

		b.len = 0;
		n = tl_drain_all(d->fd, &b);
		if (n < 0) {
			snprintf(d->why, sizeof(d->why), "drain: %s",
				 errname((int)-n));
			d->bad = 1;
			break;
		}
		if (tl_rec_check_feed(&d->c, b.s, b.len, d->why,
				      sizeof(d->why))) {
			d->bad = 1;
			break;
		}
		drainer_scan(d, &b);
		if (last)
			break;
		sleep_us(5000);
	}
	tl_buf_free(&b);
	return NULL;
}

static int drainer_start(struct drainer *d,
			 void (*on_dump)(const struct varmon_trigger *t))
{
	struct tl_buf b = { 0 };

	memset(d, 0, sizeof(*d));
	d->on_dump = on_dump;
	d->fd = tl_dev_open();
	TAP_EXPECT(d->fd >= 0, "open: %s", strerror(-d->fd));
	/* Begin at a dump boundary: an emptied ring is one. */
	TAP_EXPECT(tl_drain_all(d->fd, &b) >= 0, "first drain failed");
	tl_buf_free(&b);
	TAP_EXPECT(!pthread_create(&d->tid, NULL, drainer_fn, d),
		   "pthread_create");
	return TAP_PASS;
}

static int drainer_stop(struct drainer *d)
{
	d->stop = 1;
	pthread_join(d->tid, NULL);
	close(d->fd);
	TAP_EXPECT(!d->bad, "drained records: %s", d->why);
	tap_diag("drained %" PRIu64 " records, %" PRIu64 " dumps, %" PRIu64
		 " lost", d->c.records, d->c.dumps, d->c.lost_dumps);
	return TAP_PASS;
}

/* ---- 1: register, trip, cancel, exit; SIGKILL; ucli follow ---- */

#define WORKERS		8
#define CYCLES		60	/* per worker */
#define STORM_MS	20000

/* The same addresses in every forked child (a static executable). */
static volatile int cyc_int;
static volatile long cyc_long;
static volatile unsigned char cyc_uchar;
static volatile int64_t cyc_seq;

enum { N_CYCLES, N_KILLED, N_REMOTE_OK, N_REMOTE_TRIES, N_OK };

/* One short life: four watches, a trip, then one way or another out. */
static int cycle_child(uint64_t seed)
{
	struct varmon_watch w;
	int err;

	err = START_WATCH_INT("cyc_int", &cyc_int, 10);
	if (!err)
		err = START_WATCH_LONG_LESS("cyc_long", &cyc_long, -5);
	if (!err)
		err = START_WATCH_UCHAR("cyc_uchar", &cyc_uchar, 200);
	if (!err) {
		VARMON_WATCH_INIT(&w, "cyc_seq", &cyc_seq, VARMON_COND_CHANGED,
				  0);
		w.interval_ns = 500000;
		if (seed & 1) {
			w.trigger = VARMON_TRIGGER_HWBP;
			w.flags |= VARMON_WATCH_HW_FALLBACK;
		}
		err = start_watch_ex(&w);
	}
	if (err)
		return -err;
	cyc_int = 11;
	cyc_long = -6;
	cyc_uchar = 201;
	cyc_seq++;
	sleep_us((unsigned int)(seed >> 8) % 3000);
	cyc_seq++;
	switch ((seed >> 4) % 4) {
	case 0:
		return cancel_watch() ? 200 : 0;
	case 1:
		close(varmon_user_fd);	/* the file goes, the watches too */
		return 0;
	case 2:
		return 0;		/* exit with them */
	default:
		raise(SIGKILL);
		return 0;
	}
}

static void publish_pid(unsigned int slot, pid_t pid)
{
	__atomic_store_n(&sh->pids[slot % MAX_PIDS], pid, __ATOMIC_RELEASE);
}

static int worker(unsigned int id, uint64_t end)
{
	uint64_t s = 0x5eed0000ULL + id;
	unsigned int n;

	for (n = 0; n < CYCLES && tl_now_ms() < end && !stopping(); n++) {
		uint64_t r = rnd(&s);
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			fail("worker %u: fork: %s", id, strerror(errno));
			return 1;
		}
		if (!pid)
			_exit(cycle_child(r));
		publish_pid(id, pid);
		/* A third are killed at a random point, often mid-ioctl. */
		if (r % 3 == 0) {
			sleep_us((unsigned int)(r >> 20) % 2000);
			kill(pid, SIGKILL);
			count(N_KILLED);
		}
		waitpid(pid, &status, 0);
		publish_pid(id, 0);
		count(N_CYCLES);
		if (WIFEXITED(status) && WEXITSTATUS(status))
			fail("worker %u cycle %u: %s", id, n,
			     WEXITSTATUS(status) == 200 ? "cancel failed" :
			     errname(WEXITSTATUS(status)));
		else if (WIFEXITED(status))
			count(N_OK);
	}
	return 0;
}

/*
 * From outside: watch the cycle children's variables by pid, polled or
 * hardware, as they come and go, and cancel them again.
 */
static int remote_watcher(uint64_t end)
{
	uint64_t s = 0xabcdef;
	int fd = tl_dev_open();

	if (fd < 0) {
		fail("remote: open: %s", strerror(-fd));
		return 1;
	}
	while (tl_now_ms() < end && !stopping()) {
		uint64_t r = rnd(&s);
		pid_t pid = __atomic_load_n(&sh->pids[r % WORKERS],
					    __ATOMIC_ACQUIRE);
		struct varmon_watch w;
		int err;

		if (!pid) {
			sleep_us(500);
			continue;
		}
		tl_watch_init(&w, &cyc_int, sizeof(cyc_int), "remote");
		w.pid = (uint32_t)pid;
		w.threshold = 10;
		w.interval_ns = DEF_NS;
		if (r & 0x100) {
			w.trigger = VARMON_TRIGGER_HWBP;
			w.flags |= VARMON_WATCH_HW_FALLBACK;
		}
		count(N_REMOTE_TRIES);
		err = tl_ioctl_watch(fd, &w);
		/* Gone, or its pid taken by something else: ESRCH, EFAULT. */
		if (!err)
			count(N_REMOTE_OK);
		else if (err != ESRCH && err != EFAULT)
			fail("remote watch on pid %d: %s", pid, errname(err));
		if (r & 0x200) {
			err = tl_ioctl_cancel(fd, pid);
			if (err && err != ESRCH)
				fail("remote cancel of pid %d: %s", pid,
				     errname(err));
		}
		if ((r & 0xf000) == 0) {
			close(fd);
			fd = tl_dev_open();
			if (fd < 0) {
				fail("remote: reopen: %s", strerror(-fd));
				return 1;
			}
		}
	}
	close(fd);
	return 0;
}

/* `ucli follow` with its report thrown away, errors kept in a file. */
static pid_t start_ucli(const char *errfile)
{
	pid_t pid = fork();

	if (!pid) {
		int null = open("/dev/null", O_WRONLY);
		int err = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (null < 0 || err < 0 || dup2(null, 1) < 0 ||
		    dup2(err, 2) < 0)
			_exit(127);
		execl(UCLI, "ucli", "follow", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void show_file(const char *path)
{
	struct tl_buf b = { 0 };
	char *line, *next;

	if (tl_read_file(path, &b))
		return;
	for (line = b.s; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		tap_diag("ucli: %s", line);
	}
	tl_buf_free(&b);
}

static int test_lifecycle_storm(void)
{
	static const char errfile[] = "/tmp/test_churn.ucli.err";
	uint64_t end, trips0, trips1, dumps0, dumps1;
	pid_t pids[WORKERS + 1], ucli = 0;
	struct drainer d;
	struct hammer h;
	int have_ucli = !access(UCLI, X_OK), ret, status;
	unsigned int i;

	TAP_EXPECT(!shared_init(), "mmap: %s", strerror(errno));
	ret = set_tunables(1);
	if (!ret)
		ret = stat_now("trips", &trips0);
	if (!ret)
		ret = stat_now("dumps", &dumps0);
	if (!ret)
		ret = hammer_start(&h);
	if (ret)
		return ret;
	if (have_ucli) {
		ucli = start_ucli(errfile);
		TAP_EXPECT(ucli > 0, "fork: %s", strerror(errno));
	} else {
		tap_diag("no %s: draining with our own reader", UCLI);
		ret = drainer_start(&d, NULL);
		if (ret)
			return ret;
	}
	end = tl_now_ms() + STORM_MS;
	for (i = 0; i <= WORKERS; i++) {
		pids[i] = fork();
		TAP_EXPECT(pids[i] >= 0, "fork: %s", strerror(errno));
		if (!pids[i])
			_exit(i < WORKERS ? worker(i, end) :
			      remote_watcher(end));
	}
	for (i = 0; i <= WORKERS; i++) {
		status = reap_within(pids[i], STORM_MS + 60000);
		if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status))
			fail("process %u of the storm ended with status %#x",
			     i, status);
	}
	if (have_ucli) {
		kill(ucli, SIGTERM);
		status = reap_within(ucli, 30000);
		if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status))
			show_file(errfile);
		TAP_EXPECT(status != -1, "ucli follow did not stop on SIGTERM");
		TAP_EXPECT(WIFEXITED(status) && !WEXITSTATUS(status),
			   "ucli follow ended with status %#x", status);
	} else {
		ret = drainer_stop(&d);
		if (ret)
			return ret;
	}
	ret = hammer_stop(&h);
	if (ret)
		return ret;
	tap_diag("%lu cycles (%lu whole, %lu killed), %lu of %lu remote "
		 "watches registered", sh->n[N_CYCLES], sh->n[N_OK],
		 sh->n[N_KILLED], sh->n[N_REMOTE_OK], sh->n[N_REMOTE_TRIES]);
	ret = shared_ok();
	if (ret)
		return ret;
	TAP_EXPECT(sh->n[N_OK] >= 10 && sh->n[N_KILLED] >= 5,
		   "only %lu whole cycles and %lu killed ones", sh->n[N_OK],
		   sh->n[N_KILLED]);
	ret = stat_now("trips", &trips1);
	if (!ret)
		ret = stat_now("dumps", &dumps1);
	if (ret)
		return ret;
	TAP_EXPECT(trips1 > trips0 && dumps1 > dumps0,
		   "the storm tripped nothing (trips %" PRIu64 " -> %" PRIu64
		   ", dumps %" PRIu64 " -> %" PRIu64 ")", trips0, trips1,
		   dumps0, dumps1);
	return all_gone();
}

/* ---- 2: cancels racing with constant trips ---- */

#define RACE_MS		15000
#define RACE_ROUNDS	3000	/* per registering thread */
#define REGISTRARS	2

static volatile int64_t hot;

enum { N_REG_OK, N_REG_HW, N_ROUNDS };

static void *setter_fn(void *arg)
{
	(void)arg;
	while (!stopping()) {
		/* Above the threshold always; every write a new value. */
		hot = hot + 1;
		if ((hot & 0xff) == 0)
			sched_yield();
	}
	return NULL;
}

static void *registrar_fn(void *arg)
{
	uint64_t s = 0x7ace + (uintptr_t)arg, end = tl_now_ms() + RACE_MS;
	int fd = tl_dev_open();
	unsigned int n;

	if (fd < 0) {
		fail("open: %s", strerror(-fd));
		return NULL;
	}
	for (n = 0; n < RACE_ROUNDS && tl_now_ms() < end; n++) {
		uint64_t r = rnd(&s);
		struct varmon_watch w;
		int err, hw = r % 3 == 0;

		tl_watch_init(&w, &hot, sizeof(hot), hw ? "race_hw" : "race");
		w.threshold = 0;
		w.interval_ns = MIN_NS;
		if (hw) {
			w.trigger = VARMON_TRIGGER_HWBP;
			w.cond = r & 8 ? VARMON_COND_CHANGED : VARMON_COND_GT;
			w.threshold = 0;
		}
		err = tl_ioctl_watch(fd, &w);
		/* Four debug registers per thread, shared by both. */
		if (err && !(hw && err == ENOSPC)) {
			fail("register (%s): %s", hw ? "hardware" : "polled",
			     errname(err));
			break;
		}
		if (!err)
			count(hw ? N_REG_HW : N_REG_OK);
		sleep_us((unsigned int)(r >> 16) % 2000);
		if (r & 0x10000) {
			err = tl_ioctl_cancel(fd, 0);
			if (err)
				fail("cancel: %s", errname(err));
		} else {
			close(fd);
			fd = tl_dev_open();
			if (fd < 0) {
				fail("reopen: %s", strerror(-fd));
				return NULL;
			}
		}
		count(N_ROUNDS);
	}
	close(fd);
	return NULL;
}

static int test_cancel_vs_trip(void)
{
	pthread_t setter, reg[REGISTRARS];
	uint64_t trips0, trips1, dumps0, dumps1;
	struct drainer d;
	struct hammer h;
	unsigned int i;
	int ret;

	TAP_EXPECT(!shared_init(), "mmap: %s", strerror(errno));
	ret = set_tunables(0);
	if (!ret)
		ret = stat_now("trips", &trips0);
	if (!ret)
		ret = stat_now("dumps", &dumps0);
	if (!ret)
		ret = hammer_start(&h);
	if (!ret)
		ret = drainer_start(&d, NULL);
	if (ret)
		return ret;
	hot = 1;
	TAP_EXPECT(!pthread_create(&setter, NULL, setter_fn, NULL),
		   "pthread_create");
	for (i = 0; i < REGISTRARS; i++)
		TAP_EXPECT(!pthread_create(&reg[i], NULL, registrar_fn,
					   (void *)(uintptr_t)i),
			   "pthread_create");
	for (i = 0; i < REGISTRARS; i++)
		pthread_join(reg[i], NULL);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	pthread_join(setter, NULL);
	ret = drainer_stop(&d);
	if (!ret)
		ret = hammer_stop(&h);
	if (!ret)
		ret = shared_ok();
	if (ret)
		return ret;
	tap_diag("%lu rounds, %lu polled and %lu hardware watches "
		 "registered", sh->n[N_ROUNDS], sh->n[N_REG_OK],
		 sh->n[N_REG_HW]);
	ret = stat_now("trips", &trips1);
	if (!ret)
		ret = stat_now("dumps", &dumps1);
	if (ret)
		return ret;
	TAP_EXPECT(sh->n[N_REG_OK] >= 20, "only %lu polled registrations",
		   sh->n[N_REG_OK]);
	TAP_EXPECT(trips1 > trips0 && dumps1 > dumps0,
		   "nothing tripped (trips %" PRIu64 " -> %" PRIu64 ", dumps %"
		   PRIu64 " -> %" PRIu64 ")", trips0, trips1, dumps0, dumps1);
	return all_gone();
}

/* ---- 3: exiting while the dump is taken ---- */

#define EXITERS		24
#define EXIT_THREADS	48
#define EXIT_MS		25000
#define DUMP_WAIT_MS	120000	/* hang detector for the last dumps */

static volatile int64_t exit_var;
static unsigned int exit_dumps[EXITERS];	/* dumps drained, by exiter */

static void count_exit_dump(const struct varmon_trigger *t)
{
	unsigned int i;

	if (sscanf(t->name, "exiter%u", &i) == 1 && i < EXITERS)
		__atomic_fetch_add(&exit_dumps[i], 1, __ATOMIC_RELAXED);
}

/*
 * Whether every exiter whose write tripped a hardware watch has had a
 * dump drained. Dumps are written one at a time, and trips left from
 * the tests before may still be queued ahead of the exiters' own.
 */
static int hw_exiters_dumped(const int *hw, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (hw[i] && !__atomic_load_n(&exit_dumps[i], __ATOMIC_RELAXED))
			return 0;
	return 1;
}

static void *idle_thread(void *arg)
{
	char c;

	/* Blocks until the process exits. */
	if (read((int)(intptr_t)arg, &c, 1) < 0)
		return NULL;
	return NULL;
}

/*
 * Many threads (so the capture has work to do), one watch, one write
 * that trips it, and out: at once, or after a moment. A hardware watch
 * trips at the write itself, so its dump is certain; a polled one may
 * not have been polled before the exit.
 */
static int exiter(unsigned int n, uint64_t r, int inherited)
{
	pthread_t tid;
	struct varmon_watch w;
	char name[VARMON_NAME_LEN];
	int fds[2], i, err;
	/* Its own file goes at exit too; the parent's stays open. */
	int fd = r & 4 ? inherited : tl_dev_open();

	if (fd < 0 || pipe(fds))
		return 1;
	for (i = 0; i < EXIT_THREADS; i++)
		if (pthread_create(&tid, NULL, idle_thread,
				   (void *)(intptr_t)fds[0]))
			return 2;
	exit_var = 0;
	snprintf(name, sizeof(name), "exiter%u", n);
	tl_watch_init(&w, &exit_var, sizeof(exit_var), name);
	w.interval_ns = MIN_NS;
	if (r & 1)
		w.trigger = VARMON_TRIGGER_HWBP;
	err = tl_ioctl_watch(fd, &w);
	if (err)
		return 3;
	exit_var = 1;
	if (r & 2)
		sleep_us((unsigned int)(r >> 8) % 20000);
	/* exit_group() with the fd and 48 threads still there. */
	_exit(0);
}

static int test_exit_during_capture(void)
{
	uint64_t s = 0xe817, end = tl_now_ms() + EXIT_MS;
	uint64_t dumps0, dumps1;
	int hw[EXITERS] = { 0 };
	char missing[128] = "";
	unsigned int n, i, nr_hw = 0, got = 0;
	size_t used = 0;
	struct drainer d;
	struct hammer h;
	int ret, fd;

	TAP_EXPECT(!shared_init(), "mmap: %s", strerror(errno));
	ret = set_tunables(0);
	if (!ret)
		ret = stat_now("dumps", &dumps0);
	if (!ret)
		ret = hammer_start(&h);
	if (!ret)
		ret = drainer_start(&d, count_exit_dump);
	if (ret)
		return ret;
	fd = tl_dev_open();
	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	for (n = 0; n < EXITERS && tl_now_ms() < end; n++) {
		uint64_t r = rnd(&s);
		pid_t pid = fork();
		int status;

		TAP_EXPECT(pid >= 0, "fork: %s", strerror(errno));
		if (!pid)
			_exit(exiter(n, r, fd));
		hw[n] = r & 1;
		status = reap_within(pid, 60000);
		if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status))
			fail("exiter %u ended with status %#x", n, status);
	}
	close(fd);
	/* The last dumps may still be on their way. */
	tl_wait_stat("watches", 0);
	/* Only a hang detector: a missing dump fails below, as before. */
	end = tl_now_ms() + DUMP_WAIT_MS;
	while (!hw_exiters_dumped(hw, n) && tl_now_ms() < end)
		sleep_us(100000);
	sleep_us(500000);
	ret = drainer_stop(&d);
	if (!ret)
		ret = hammer_stop(&h);
	if (!ret)
		ret = shared_ok();
	if (!ret)
		ret = stat_now("dumps", &dumps1);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		nr_hw += hw[i];
		got += exit_dumps[i] > 0;
		if (hw[i] && !exit_dumps[i] && used < sizeof(missing) - 8)
			used += (size_t)snprintf(missing + used,
						 sizeof(missing) - used,
						 " %u", i);
	}
	tap_diag("%u exiters (%u tripping at the write), %u with a dump, %"
		 PRIu64 " dumps written", n, nr_hw, got, dumps1 - dumps0);
	TAP_EXPECT(n >= 5, "only %u exiters ran", n);
	TAP_EXPECT(!used, "exiters whose write tripped a hardware watch got "
		   "no dump:%s", missing);
	return all_gone();
}

/* ---- 4: munmap, mremap, zap and fork under polled watches ---- */

#define SLOTS		16
#define SLOT_BASE	0x10000000UL	/* low: mmap() puts nothing here */
#define SCRATCH_BASE	0x18000000UL
#define MAP_THREADS	3
#define MAP_MS		15000
#define MAP_ROUNDS	600	/* per thread */

enum slot_state { S_FREE, S_MINE, S_READY };

static int slot_state[SLOTS];

enum { N_MAP_OK, N_MAP_EFAULT, N_MAP_STOLEN, N_MAP_ROUNDS };

static int unmapped_ok(const void *p)
{
	unsigned char v;

	return mincore((void *)p, PAGE, &v) < 0 && errno == ENOMEM;
}

static unsigned char *slot_addr(unsigned int i)
{
	return (unsigned char *)(SLOT_BASE + (uintptr_t)i * 4 * PAGE);
}

static int claim(unsigned int i, int from, int to)
{
	return __atomic_compare_exchange_n(&slot_state[i], &from, to, 0,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static void release_slot(unsigned int i)
{
	__atomic_store_n(&slot_state[i], S_FREE, __ATOMIC_RELEASE);
}

/*
 * One life of a slot: map it, write the variable, publish it (from then
 * on only the kernel touches the page, or whoever claims it back),
 * register a watch, then take the page away somehow.
 */
static void slot_round(unsigned int id, unsigned int i, uint64_t r, int fd)
{
	unsigned char *p = slot_addr(i);
	unsigned char *scratch = (unsigned char *)(SCRATCH_BASE +
						   (uintptr_t)id * 4 * PAGE);
	volatile int64_t *var = (volatile int64_t *)(p + 8 * (r % 64));
	struct varmon_watch w;
	int err;

	if (mmap(p, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_FIXED_NOREPLACE, -1, 0) != p) {
		fail("map slot %u: %s", i, strerror(errno));
		release_slot(i);
		return;
	}
	*var = (int64_t)(r >> 32) % 100;
	__atomic_store_n(&slot_state[i], S_READY, __ATOMIC_RELEASE);

	tl_watch_init(&w, var, 8, "slot");
	w.threshold = 50;
	w.interval_ns = MIN_NS;
	if ((r & 7) == 0) {
		w.trigger = VARMON_TRIGGER_HWBP;
		w.flags |= VARMON_WATCH_HW_FALLBACK;
	}
	err = tl_ioctl_watch(fd, &w);
	if (!err)
		count(N_MAP_OK);
	else if (err == EFAULT)
		count(N_MAP_EFAULT);	/* the unmapper was faster */
	else
		fail("watch in slot %u: %s", i, errname(err));
	sleep_us((unsigned int)(r >> 12) % 500);

	if (!claim(i, S_READY, S_MINE)) {
		count(N_MAP_STOLEN);	/* unmapped under us: it frees it */
		return;
	}
	switch ((r >> 4) % 6) {
	case 0:
		munmap(p, PAGE);
		break;
	case 1:
		/* Moved away, then gone. */
		if (mremap(p, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
			   scratch) == MAP_FAILED)
			fail("mremap: %s", strerror(errno));
		munmap(scratch, PAGE);
		munmap(p, PAGE);
		break;
	case 2:
		/* Zapped: the page behind the watch is replaced. */
		madvise(p, PAGE, MADV_DONTNEED);
		*var = 99;
		munmap(p, PAGE);
		break;
	case 3:
		mprotect(p, PAGE, PROT_NONE);
		munmap(p, PAGE);
		break;
	case 4: {
		/* A child writes its copy and exits; then ours goes. */
		pid_t pid = fork();

		if (!pid) {
			*var = 77;
			_exit(0);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
		*var = 88;
		munmap(p, PAGE);
		break;
	}
	default:
		tl_ioctl_cancel(fd, 0);
		munmap(p, PAGE);
		break;
	}
	release_slot(i);
}

static void *mapper_fn(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg, n;
	uint64_t s = 0x3a9 + id, end = tl_now_ms() + MAP_MS;
	int fd = tl_dev_open();

	if (fd < 0) {
		fail("open: %s", strerror(-fd));
		return NULL;
	}
	for (n = 0; n < MAP_ROUNDS && tl_now_ms() < end && !sh->fails; n++) {
		uint64_t r = rnd(&s);
		unsigned int i = (unsigned int)(r % SLOTS);

		if (!claim(i, S_FREE, S_MINE)) {
			sched_yield();
			continue;
		}
		slot_round(id, i, r, fd);
		count(N_MAP_ROUNDS);
	}
	close(fd);
	return NULL;
}

/* Unmaps published slots from under the threads registering on them. */
static void *unmapper_fn(void *arg)
{
	uint64_t s = 0x77;

	(void)arg;
	while (!stopping()) {
		unsigned int i = (unsigned int)(rnd(&s) % SLOTS);

		if (claim(i, S_READY, S_MINE)) {
			munmap(slot_addr(i), PAGE);
			release_slot(i);
		}
		sleep_us(200);
	}
	return NULL;
}

static int test_munmap_vs_poll(void)
{
	pthread_t map[MAP_THREADS], unmapper;
	uint64_t ticks0, ticks1;
	struct hammer h;
	unsigned int i;
	int ret;

	TAP_EXPECT(!shared_init(), "mmap: %s", strerror(errno));
	for (i = 0; i < SLOTS; i++)
		TAP_EXPECT(unmapped_ok(slot_addr(i)), "slot %u is mapped", i);
	ret = set_tunables(1);
	if (!ret)
		ret = stat_now("ticks", &ticks0);
	if (!ret)
		ret = hammer_start(&h);
	if (ret)
		return ret;
	TAP_EXPECT(!pthread_create(&unmapper, NULL, unmapper_fn, NULL),
		   "pthread_create");
	for (i = 0; i < MAP_THREADS; i++)
		TAP_EXPECT(!pthread_create(&map[i], NULL, mapper_fn,
					   (void *)(uintptr_t)i),
			   "pthread_create");
	for (i = 0; i < MAP_THREADS; i++)
		pthread_join(map[i], NULL);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	pthread_join(unmapper, NULL);
	ret = hammer_stop(&h);
	if (!ret)
		ret = shared_ok();
	if (!ret)
		ret = stat_now("ticks", &ticks1);
	if (ret)
		return ret;
	tap_diag("%lu rounds: %lu watches registered, %lu EFAULT, %lu slots "
		 "unmapped from under the registering thread, %" PRIu64
		 " ticks", sh->n[N_MAP_ROUNDS], sh->n[N_MAP_OK],
		 sh->n[N_MAP_EFAULT], sh->n[N_MAP_STOLEN], ticks1 - ticks0);
	TAP_EXPECT(sh->n[N_MAP_OK] >= 50, "only %lu watches registered",
		   sh->n[N_MAP_OK]);
	TAP_EXPECT(ticks1 > ticks0, "the timers never polled");
	return all_gone();
}

/* ---- 5: hardware watches while threads and children come and go ---- */

#define HW_MS		15000
#define HW_ROUNDS	2000

static volatile int64_t hw_var;

enum { N_HW_OK, N_HW_NOSPC, N_HW_THREADS, N_HW_FORKS, N_HW_REMOTE };

static void *short_thread(void *arg)
{
	(void)arg;
	hw_var = hw_var + 1;
	hw_var = hw_var + 1;
	return NULL;
}

static void *spawner_fn(void *arg)
{
	unsigned int n = 0;

	(void)arg;
	while (!stopping()) {
		pthread_t t[4];
		unsigned int i, made = 0;

		for (i = 0; i < 4; i++)
			made += !pthread_create(&t[i], NULL, short_thread, NULL);
		for (i = 0; i < made; i++)
			pthread_join(t[i], NULL);
		count(N_HW_THREADS);
		/* Now and then a child, which inherits the breakpoints. */
		if (++n % 8 == 0) {
			pid_t pid = fork();

			if (!pid) {
				hw_var = 5;
				_exit(0);
			}
			if (pid > 0)
				waitpid(pid, NULL, 0);
			count(N_HW_FORKS);
		}
	}
	return NULL;
}

/* Another process puts hardware watches on us as our threads churn. */
static int hw_remote(pid_t target, uint64_t end)
{
	int fd = tl_dev_open();

	if (fd < 0)
		return 1;
	while (tl_now_ms() < end && !stopping()) {
		struct varmon_watch w;
		int err;

		tl_watch_init(&w, &hw_var, sizeof(hw_var), "hw_remote");
		w.pid = (uint32_t)target;
		w.trigger = VARMON_TRIGGER_HWBP;
		err = tl_ioctl_watch(fd, &w);
		if (!err)
			count(N_HW_REMOTE);
		else if (err != ENOSPC)
			fail("remote hardware watch: %s", errname(err));
		sleep_us(3000);
		err = tl_ioctl_cancel(fd, target);
		if (err)
			fail("remote cancel: %s", errname(err));
	}
	close(fd);
	return 0;
}

static int test_hwbp_vs_threads(void)
{
	uint64_t s = 0x4b, end = tl_now_ms() + HW_MS, trips0, trips1;
	pthread_t spawner;
	struct hammer h;
	unsigned int n;
	pid_t remote;
	int fd, ret, status;

	TAP_EXPECT(!shared_init(), "mmap: %s", strerror(errno));
	ret = set_tunables(0);
	if (!ret)
		ret = stat_now("trips", &trips0);
	if (!ret)
		ret = hammer_start(&h);
	if (ret)
		return ret;
	remote = fork();
	TAP_EXPECT(remote >= 0, "fork: %s", strerror(errno));
	if (!remote)
		_exit(hw_remote(getppid(), end));
	TAP_EXPECT(!pthread_create(&spawner, NULL, spawner_fn, NULL),
		   "pthread_create");
	fd = tl_dev_open();
	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	for (n = 0; n < HW_ROUNDS && tl_now_ms() < end && !sh->fails; n++) {
		uint64_t r = rnd(&s);
		struct varmon_watch w;
		int err;

		tl_watch_init(&w, &hw_var, sizeof(hw_var), "hw_churn");
		w.trigger = VARMON_TRIGGER_HWBP;
		w.cond = VARMON_COND_CHANGED;
		if (r & 1)
			w.flags |= VARMON_WATCH_HW_FALLBACK;
		err = tl_ioctl_watch(fd, &w);
		if (!err)
			count(N_HW_OK);
		else if (err == ENOSPC)
			count(N_HW_NOSPC);
		else
			fail("hardware watch: %s", errname(err));
		sleep_us((unsigned int)(r >> 8) % 3000);
		if (r & 2) {
			close(fd);
			fd = tl_dev_open();
			TAP_EXPECT(fd >= 0, "reopen: %s", strerror(-fd));
		} else {
			err = tl_ioctl_cancel(fd, 0);
			if (err)
				fail("cancel: %s", errname(err));
		}
	}
	close(fd);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	pthread_join(spawner, NULL);
	status = reap_within(remote, 30000);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("the remote process ended with status %#x", status);
	ret = hammer_stop(&h);
	if (!ret)
		ret = shared_ok();
	if (!ret)
		ret = stat_now("trips", &trips1);
	if (ret)
		return ret;
	tap_diag("%u rounds: %lu hardware watches, %lu without a register, "
		 "%lu remote; %lu thread batches, %lu children",
		 n, sh->n[N_HW_OK], sh->n[N_HW_NOSPC], sh->n[N_HW_REMOTE],
		 sh->n[N_HW_THREADS], sh->n[N_HW_FORKS]);
	TAP_EXPECT(sh->n[N_HW_OK] >= 10, "only %lu hardware watches",
		   sh->n[N_HW_OK]);
	TAP_EXPECT(trips1 > trips0, "no write tripped a hardware watch");
	return all_gone();
}

/* ---- 6: limits and capture tunables changing under load ---- */

#define TUNE_MS		15000
#define TUNE_WORKERS	4

static volatile int64_t tune_vars[3];

enum { N_TUNE_OK, N_TUNE_NOSPC, N_TUNE_WRITES };

static int tune_worker(unsigned int id, uint64_t end)
{
	static const uint64_t ivs[] = { 200000, 500000, 1000000 };
	uint64_t s = 0x70e + id;
	int fd = tl_dev_open();

	if (fd < 0)
		return 1;
	while (tl_now_ms() < end && !stopping()) {
		uint64_t r = rnd(&s);
		unsigned int i;

		for (i = 0; i < 3; i++) {
			struct varmon_watch w;
			int err;

			tune_vars[i] = 0;
			tl_watch_init(&w, &tune_vars[i], 8, "tune");
			w.interval_ns = ivs[(i + r) % 3];
			if (i == 2 && (r & 1)) {
				w.trigger = VARMON_TRIGGER_HWBP;
				w.flags |= VARMON_WATCH_HW_FALLBACK;
			}
			err = tl_ioctl_watch(fd, &w);
			if (!err)
				count(N_TUNE_OK);
			else if (err == ENOSPC)
				count(N_TUNE_NOSPC);	/* a limit went down */
			else
				fail("watch under changing limits: %s",
				     errname(err));
			tune_vars[i] = 1;
		}
		sleep_us((unsigned int)(r >> 8) % 3000);
		if (tl_ioctl_cancel(fd, 0))
			fail("cancel: %s", strerror(errno));
	}
	close(fd);
	return 0;
}

static int test_tunables_under_load(void)
{
	static const struct {
		const char *name;
		uint64_t lo, hi, align;
	} knobs[] = {
		{ "max_watches_per_timer", 1, 256, 1 },
		{ "max_timers", 1, 64, 1 },
		{ "max_watches", 1, 64, 1 },
		{ "max_process_watches", 1, 16, 1 },
		{ "max_process_timers", 1, 8, 1 },
		{ "user_stack_bytes", 0, 65536, 8 },
		{ "max_dump_tasks", 1, 300, 1 },
		{ "dump_reset_sec", 0, 1, 1 },
	};
	uint64_t s = 0x7a, end = tl_now_ms() + TUNE_MS;
	pid_t pids[TUNE_WORKERS];
	struct drainer d;
	struct hammer h;
	unsigned int i;
	int ret;

	TAP_EXPECT(!shared_init(), "mmap: %s", strerror(errno));
	ret = set_tunables(0);
	if (!ret)
		ret = hammer_start(&h);
	if (!ret)
		ret = drainer_start(&d, NULL);
	if (ret)
		return ret;
	for (i = 0; i < TUNE_WORKERS; i++) {
		pids[i] = fork();
		TAP_EXPECT(pids[i] >= 0, "fork: %s", strerror(errno));
		if (!pids[i])
			_exit(tune_worker(i, end));
	}
	while (tl_now_ms() < end) {
		uint64_t r = rnd(&s);
		size_t k = r % TAP_COUNT(knobs);
		uint64_t v = knobs[k].lo + (r >> 8) %
			     (knobs[k].hi - knobs[k].lo + 1);

		v -= v % knobs[k].align;
		if (tl_proc_write_u64(knobs[k].name, v))
			fail("write %" PRIu64 " to %s: %s", v, knobs[k].name,
			     strerror(errno));
		count(N_TUNE_WRITES);
		sleep_us(2000);
	}
	for (i = 0; i < TUNE_WORKERS; i++) {
		int status = reap_within(pids[i], 60000);

		if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status))
			fail("worker %u ended with status %#x", i, status);
	}
	tl_tunables_restore();
	ret = drainer_stop(&d);
	if (!ret)
		ret = hammer_stop(&h);
	if (!ret)
		ret = shared_ok();
	if (ret)
		return ret;
	tap_diag("%lu tunable writes; %lu watches registered, %lu refused "
		 "for a limit", sh->n[N_TUNE_WRITES], sh->n[N_TUNE_OK],
		 sh->n[N_TUNE_NOSPC]);
	TAP_EXPECT(sh->n[N_TUNE_OK] >= 20 && sh->n[N_TUNE_NOSPC] >= 1,
		   "%lu registered and %lu refused: the limits did not bite",
		   sh->n[N_TUNE_OK], sh->n[N_TUNE_NOSPC]);
	return all_gone();
}

/* ---- last: with nothing open, rmmod works ---- */

static int module_loaded(void)
{
	struct tl_buf b = { 0 };
	int ret = !tl_read_file("/proc/modules", &b) &&
		  (!strncmp(b.s, TL_MODULE " ", strlen(TL_MODULE) + 1) ||
		   strstr(b.s, "\n" TL_MODULE " "));

	tl_buf_free(&b);
	return ret;
}

static int test_rmmod_after(void)
{
	uint64_t end = tl_now_ms() + TL_WAIT_MS;
	const char *ko = getenv("VARMON_KO");
	int err, fd, ret = all_gone();

	if (ret)
		return ret;
	/* The last files of the storms may take a moment to close. */
	do {
		err = delete_module(O_NONBLOCK);
		if (err != EWOULDBLOCK && err != EBUSY)
			break;
		sleep_us(50000);
	} while (tl_now_ms() < end);
	TAP_EXPECT(!err, "rmmod with nothing open: %s", errname(err));
	TAP_EXPECT(!module_loaded(), "still in /proc/modules after rmmod");
	/* Back for whoever runs after us. */
	fd = open(ko ? ko : KO_DEFAULT, O_RDONLY | O_CLOEXEC);
	TAP_EXPECT(fd >= 0, "open %s: %s", ko ? ko : KO_DEFAULT,
		   strerror(errno));
	err = syscall(SYS_finit_module, fd, "", 0) < 0 ? errno : 0;
	close(fd);
	TAP_EXPECT(!err, "reload: %s", errname(err));
	return hard_kernel_clean(kmsg_all, taint_start);
}

static const struct tap_test tests[] = {
	{ "8 processes register, trip, cancel, exit, some SIGKILLed, "
	  "watched from outside, while ucli follows and rmmod is tried",
	  test_lifecycle_storm },
	{ "cancels race with constant trips, polled and hardware",
	  test_cancel_vs_trip },
	{ "processes with 48 threads exit right after their trip; their "
	  "dumps come out whole", test_exit_during_capture },
	{ "munmap, mremap, zap and fork race with registration and polls",
	  test_munmap_vs_poll },
	{ "hardware watches come and go while threads and children do",
	  test_hwbp_vs_threads },
	{ "limits and capture tunables change under load",
	  test_tunables_under_load },
	{ "with nothing open, rmmod succeeds; reloaded", test_rmmod_after },
};

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "-l"))
		return tap_main(tests, TAP_COUNT(tests), argc, argv, NULL);
	if (access(VARMON_DEVICE, F_OK)) {
		printf("TAP version 13\nBail out! %s: %s\n", VARMON_DEVICE,
		       strerror(errno));
		return 1;
	}
	/* Hardware watches come and go here: see tl_perf_hold(). */
	if (tl_perf_hold() < 0)
		printf("# perf_sched_events not held: %s\n", strerror(errno));
	kmsg_all = tl_kmsg_open();
	taint_start = tl_tainted();
	tl_tunables_save();
	return tap_main(tests, TAP_COUNT(tests), argc, argv,
			tl_tunables_restore);
}
