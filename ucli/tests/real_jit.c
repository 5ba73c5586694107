// SPDX-License-Identifier: GPL-2.0-only
/*
 * real_jit - a synthetic JIT: copies a function into anonymous executable
 * memory, names it in /tmp/perf-PID.map as JIT compilers do, and calls
 * through it into blocker(), which prints "ready" and blocks. The
 * generated code keeps a frame pointer, as JITs do for profilers, since
 * it has no unwind information. The map file is removed at exit.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char map_path[64];

/* push %rbp; mov %rsp,%rbp; call *%rdi; pop %rbp; ret */
static const unsigned char code[] = { 0x55, 0x48, 0x89, 0xe5, 0xff, 0xd7,
				      0x5d, 0xc3 };

__attribute__((noinline)) void blocker(void)
{
	puts("ready");
	fflush(stdout);
	for (;;)
		pause();
}

static void on_term(int sig)
{
	(void)sig;
	unlink(map_path);
	_exit(0);
}

int main(void)
{
	void (*jit)(void (*)(void));
	unsigned char *mem;
	FILE *f;

	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	/* Something else first, so the function is not at the page start. */
	memset(mem, 0xcc, 4096);
	memcpy(mem + 0x40, code, sizeof(code));
	snprintf(map_path, sizeof(map_path), "/tmp/perf-%d.map", (int)getpid());
	f = fopen(map_path, "w");
	if (!f)
		return 1;
	fprintf(f, "%lx 10 stale_entry\n", (unsigned long)(mem + 0x40));
	fprintf(f, "%lx %zx LazyCompile:*jitted_fn app.js:1\n",
		(unsigned long)(mem + 0x40), sizeof(code));
	fclose(f);
	signal(SIGTERM, on_term);
	/* POSIX lets a data pointer become a function pointer (dlsym). */
	memcpy(&jit, &(void *){ mem + 0x40 }, sizeof(jit));
	jit(blocker);
	return 0;
}
