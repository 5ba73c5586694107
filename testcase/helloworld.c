// SPDX-License-Identifier: GPL-2.0-only
/*
 * helloworld - the demo app: watch many variables of this process, push
 * a few over their thresholds so the module reports them, then cancel.
 *
 * Variable i is named "temp<i>" and trips when it exceeds 100 + i % 1000,
 * as the original demo did with 2049 variables in one process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monitor_user.h"

struct env {
	long count;		/* variables to watch */
	long seconds;		/* how long to run */
	long delay;		/* seconds before the first trip */
	long trip;		/* how many variables go over */
	long interval_ns;	/* 0: the module's def_interval_ns */
};

static volatile sig_atomic_t exiting;

static const char usage[] =
"usage: helloworld [-n COUNT] [-t SEC] [-d SEC] [-k TRIP] [-i NS]\n"
"\n"
"Watch COUNT int variables (temp0, temp1, ...) of this process with\n"
"variable_monitor, set TRIP of them over their threshold after SEC\n"
"seconds, run for -t seconds in all, then cancel every watch.\n"
"\n"
"  -n COUNT  variables to watch (default 2049)\n"
"  -t SEC    total run time (default 10)\n"
"  -d SEC    delay before the trip (default 1)\n"
"  -k TRIP   variables set over the threshold (default 10)\n"
"  -i NS     polling interval; 0 uses def_interval_ns (default 0)\n"
"\n"
"EXAMPLES\n"
"  helloworld                 2049 variables, 10 of them trip\n"
"  helloworld -n 32 -t 5      one timer's worth, for 5 seconds\n"
"  helloworld -i 1000000      poll every millisecond\n";

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

/* Sleep @seconds or until a signal asks to stop. */
static void nap(long seconds)
{
	struct timespec ts = { seconds, 0 };

	while (!exiting && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int watch_one(int *var, long i, long interval_ns)
{
	watch_arg a;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "temp%u", (unsigned int)i);
	a.ptr = var;
	a.length_byte = sizeof(*var);
	a.threshold = 100 + i % 1000;
	a.greater_flag = 1;
	a.time_ns = (unsigned long)interval_ns;
	return start_watch(a);
}

int main(int argc, char **argv)
{
	struct env env = { 2049, 10, 1, 10, 0 };
	struct sigaction sa;
	int *temps = NULL, ret = 1, err, opt;
	long i;

	while ((opt = getopt(argc, argv, "n:t:d:k:i:h")) != -1) {
		long *dst;
		long min = 0, max = INT_MAX;

		switch (opt) {
		case 'n':
			dst = &env.count;
			min = 1;
			break;
		case 't':
			dst = &env.seconds;
			break;
		case 'd':
			dst = &env.delay;
			break;
		case 'k':
			dst = &env.trip;
			break;
		case 'i':
			dst = &env.interval_ns;
			max = LONG_MAX;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
		if (parse_long(optarg, min, max, dst)) {
			fprintf(stderr, "helloworld: bad -%c value '%s'\n",
				opt, optarg);
			return 2;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	if (env.trip > env.count)
		env.trip = env.count;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	temps = calloc((size_t)env.count, sizeof(*temps));
	if (!temps) {
		perror("helloworld: calloc");
		goto cleanup;
	}
	if (env.interval_ns)
		printf("helloworld: pid %d watching %ld variables every %ld ns\n",
		       getpid(), env.count, env.interval_ns);
	else
		printf("helloworld: pid %d watching %ld variables every "
		       "def_interval_ns\n", getpid(), env.count);
	for (i = 0; i < env.count; i++) {
		err = watch_one(&temps[i], i, env.interval_ns);
		if (err) {
			fprintf(stderr, "helloworld: watch temp%ld: %s\n", i,
				strerror(-err));
			goto cleanup;
		}
	}
	printf("helloworld: %ld watches registered\n", env.count);

	nap(env.delay);
	for (i = 0; i < env.trip && !exiting; i++) {
		temps[i] = 100 + (int)(i % 1000) + 1;
		printf("helloworld: temp%ld = %d (threshold %ld)\n", i,
		       temps[i], 100 + i % 1000);
	}
	nap(env.seconds > env.delay ? env.seconds - env.delay : 0);
	ret = 0;
cleanup:
	err = cancel_watch();
	if (err) {
		fprintf(stderr, "helloworld: cancel_watch: %s\n",
			strerror(-err));
		ret = 1;
	} else {
		printf("helloworld: all watches cancelled\n");
	}
	free(temps);
	return ret;
}
