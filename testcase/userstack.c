// SPDX-License-Identifier: GPL-2.0-only
/*
 * userstack - a deep call chain for checking user stack capture.
 *
 * main -> customFunction1 -> customFunction2 -> customFunction3 ->
 * customFunction1 -> ... DEPTH rounds deep; the innermost
 * customFunction1 sets the watched variable over its threshold and
 * sleeps there. Built with -O2 -fomit-frame-pointer, so an unwinder must
 * use .eh_frame, not frame pointers.
 *
 * With -a, a second thread sets the variable once the first is asleep,
 * so the capture that follows the trip finds it asleep for sure.
 *
 * Every function is noinline, does something after its call (so the call
 * is not a tail call) and touches its own counter (so identical-code
 * folding cannot merge the three).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "monitor_user.h"

#define NOINLINE	__attribute__((noinline))
/* An empty asm the compiler must keep: the call before it is no tail call. */
#define KEEP_FRAME()	__asm__ __volatile__("" ::: "memory")

static volatile int trigger;		/* watched: trips when > 0 */
static volatile long calls[3];
static long sleep_seconds = 30;
static int arm_when_asleep;

static const char usage[] =
"usage: userstack [-a] [-d DEPTH] [-t SEC]\n"
"\n"
"Watch one variable, recurse through customFunction1 -> 2 -> 3 DEPTH\n"
"times, set the variable over its threshold at the bottom and sleep\n"
"there for SEC seconds, then unwind and cancel the watch.\n"
"\n"
"  -a        let a second thread set the variable once this one sleeps\n"
"  -d DEPTH  rounds of the three functions (default 10)\n"
"  -t SEC    time spent asleep over the threshold (default 30)\n"
"\n"
"EXAMPLES\n"
"  userstack              31 frames of customFunction1..3\n"
"  userstack -d 100 -t 5  a 301-frame chain for 5 seconds\n";

int customFunction1(long depth);
int customFunction2(long depth);
int customFunction3(long depth);

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

NOINLINE int customFunction1(long depth)
{
	struct timespec ts = { sleep_seconds, 0 };
	int ret = 0;

	calls[0]++;
	if (depth > 0) {
		ret = customFunction2(depth);
	} else {
		/* the bottom of the chain: over the threshold, asleep */
		if (!arm_when_asleep)
			trigger = 1;
		printf("userstack: pid %d over threshold, sleeping %ld s\n",
		       getpid(), sleep_seconds);
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		trigger = 0;
	}
	KEEP_FRAME();
	return ret + 1;
}

NOINLINE int customFunction2(long depth)
{
	int ret;

	calls[1]++;
	ret = customFunction3(depth);
	KEEP_FRAME();
	return ret + 2;
}

NOINLINE int customFunction3(long depth)
{
	int ret;

	calls[2]++;
	ret = customFunction1(depth - 1);
	KEEP_FRAME();
	return ret + 3;
}

/* Whether thread @tid of this process sleeps in (clock_)nanosleep. */
static int in_nanosleep(pid_t tid)
{
	char path[64];
	long nr = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	/* "running" when on a CPU; the number when blocked in a syscall. */
	if (fscanf(f, "%ld", &nr) != 1)
		nr = -1;
	fclose(f);
	return nr == SYS_nanosleep || nr == SYS_clock_nanosleep;
}

static void *arm_thread(void *arg)
{
	pid_t sleeper = (pid_t)(long)arg;
	struct timespec tick = { 0, 1000000 };

	while (!in_nanosleep(sleeper))
		nanosleep(&tick, NULL);
	trigger = 1;
	/* Stay for the dump: a thread that exits meanwhile may miss it. */
	tick.tv_sec = sleep_seconds;
	tick.tv_nsec = 0;
	nanosleep(&tick, NULL);
	return NULL;
}

int main(int argc, char **argv)
{
	long depth = 10;
	int err, opt;

	while ((opt = getopt(argc, argv, "ad:t:h")) != -1) {
		switch (opt) {
		case 'a':
			arm_when_asleep = 1;
			break;
		case 'd':
			if (parse_long(optarg, 0, 100000, &depth)) {
				fprintf(stderr, "userstack: bad depth '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 't':
			if (parse_long(optarg, 0, 86400, &sleep_seconds)) {
				fprintf(stderr, "userstack: bad time '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	err = START_WATCH_INT("userstack", &trigger, 0);
	if (err) {
		fprintf(stderr, "userstack: START_WATCH_INT: %s\n",
			strerror(-err));
		return 1;
	}
	printf("userstack: pid %d watching 'userstack', depth %ld\n",
	       getpid(), depth);
	if (arm_when_asleep) {
		pthread_t t;

		err = pthread_create(&t, NULL, arm_thread,
				     (void *)(long)getpid());
		if (err) {
			fprintf(stderr, "userstack: pthread_create: %s\n",
				strerror(err));
			return 1;
		}
	}
	customFunction1(depth);
	printf("userstack: %ld/%ld/%ld calls\n", calls[0], calls[1],
	       calls[2]);
	err = cancel_watch();
	if (err) {
		fprintf(stderr, "userstack: cancel_watch: %s\n",
			strerror(-err));
		return 1;
	}
	return 0;
}
