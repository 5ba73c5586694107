// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_capture.c - the capture pipeline, tested from userspace in the VM.
 *
 * Trips watches, drains the dumps over VARMON_IOC_DRAIN and checks what
 * they hold: the watched process's threads, raw user stacks and
 * registers that match the program's mappings, a vfork() parent in
 * state D with its kernel stack, the process chain up to the shell that
 * started this program, complete dumps of a process that exits at once,
 * drops when the buffer is too small, the stats counters, and what a
 * reader without privileges gets.
 *
 * Runs as root with variable_monitor loaded; two tests reload it with
 * other parameters (VARMON_KO, default /varmon/variable_monitor.ko) and
 * the runner loads it back with the defaults after each test. Each test
 * uses its own polling interval, so it gets a timer of its own and no
 * other test's dump_reset_sec pause.
 *
 *	test_capture [-l] [substring...]
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "testlib.h"
#include "varmon_record.h"

#define KO_DEFAULT	"/varmon/variable_monitor.ko"
#define MS		1000000ULL
#define UNPRIV_ID	4242		/* uid and gid of the unprivileged tests */
#define US_DEPTH	10		/* userstack -d: 31 frames of its own */
#define US_DEPTH_STR	"10"
#define SEC_KPRIV	0x8000		/* kernel-private: must never show */

static pid_t shell_pid;			/* who started this program */
static char bin_dir[PATH_MAX];		/* where userstack is */

/* ---- draining ---- */

/* Records drained so far, back to back as the ioctl wrote them. */
struct drained {
	uint8_t *buf;
	size_t len;
	size_t cap;
};

#define DRAIN_ROOM	(4UL << 20)

static void drained_free(struct drained *d)
{
	free(d->buf);
	memset(d, 0, sizeof(*d));
}

static int drain_into(int fd, struct drained *d, size_t room,
		      struct varmon_drain *a)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->buf = (uintptr_t)(d->buf + d->len);
	a->len = room;
	if (ioctl(fd, VARMON_IOC_DRAIN, a) < 0)
		return -errno;
	d->len += a->copied;
	return 0;
}

/* Drain until nothing more comes. */
static int drain_all(int fd, struct drained *d)
{
	struct varmon_drain a;
	int err;

	do {
		if (d->cap - d->len < DRAIN_ROOM) {
			uint8_t *p = realloc(d->buf, d->cap + 2 * DRAIN_ROOM);

			if (!p)
				return -ENOMEM;
			d->buf = p;
			d->cap += 2 * DRAIN_ROOM;
		}
		err = drain_into(fd, d, d->cap - d->len, &a);
		if (err)
			return err;
	} while (a.records);
	return 0;
}

#define for_each_rec(d, h)						\
	for ((h) = (const void *)(d)->buf;				\
	     (const uint8_t *)(h) < (d)->buf + (d)->len;		\
	     (h) = (const void *)((const uint8_t *)(h) + (h)->size))

/* NULL when every record is well-formed, else what is wrong. */
static const char *check_framing(const struct drained *d)
{
	size_t off = 0;

	while (off < d->len) {
		const struct varmon_rec_hdr *h = (const void *)(d->buf + off);

		if (d->len - off < sizeof(*h))
			return "a truncated header";
		if (h->magic != VARMON_REC_MAGIC)
			return "a bad magic";
		if (h->version != VARMON_REC_VERSION)
			return "a bad version";
		if (h->size < sizeof(*h) || h->size % VARMON_REC_ALIGN ||
		    h->size > d->len - off)
			return "a bad size";
		if (h->flags || h->__pad0)
			return "non-zero flags or padding";
		off += h->size;
	}
	return NULL;
}

/* Sections of a record, after its fixed part of @fixed bytes. */
struct sec_iter {
	const struct varmon_rec_hdr *h;
	size_t off;
	bool bad;
};

static const struct varmon_sec *sec_next(struct sec_iter *it)
{
	const struct varmon_sec *s;

	if (it->bad || it->off >= it->h->size)
		return NULL;
	s = (const void *)((const uint8_t *)it->h + it->off);
	if (it->h->size - it->off < sizeof(*s) || s->size < sizeof(*s) ||
	    s->size % VARMON_REC_ALIGN || s->size > it->h->size - it->off) {
		it->bad = true;
		return NULL;
	}
	it->off += s->size;
	return s;
}

static size_t fixed_size(const struct varmon_rec_hdr *h)
{
	return h->type == VARMON_REC_TASK ? sizeof(struct varmon_rec_task) :
	       h->type == VARMON_REC_MAPS ? sizeof(struct varmon_rec_maps) :
	       h->size;
}

static const struct varmon_sec *find_sec(const struct varmon_rec_hdr *h,
					 uint16_t type)
{
	struct sec_iter it = { h, fixed_size(h), false };
	const struct varmon_sec *s;

	while ((s = sec_next(&it)))
		if (s->type == type)
			return s;
	return NULL;
}

static const void *sec_body(const struct varmon_sec *s)
{
	return s + 1;
}

static size_t sec_len(const struct varmon_sec *s)
{
	return s->size - sizeof(*s);
}

/* The last dump whose triggers name @tgid. */
static const struct varmon_rec_dump *find_dump(const struct drained *d,
					       pid_t tgid)
{
	const struct varmon_rec_dump *found = NULL;
	const struct varmon_rec_hdr *h;

	for_each_rec(d, h) {
		const struct varmon_rec_dump *dump = (const void *)h;
		const struct varmon_trigger *t = (const void *)(dump + 1);
		uint32_t i;

		if (h->type != VARMON_REC_DUMP || h->size < sizeof(*dump))
			continue;
		for (i = 0; i < dump->nr_triggers; i++)
			if (t[i].pid == (uint32_t)tgid)
				found = dump;
	}
	return found;
}

static const struct varmon_rec_task *find_task(const struct drained *d,
					       uint64_t dump_id, pid_t pid)
{
	const struct varmon_rec_hdr *h;

	for_each_rec(d, h) {
		const struct varmon_rec_task *t = (const void *)h;

		if (h->type == VARMON_REC_TASK && h->dump_id == dump_id &&
		    t->pid == (uint32_t)pid)
			return t;
	}
	return NULL;
}

static const struct varmon_rec_maps *find_maps(const struct drained *d,
					       uint64_t dump_id,
					       uint64_t mm_id)
{
	const struct varmon_rec_hdr *h;

	for_each_rec(d, h) {
		const struct varmon_rec_maps *m = (const void *)h;

		if (h->type == VARMON_REC_MAPS && h->dump_id == dump_id &&
		    m->mm_id == mm_id)
			return m;
	}
	return NULL;
}

static unsigned int count_tasks(const struct drained *d, uint64_t dump_id,
				pid_t tgid, uint8_t why)
{
	const struct varmon_rec_hdr *h;
	unsigned int n = 0;

	for_each_rec(d, h) {
		const struct varmon_rec_task *t = (const void *)h;

		if (h->type == VARMON_REC_TASK && h->dump_id == dump_id &&
		    (!tgid || t->tgid == (uint32_t)tgid) &&
		    (t->reason & why) == why)
			n++;
	}
	return n;
}

/*
 * Whether the dump is whole, as a privileged reader sees it: seq numbers
 * 0..n-1 with the header first, nr_selected TASK records, a MAPS record
 * for every mm_id, sections that tile every record, and no
 * kernel-private section. NULL when it is, else what is wrong.
 */
static const char *check_dump(const struct drained *d,
			      const struct varmon_rec_dump *dump)
{
	uint64_t id = dump->hdr.dump_id;
	const struct varmon_rec_hdr *h;
	unsigned int tasks = 0;
	uint32_t seq = 0;

	for_each_rec(d, h) {
		struct sec_iter it = { h, fixed_size(h), false };
		const struct varmon_rec_task *t = (const void *)h;
		const struct varmon_rec_maps *m = (const void *)h;
		const struct varmon_sec *s;
		uint32_t maps = 0;

		if (h->dump_id != id || h->type == VARMON_REC_LOST)
			continue;
		if (h->seq != seq++)
			return "seq numbers are not 0, 1, 2, ...";
		if ((h->seq == 0) != (h->type == VARMON_REC_DUMP))
			return "the header is not record 0";
		if (h->size < fixed_size(h))
			return "a record shorter than its fixed part";
		while ((s = sec_next(&it))) {
			if (s->type == SEC_KPRIV)
				return "a kernel-private section leaked";
			maps += s->type == VARMON_SEC_MAP;
		}
		if (it.bad)
			return "sections do not tile a record";
		if (h->type == VARMON_REC_TASK) {
			tasks++;
			if (t->mm_id && !find_maps(d, id, t->mm_id))
				return "a TASK's mm_id has no MAPS record";
		}
		if (h->type == VARMON_REC_MAPS && maps != m->nr_maps)
			return "nr_maps differs from the MAP sections";
	}
	if (tasks != dump->nr_selected)
		return "nr_selected differs from the TASK records";
	return NULL;
}

/* When the last record of the dump was finished (CLOCK_MONOTONIC). */
static uint64_t dump_end(const struct drained *d,
			 const struct varmon_rec_dump *dump)
{
	const struct varmon_rec_hdr *h;
	uint64_t end = dump->hdr.time_ns;

	for_each_rec(d, h)
		if (h->dump_id == dump->hdr.dump_id && h->time_ns > end)
			end = h->time_ns;
	return end;
}

/* Drain until a dump triggered by @tgid shows up (NULL on timeout). */
static const struct varmon_rec_dump *wait_dump(int fd, struct drained *d,
					       pid_t tgid)
{
	uint64_t end = tl_now_ms() + TL_WAIT_MS;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	const struct varmon_rec_dump *dump;
	uint64_t now;

	for (;;) {
		if (drain_all(fd, d))
			return NULL;
		dump = find_dump(d, tgid);
		if (dump)
			return dump;
		now = tl_now_ms();
		if (now >= end)
			return NULL;
		poll(&p, 1, (int)(end - now));
	}
}

/* ---- processes ---- */

/* Register a watch on *@var (over 0 trips) at @interval_ns, trip it. */
static int trip_here(int fd, volatile int *var, const char *name,
		     uint64_t interval_ns)
{
	struct varmon_watch w;
	int err;

	tl_watch_init(&w, var, sizeof(*var), name);
	w.interval_ns = interval_ns;
	err = tl_ioctl_watch(fd, &w);
	if (err)
		return -err;
	*var = 1;
	return tl_wait_trips(getpid(), name, 0) < 0 ? -ETIMEDOUT : 0;
}

/* Wait for another process's watch to be registered, then to trip. */
static bool wait_trip(pid_t pid, const char *name)
{
	return !tl_wait_watch_count(pid, 1) && tl_wait_trips(pid, name, 0) > 0;
}

/* State letter of a process from /proc/PID/stat, or 0. */
static char proc_state(pid_t pid)
{
	char path[64], *p;
	struct tl_buf b = { 0 };
	char c = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	p = tl_read_file(path, &b) ? NULL : strrchr(b.s, ')');
	if (p && p[1])
		c = p[2];
	tl_buf_free(&b);
	return c;
}

static int wait_state(pid_t pid, char want)
{
	uint64_t end = tl_now_ms() + TL_WAIT_MS;

	do {
		if (proc_state(pid) == want)
			return 0;
		tl_sleep_ms(10);
	} while (tl_now_ms() < end);
	return -ETIMEDOUT;
}

/* /proc/PID/cmdline with the NULs turned into spaces, as in a chain. */
static int proc_cmdline(pid_t pid, char *out, size_t size)
{
	struct tl_buf b = { 0 };
	char path[64];
	size_t i, n;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	err = tl_read_file(path, &b);
	if (err)
		return err;
	n = b.len;
	if (n && !b.s[n - 1])
		n--;
	for (i = 0; i < n; i++)
		if (!b.s[i])
			b.s[i] = ' ';
	snprintf(out, size, "%.*s", (int)n, b.s);
	tl_buf_free(&b);
	return 0;
}

static unsigned int proc_threads(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	/* A directory's link count is 2 plus its subdirectories. */
	return stat(path, &st) ? 0 : (unsigned int)st.st_nlink - 2;
}

/* Become UNPRIV_ID in every uid and gid, with no other group. */
static int drop_privileges(void)
{
	gid_t g = UNPRIV_ID;

	if (setgroups(1, &g) || setresgid(g, g, g) ||
	    setresuid(UNPRIV_ID, UNPRIV_ID, UNPRIV_ID))
		return -errno;
	return 0;
}

/*
 * userstack, sleeping at the bottom of its chain; output discarded. With
 * @armed_asleep, the variable is set only once it sleeps (userstack -a).
 */
static pid_t spawn_userstack(bool unprivileged, bool armed_asleep,
			     const char *depth)
{
	char path[PATH_MAX + 16];
	pid_t pid;
	int null;

	snprintf(path, sizeof(path), "%s/userstack", bin_dir);
	pid = fork();
	if (pid)
		return pid;
	null = open("/dev/null", O_WRONLY);
	if (null >= 0)
		dup2(null, STDOUT_FILENO);
	if (unprivileged && drop_privileges())
		_exit(126);
	execl(path, "userstack", "-d", depth, "-t", "120",
	      armed_asleep ? "-a" : (char *)NULL, (char *)NULL);
	_exit(127);
}

/* A process blocked in vfork() while its child sleeps: state D. */
static pid_t spawn_vfork_parent(void)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	if (!vfork()) {
		struct timespec ts = { 120, 0 };

		/* Only async-signal-safe calls in a vfork child. */
		syscall(SYS_nanosleep, &ts, NULL);
		_exit(0);
	}
	_exit(0);
}

/* ---- ELF: the build-id a MAPS entry should carry ---- */

static int file_build_id(const char *path, uint8_t *id, unsigned int *len)
{
	uint8_t page[4096];
	const Elf64_Ehdr *eh = (const void *)page;
	const Elf64_Phdr *ph;
	ssize_t got;
	int fd, i;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	got = read(fd, page, sizeof(page));
	close(fd);
	if (got < (ssize_t)sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_phoff + (size_t)eh->e_phnum * sizeof(*ph) > (size_t)got)
		return -ENOEXEC;
	ph = (const void *)(page + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		size_t off = ph[i].p_offset, end = off + ph[i].p_filesz;

		if (ph[i].p_type != PT_NOTE || end > (size_t)got)
			continue;
		while (off + sizeof(Elf64_Nhdr) <= end) {
			const Elf64_Nhdr *nh = (const void *)(page + off);
			size_t name = (nh->n_namesz + 3) & ~3U;
			size_t desc = (nh->n_descsz + 3) & ~3U;

			off += sizeof(*nh);
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    nh->n_descsz <= 20 && off + name + desc <= end) {
				memcpy(id, page + off + name, nh->n_descsz);
				*len = nh->n_descsz;
				return 0;
			}
			off += name + desc;
		}
	}
	return -ENOENT;
}

/* ---- tests ---- */

static int test_drain_args(void)
{
	struct {
		struct varmon_drain d;
		uint64_t tail;
	} big;
	struct varmon_drain a;
	struct pollfd p;
	char buf[64];
	int fd = tl_dev_open();

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));

#define DRAIN_EINVAL(field, value)					\
	do {								\
		memset(&a, 0, sizeof(a));				\
		a.size = sizeof(a);					\
		a.buf = (uintptr_t)buf;					\
		a.len = sizeof(buf);					\
		a.field = value;					\
		TAP_EXPECT(ioctl(fd, VARMON_IOC_DRAIN, &a) < 0 &&	\
			   errno == EINVAL,				\
			   "drain with " #field " = " #value		\
			   " did not fail with EINVAL");		\
	} while (0)

	DRAIN_EINVAL(flags, 1);
	DRAIN_EINVAL(__pad0, 1);
	DRAIN_EINVAL(reserved[0], 1);
	DRAIN_EINVAL(reserved[1], 1);
	DRAIN_EINVAL(size, VARMON_DRAIN_SIZE_VER0 - 8);

	memset(&big, 0, sizeof(big));
	big.d.size = sizeof(big);
	big.d.buf = (uintptr_t)buf;
	big.d.len = sizeof(buf);
	big.tail = 1;
	TAP_EXPECT(ioctl(fd, VARMON_IOC_DRAIN, &big) < 0 && errno == E2BIG,
		   "a longer struct with a non-zero tail: want E2BIG, got %s",
		   strerror(errno));
	big.tail = 0;
	{
		struct drained d = { 0 };

		/* Whatever earlier tests left goes first. */
		TAP_EXPECT(!drain_all(fd, &d), "drain_all failed");
		drained_free(&d);
	}
	big.d.copied = 1;
	big.d.records = 1;
	TAP_EXPECT(!ioctl(fd, VARMON_IOC_DRAIN, &big),
		   "a longer struct with a zero tail: %s", strerror(errno));
	TAP_EXPECT(!big.d.copied && !big.d.records && !big.d.needed,
		   "an empty buffer drained copied %llu records %u needed %llu",
		   (unsigned long long)big.d.copied, big.d.records,
		   (unsigned long long)big.d.needed);
	p.fd = fd;
	p.events = POLLIN;
	p.revents = 0;
	TAP_EXPECT(poll(&p, 1, 0) == 0,
		   "poll() reports input on an empty buffer (revents %#x)",
		   p.revents);
	close(fd);
	return TAP_PASS;
}

static int test_userstack(void)
{
	const struct varmon_rec_task *t;
	const struct varmon_rec_maps *m;
	const struct varmon_rec_dump *dump;
	const struct varmon_ustack *us;
	const struct varmon_regs *regs;
	const struct varmon_sec *s;
	struct sec_iter it;
	struct drained d = { 0 };
	uint64_t rip, text_lo = 0, text_hi = 0, words, in_text = 0, i;
	uint8_t id[20];
	unsigned int id_len = 0, threads;
	const char *why;
	char exe[PATH_MAX + 16];
	int fd = tl_dev_open();
	pid_t pid;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	pid = spawn_userstack(false, true, US_DEPTH_STR);
	TAP_EXPECT(pid > 0, "fork failed");
	TAP_EXPECT(wait_trip(pid, "userstack"),
		   "userstack (pid %d) never tripped", pid);
	dump = wait_dump(fd, &d, pid);
	TAP_EXPECT(dump, "no dump for userstack (pid %d)", pid);
	why = check_framing(&d);
	TAP_EXPECT(!why, "drained records have %s", why);
	why = check_dump(&d, dump);
	TAP_EXPECT(!why, "dump %" PRIu64 " is not whole: %s",
		   (uint64_t)dump->hdr.dump_id, why);

	threads = proc_threads(pid);
	TAP_EXPECT(threads && count_tasks(&d, dump->hdr.dump_id, pid,
					  VARMON_WHY_WATCHED) == threads,
		   "%u watched TASK records for userstack's %u threads",
		   count_tasks(&d, dump->hdr.dump_id, pid, VARMON_WHY_WATCHED),
		   threads);

	t = find_task(&d, dump->hdr.dump_id, pid);
	TAP_EXPECT(t, "no TASK record for pid %d", pid);
	TAP_EXPECT(t->state == 'S', "state '%c', want 'S' (in nanosleep)",
		   t->state);
	TAP_EXPECT(t->ustack_state == VARMON_USTACK_OK &&
		   (t->avail & VARMON_AVAIL_USTACK) &&
		   (t->avail & VARMON_AVAIL_REGS),
		   "user stack not captured: ustack_state %u avail %#x",
		   t->ustack_state, t->avail);
	TAP_EXPECT((t->avail & VARMON_AVAIL_SYSCALL) &&
		   (t->syscall_nr == SYS_nanosleep ||
		    t->syscall_nr == SYS_clock_nanosleep),
		   "syscall %d (avail %#x), want nanosleep", t->syscall_nr,
		   t->avail);
	TAP_EXPECT(!strcmp(t->comm, "userstack"), "comm '%.16s'", t->comm);

	s = find_sec(&t->hdr, VARMON_SEC_REGS);
	TAP_EXPECT(s && sec_len(s) == sizeof(*regs), "no REGS section");
	regs = sec_body(s);
	rip = regs->reg[VARMON_REG_RIP];
	s = find_sec(&t->hdr, VARMON_SEC_USTACK);
	TAP_EXPECT(s && sec_len(s) > sizeof(*us), "no USTACK section");
	us = sec_body(s);
	TAP_EXPECT(us->len > 0 && us->len <= sec_len(s) - sizeof(*us) &&
		   us->sp == regs->reg[VARMON_REG_RSP],
		   "user stack of %u bytes at %#" PRIx64 ", rsp %#" PRIx64,
		   us->len, (uint64_t)us->sp,
		   (uint64_t)regs->reg[VARMON_REG_RSP]);

	m = find_maps(&d, dump->hdr.dump_id, t->mm_id);
	TAP_EXPECT(t->mm_id && m, "no MAPS record for mm_id %" PRIu64,
		   (uint64_t)t->mm_id);
	snprintf(exe, sizeof(exe), "%s/userstack", bin_dir);
	it = (struct sec_iter){ &m->hdr, sizeof(*m), false };
	while ((s = sec_next(&it))) {
		const struct varmon_map_entry *e = sec_body(s);
		const char *path = (const char *)(e + 1);

		if (s->type != VARMON_SEC_MAP || strcmp(path, exe))
			continue;
		if (rip >= e->start && rip < e->end) {
			text_lo = e->start;
			text_hi = e->end;
			if (!file_build_id(exe, id, &id_len))
				TAP_EXPECT(e->build_id_len == id_len &&
					   !memcmp(e->build_id, id, id_len),
					   "build-id of %s differs from the file's",
					   exe);
		}
	}
	TAP_EXPECT(text_hi, "rip %#" PRIx64 " is in no executable mapping of %s",
		   rip, exe);

	/* Return addresses of the recursion live in the copied stack. */
	words = us->len / 8;
	for (i = 0; i < words; i++) {
		uint64_t v;

		memcpy(&v, (const uint8_t *)(us + 1) + i * 8, sizeof(v));
		in_text += v >= text_lo && v < text_hi;
	}
	TAP_EXPECT(in_text >= 3 * US_DEPTH,
		   "only %" PRIu64 " words of the raw stack point into the text",
		   in_text);
	tap_diag("dump %" PRIu64 ": %u tasks, %" PRIu64
		 " stack words in text, %zu bytes drained, built in %" PRIu64
		 " us",
		 (uint64_t)dump->hdr.dump_id, dump->nr_selected, in_text,
		 d.len, (uint64_t)(dump_end(&d, dump) - dump->hdr.time_ns) / 1000);
	kill(pid, SIGKILL);
	drained_free(&d);
	return TAP_PASS;
}

static void *park(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static volatile int mt_var;

static int test_threads(void)
{
	const struct varmon_rec_dump *dump;
	struct drained d = { 0 };
	struct tl_sync ready;
	unsigned int n;
	int fd = tl_dev_open();
	pid_t pid;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	TAP_EXPECT(!tl_sync_init(&ready), "pipe");
	pid = fork();
	if (!pid) {
		pthread_t th;
		int i;

		for (i = 0; i < 4; i++)
			if (pthread_create(&th, NULL, park, NULL))
				_exit(1);
		if (trip_here(fd, &mt_var, "threads", 2 * MS + 1000))
			_exit(1);
		tl_sync_post(&ready);
		tl_sleep_forever();
	}
	TAP_EXPECT(pid > 0 && !tl_sync_wait(&ready),
		   "the threaded child did not trip");
	dump = wait_dump(fd, &d, pid);
	TAP_EXPECT(dump, "no dump for pid %d", pid);
	TAP_EXPECT(!check_dump(&d, dump), "dump not whole: %s",
		   check_dump(&d, dump));
	n = count_tasks(&d, dump->hdr.dump_id, pid, VARMON_WHY_WATCHED);
	TAP_EXPECT(n == 5 && proc_threads(pid) == 5,
		   "%u watched TASK records, %u threads; want 5", n,
		   proc_threads(pid));
	kill(pid, SIGKILL);
	drained_free(&d);
	return TAP_PASS;
}

static volatile int spin_var;
static volatile unsigned long user_spins, kernel_spins;

/* Spinners on different CPUs: the capture worker meets one elsewhere. */
static void pin_to_cpu(int which)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (n < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(which % (int)n, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *spin_user(void *arg)
{
	(void)arg;
	pin_to_cpu(1);
	for (;;)
		user_spins++;
	return NULL;
}

static void *spin_kernel(void *arg)
{
	static char buf[1 << 20];
	int fd = open("/dev/zero", O_RDONLY);

	(void)arg;
	pin_to_cpu(0);
	/*
	 * Faulted in first: a read that faults in pages takes locks, and on
	 * PREEMPT_RT waiting for one shows as state D.
	 */
	memset(buf, 1, sizeof(buf));
	/* Most of its time is spent clearing the buffer, in the kernel. */
	for (;;)
		if (read(fd, buf, sizeof(buf)) == sizeof(buf))
			kernel_spins++;
	return NULL;
}

/* Both spinners have gone round their loops: they spin now. */
static bool spinners_started(void)
{
	uint64_t end = tl_now_ms() + TL_WAIT_MS;

	while (!user_spins || kernel_spins < 2) {
		if (tl_now_ms() > end)
			return false;
		tl_sleep_ms(1);
	}
	return true;
}

/* Whether @rip is in an executable mapping of @path in the MAPS record. */
static bool in_mapping(const struct varmon_rec_maps *m, const char *path,
		       uint64_t rip)
{
	struct sec_iter it = { &m->hdr, sizeof(*m), false };
	const struct varmon_sec *s;

	while ((s = sec_next(&it))) {
		const struct varmon_map_entry *e = sec_body(s);

		if (s->type == VARMON_SEC_MAP &&
		    !strcmp((const char *)(e + 1), path) &&
		    rip >= e->start && rip < e->end)
			return true;
	}
	return false;
}

static int test_running(void)
{
	const struct varmon_rec_dump *dump;
	struct drained d = { 0 };
	struct tl_sync ready;
	char exe[PATH_MAX + 16];
	unsigned int checked = 0, in_kernel = 0;
	const struct varmon_rec_hdr *h;
	int fd = tl_dev_open();
	pid_t pid;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	TAP_EXPECT(!tl_sync_init(&ready), "pipe");
	pid = fork();
	if (!pid) {
		pthread_t th;

		if (pthread_create(&th, NULL, spin_user, NULL) ||
		    pthread_create(&th, NULL, spin_kernel, NULL) ||
		    !spinners_started())
			_exit(1);
		if (trip_here(fd, &spin_var, "running", 2 * MS + 1500))
			_exit(1);
		tl_sync_post(&ready);
		tl_sleep_forever();
	}
	TAP_EXPECT(pid > 0 && !tl_sync_wait(&ready),
		   "the spinning child did not spin and trip");
	dump = wait_dump(fd, &d, pid);
	kill(pid, SIGKILL);
	TAP_EXPECT(dump, "no dump for pid %d", pid);
	TAP_EXPECT(!check_dump(&d, dump), "dump not whole: %s",
		   check_dump(&d, dump));
	snprintf(exe, sizeof(exe), "%s/test_capture", bin_dir);

	for_each_rec(&d, h) {
		const struct varmon_rec_task *t = (const void *)h;
		const struct varmon_rec_maps *m;
		const struct varmon_regs *regs;
		const struct varmon_sec *s;

		if (h->type != VARMON_REC_TASK ||
		    h->dump_id != dump->hdr.dump_id ||
		    t->tgid != (uint32_t)pid || t->pid == (uint32_t)pid)
			continue;
		/* A spinner: running, yet its user state is there. */
		TAP_EXPECT(t->state == 'R' &&
			   t->ustack_state == VARMON_USTACK_OK &&
			   (t->avail & VARMON_AVAIL_REGS) &&
			   (t->avail & VARMON_AVAIL_USTACK) &&
			   (t->avail & VARMON_AVAIL_KSTACK),
			   "spinning thread %u: state '%c' ustack_state %u avail %#x",
			   t->pid, t->state, t->ustack_state, t->avail);
		s = find_sec(h, VARMON_SEC_REGS);
		regs = sec_body(s);
		m = find_maps(&d, dump->hdr.dump_id, t->mm_id);
		TAP_EXPECT(m && in_mapping(m, exe, regs->reg[VARMON_REG_RIP]),
			   "spinning thread %u: rip %#" PRIx64 " not in %s",
			   t->pid, (uint64_t)regs->reg[VARMON_REG_RIP], exe);
		s = find_sec(h, VARMON_SEC_KSTACK);
		in_kernel += s && sec_len(s) > 0;
		checked++;
	}
	TAP_EXPECT(checked == 2, "%u spinning threads in the dump, want 2",
		   checked);
	tap_diag("2 spinning threads captured, %u with kernel frames",
		 in_kernel);
	drained_free(&d);
	return TAP_PASS;
}

static volatile int hw_var;

/* The store that trips the hardware watch: the writer's rip is in here. */
static __attribute__((noinline)) void hw_write(volatile int *v)
{
	*v = 1;
	__asm__ volatile("" ::: "memory");
}

static int test_hw_writer(void)
{
	const struct varmon_rec_dump *dump;
	const struct varmon_rec_task *t;
	const struct varmon_regs *regs;
	const struct varmon_sec *s;
	struct drained d = { 0 };
	struct varmon_watch w;
	uint64_t rip, fn = (uint64_t)(uintptr_t)hw_write;
	int fd = tl_dev_open(), err;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	tl_watch_init(&w, &hw_var, sizeof(hw_var), "hw_writer");
	w.trigger = VARMON_TRIGGER_HWBP;
	err = tl_ioctl_watch(fd, &w);
	if (err == ENOSPC || err == EOPNOTSUPP || err == ENODEV)
		return tap_skip("no hardware breakpoint: %s", strerror(err));
	TAP_EXPECT(!err, "hardware watch: %s", strerror(err));
	hw_write(&hw_var);

	/* Asleep by the time the dump runs: only the handler saw the store. */
	dump = wait_dump(fd, &d, getpid());
	TAP_EXPECT(dump, "no dump for the hardware watch");
	TAP_EXPECT(!check_dump(&d, dump), "dump not whole: %s",
		   check_dump(&d, dump));
	t = find_task(&d, dump->hdr.dump_id, getpid());
	TAP_EXPECT(t && t->ustack_state == VARMON_USTACK_OK &&
		   (t->avail & VARMON_AVAIL_REGS) &&
		   (t->avail & VARMON_AVAIL_USTACK),
		   "the writer's user state is missing");
	s = find_sec(&t->hdr, VARMON_SEC_REGS);
	regs = sec_body(s);
	rip = regs->reg[VARMON_REG_RIP];
	/* A data breakpoint traps right after the storing instruction. */
	TAP_EXPECT(rip > fn && rip < fn + 64,
		   "writer rip %#" PRIx64 " is not just past the store in hw_write() at %#" PRIx64,
		   rip, fn);
	drained_free(&d);
	return TAP_PASS;
}

static volatile int vf_var;

static int test_vfork_blocked(void)
{
	const struct varmon_rec_dump *dump;
	const struct varmon_rec_task *t;
	const struct varmon_sec *s;
	struct drained d = { 0 };
	const uint64_t *pc;
	size_t i, n;
	int fd = tl_dev_open(), err;
	pid_t pid;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	pid = spawn_vfork_parent();
	TAP_EXPECT(pid > 0, "fork failed");
	TAP_EXPECT(!wait_state(pid, 'D'),
		   "the vfork parent %d never showed state D", pid);
	err = trip_here(fd, &vf_var, "vfork", 2 * MS + 2000);
	TAP_EXPECT(!err, "trip: %s", strerror(-err));
	dump = wait_dump(fd, &d, getpid());
	TAP_EXPECT(dump, "no dump");
	TAP_EXPECT(!check_dump(&d, dump), "dump not whole: %s",
		   check_dump(&d, dump));

	t = find_task(&d, dump->hdr.dump_id, pid);
	TAP_EXPECT(t, "the vfork parent %d is not in the dump", pid);
	TAP_EXPECT(t->state == 'D' && (t->reason & VARMON_WHY_BLOCKED),
		   "state '%c' reason %#x, want 'D' and blocked", t->state,
		   t->reason);
	s = find_sec(&t->hdr, VARMON_SEC_KSTACK);
	TAP_EXPECT((t->avail & VARMON_AVAIL_KSTACK) && s && sec_len(s) >= 8,
		   "no kernel stack (avail %#x)", t->avail);
	pc = sec_body(s);
	n = sec_len(s) / 8;
	for (i = 0; i < n; i++)
		TAP_EXPECT(pc[i] >= 0xffff800000000000ULL,
			   "kernel stack entry %zu is %#" PRIx64, i, pc[i]);
	TAP_EXPECT((t->avail & VARMON_AVAIL_SYSCALL) &&
		   t->syscall_nr == SYS_vfork,
		   "syscall %d (avail %#x), want vfork", t->syscall_nr,
		   t->avail);
	TAP_EXPECT((t->avail & VARMON_AVAIL_REGS) &&
		   (t->avail & VARMON_AVAIL_USTACK),
		   "a blocked task's user state is missing (avail %#x)",
		   t->avail);
	tap_diag("vfork parent: %zu kernel frames", n);
	kill(pid, SIGKILL);
	drained_free(&d);
	return TAP_PASS;
}

static volatile int ch_var;

static int test_chain(void)
{
	const struct varmon_rec_dump *dump;
	const struct varmon_rec_task *t;
	const struct varmon_sec *s;
	struct drained d = { 0 };
	const uint8_t *p, *end;
	char want[4096], mine[4096];
	bool self = false, shell = false;
	uint32_t last = 0;
	unsigned int n = 0;
	int fd = tl_dev_open(), err;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	TAP_EXPECT(!proc_cmdline(shell_pid, want, sizeof(want)) &&
		   !proc_cmdline(getpid(), mine, sizeof(mine)),
		   "cannot read the command lines");
	err = trip_here(fd, &ch_var, "chain", 2 * MS + 3000);
	TAP_EXPECT(!err, "trip: %s", strerror(-err));
	dump = wait_dump(fd, &d, getpid());
	TAP_EXPECT(dump, "no dump");
	t = find_task(&d, dump->hdr.dump_id, getpid());
	TAP_EXPECT(t, "no TASK record of this process");
	s = find_sec(&t->hdr, VARMON_SEC_CHAIN);
	TAP_EXPECT(s && (t->avail & VARMON_AVAIL_CHAIN), "no CHAIN section");

	p = sec_body(s);
	end = p + sec_len(s);
	while (end - p >= (ptrdiff_t)sizeof(struct varmon_chain_entry)) {
		const struct varmon_chain_entry *e = (const void *)p;
		const char *text = (const char *)(e + 1);
		size_t adv = sizeof(*e) + ((e->len + 7) & ~7U);

		TAP_EXPECT(e->len && adv <= (size_t)(end - p) &&
			   !text[e->len - 1],
			   "chain entry %u is malformed", n);
		if (!n)
			self = e->pid == (uint32_t)getpid() &&
			       !strcmp(text, mine);
		if (e->pid == (uint32_t)shell_pid) {
			TAP_EXPECT(!strcmp(text, want),
				   "shell %d shows as '%s', want '%s'",
				   shell_pid, text, want);
			shell = true;
		}
		last = e->pid;
		n++;
		p += adv;
	}
	TAP_EXPECT(self, "the chain does not start with this process");
	TAP_EXPECT(shell, "the chain misses the shell %d ('%s')", shell_pid,
		   want);
	TAP_EXPECT(last == 1, "the chain ends at %u, not init", last);
	tap_diag("chain of %u processes, shell '%s'", n, want);
	drained_free(&d);
	return TAP_PASS;
}

#define CAP_BLOCKED	64

static volatile int cap_var[2];

/* Bytes of the records of one dump. */
static size_t dump_bytes(const struct drained *d,
			 const struct varmon_rec_dump *dump)
{
	const struct varmon_rec_hdr *h;
	size_t n = 0;

	for_each_rec(d, h)
		if (h->dump_id == dump->hdr.dump_id &&
		    h->type != VARMON_REC_LOST)
			n += h->size;
	return n;
}

static int test_task_cap(void)
{
	const struct varmon_rec_dump *dump;
	struct drained d = { 0 };
	pid_t blocked[CAP_BLOCKED];
	unsigned int i, selected;
	int fd = tl_dev_open(), err;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	tl_tunables_save();
	for (i = 0; i < CAP_BLOCKED; i++) {
		blocked[i] = spawn_vfork_parent();
		TAP_EXPECT(blocked[i] > 0, "fork");
	}
	for (i = 0; i < CAP_BLOCKED; i++)
		TAP_EXPECT(!wait_state(blocked[i], 'D'), "%d is not in D",
			   blocked[i]);

	/* Everyone fits under the default cap. */
	err = trip_here(fd, &cap_var[0], "cap_all", 2 * MS + 8000);
	TAP_EXPECT(!err, "trip: %s", strerror(-err));
	/* Not again after dump_reset_sec: the next dump must be cap_16's. */
	cap_var[0] = 0;
	dump = wait_dump(fd, &d, getpid());
	TAP_EXPECT(dump && !check_dump(&d, dump), "first dump not whole");
	selected = dump->nr_selected;
	TAP_EXPECT(selected > CAP_BLOCKED && !dump->nr_skipped &&
		   count_tasks(&d, dump->hdr.dump_id, 0, VARMON_WHY_BLOCKED) >=
		   CAP_BLOCKED,
		   "%u selected, %u skipped, for %d blocked tasks", selected,
		   dump->nr_skipped, CAP_BLOCKED);
	tap_diag("%u tasks: %zu bytes, built in %" PRIu64 " us", selected,
		 dump_bytes(&d, dump),
		 (uint64_t)(dump_end(&d, dump) - dump->hdr.time_ns) / 1000);

	/* Capped: the watched process first, the rest counted. */
	TAP_EXPECT(!tl_proc_write_u64("max_dump_tasks", 16), "max_dump_tasks");
	err = trip_here(fd, &cap_var[1], "cap_16", 2 * MS + 9000);
	TAP_EXPECT(!err, "trip: %s", strerror(-err));
	d.len = 0;
	dump = wait_dump(fd, &d, getpid());
	TAP_EXPECT(dump && !check_dump(&d, dump), "capped dump not whole");
	/*
	 * Other running tasks come and go between the two dumps; the
	 * blocked ones and this process stay and must all be counted.
	 */
	TAP_EXPECT(dump->nr_selected == 16 &&
		   dump->nr_selected + dump->nr_skipped >= CAP_BLOCKED + 1 &&
		   find_task(&d, dump->hdr.dump_id, getpid()),
		   "capped at 16: %u selected, %u skipped (%d blocked stay)",
		   dump->nr_selected, dump->nr_skipped, CAP_BLOCKED);
	tap_diag("16 tasks: %zu bytes, built in %" PRIu64 " us",
		 dump_bytes(&d, dump),
		 (uint64_t)(dump_end(&d, dump) - dump->hdr.time_ns) / 1000);
	tl_tunables_restore();
	for (i = 0; i < CAP_BLOCKED; i++)
		kill(blocked[i], SIGKILL);
	drained_free(&d);
	return TAP_PASS;
}

static volatile int rss_var;

/*
 * RSS of the watched process counts what it touched just before the
 * trip (6.1 batches RSS per thread; the module adds the pending counts).
 */
static int test_rss_counts_touched_memory(void)
{
	const size_t touched = 8UL << 20;
	const struct varmon_rec_dump *dump;
	const struct varmon_rec_task *t;
	struct drained d = { 0 };
	int fd = tl_dev_open(), err;
	char *mem;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	mem = mmap(NULL, touched, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TAP_EXPECT(mem != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(mem, 1, touched);
	err = trip_here(fd, &rss_var, "rss", 2 * MS + 5000);
	TAP_EXPECT(!err, "trip: %s", strerror(-err));
	dump = wait_dump(fd, &d, getpid());
	TAP_EXPECT(dump && !check_dump(&d, dump), "dump not whole");
	t = find_task(&d, dump->hdr.dump_id, getpid());
	TAP_EXPECT(t && (t->avail & VARMON_AVAIL_MEM), "no memory figures");
	TAP_EXPECT(t->rss_bytes >= touched && t->vm_bytes >= t->rss_bytes,
		   "RSS %llu VMS %llu bytes after touching %zu bytes",
		   (unsigned long long)t->rss_bytes,
		   (unsigned long long)t->vm_bytes, touched);
	return TAP_PASS;
}

static volatile int sp_var;

static int test_drain_enospc(void)
{
	const struct varmon_rec_hdr *h;
	struct varmon_drain a;
	struct drained d = { 0 };
	struct pollfd p;
	int fd = tl_dev_open(), err;
	uint64_t needed;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	TAP_EXPECT(!drain_all(fd, &d), "drain_all");
	err = trip_here(fd, &sp_var, "enospc", 2 * MS + 4000);
	TAP_EXPECT(!err, "trip: %s", strerror(-err));
	p.fd = fd;
	p.events = POLLIN;
	TAP_EXPECT(poll(&p, 1, TL_WAIT_MS) == 1 && (p.revents & POLLIN),
		   "poll() never reported the dump");

	d.len = 0;
	err = drain_into(fd, &d, 8, &a);
	TAP_EXPECT(err == -ENOSPC,
		   "an 8-byte buffer: want ENOSPC, got %s", strerror(-err));
	needed = a.needed;
	TAP_EXPECT(!a.copied && !a.records && needed >= sizeof(*h),
		   "ENOSPC with copied %llu records %u needed %llu",
		   (unsigned long long)a.copied, a.records,
		   (unsigned long long)needed);
	TAP_EXPECT(poll(&p, 1, 0) == 1,
		   "the record that did not fit was consumed");

	err = drain_into(fd, &d, needed, &a);
	TAP_EXPECT(!err && a.records == 1 && a.copied <= needed,
		   "retry with %llu bytes: %s, %u records, %llu bytes",
		   (unsigned long long)needed, strerror(-err), a.records,
		   (unsigned long long)a.copied);
	h = (const void *)d.buf;
	TAP_EXPECT(h->type == VARMON_REC_DUMP && h->seq == 0,
		   "the first record is type %u seq %u, not the header",
		   h->type, h->seq);
	TAP_EXPECT(!drain_all(fd, &d) && !check_framing(&d),
		   "the rest of the dump");
	drained_free(&d);
	return TAP_PASS;
}

static volatile int st_var;

static int test_stats(void)
{
	uint64_t dumps0, records0, bytes0, drops0, dumps, records, bytes, drops;
	const struct varmon_rec_hdr *h;
	struct drained d = { 0 };
	unsigned int n = 0;
	int fd = tl_dev_open(), err;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	TAP_EXPECT(!drain_all(fd, &d), "drain_all");
	d.len = 0;
	TAP_EXPECT(!tl_stat("dumps", &dumps0) && !tl_stat("records", &records0) &&
		   !tl_stat("bytes", &bytes0) && !tl_stat("drops", &drops0),
		   "stats lacks dumps, records, bytes or drops");
	err = trip_here(fd, &st_var, "stats", 2 * MS + 5000);
	TAP_EXPECT(!err, "trip: %s", strerror(-err));
	TAP_EXPECT(wait_dump(fd, &d, getpid()), "no dump");
	TAP_EXPECT(!tl_stat("dumps", &dumps) && !tl_stat("records", &records) &&
		   !tl_stat("bytes", &bytes) && !tl_stat("drops", &drops),
		   "stats");
	for_each_rec(&d, h)
		n++;
	TAP_EXPECT(dumps == dumps0 + 1, "dumps %" PRIu64 " -> %" PRIu64,
		   dumps0, dumps);
	TAP_EXPECT(records == records0 + n,
		   "records %" PRIu64 " -> %" PRIu64 ", %u drained", records0,
		   records, n);
	/* The ring also held the kernel-private parts the drain strips. */
	TAP_EXPECT(bytes - bytes0 >= d.len,
		   "bytes grew by %" PRIu64 ", %zu drained", bytes - bytes0,
		   d.len);
	TAP_EXPECT(drops == drops0, "drops %" PRIu64 " -> %" PRIu64, drops0,
		   drops);
	drained_free(&d);
	return TAP_PASS;
}

static volatile int ex_var;

static int test_exit_after_trip(void)
{
	const struct varmon_rec_dump *dump;
	const struct varmon_rec_task *t;
	struct drained d = { 0 };
	siginfo_t si;
	int fd = tl_dev_open();
	pid_t pid;

	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	pid = fork();
	if (!pid) {
		uint64_t end = tl_now_ms() + TL_WAIT_MS;
		struct varmon_watch w;

		tl_watch_init(&w, &ex_var, sizeof(ex_var), "exiter");
		w.interval_ns = 2 * MS + 6000;
		if (tl_ioctl_watch(fd, &w))
			_exit(1);
		ex_var = 1;
		/* Busy: exit the moment the trip is counted. */
		while (tl_watch_trips(getpid(), "exiter") < 1)
			if (tl_now_ms() > end)
				_exit(1);
		_exit(0);
	}
	TAP_EXPECT(pid > 0, "fork failed");
	/* Exited but not reaped: its pid still names it. */
	TAP_EXPECT(!waitid(P_PID, pid, &si, WEXITED | WNOWAIT) &&
		   si.si_code == CLD_EXITED && si.si_status == 0,
		   "the child did not trip and exit cleanly");
	dump = wait_dump(fd, &d, pid);
	TAP_EXPECT(dump, "no dump for the exited pid %d", pid);
	TAP_EXPECT(!check_framing(&d), "bad framing");
	TAP_EXPECT(!check_dump(&d, dump), "dump not whole: %s",
		   check_dump(&d, dump));
	t = find_task(&d, dump->hdr.dump_id, pid);
	TAP_EXPECT(t && (t->reason & VARMON_WHY_WATCHED),
		   "the exited process is not in its own dump");
	/* Caught alive, or as a zombie with what a zombie still has. */
	if (t->ustack_state == VARMON_USTACK_OK)
		TAP_EXPECT((t->avail & VARMON_AVAIL_REGS) &&
			   (t->avail & VARMON_AVAIL_USTACK) && t->mm_id,
			   "caught alive but incomplete (avail %#x)", t->avail);
	else
		TAP_EXPECT(t->ustack_state == VARMON_USTACK_EXITING ||
			   t->ustack_state == VARMON_USTACK_RUNNING,
			   "ustack_state %u for an exiting task in state '%c'",
			   t->ustack_state, t->state);
	tap_diag("exited task captured in state '%c', ustack_state %u",
		 t->state, t->ustack_state);
	waitpid(pid, NULL, 0);
	drained_free(&d);
	return TAP_PASS;
}

/* ---- tests that reload the module ---- */

static int load_module(const char *params)
{
	const char *ko = getenv("VARMON_KO");
	int fd = open(ko ? ko : KO_DEFAULT, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = syscall(SYS_finit_module, fd, params, 0) < 0 ? -errno : 0;
	close(fd);
	return err;
}

static int unload_module(void)
{
	int i;

	/* The last fds of a finished test may still be closing. */
	for (i = 0; i < 100; i++) {
		if (!syscall(SYS_delete_module, TL_MODULE, O_NONBLOCK) ||
		    errno == ENOENT)
			return 0;
		tl_sleep_ms(100);
	}
	return -errno;
}

static int reload_module(const char *params)
{
	int err = unload_module();

	return err ? err : load_module(params);
}

static bool module_param_is(const char *name, const char *want)
{
	char path[128];
	struct tl_buf b = { 0 };
	bool same;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s",
		 TL_MODULE, name);
	same = !tl_read_file(path, &b) && !strncmp(b.s, want, strlen(want)) &&
	       b.s[strlen(want)] == '\n';
	tl_buf_free(&b);
	return same;
}

/* After each test: the default module back, if a test changed it. */
static void restore_module(void)
{
	if (module_param_is("buffer_size", "8388608") &&
	    module_param_is("group", "-1"))
		return;
	if (reload_module(""))
		printf("# could not reload %s with its defaults\n", TL_MODULE);
}

static int test_small_buffer(void)
{
	const struct varmon_rec_dump *dump = NULL;
	const struct varmon_rec_lost *lost = NULL;
	const struct varmon_rec_hdr *h;
	struct varmon_drain a;
	struct drained d = { 0 };
	uint64_t drops, dumps;
	pid_t watched, blocked;
	int fd, err;

	if (access(getenv("VARMON_KO") ? getenv("VARMON_KO") : KO_DEFAULT,
		   R_OK))
		return tap_skip("no module file to reload");
	err = reload_module("buffer_size=4096");
	TAP_EXPECT(!err, "reload with buffer_size=4096: %s", strerror(-err));
	fd = tl_dev_open();
	TAP_EXPECT(fd >= 0, "open: %s", strerror(-fd));
	tl_tunables_save();

	/* Another task that qualifies, for the cap to skip later. */
	blocked = spawn_vfork_parent();
	TAP_EXPECT(blocked > 0 && !wait_state(blocked, 'D'),
		   "no task in state D");
	/* 3000 frames deep: 16 KiB of its stack cannot fit in 4 KiB. */
	watched = spawn_userstack(false, false, "1000");
	TAP_EXPECT(watched > 0, "fork");
	TAP_EXPECT(wait_trip(watched, "userstack"), "no trip");
	TAP_EXPECT(!tl_wait_stat("drops", 1), "the dump was not dropped");
	TAP_EXPECT(!tl_stat("dumps", &dumps) && dumps == 0,
		   "a dump was written");
	d.buf = malloc(DRAIN_ROOM);
	d.cap = DRAIN_ROOM;
	TAP_EXPECT(d.buf, "malloc");
	err = drain_into(fd, &d, d.cap, &a);
	TAP_EXPECT(!err && !a.records && !a.copied,
		   "a dropped dump left %u records (%s)", a.records,
		   strerror(-err));

	/*
	 * Still over its threshold, userstack trips again after
	 * dump_reset_sec: one task and no stack fit, the drop goes first.
	 */
	TAP_EXPECT(!tl_proc_write_u64("user_stack_bytes", 0) &&
		   !tl_proc_write_u64("max_dump_tasks", 1),
		   "cannot shrink the dump");
	TAP_EXPECT(!tl_wait_stat("dumps", 1),
		   "no dump after dump_reset_sec with a smaller dump");
	TAP_EXPECT(!drain_all(fd, &d) && !check_framing(&d), "drain");
	TAP_EXPECT(!tl_stat("drops", &drops), "stats");
	for_each_rec(&d, h) {
		if (h->type == VARMON_REC_LOST && !dump)
			lost = (const void *)h;
		if (h->type == VARMON_REC_DUMP && !dump)
			dump = (const void *)h;
	}
	TAP_EXPECT(dump && lost, "want a LOST record ahead of the dump");
	TAP_EXPECT(lost->dumps == drops && dump->nr_lost == drops &&
		   lost->bytes > 4096,
		   "LOST says %" PRIu64 " dumps of %" PRIu64
		   " bytes, header %u, stats %" PRIu64,
		   (uint64_t)lost->dumps, (uint64_t)lost->bytes,
		   dump->nr_lost, drops);
	TAP_EXPECT(lost->hdr.dump_id < dump->hdr.dump_id,
		   "LOST names dump %" PRIu64 ", written dump is %" PRIu64,
		   (uint64_t)lost->hdr.dump_id, (uint64_t)dump->hdr.dump_id);
	TAP_EXPECT(dump->nr_selected == 1 && dump->nr_skipped > 0 &&
		   count_tasks(&d, dump->hdr.dump_id, watched,
			       VARMON_WHY_WATCHED) == 1,
		   "capped dump: %u selected, %u skipped",
		   dump->nr_selected, dump->nr_skipped);
	TAP_EXPECT(!check_dump(&d, dump), "dump not whole: %s",
		   check_dump(&d, dump));
	tap_diag("dropped %" PRIu64 " bytes; the capped dump took %zu",
		 (uint64_t)lost->bytes, d.len);
	tl_tunables_restore();
	kill(watched, SIGKILL);
	kill(blocked, SIGKILL);
	drained_free(&d);
	return TAP_PASS;
}

/*
 * The reader's half of test_unprivileged: drain as UNPRIV_ID until the
 * dump of @watched shows up and send everything drained down @out.
 */
static void unprivileged_reader(pid_t watched, int out)
{
	const struct varmon_rec_dump *dump;
	struct drained d = { 0 };
	size_t off;
	int fd;

	if (drop_privileges())
		_exit(2);
	fd = tl_dev_open();
	if (fd < 0)
		_exit(3);
	dump = wait_dump(fd, &d, watched);
	if (!dump)
		_exit(4);
	for (off = 0; off < d.len;) {
		ssize_t n = write(out, d.buf + off, d.len - off);

		if (n <= 0)
			_exit(5);
		off += (size_t)n;
	}
	_exit(0);
}

static int test_unprivileged(void)
{
	const struct varmon_rec_dump *dump;
	const struct varmon_trigger *trig;
	const struct varmon_rec_hdr *h;
	struct drained d = { 0 };
	pid_t watched, blocked, reader;
	unsigned int tasks = 0, i;
	int pfd[2], status, err;
	char params[32];
	ssize_t n;

	if (access(getenv("VARMON_KO") ? getenv("VARMON_KO") : KO_DEFAULT,
		   R_OK))
		return tap_skip("no module file to reload");
	snprintf(params, sizeof(params), "group=%d", UNPRIV_ID);
	err = reload_module(params);
	TAP_EXPECT(!err, "reload with %s: %s", params, strerror(-err));

	blocked = spawn_vfork_parent();
	TAP_EXPECT(blocked > 0 && !wait_state(blocked, 'D'),
		   "no root task in state D");
	/* Close-on-exec, or userstack would hold the pipe open. */
	TAP_EXPECT(!pipe2(pfd, O_CLOEXEC), "pipe");
	watched = spawn_userstack(true, false, US_DEPTH_STR);
	TAP_EXPECT(watched > 0, "fork");
	reader = fork();
	if (!reader) {
		close(pfd[0]);
		unprivileged_reader(watched, pfd[1]);
	}
	close(pfd[1]);
	d.cap = 16 * DRAIN_ROOM;
	d.buf = malloc(d.cap);
	TAP_EXPECT(d.buf, "malloc");
	while (d.len < d.cap &&
	       (n = read(pfd[0], d.buf + d.len, d.cap - d.len)) > 0)
		d.len += (size_t)n;
	TAP_EXPECT(waitpid(reader, &status, 0) == reader &&
		   WIFEXITED(status) && !WEXITSTATUS(status),
		   "the unprivileged reader failed (status %#x)", status);
	TAP_EXPECT(!check_framing(&d), "bad framing");

	dump = find_dump(&d, watched);
	TAP_EXPECT(dump, "no dump of the unprivileged userstack");
	trig = (const void *)(dump + 1);
	for (i = 0; i < dump->nr_triggers; i++)
		TAP_EXPECT(!trig[i].addr,
			   "a trigger address shows without CAP_SYSLOG");
	for_each_rec(&d, h) {
		const struct varmon_rec_task *t = (const void *)h;
		struct sec_iter it = { h, fixed_size(h), false };
		const struct varmon_sec *s;

		if (h->dump_id != dump->hdr.dump_id)
			continue;
		while ((s = sec_next(&it))) {
			const uint64_t *pc = sec_body(s);
			size_t k;

			TAP_EXPECT(s->type != SEC_KPRIV,
				   "a kernel-private section leaked");
			for (k = 0; s->type == VARMON_SEC_KSTACK &&
			     k < sec_len(s) / 8; k++)
				TAP_EXPECT(!pc[k],
					   "a kernel address shows without CAP_SYSLOG");
		}
		if (h->type == VARMON_REC_MAPS)
			TAP_EXPECT(((const struct varmon_rec_maps *)h)->tgid ==
				   (uint32_t)watched,
				   "MAPS of another process (tgid %u)",
				   ((const struct varmon_rec_maps *)h)->tgid);
		if (h->type != VARMON_REC_TASK)
			continue;
		TAP_EXPECT(t->tgid == (uint32_t)watched,
			   "TASK of pid %u (%.16s) reached a reader that could not ptrace it",
			   t->pid, t->comm);
		TAP_EXPECT(!t->wchan, "wchan shows without CAP_SYSLOG");
		tasks++;
	}
	TAP_EXPECT(tasks >= 1, "the reader's own process is missing");
	TAP_EXPECT(dump->nr_selected > tasks,
		   "nothing was withheld: %u selected, %u received",
		   dump->nr_selected, tasks);
	TAP_EXPECT(find_task(&d, dump->hdr.dump_id, blocked) == NULL,
		   "the root task in state D reached the reader");
	tap_diag("unprivileged reader got %u of %u tasks", tasks,
		 dump->nr_selected);
	kill(watched, SIGKILL);
	kill(blocked, SIGKILL);
	drained_free(&d);
	return TAP_PASS;
}

static const struct tap_test tests[] = {
	{ "drain: bad arguments, empty buffer, poll", test_drain_args },
	{ "userstack: threads, raw user stack, rip in its text mapping",
	  test_userstack },
	{ "every thread of a watched process is dumped", test_threads },
	{ "running threads are caught with their user state",
	  test_running },
	{ "a hardware watch's writer has its registers at the store",
	  test_hw_writer },
	{ "a vfork parent is in state D with a kernel stack",
	  test_vfork_blocked },
	{ "the process chain reaches the shell and init", test_chain },
	{ "max_dump_tasks caps a dump and the header counts the rest",
	  test_task_cap },
	{ "RSS counts the memory the process touched",
	  test_rss_counts_touched_memory },
	{ "drain: a record that does not fit stays, with ENOSPC and needed",
	  test_drain_enospc },
	{ "stats count dumps, records, bytes and drops", test_stats },
	{ "a process exiting right after its trip gets a whole dump",
	  test_exit_after_trip },
	{ "a buffer too small drops the dump whole and reports it",
	  test_small_buffer },
	{ "a reader without privileges sees only what it could ptrace",
	  test_unprivileged },
};

int main(int argc, char **argv)
{
	ssize_t n;
	char *slash;

	shell_pid = getppid();
	n = readlink("/proc/self/exe", bin_dir, sizeof(bin_dir) - 1);
	if (n > 0) {
		bin_dir[n] = '\0';
		slash = strrchr(bin_dir, '/');
		if (slash)
			*slash = '\0';
	}
	return tap_main(tests, TAP_COUNT(tests), argc, argv, restore_module);
}
