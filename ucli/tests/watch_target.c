// SPDX-License-Identifier: GPL-2.0-only
/*
 * watch_target - a program that knows nothing of variable_monitor, for
 * `ucli watch --pid`. It prints where its variables live, then waits:
 *   counter ADDR     a global int of the executable (.data)
 *   big ADDR         a global long array of the executable (.bss)
 *   timezone ADDR    a libc variable, looked up at run time so that the
 *                    executable has no copy of it
 * It exits when stdin closes, or after SECONDS (argument, default 60).
 */
#include <dlfcn.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

int counter = 7;
long big[4];

int main(int argc, char **argv)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	int seconds = argc > 1 ? atoi(argv[1]) : 60;

	printf("counter %p\nbig %p\ntimezone %p\n", (void *)&counter, (void *)big,
	       dlsym(RTLD_DEFAULT, "timezone"));
	fflush(stdout);
	poll(&pfd, 1, seconds * 1000);
	return counter + (int)big[0] == 7 ? 0 : 1;
}
