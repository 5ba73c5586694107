// SPDX-License-Identifier: GPL-2.0-only
/*
 * real_sig - blocks inside a signal handler, so a capture must unwind
 * through the kernel's signal frame (__restore_rt) into the code the
 * signal interrupted, and on to _start. Prints "ready" once there.
 */
#include <signal.h>
#include <unistd.h>

static void handler(int s)
{
	static const char ready[] = "ready\n";

	if (write(1, ready, sizeof(ready) - 1) < 0)
		_exit(1);
	(void)s;
	for (;;)
		pause();
}

__attribute__((noinline)) void interrupted(void)
{
	for (volatile unsigned long i = 0;; i++)
		if (i == 1000)
			raise(SIGUSR1);
}

int main(void)
{
	signal(SIGUSR1, handler);
	interrupted();
	return 0;
}
