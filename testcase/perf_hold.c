// SPDX-License-Identifier: GPL-2.0-only
/*
 * perf_hold - keep one dummy perf event open until killed.
 *
 * Debian 6.12 under QEMU TCG oopses on int3 in __schedule when the
 * perf_sched_events static key is switched on and off many times (a
 * small program that opens and closes one breakpoint event reproduces it
 * with no module loaded). Every hardware watch switches it, so the guest
 * test driver keeps it on for the whole run.
 */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_SW_DUMMY;
	if (syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC) < 0) {
		perror("perf_hold: perf_event_open");
		return 1;
	}
	for (;;)
		pause();
}
