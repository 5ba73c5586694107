/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tap.h - a tiny TAP 13 runner in the style of kselftest.
 *
 *	static int test_foo(void)
 *	{
 *		TAP_EXPECT(x == 1, "x is %d", x);
 *		return TAP_PASS;
 *	}
 *	static const struct tap_test tests[] = { { "foo works", test_foo } };
 *	int main(int argc, char **argv)
 *	{
 *		return tap_main(tests, TAP_COUNT(tests), argc, argv, NULL);
 *	}
 *
 * Every test runs in a forked child in its own process group: a crash,
 * a hang or a leftover watch stays with that test, and everything the
 * test started is killed and reaped before the next one begins. The
 * child passes its failure or skip reason back through a pipe, so the
 * result line can name it.
 *
 * Output: "TAP version 13", "1..N", "ok N name", "not ok N name",
 * "ok N name # SKIP reason", then "# Totals: ..." as kselftest prints it.
 * Exit status: 0 when nothing failed, 1 otherwise.
 */
#ifndef VARMON_TAP_H
#define VARMON_TAP_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Exit codes of a test, as kselftest defines them. */
#define TAP_PASS	0
#define TAP_FAIL	1
#define TAP_SKIP	4

#define TAP_COUNT(a)	(sizeof(a) / sizeof((a)[0]))

/* A hung test is killed after this many seconds (env TAP_TIMEOUT). */
#define TAP_DEFAULT_TIMEOUT	300

struct tap_test {
	const char *name;
	int (*fn)(void);
};

/* Write end of the reason pipe, valid inside a test's child. */
static int tap_reason_fd = -1;

static inline void tap_vreason(const char *prefix, const char *fmt,
			       va_list ap)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s", prefix);

	if (n < 0)
		n = 0;
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	if (tap_reason_fd >= 0) {
		if (write(tap_reason_fd, buf, strlen(buf)) < 0)
			perror("tap: reason pipe");
	} else {
		printf("# %s\n", buf);
	}
}

/* Print a diagnostic line ("# ...") from a test. */
__attribute__((format(printf, 1, 2)))
static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("# ", stdout);
	vprintf(fmt, ap);
	fputs("\n", stdout);
	fflush(stdout);
	va_end(ap);
}

__attribute__((format(printf, 3, 4)))
static inline int tap_fail_at(const char *file, int line, const char *fmt,
			      ...)
{
	char prefix[128];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "%s:%d: ", file, line);
	va_start(ap, fmt);
	tap_vreason(prefix, fmt, ap);
	va_end(ap);
	return TAP_FAIL;
}

__attribute__((format(printf, 1, 2)))
static inline int tap_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vreason("", fmt, ap);
	va_end(ap);
	return TAP_SKIP;
}

/* Fail the current test with a reason; only inside a test function. */
#define TAP_FAIL_MSG(...)	tap_fail_at(__FILE__, __LINE__, __VA_ARGS__)
#define TAP_EXPECT(cond, ...)						\
	do {								\
		if (!(cond))						\
			return TAP_FAIL_MSG(__VA_ARGS__);		\
	} while (0)

static inline int tap_selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc <= 1)
		return 1;
	for (i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return 1;
	return 0;
}

/* Run one test in a child; returns TAP_PASS/FAIL/SKIP, reason in @why. */
static inline int tap_run_one(const struct tap_test *t, char *why,
			      size_t whylen)
{
	const char *tmo = getenv("TAP_TIMEOUT");
	int fds[2], status, ret;
	size_t used = 0;
	ssize_t n;
	pid_t pid;

	why[0] = '\0';
	if (pipe(fds) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return TAP_FAIL;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return TAP_FAIL;
	}
	if (pid == 0) {
		close(fds[0]);
		tap_reason_fd = fds[1];
		setpgid(0, 0);
		alarm(tmo ? (unsigned int)atoi(tmo) : TAP_DEFAULT_TIMEOUT);
		ret = t->fn();
		fflush(stdout);
		_exit(ret);
	}
	close(fds[1]);
	setpgid(pid, pid);	/* either side may get there first */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* Whatever the test left behind goes now; we are its subreaper. */
	kill(-pid, SIGKILL);
	while (waitpid(-pid, NULL, 0) > 0 || errno == EINTR)
		;
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	while (used + 1 < whylen &&
	       (n = read(fds[0], why + used, whylen - used - 1)) > 0)
		used += (size_t)n;
	why[used] = '\0';
	close(fds[0]);

	if (WIFSIGNALED(status)) {
		snprintf(why + used, whylen - used, "%skilled by signal %d%s",
			 used ? "; " : "", WTERMSIG(status),
			 WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
		return TAP_FAIL;
	}
	ret = WEXITSTATUS(status);
	if (ret == TAP_PASS || ret == TAP_SKIP)
		return ret;
	if (!used)
		snprintf(why, whylen, "exit status %d", ret);
	return TAP_FAIL;
}

/*
 * Run the tests whose names contain one of argv[1..] (all when none),
 * calling @after_each (may be NULL) in the parent after every test.
 * "-l" lists the test names instead.
 */
static inline int tap_main(const struct tap_test *tests, size_t n, int argc,
			   char **argv, void (*after_each)(void))
{
	unsigned int pass = 0, fail = 0, skip = 0, num = 0, plan = 0;
	char why[1024];
	size_t i;

	if (argc > 1 && !strcmp(argv[1], "-l")) {
		for (i = 0; i < n; i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	for (i = 0; i < n; i++)
		plan += tap_selected(tests[i].name, argc, argv);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%u\n", plan);
	for (i = 0; i < n; i++) {
		int ret;

		if (!tap_selected(tests[i].name, argc, argv))
			continue;
		num++;
		ret = tap_run_one(&tests[i], why, sizeof(why));
		if (after_each)
			after_each();
		switch (ret) {
		case TAP_PASS:
			pass++;
			printf("ok %u %s\n", num, tests[i].name);
			break;
		case TAP_SKIP:
			skip++;
			printf("ok %u %s # SKIP %s\n", num, tests[i].name, why);
			break;
		default:
			fail++;
			printf("# %s\nnot ok %u %s\n", why, num, tests[i].name);
			break;
		}
	}
	printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
	       pass, fail, skip);
	return fail ? 1 : 0;
}

#endif /* VARMON_TAP_H */
