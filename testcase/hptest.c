// SPDX-License-Identifier: GPL-2.0-only
/*
 * hptest - watch a variable that lives in a hugetlb page.
 *
 * Maps one 2 MiB MAP_HUGETLB page, watches a long in the middle of it
 * (a tail subpage, so the module must pin the right part of a compound
 * page), sets it over the threshold, waits, then cancels. Needs reserved
 * huge pages: echo 16 > /proc/sys/vm/nr_hugepages
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "monitor_user.h"

#define HUGE_SIZE	(2UL << 20)
#define THRESHOLD	1000

static const char usage[] =
"usage: hptest [-t SEC]\n"
"\n"
"Watch a long in a 2 MiB hugetlb page, set it over its threshold, keep\n"
"it there for SEC seconds (default 5), then cancel the watch.\n"
"\n"
"EXAMPLES\n"
"  echo 16 > /proc/sys/vm/nr_hugepages; hptest -t 3\n";

int main(int argc, char **argv)
{
	struct timespec ts = { 5, 0 };
	volatile long *var;
	char *huge, *end;
	int err, opt;

	while ((opt = getopt(argc, argv, "t:h")) != -1) {
		switch (opt) {
		case 't':
			errno = 0;
			ts.tv_sec = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || ts.tv_sec < 0) {
				fprintf(stderr, "hptest: bad time '%s'\n",
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
	huge = mmap(NULL, HUGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (huge == MAP_FAILED) {
		fprintf(stderr, "hptest: mmap MAP_HUGETLB: %s (reserve pages "
			"in /proc/sys/vm/nr_hugepages)\n", strerror(errno));
		return 1;
	}
	var = (volatile long *)(huge + HUGE_SIZE / 2 + 128);
	*var = 0;
	err = START_WATCH_LONG("hugevar", var, THRESHOLD);
	if (err) {
		fprintf(stderr, "hptest: START_WATCH_LONG: %s\n",
			strerror(-err));
		return 1;
	}
	printf("hptest: pid %d watching 'hugevar' at %p in a hugetlb page\n",
	       getpid(), (void *)var);
	*var = THRESHOLD + 1;
	printf("hptest: hugevar = %ld (threshold %d), waiting %ld s\n", *var,
	       THRESHOLD, (long)ts.tv_sec);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	*var = 0;
	err = cancel_watch();
	if (err) {
		fprintf(stderr, "hptest: cancel_watch: %s\n", strerror(-err));
		return 1;
	}
	printf("hptest: watch cancelled\n");
	munmap(huge, HUGE_SIZE);
	return 0;
}
