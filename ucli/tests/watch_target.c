// SPDX-License-Identifier: GPL-2.0-only
/*
 * watch_target - a program that knows nothing of variable_monitor, for
 * `ucli watch --pid`. It prints where its variables live, then sleeps
 * SECONDS (argument, default 60) unless killed first:
 *   counter ADDR     a global int of the executable (.data)
 *   big ADDR         a global long array of the executable (.bss)
 *   timezone ADDR    a libc variable, looked up at run time so that the
 *                    executable has no copy of it
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int counter = 7;
long big[4];

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 60;

	printf("counter %p\nbig %p\ntimezone %p\n", (void *)&counter, (void *)big,
	       dlsym(RTLD_DEFAULT, "timezone"));
	fflush(stdout);
	while (seconds > 0)
		seconds = (int)sleep((unsigned)seconds);
	return counter + (int)big[0] == 7 ? 0 : 1;
}
