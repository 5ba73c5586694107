// SPDX-License-Identifier: GPL-2.0-only
/*
 * watch_target - a program that knows nothing of variable_monitor, for
 * `ucli watch --pid`. It prints where its variables live, then sleeps
 * SECONDS (argument, default 60) unless killed first:
 *   counter ADDR     a global int of the executable (.data)
 *   big ADDR         a global long array of the executable (.bss)
 *   timezone ADDR    a libc variable, looked up at run time so that the
 *                    executable has no copy of it
 * SIGUSR1 adds 10 to counter from bump_counter(), a writer a hardware
 * watch can name.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int counter = 7;
long big[4];

static __attribute__((noinline)) void bump_counter(int sig)
{
	(void)sig;
	counter += 10;
}

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 60;

	signal(SIGUSR1, bump_counter);
	printf("counter %p\nbig %p\ntimezone %p\n", (void *)&counter, (void *)big,
	       dlsym(RTLD_DEFAULT, "timezone"));
	fflush(stdout);
	while (seconds > 0)
		seconds = (int)sleep((unsigned)seconds);
	return (counter - 7) % 10 + (int)big[0] == 0 ? 0 : 1;
}
