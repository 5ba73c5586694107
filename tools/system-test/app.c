// SPDX-License-Identifier: GPL-2.0-only
/*
 * The app of make check-system, built in the guest by an unprivileged
 * user with `pkg-config --cflags variable-monitor` against the installed
 * headers: watch a variable named argv[1], push it over its threshold,
 * and stay alive while the module dumps.
 */
#include <stdio.h>
#include <unistd.h>

#include <monitor_user.h>

static volatile int temp = 20;

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "systest";
	int err = START_WATCH_INT(name, &temp, 150);

	if (err < 0) {
		fprintf(stderr, "start_watch %s: error %d\n", name, err);
		return 1;
	}
	printf("%d\n", (int)getpid());
	fflush(stdout);
	temp = 151;
	sleep(3);
	cancel_watch();
	return 0;
}
