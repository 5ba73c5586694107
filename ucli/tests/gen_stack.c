// SPDX-License-Identifier: GPL-2.0-only
/*
 * gen_stack - write real variable_monitor records without the kernel.
 *
 * main -> customFunction1 -> customFunction2 -> customFunction3 ->
 * customFunction1 -> ... DEPTH rounds deep, built -O2 without frame
 * pointers. At the bottom:
 *  - self mode: trip() stores its own registers (inline asm) and emit()
 *    copies the top of the stack, as the module copies a user stack;
 *  - ptrace mode: a child sleeps at the bottom in sleep(); the parent
 *    stops it with PTRACE_INTERRUPT and takes PTRACE_GETREGS (the same
 *    registers as task_pt_regs()) and the stack through /proc/PID/mem.
 * Then the records go to a file in the uapi format: a VARMON_REC_DUMP, a
 * VARMON_REC_TASK with REGS, USTACK, CGROUP, CHAIN (and KSTACK when asked)
 * sections, and a VARMON_REC_MAPS of the executable file mappings with
 * their build-ids.
 *
 * Exit status 77 means "cannot run here" (ptrace not permitted).
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/sysinfo.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "varmon_record.h"
#include "variable_monitor.h"

#define NOIPA __attribute__((noipa))
#define KEEP_FRAME() __asm__ __volatile__("" ::: "memory")
#define EXIT_SKIP 77

_Static_assert(sizeof(struct user_regs_struct) >= 8 * VARMON_NR_REGS,
	       "varmon_regs follows user_regs_struct");

static struct {
	const char *out;
	long depth;
	unsigned stack_bytes;
	int ptrace;
	unsigned dumps;
	int lost;
	uint64_t kstack[16];
	unsigned nr_kstack;
	uint64_t wchan;
	int no_build_id;
	int chain;
	int linger;
	pid_t attach;
} opt = { .depth = 3, .stack_bytes = 16384, .dumps = 1, .chain = 64 };

/* What the capture found, for emit(). */
static struct varmon_regs cap_regs;
static volatile int watched = 151;
static volatile long calls[3];

int customFunction1(long depth);
int customFunction2(long depth);
int customFunction3(long depth);
NOIPA void trip(void);

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* ---- record writing ------------------------------------------------- */

static uint8_t *buf;
static size_t len, cap;

static void put(const void *p, size_t n)
{
	while (len + n > cap) {
		cap = cap ? 2 * cap : 65536;
		buf = realloc(buf, cap);
		if (!buf)
			die("realloc");
	}
	memcpy(buf + len, p, n);
	len += n;
}

static void pad8(void)
{
	static const uint8_t zero[8];

	put(zero, (8 - len % 8) % 8);
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static size_t rec_begin(const void *fixed, size_t n, uint16_t type,
			uint64_t dump_id, uint32_t seq)
{
	size_t at = len;
	struct varmon_rec_hdr h = {
		.magic = VARMON_REC_MAGIC,
		.version = VARMON_REC_VERSION,
		.type = type,
		.dump_id = dump_id,
		.seq = seq,
		.time_ns = now_ns(CLOCK_MONOTONIC),
	};

	put(fixed, n);
	memcpy(buf + at, &h, sizeof(h));
	return at;
}

static void rec_end(size_t at)
{
	uint32_t size;

	pad8();
	size = (uint32_t)(len - at);
	memcpy(buf + at + offsetof(struct varmon_rec_hdr, size), &size, sizeof(size));
}

static void section(uint16_t type, const void *a, size_t alen,
		    const void *b, size_t blen)
{
	struct varmon_sec s = { .type = type };
	size_t at = len;

	put(&s, sizeof(s));
	put(a, alen);
	if (blen)
		put(b, blen);
	pad8();
	s.size = (uint32_t)(len - at);
	memcpy(buf + at, &s, sizeof(s));
}

/* ---- reading /proc -------------------------------------------------- */

static char *slurp(const char *path, size_t *n)
{
	size_t c = 4096, l = 0;
	char *d = malloc(c);
	int fd = open(path, O_RDONLY);
	ssize_t r;

	if (!d)
		die("malloc");
	if (fd < 0) {
		free(d);
		return NULL;
	}
	while ((r = read(fd, d + l, c - l - 1)) > 0) {
		l += (size_t)r;
		if (c - l < 2) {
			c *= 2;
			d = realloc(d, c);
			if (!d)
				die("realloc");
		}
	}
	close(fd);
	d[l] = '\0';
	if (n)
		*n = l;
	return d;
}

/* Field @n (1-based, as in proc(5)) of /proc/PID/stat. */
static uint64_t stat_field(pid_t pid, int n)
{
	char path[64], *s, *p;
	uint64_t v = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	s = slurp(path, NULL);
	if (!s)
		return 0;
	p = strrchr(s, ')');
	for (int f = 2; p && f < n; f++)
		p = strchr(p + 1, ' ');
	if (p)
		v = strtoull(p + 1, NULL, 10);
	free(s);
	return v;
}

static uint64_t status_field(pid_t pid, const char *key)
{
	char path[64], *s, *p;
	uint64_t v = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	s = slurp(path, NULL);
	if (!s)
		return 0;
	p = strstr(s, key);
	if (p)
		v = strtoull(p + strlen(key), NULL, 10);
	free(s);
	return v;
}

static void build_id_of(const char *path, struct varmon_map_entry *e)
{
	int fd = open(path, O_RDONLY);
	Elf_Scn *scn = NULL;
	Elf *elf;

	if (fd < 0)
		return;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	while (elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		GElf_Nhdr nh;
		Elf_Data *d;
		size_t off = 0, no, dof;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		while ((off = gelf_getnote(d, off, &nh, &no, &dof)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_descsz <= 20 &&
			    nh.n_namesz == 4 && !memcmp((char *)d->d_buf + no, "GNU", 4)) {
				memcpy(e->build_id, (char *)d->d_buf + dof, nh.n_descsz);
				e->build_id_len = (uint8_t)nh.n_descsz;
			}
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
}

/* The stack copy: from SP up to at most stack_bytes, inside [stack]. */
static void read_stack(pid_t pid, uint64_t sp, uint8_t **data, uint32_t *n)
{
	char path[64], *maps, *line;
	uint64_t top = 0;
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = slurp(path, NULL);
	if (!maps)
		die("maps");
	for (line = strtok(maps, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && sp >= lo && sp < hi)
			top = hi;
	}
	free(maps);
	if (!top)
		die("no mapping holds the stack pointer");
	*n = (uint32_t)(top - sp < opt.stack_bytes ? top - sp : opt.stack_bytes);
	*n &= ~7u;
	*data = malloc(*n ? *n : 1);
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0 || !*data)
		die("open mem");
	r = pread(fd, *data, *n, (off_t)sp);
	if (r != (ssize_t)*n)
		die("read stack");
	close(fd);
}

static void put_chain(pid_t pid)
{
	uint8_t *c = NULL;
	size_t cl = 0;

	for (int hops = 0; pid > 0 && hops < opt.chain; hops++) {
		char path[64], *cmd;
		size_t n = 0;
		struct varmon_chain_entry e;

		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		cmd = slurp(path, &n);
		if (!cmd)
			break;
		for (size_t i = 0; i + 1 < n; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		if (!n)
			cmd[0] = '\0';
		e.pid = (uint32_t)pid;
		e.len = (uint32_t)(n ? n : 1);
		c = realloc(c, cl + sizeof(e) + e.len + 8);
		if (!c)
			die("realloc");
		memcpy(c + cl, &e, sizeof(e));
		memcpy(c + cl + sizeof(e), cmd, e.len);
		cl += sizeof(e) + e.len;
		while (cl % 8)
			c[cl++] = 0;
		free(cmd);
		if (pid == 1)
			break;
		pid = (pid_t)stat_field(pid, 4);
	}
	section(VARMON_SEC_CHAIN, c, cl, NULL, 0);
	free(c);
}

static void put_maps(pid_t pid, uint64_t dump_id, uint32_t seq, uint64_t mm_id)
{
	struct varmon_rec_maps m = { .mm_id = mm_id, .tgid = (uint32_t)pid };
	char path[64], *maps, *line, *save;
	size_t at = rec_begin(&m, sizeof(m), VARMON_REC_MAPS, dump_id, seq);
	uint32_t nr = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = slurp(path, NULL);
	if (!maps)
		die("maps");
	for (line = strtok_r(maps, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct varmon_map_entry e = { 0 };
		unsigned long lo, hi, off;
		char perms[8], file[4096] = "";

		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %4095[^\n]", &lo, &hi,
			   perms, &off, file) < 4 || perms[2] != 'x' || file[0] != '/')
			continue;
		e.start = lo;
		e.end = hi;
		e.pgoff = off;
		if (!opt.no_build_id)
			build_id_of(file, &e);
		section(VARMON_SEC_MAP, &e, sizeof(e), file, strlen(file) + 1);
		nr++;
	}
	free(maps);
	rec_end(at);
	memcpy(buf + at + offsetof(struct varmon_rec_maps, nr_maps), &nr, sizeof(nr));
}

static void put_dump(uint64_t dump_id, pid_t pid, char state, int32_t syscall_nr,
		     const uint8_t *stack, uint32_t stack_len)
{
	long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	uint64_t tick_ns = 1000000000ULL / (uint64_t)tck, mm_id = 0x1000 + (uint64_t)pid;
	struct varmon_rec_dump d = {
		.trip_mono_ns = now_ns(CLOCK_MONOTONIC),
		.trip_real_ns = now_ns(CLOCK_REALTIME),
		.nr_selected = 1,
		.nr_triggers = 1,
	};
	struct varmon_trigger t = {
		.pid = (uint32_t)pid,
		.length = sizeof(int),
		.cond = VARMON_COND_GT,
		.name = "watched",
		.addr = (uint64_t)(uintptr_t)&watched,
		.value = watched,
		.threshold = 150,
	};
	struct varmon_rec_task task = {
		.pid = (uint32_t)pid,
		.tgid = (uint32_t)pid,
		.ns_pid = (uint32_t)pid,
		.ns_tgid = (uint32_t)pid,
		.ppid = (uint32_t)stat_field(pid, 4),
		.state = (uint8_t)state,
		.ustack_state = VARMON_USTACK_OK,
		.reason = VARMON_WHY_WATCHED,
		.task_flags = (uint32_t)stat_field(pid, 9),
		.avail = VARMON_AVAIL_CGROUP | VARMON_AVAIL_USTACK | VARMON_AVAIL_REGS |
			 VARMON_AVAIL_CHAIN | VARMON_AVAIL_MEM | VARMON_AVAIL_SYSCALL |
			 VARMON_AVAIL_WCHAN,
		.utime_ns = stat_field(pid, 14) * tick_ns,
		.stime_ns = stat_field(pid, 15) * tick_ns,
		.group_utime_ns = stat_field(pid, 14) * tick_ns,
		.group_stime_ns = stat_field(pid, 15) * tick_ns,
		.cutime_ns = stat_field(pid, 16) * tick_ns,
		.cstime_ns = stat_field(pid, 17) * tick_ns,
		.start_boottime_ns = stat_field(pid, 22) * tick_ns,
		.nvcsw = status_field(pid, "voluntary_ctxt_switches:"),
		.nivcsw = status_field(pid, "nonvoluntary_ctxt_switches:"),
		.rss_bytes = stat_field(pid, 24) * (uint64_t)page,
		.vm_bytes = stat_field(pid, 23),
		.syscall_nr = syscall_nr,
		.wchan = opt.wchan,
		.mm_id = mm_id,
	};
	struct varmon_ustack us = { .sp = cap_regs.reg[VARMON_REG_RSP], .len = stack_len };
	struct sysinfo si;
	char path[64], *s, *cg = NULL, *comm;
	size_t at;

	if (!sysinfo(&si))
		for (int i = 0; i < 3; i++)
			d.loadavg[i] = si.loads[i] >> (SI_LOAD_SHIFT - 11);
	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	s = slurp(path, NULL);
	if (s)
		task.sum_exec_runtime_ns = strtoull(s, NULL, 10);
	free(s);
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	comm = slurp(path, NULL);
	if (comm) {
		comm[strcspn(comm, "\n")] = '\0';
		snprintf(task.comm, sizeof(task.comm), "%s", comm);
	}
	free(comm);

	at = rec_begin(&d, sizeof(d), VARMON_REC_DUMP, dump_id, 0);
	put(&t, sizeof(t));
	rec_end(at);

	at = rec_begin(&task, sizeof(task), VARMON_REC_TASK, dump_id, 1);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	s = slurp(path, NULL);
	if (s && (cg = strstr(s, "0::")))
		cg[strcspn(cg, "\n")] = '\0';
	section(VARMON_SEC_CGROUP, cg ? cg + 3 : "/", strlen(cg ? cg + 3 : "/") + 1,
		NULL, 0);
	free(s);
	if (opt.nr_kstack) {
		section(VARMON_SEC_KSTACK, opt.kstack, 8 * opt.nr_kstack, NULL, 0);
		task.avail |= VARMON_AVAIL_KSTACK;
		memcpy(buf + at + offsetof(struct varmon_rec_task, avail), &task.avail,
		       sizeof(task.avail));
	}
	section(VARMON_SEC_REGS, &cap_regs, sizeof(cap_regs), NULL, 0);
	section(VARMON_SEC_USTACK, &us, sizeof(us), stack, stack_len);
	put_chain(pid);
	rec_end(at);

	put_maps(pid, dump_id, 2, mm_id);
}

static void put_lost(uint64_t dump_id)
{
	struct varmon_rec_lost l = { .dumps = 2, .bytes = 123456 };
	size_t at = rec_begin(&l, sizeof(l), VARMON_REC_LOST, dump_id, 0);

	rec_end(at);
}

static void write_out(pid_t pid, char state, int32_t syscall_nr)
{
	uint8_t *stack;
	uint32_t n;
	uint64_t id = 1;
	FILE *f;

	read_stack(pid, cap_regs.reg[VARMON_REG_RSP], &stack, &n);
	for (unsigned i = 0; i < opt.dumps; i++) {
		if (opt.lost && i == 1) {
			put_lost(id);
			id += 2;
		}
		put_dump(id++, pid, state, syscall_nr, stack, n);
	}
	free(stack);
	f = fopen(opt.out, "w");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
		die(opt.out);
}

/* ---- the call chain ------------------------------------------------- */

/*
 * Capture this function's own registers at one instruction: the saved
 * RIP is the address right after the lea, and RSP is unchanged inside the
 * asm, so CFI for that address describes the frame exactly.
 */
NOIPA void trip(void)
{
	struct varmon_regs *r = &cap_regs;

	__asm__ __volatile__(
		"movq %%r15, 0(%0)\n\t"
		"movq %%r14, 8(%0)\n\t"
		"movq %%r13, 16(%0)\n\t"
		"movq %%r12, 24(%0)\n\t"
		"movq %%rbp, 32(%0)\n\t"
		"movq %%rbx, 40(%0)\n\t"
		"movq %%r11, 48(%0)\n\t"
		"movq %%r10, 56(%0)\n\t"
		"movq %%r9, 64(%0)\n\t"
		"movq %%r8, 72(%0)\n\t"
		"movq %%rax, 80(%0)\n\t"
		"movq %%rcx, 88(%0)\n\t"
		"movq %%rdx, 96(%0)\n\t"
		"movq %%rsi, 104(%0)\n\t"
		"movq %%rdi, 112(%0)\n\t"
		"leaq 0(%%rip), %%rax\n\t"
		"movq %%rax, 128(%0)\n\t"
		"movq %%rsp, 152(%0)\n\t"
		: : "r"(r) : "rax", "memory");
	r->reg[VARMON_REG_ORIG_RAX] = (uint64_t)-1;
	write_out(getpid(), 'R', -1);
	/* Stay alive for a report that must reach us through /proc/PID/root. */
	if (opt.linger) {
		puts("ready");
		fflush(stdout);
		for (;;)
			pause();
	}
	KEEP_FRAME();
}

NOIPA int customFunction1(long depth)
{
	int ret;

	calls[0]++;
	if (depth > 0) {
		ret = customFunction2(depth);
	} else if (opt.ptrace) {
		/* The parent captures us in here. */
		for (;;)
			sleep(1000);
	} else {
		trip();
		ret = 0;
	}
	KEEP_FRAME();
	return ret + 1;
}

NOIPA int customFunction2(long depth)
{
	int ret;

	calls[1]++;
	ret = customFunction3(depth);
	KEEP_FRAME();
	return ret + 2;
}

NOIPA int customFunction3(long depth)
{
	int ret;

	calls[2]++;
	ret = customFunction1(depth - 1);
	KEEP_FRAME();
	return ret + 3;
}

/* ---- ptrace mode ---------------------------------------------------- */

static int in_sleep(pid_t pid)
{
	char path[64], *s;
	long nr = -1;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	s = slurp(path, NULL);
	if (s)
		nr = strtol(s, NULL, 10);
	free(s);
	return nr == 35 || nr == 230;	/* nanosleep, clock_nanosleep */
}

static NOIPA int capture_child(void)
{
	struct user_regs_struct regs;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	pid_t pid = fork();
	int st, tries;

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		customFunction1(opt.depth);
		_exit(0);
	}
	for (tries = 0; tries < 1000 && !in_sleep(pid); tries++)
		nanosleep(&ts, NULL);
	if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0) {
		fprintf(stderr, "gen_stack: ptrace: %s\n", strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return EXIT_SKIP;
	}
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0 || waitpid(pid, &st, 0) != pid ||
	    ptrace(PTRACE_GETREGS, pid, 0, &regs) < 0)
		die("ptrace stop");
	memcpy(cap_regs.reg, &regs, 8 * VARMON_NR_REGS);
	write_out(pid, 'S', (int32_t)regs.orig_rax);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return 0;
}

/*
 * --attach: capture a thread of another program where it is now, as the
 * module would at a trip, so host tests can unwind real programs.
 */
static int capture_attached(pid_t pid)
{
	struct user_regs_struct regs;
	int st;

	if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0) {
		fprintf(stderr, "gen_stack: ptrace: %s\n", strerror(errno));
		return EXIT_SKIP;
	}
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0 ||
	    waitpid(pid, &st, __WALL) != pid ||
	    ptrace(PTRACE_GETREGS, pid, 0, &regs) < 0)
		die("ptrace stop");
	memcpy(cap_regs.reg, &regs, 8 * VARMON_NR_REGS);
	write_out(pid, 'S', (int32_t)regs.orig_rax);
	ptrace(PTRACE_DETACH, pid, 0, 0);
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: gen_stack -o FILE [--ptrace] [--depth N] [--stack-bytes N]\n"
	      "                 [--dumps N] [--lost] [--kstack ADDR,...] [--wchan ADDR]\n"
	      "                 [--no-build-id] [--chain N] [--linger] [--attach TID]\n", f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "ptrace", no_argument, NULL, 'p' },
		{ "depth", required_argument, NULL, 'd' },
		{ "stack-bytes", required_argument, NULL, 's' },
		{ "dumps", required_argument, NULL, 'n' },
		{ "lost", no_argument, NULL, 'l' },
		{ "kstack", required_argument, NULL, 'k' },
		{ "wchan", required_argument, NULL, 'w' },
		{ "no-build-id", no_argument, NULL, 'b' },
		{ "chain", required_argument, NULL, 'c' },
		{ "linger", no_argument, NULL, 'L' },
		{ "attach", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret;

	elf_version(EV_CURRENT);
	while ((c = getopt_long(argc, argv, "o:pd:s:n:lk:w:bc:La:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			opt.out = optarg;
			break;
		case 'p':
			opt.ptrace = 1;
			break;
		case 'd':
			opt.depth = strtol(optarg, NULL, 10);
			break;
		case 's':
			opt.stack_bytes = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			opt.dumps = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'l':
			opt.lost = 1;
			break;
		case 'k': {
			/* On a copy: /proc/PID/cmdline shows argv as it is now. */
			char *list = strdup(optarg);

			for (char *t = strtok(list, ","); t && opt.nr_kstack < 16;
			     t = strtok(NULL, ","))
				opt.kstack[opt.nr_kstack++] = strtoull(t, NULL, 0);
			free(list);
			break;
		}
		case 'w':
			opt.wchan = strtoull(optarg, NULL, 0);
			break;
		case 'b':
			opt.no_build_id = 1;
			break;
		case 'c':
			opt.chain = atoi(optarg);
			break;
		case 'L':
			opt.linger = 1;
			break;
		case 'a':
			opt.attach = (pid_t)strtol(optarg, NULL, 10);
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!opt.out || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (opt.attach > 0)
		ret = capture_attached(opt.attach);
	else if (opt.ptrace)
		ret = capture_child();
	else
		ret = customFunction1(opt.depth) > 0 ? 0 : 1;
	KEEP_FRAME();
	return ret;
}
