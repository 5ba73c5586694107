// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_procfs_hostile.c - hostile writes and racing reads of
 * /proc/variable_monitor/, in the VM as root.
 *
 * test_procfs checks the range and the plain garbage of every tunable;
 * this adds what a careless or hostile writer does: a second write in
 * the same open file, a write of 0 bytes, of 4096 and more bytes, of
 * zero-padded numbers with junk after them, with an embedded NUL, from a
 * buffer that ends where its mapping ends, from bad pointers, at an
 * offset. A write either sets exactly the number it holds or fails with
 * EINVAL (EFAULT for unreadable memory) and changes nothing. The same
 * for calibrate. Then the read-only files are read whole, byte by byte
 * and at random offsets while other processes churn watches, and must
 * always have their documented format.
 *
 *	test_procfs_hostile [-l] [substring...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "testlib.h"

#define PAGE		4096UL
#define KERNEL_ADDR	0xffffffff81000000ULL

/* A value in range for each tunable, other than its default. */
static const struct {
	const char *name;
	uint64_t valid;
} tunables[] = {
	{ "def_interval_ns", 20000 },
	{ "dump_reset_sec", 7 },
	{ "min_interval_ns", 6000 },
	{ "max_timers", 100 },
	{ "max_watches_per_timer", 16 },
	{ "user_stack_bytes", 8192 },
	{ "max_dump_tasks", 100 },
	{ "max_watches", 100 },
	{ "max_process_watches", 100 },
	{ "max_process_timers", 10 },
};

static const char *errname(int err)
{
	const char *s;

	if (!err)
		return "success";
	s = strerrorname_np(err);
	return s ? s : "unknown errno";
}

static void path_of(char *path, size_t len, const char *name)
{
	snprintf(path, len, "%s/%s", VARMON_PROC_DIR, name);
}

/* One write(2) on a fresh open: bytes written or -errno. */
static ssize_t raw_write(const char *name, const void *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	path_of(path, sizeof(path), name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

/*
 * Problems found by a test, reported together: the same flaw usually
 * shows on every tunable, and one run should show all of it. Each is
 * printed as a diagnostic line; the failure names the first.
 */
static char first_problem[512];
static size_t nr_problems;

__attribute__((format(printf, 1, 2)))
static void problem(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!nr_problems++)
		memcpy(first_problem, line, sizeof(line));
	tap_diag("%s", line);
}

static int report(void)
{
	TAP_EXPECT(!nr_problems, "%zu problems, the first: %s", nr_problems,
		   first_problem);
	return TAP_PASS;
}

static int read_value(const char *name, uint64_t *v)
{
	int err = tl_proc_read_u64(name, v);

	if (err)
		problem("read %s: %s", name, strerror(-err));
	return err;
}

/*
 * A write of @len bytes at @buf must either store exactly @v (when
 * @v_ok) and report all @len bytes written, or fail with @fail and leave
 * the value alone. @what names the case.
 */
static void expect_write(const char *name, const void *buf, size_t len,
			 int v_ok, uint64_t v, int fail, const char *what)
{
	uint64_t before, after;
	ssize_t n;

	if (read_value(name, &before))
		return;
	n = raw_write(name, buf, len);
	if (read_value(name, &after))
		return;
	if (n >= 0) {
		if (!v_ok)
			problem("%s: %s was accepted (%zd of %zu bytes, value "
				"%" PRIu64 " -> %" PRIu64 "), want %s", name,
				what, n, len, before, after, errname(fail));
		else if ((size_t)n != len || after != v)
			problem("%s: %s: wrote %zd of %zu bytes, value %" PRIu64
				", want all bytes and %" PRIu64 " or %s", name,
				what, n, len, after, v, errname(fail));
		return;
	}
	if (-n != fail)
		problem("%s: %s: %s, want %s%s", name, what, errname((int)-n),
			errname(fail), v_ok ? " or the value stored" : "");
	else if (after != before)
		problem("%s: %s failed but changed the value %" PRIu64
			" -> %" PRIu64, name, what, before, after);
}

/* min_interval_ns may not exceed def_interval_ns: give it room. */
static void make_room(const char *name)
{
	if (!strcmp(name, "min_interval_ns") &&
	    tl_proc_write_u64("def_interval_ns", 1000000000))
		problem("cannot raise def_interval_ns");
}

/*
 * "@v" then "2" in one open file: the second is a partial write. So is
 * a pwrite() past the start (which seq_file files refuse as ESPIPE).
 */
static void t_second_write(const char *name, uint64_t v)
{
	char path[128], s[32];
	uint64_t after;
	ssize_t n;
	int fd;

	path_of(path, sizeof(path), name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		problem("open %s: %s", path, strerror(errno));
		return;
	}
	snprintf(s, sizeof(s), "%" PRIu64, v);
	n = write(fd, s, strlen(s));
	if (n != (ssize_t)strlen(s))
		problem("%s: first write of %s: %s", name, s,
			n < 0 ? strerror(errno) : "short");
	n = write(fd, "2", 1);
	if (n >= 0 || errno != EINVAL)
		problem("%s: a second write \"2\" in the same open file: %s, "
			"want EINVAL", name, n < 0 ? errname(errno) :
			"accepted");
	n = pwrite(fd, s, strlen(s), 1);
	if (n >= 0 || (errno != EINVAL && errno != ESPIPE))
		problem("%s: pwrite at offset 1: %s, want EINVAL or ESPIPE",
			name, n < 0 ? errname(errno) : "accepted");
	close(fd);
	if (!read_value(name, &after) && after != v)
		problem("%s: %" PRIu64 " after writing %s then \"2\", want %"
			PRIu64, name, after, s, v);
}

static void t_zero_count(const char *name)
{
	uint64_t before, after;
	ssize_t n;

	if (read_value(name, &before))
		return;
	n = raw_write(name, "7", 0);
	if (read_value(name, &after))
		return;
	if (n != 0 && n != -EINVAL)
		problem("%s: write of 0 bytes: %s, want 0 or EINVAL", name,
			n < 0 ? errname((int)-n) : "positive");
	if (after != before)
		problem("%s: a write of 0 bytes changed it %" PRIu64 " -> %"
			PRIu64, name, before, after);
}

/*
 * Long writes. A parser that looks at a bounded prefix only must still
 * refuse what comes after it, and a zero-padded number must mean that
 * number or nothing.
 */
static void t_long(const char *name, uint64_t v)
{
	static const size_t lens[] = { 24, 34, 35, 40, 66, 67, 100, 4096,
				       4097, 65536 };
	static char buf[(64 << 10) + 64];
	static char big[1 << 20];
	char s[32], what[96];
	size_t i, vl;

	snprintf(s, sizeof(s), "%" PRIu64, v);
	vl = strlen(s);
	for (i = 0; i < TAP_COUNT(lens); i++) {
		size_t n = lens[i];

		/* 000...0V: that number or EINVAL. */
		memset(buf, '0', n - vl);
		memcpy(buf + n - vl, s, vl);
		snprintf(what, sizeof(what), "%s zero-padded to %zu bytes", s,
			 n);
		expect_write(name, buf, n, 1, v, EINVAL, what);
		/* 000...0V followed by junk: EINVAL. */
		memcpy(buf + n, "junk", 4);
		snprintf(what, sizeof(what), "%s zero-padded to %zu bytes "
			 "then \"junk\"", s, n);
		expect_write(name, buf, n + 4, 0, 0, EINVAL, what);
		/* V, a newline, then junk up to the length. */
		memcpy(buf, s, vl);
		buf[vl] = '\n';
		memset(buf + vl + 1, 'x', n - vl - 1);
		snprintf(what, sizeof(what), "%s, a newline and junk to %zu "
			 "bytes", s, n);
		expect_write(name, buf, n, 0, 0, EINVAL, what);
	}
	/* A megabyte of digits is no number in range. */
	memset(big, '1', sizeof(big));
	expect_write(name, big, sizeof(big), 0, 0, EINVAL,
		     "a megabyte of digits");
}

static void t_nul(const char *name, uint64_t v)
{
	char buf[64];
	size_t n;

	n = (size_t)snprintf(buf, sizeof(buf), "%" PRIu64, v) + 1;
	memcpy(buf + n, "junk", 4);
	expect_write(name, buf, n + 4, 0, 0, EINVAL,
		     "a number, a NUL byte and junk");
}

/*
 * The bytes written end where their mapping ends: the kernel must read
 * exactly the count given, and fail with EFAULT when the count runs
 * past the mapping, as write(2) does for unreadable memory.
 */
static unsigned char *edge;

static void t_edge(const char *name, uint64_t v)
{
	char s[32];
	size_t vl;

	if (!edge) {
		/* Low, where mmap() puts nothing by itself after it. */
		void *p = mmap((void *)0x200000, PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS |
			       MAP_FIXED_NOREPLACE, -1, 0);

		if (p == MAP_FAILED) {
			problem("mmap: %s", strerror(errno));
			return;
		}
		edge = p;
	}
	vl = (size_t)snprintf(s, sizeof(s), "%" PRIu64, v);
	memcpy(edge + PAGE - vl, s, vl);
	expect_write(name, edge + PAGE - vl, vl, 1, v, EINVAL,
		     "a number ending where its mapping ends");
	expect_write(name, edge + PAGE - vl, vl + 10, 0, 0, EFAULT,
		     "a count 10 bytes past the mapping");
	/* 70 readable bytes, a count of 4096: most of it is unreadable. */
	memset(edge + PAGE - 70, '0', 70 - vl);
	expect_write(name, edge + PAGE - 70, 4096, 0, 0, EFAULT,
		     "4096 bytes of which the first 70 are mapped");
	expect_write(name, NULL, 4, 0, 0, EFAULT, "a NULL buffer");
	expect_write(name, (void *)(uintptr_t)KERNEL_ADDR, 4, 0, 0, EFAULT,
		     "a kernel address");
}

static void t_garbage(const char *name)
{
	static const char *const bad[] = {
		" 7", "7 ", "\t7", "7\t", "7\r\n", "\n\n", "7\n\n",
		"--7", "+-7", "-0", "- 7", "0x7", "0b1", "0o7", "1e3", "7.",
		"\xd9\xa7" /* ARABIC-INDIC DIGIT SEVEN */, "NaN", "inf",
		"18446744073709551615", "18446744073709551616",
		"340282366920938463463374607431768211456",
	};
	char what[80];
	size_t i;

	for (i = 0; i < TAP_COUNT(bad); i++) {
		snprintf(what, sizeof(what), "garbage #%zu", i);
		expect_write(name, bad[i], strlen(bad[i]), 0, 0, EINVAL, what);
	}
}

enum kind { SECOND, ZERO, LONG, NUL, EDGE, GARBAGE };

/* One kind of write, on every tunable; the runner restores them. */
static int run_kind(enum kind k)
{
	size_t i;

	for (i = 0; i < TAP_COUNT(tunables); i++) {
		const char *name = tunables[i].name;
		uint64_t v = tunables[i].valid;

		make_room(name);
		switch (k) {
		case SECOND:
			t_second_write(name, v);
			break;
		case ZERO:
			t_zero_count(name);
			break;
		case LONG:
			t_long(name, v);
			break;
		case NUL:
			t_nul(name, v);
			break;
		case EDGE:
			t_edge(name, v);
			break;
		default:
			t_garbage(name);
			break;
		}
		tl_tunables_restore();
	}
	return report();
}

static int test_second(void) { return run_kind(SECOND); }
static int test_zero(void) { return run_kind(ZERO); }
static int test_long(void) { return run_kind(LONG); }
static int test_nul(void) { return run_kind(NUL); }
static int test_edge(void) { return run_kind(EDGE); }
static int test_garbage(void) { return run_kind(GARBAGE); }

/* ---- calibrate ---- */

static int calib_rounds(uint64_t *rounds)
{
	struct tl_buf b = { 0 };
	unsigned int words, r;
	unsigned long long ns;
	int err = tl_read_file(VARMON_PROC_DIR "/calibrate", &b);

	if (!err && sscanf(b.s, "words %u\nrounds %u\nns %llu\n", &words, &r,
			   &ns) != 3)
		err = -EBADMSG;
	if (err)
		problem("calibrate reads \"%.40s\": %s", b.s ? b.s : "",
			strerror(-err));
	tl_buf_free(&b);
	*rounds = r;
	return err;
}

/* A calibrate write: runs with @want rounds, or fails with @fail. */
static void calib_expect(const void *buf, size_t len, int v_ok, uint64_t want,
			 int fail, const char *what)
{
	uint64_t before, after;
	ssize_t n;

	if (calib_rounds(&before))
		return;
	n = raw_write("calibrate", buf, len);
	if (calib_rounds(&after))
		return;
	if (n >= 0) {
		if (!v_ok)
			problem("%s was accepted (%zd bytes, rounds %" PRIu64
				"), want %s", what, n, after, errname(fail));
		else if ((size_t)n != len || after != want)
			problem("%s: wrote %zd of %zu bytes, rounds %" PRIu64
				", want %" PRIu64, what, n, len, after, want);
		return;
	}
	if (-n != fail)
		problem("%s: %s, want %s", what, errname((int)-n),
			errname(fail));
	else if (after != before)
		problem("%s failed but ran %" PRIu64 " rounds", what, after);
}

static int test_calibrate(void)
{
	static const char *const bad[] = {
		"0", "100001", "-1", "abc", "", " 5", "5 ", "4294967296",
		"4294967301", "0x10", "1e3", "\n",
	};
	static char buf[4200];
	static volatile int vars[64];
	struct varmon_watch w;
	char what[64];
	size_t i;
	int fd = tl_dev_open();

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	/* Something to read: 64 polled words on slow timers. */
	for (i = 0; i < TAP_COUNT(vars); i++) {
		tl_watch_init(&w, &vars[i], sizeof(vars[i]), "calib");
		w.threshold = 1000;
		w.interval_ns = 1000000000ULL;
		TAP_EXPECT(!tl_ioctl_watch(fd, &w), "watch %zu failed", i);
	}
	calib_expect("3", 1, 1, 3, EINVAL, "\"3\"");
	calib_expect("100000\n", 7, 1, 100000, EINVAL, "\"100000\"");
	for (i = 0; i < TAP_COUNT(bad); i++) {
		snprintf(what, sizeof(what), "garbage #%zu", i);
		calib_expect(bad[i], strlen(bad[i]), 0, 0, EINVAL, what);
	}
	calib_expect("5\0junk", 6, 0, 0, EINVAL, "\"5\", a NUL byte and junk");
	/* Zero-padded: 5 or nothing; with junk after: nothing. */
	for (i = 30; i <= 4096; i = i < 40 ? i + 1 : i * 4) {
		memset(buf, '0', i - 1);
		buf[i - 1] = '5';
		snprintf(what, sizeof(what), "5 zero-padded to %zu bytes", i);
		calib_expect(buf, i, 1, 5, EINVAL, what);
		memcpy(buf + i, "junk", 4);
		snprintf(what, sizeof(what), "5 zero-padded to %zu bytes then "
			 "\"junk\"", i);
		calib_expect(buf, i + 4, 0, 0, EINVAL, what);
	}
	calib_expect(NULL, 3, 0, 0, EFAULT, "a NULL buffer");
	close(fd);
	return report();
}

/* ---- reading while watches churn ---- */

#define CHURN_THREADS	3
#define CHURN_MS	8000
#define READERS		3

static volatile int churn_stop;

static void *churn_thread(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg, round = 0;
	static volatile int64_t vars[CHURN_THREADS][128];
	int fd = tl_dev_open();

	if (fd < 0)
		return NULL;
	while (!churn_stop) {
		struct varmon_watch w;
		unsigned int i, n = 1 + round % 100;
		char name[16];

		for (i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "ch%u_%u", id, i);
			tl_watch_init(&w, &vars[id][i], 8, name);
			w.threshold = INT64_MAX;
			w.interval_ns = 1000000000ULL + 1000000ULL * (i % 7);
			/* A few hardware watches, while registers last. */
			if (i < 2 && round % 3 == 0)
				w.trigger = VARMON_TRIGGER_HWBP;
			tl_ioctl_watch(fd, &w);
		}
		if (round % 4 == 0) {
			/* The file goes, and its watches with it. */
			close(fd);
			fd = tl_dev_open();
			if (fd < 0)
				return NULL;
		} else {
			tl_ioctl_cancel(fd, 0);
		}
		if (round % 10 == 0) {
			pid_t pid = fork();

			/* A child with watches that exits with them. */
			if (!pid) {
				tl_watch_init(&w, &vars[id][0], 8, "kid");
				w.threshold = INT64_MAX;
				tl_ioctl_watch(fd, &w);
				_exit(0);
			}
			if (pid > 0)
				waitpid(pid, NULL, 0);
		}
		round++;
	}
	close(fd);
	return NULL;
}

static const char watches_header[] =
	"# pid name addr length cond threshold interval_ns trips arg rearm "
	"trigger\n";

/* The whole watches file, as read: header, then lines of 11 fields. */
static const char *check_watches(const char *s, size_t len)
{
	static char why[160];
	const char *p = s, *end = s + len;

	if (len < sizeof(watches_header) - 1 ||
	    memcmp(s, watches_header, sizeof(watches_header) - 1))
		return "bad header line";
	if (s[len - 1] != '\n')
		return "does not end in a newline";
	for (p += sizeof(watches_header) - 1; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char line[256], f[11][64];
		size_t l = (size_t)(nl - p);
		int n;

		if (l >= sizeof(line)) {
			snprintf(why, sizeof(why), "a line of %zu bytes", l);
			return why;
		}
		memcpy(line, p, l);
		line[l] = '\0';
		n = sscanf(line, "%63s %63s %63s %63s %63s %63s %63s %63s %63s "
			   "%63s %63s %63s", f[0], f[1], f[2], f[3], f[4], f[5],
			   f[6], f[7], f[8], f[9], f[10], f[10]);
		if (n != 11 || atol(f[0]) <= 0) {
			snprintf(why, sizeof(why), "line \"%.100s\" has %d "
				 "fields", line, n);
			return why;
		}
		p = nl + 1;
	}
	return NULL;
}

static const char *check_stats(const char *s, size_t len)
{
	static char why[160];
	const char *p = s, *end = s + len;
	unsigned int lines = 0;

	if (!len || s[len - 1] != '\n')
		return "empty or no final newline";
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char key[64], extra[8];
		long long v;

		if (sscanf(p, "%63[a-z_] %lld%7[^\n]", key, &v, extra) != 2) {
			snprintf(why, sizeof(why), "line \"%.60s\"", p);
			return why;
		}
		lines++;
		p = nl + 1;
	}
	return lines >= 10 ? NULL : "fewer than 10 lines";
}

/* Read a file whole with reads of @chunk bytes. */
static int read_chunks(const char *path, size_t chunk, struct tl_buf *b)
{
	static char tmp[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	b->len = 0;
	if (tl_buf_append(b, "", 0) || fd < 0)
		return -EIO;
	while ((n = read(fd, tmp, chunk)) > 0)
		if (tl_buf_append(b, tmp, (size_t)n))
			break;
	close(fd);
	return n < 0 ? -errno : 0;
}

/* A reader process: whole, byte-by-byte and random-offset reads. */
static int reader(unsigned int id, uint64_t end)
{
	static const char *const files[] = { "watches", "stats", "calibrate",
					     "max_timers", "def_interval_ns" };
	struct tl_buf b = { 0 };
	unsigned long reads = 0;
	uint64_t seed = id * 7919 + 1;

	while (tl_now_ms() < end) {
		const char *file = files[reads % TAP_COUNT(files)];
		size_t chunk = reads % 3 == 0 ? 1 : reads % 3 == 1 ? 4096 : 77;
		char path[128];
		const char *why = NULL;

		path_of(path, sizeof(path), file);
		if (reads % 7 == 6) {
			/* pread at odd offsets: no format to check. */
			char tmp[512];
			int fd = open(path, O_RDONLY | O_CLOEXEC);

			seed = seed * 6364136223846793005ULL + 1;
			if (fd < 0 || pread(fd, tmp, sizeof(tmp),
					    (off_t)(seed >> 40) % 100000) < 0) {
				printf("# reader %u: pread %s: %s\n", id, path,
				       strerror(errno));
				return 1;
			}
			close(fd);
		} else if (read_chunks(path, chunk, &b)) {
			printf("# reader %u: read %s: %s\n", id, path,
			       strerror(errno));
			return 1;
		} else if (!strcmp(file, "watches")) {
			why = check_watches(b.s, b.len);
		} else if (!strcmp(file, "stats")) {
			why = check_stats(b.s, b.len);
		}
		if (why) {
			printf("# reader %u: %s read in chunks of %zu: %s\n",
			       id, file, chunk, why);
			return 1;
		}
		reads++;
		/* Calibration holds the registration lock: mix it in. */
		if (reads % 50 == 0 && raw_write("calibrate", "10", 2) != 2) {
			printf("# reader %u: calibrate write failed\n", id);
			return 1;
		}
	}
	tl_buf_free(&b);
	printf("# reader %u: %lu reads\n", id, reads);
	return reads >= 20 ? 0 : 2;
}

static int test_reads_while_churning(void)
{
	pthread_t tid[CHURN_THREADS];
	pid_t readers[READERS];
	uint64_t end = tl_now_ms() + CHURN_MS;
	unsigned int i;
	int bad = 0;

	for (i = 0; i < READERS; i++) {
		readers[i] = fork();
		TAP_EXPECT(readers[i] >= 0, "fork: %s", strerror(errno));
		if (!readers[i])
			_exit(reader(i, end));
	}
	for (i = 0; i < CHURN_THREADS; i++)
		TAP_EXPECT(!pthread_create(&tid[i], NULL, churn_thread,
					   (void *)(uintptr_t)i),
			   "pthread_create");
	for (i = 0; i < READERS; i++) {
		int status;

		waitpid(readers[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			bad = WIFEXITED(status) ? WEXITSTATUS(status) : 100;
	}
	churn_stop = 1;
	for (i = 0; i < CHURN_THREADS; i++)
		pthread_join(tid[i], NULL);
	TAP_EXPECT(bad != 1, "a reader saw a malformed file (see above)");
	TAP_EXPECT(bad != 2, "a reader made fewer than 20 reads");
	TAP_EXPECT(!bad, "a reader died");
	TAP_EXPECT(!tl_wait_stat("watches", 0) && !tl_wait_stat("timers", 0),
		   "watches or timers left after the churn");
	return TAP_PASS;
}

static const struct tap_test tests[] = {
	{ "tunables: a second write in the same open file is EINVAL",
	  test_second },
	{ "tunables: a write of 0 bytes changes nothing", test_zero },
	{ "tunables: long and zero-padded writes store that number or "
	  "nothing; junk after it is EINVAL", test_long },
	{ "tunables: a NUL byte and junk after the number is EINVAL",
	  test_nul },
	{ "tunables: bytes are read up to the count; unreadable ones are "
	  "EFAULT", test_edge },
	{ "tunables: whitespace, signs, other bases and digits are EINVAL",
	  test_garbage },
	{ "calibrate: out of range, garbage, NUL, padding and junk are EINVAL",
	  test_calibrate },
	{ "watches, stats and tunables read whole, byte by byte and at "
	  "offsets while watches churn", test_reads_while_churning },
};

int main(int argc, char **argv)
{
	if (!(argc == 2 && !strcmp(argv[1], "-l")) &&
	    access(VARMON_PROC_DIR, F_OK)) {
		printf("TAP version 13\nBail out! %s: %s\n", VARMON_PROC_DIR,
		       strerror(errno));
		return 1;
	}
	/* Hardware watches come and go here: see tl_perf_hold(). */
	if (tl_perf_hold() < 0)
		printf("# perf_sched_events not held: %s\n", strerror(errno));
	tl_tunables_save();
	return tap_main(tests, TAP_COUNT(tests), argc, argv,
			tl_tunables_restore);
}
