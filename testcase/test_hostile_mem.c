// SPDX-License-Identifier: GPL-2.0-only
/*
 * A dump of a process whose memory is hostile (issue 12, parts 1 and 2):
 *
 * - Crafted ELF files mapped executable: a program header whose
 *   p_offset + p_filesz wraps (the build-id parser once walked past the
 *   page), and a well-formed one. The dump completes, the kernel log
 *   stays clean, and only the well-formed file gets a build-id.
 * - Memory in a FUSE file whose daemon never answers READ: a thread's
 *   stack and the process's argv. The dump completes within seconds
 *   without asking for the page, says the stack was not resident, and
 *   close and cancel of the watch still return.
 *
 * The FUSE daemon (fuse_daemon() below) is the least /dev/fuse server
 * that lets a file be opened and mapped: INIT, LOOKUP, GETATTR, OPEN,
 * FLUSH and RELEASE are answered, READ never is, and it counts them.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fuse.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "testlib.h"
#include "varmon_record.h"

#define PAGE		4096UL
#define FUSE_FILE	"mem"
#define FUSE_PAGES	4
#define MS		1000000ULL
/* A dump that has not come by then waits for the page: a hang. */
#define DUMP_WAIT_MS	30000

/* ---- drained records ---- */

#define for_each_rec(b, h)						\
	for ((h) = (const void *)(b)->s;				\
	     (const char *)(h) + sizeof(*(h)) <= (b)->s + (b)->len &&	\
	     (h)->size >= sizeof(*(h));					\
	     (h) = (const void *)((const char *)(h) + (h)->size))

/* The dump that @tgid's watch triggered, draining until @ms passed. */
static const struct varmon_rec_dump *wait_dump(int fd, struct tl_buf *b,
					       pid_t tgid, unsigned int ms)
{
	uint64_t end = tl_now_ms() + ms;
	const struct varmon_rec_hdr *h;

	do {
		if (tl_drain_all(fd, b) < 0)
			return NULL;
		for_each_rec(b, h) {
			const struct varmon_rec_dump *d = (const void *)h;
			const struct varmon_trigger *t = (const void *)(d + 1);
			uint32_t i;

			if (h->type != VARMON_REC_DUMP)
				continue;
			for (i = 0; i < d->nr_triggers; i++)
				if (t[i].pid == (uint32_t)tgid)
					return d;
		}
		tl_sleep_ms(50);
	} while (tl_now_ms() < end);
	return NULL;
}

/* A record of @type in dump @id matching @pid (task) or @mm_id (maps). */
static const struct varmon_rec_hdr *find_rec(const struct tl_buf *b,
					     uint64_t id, uint16_t type,
					     uint64_t key)
{
	const struct varmon_rec_hdr *h;

	for_each_rec(b, h) {
		const struct varmon_rec_task *t = (const void *)h;
		const struct varmon_rec_maps *m = (const void *)h;

		if (h->dump_id != id || h->type != type)
			continue;
		if (type == VARMON_REC_TASK ? t->pid == key : m->mm_id == key)
			return h;
	}
	return NULL;
}

/* The first section of @type after a record's fixed part of @fixed bytes. */
static const struct varmon_sec *find_sec(const struct varmon_rec_hdr *h,
					 size_t fixed, uint16_t type)
{
	size_t off = fixed;

	while (off + sizeof(struct varmon_sec) <= h->size) {
		const struct varmon_sec *s = (const void *)((const char *)h + off);

		if (s->size < sizeof(*s) || s->size > h->size - off)
			return NULL;
		if (s->type == type)
			return s;
		off += s->size;
	}
	return NULL;
}

/* The MAP entry of @maps whose path is @path. */
static const struct varmon_map_entry *find_map(const struct varmon_rec_maps *m,
					       const char *path)
{
	size_t off = sizeof(*m);

	while (off + sizeof(struct varmon_sec) <= m->hdr.size) {
		const struct varmon_sec *s =
			(const void *)((const char *)m + off);
		const struct varmon_map_entry *e = (const void *)(s + 1);

		if (s->size < sizeof(*s) || s->size > m->hdr.size - off)
			return NULL;
		if (s->type == VARMON_SEC_MAP &&
		    !strncmp((const char *)(e + 1), path, strlen(path)))
			return e;
		off += s->size;
	}
	return NULL;
}

/* A kernel problem in the log since @kfd was opened, as the VM runner sees it. */
static const char *kmsg_problem(int kfd)
{
	static char line[512];
	struct tl_buf b = { 0 };
	int found;

	tl_kmsg_collect(kfd, &b);
	found = tl_kmsg_problem(&b, line, sizeof(line));
	tl_buf_free(&b);
	return found ? line : NULL;
}

/* ---- a process to watch ---- */

static volatile int trip_var;

/*
 * Fork a child that runs @setup, reports its result, then waits to be
 * killed; its trip_var is watched as @name through @fd and tripped.
 * Returns the child, or -1 with the reason in @why.
 */
static pid_t spawn_tripped(int fd, const char *name, int (*setup)(void *),
			   void *arg, char *why, size_t whylen)
{
	struct tl_sync ready, go;
	struct varmon_watch w;
	int err, status;
	pid_t pid;

	if (tl_sync_init(&ready) || tl_sync_init(&go)) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (!pid) {
		if (setup(arg))
			_exit(1);
		tl_sync_post(&ready);
		tl_sync_wait(&go);
		trip_var = 1;
		tl_sleep_forever();
	}
	if (pid < 0 || tl_sync_wait(&ready)) {
		snprintf(why, whylen, "the child did not set up (%s)",
			 pid > 0 && waitpid(pid, &status, WNOHANG) == pid ?
			 "it failed" : "no answer");
		return -1;
	}
	tl_watch_init(&w, &trip_var, sizeof(trip_var), name);
	w.pid = (uint32_t)pid;
	w.interval_ns = 2 * MS;
	err = tl_ioctl_watch(fd, &w);
	if (err) {
		snprintf(why, whylen, "watch: %s", strerror(err));
		return -1;
	}
	tl_sync_post(&go);
	if (tl_wait_trips(pid, name, 0) <= 0) {
		snprintf(why, whylen, "the watch did not trip");
		return -1;
	}
	return pid;
}

/* ---- crafted ELF files ---- */

#define NOTE_AT		0x200
#define CRAFTED_ID	0x5c

/* An ELF header with one PT_NOTE holding a 20-byte build-id. */
static void elf_with_note(uint8_t *page)
{
	Elf64_Ehdr *eh = (void *)page;
	Elf64_Phdr *ph = (void *)(eh + 1);
	Elf64_Nhdr *nh = (void *)(page + NOTE_AT);

	memset(page, 0, PAGE);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_DYN;
	eh->e_machine = EM_X86_64;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	ph->p_type = PT_NOTE;
	ph->p_offset = NOTE_AT;
	ph->p_filesz = sizeof(*nh) + 4 + 20;
	nh->n_namesz = 4;
	nh->n_descsz = 20;
	nh->n_type = 3;
	memcpy(nh + 1, "GNU", 4);
	memset((char *)(nh + 1) + 4, CRAFTED_ID, 20);
}

/* Map @page's bytes, in a new file @path, executable. */
static int map_exec_file(const char *path, const uint8_t *page)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	void *p;

	if (fd < 0 || write(fd, page, PAGE) != (ssize_t)PAGE)
		return -1;
	p = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	close(fd);
	return p == MAP_FAILED ? -1 : 0;
}

#define GOOD_ELF	"/tmp/varmon-good.elf"
#define WRAP_ELF	"/tmp/varmon-wrap.elf"

static int setup_crafted(void *arg)
{
	uint8_t page[PAGE] __attribute__((aligned(8)));
	Elf64_Phdr *ph = (void *)(page + sizeof(Elf64_Ehdr));

	(void)arg;
	elf_with_note(page);
	if (map_exec_file(GOOD_ELF, page))
		return -1;
	/* The header of issue 12: the segment's end wraps past 2^64. */
	ph->p_offset = 0xff0;
	ph->p_filesz = ~0ULL;
	return map_exec_file(WRAP_ELF, page);
}

static int test_crafted_elf(void)
{
	const struct varmon_map_entry *good, *wrap;
	const struct varmon_rec_maps *maps;
	const struct varmon_rec_task *t;
	const struct varmon_rec_dump *d;
	int fd = tl_dev_open(), kfd = tl_kmsg_open();
	struct tl_buf b = { 0 };
	const char *problem;
	char why[128];
	uint8_t i;
	pid_t pid;

	TAP_EXPECT(fd >= 0 && kfd >= 0, "open: device or /dev/kmsg");
	pid = spawn_tripped(fd, "crafted", setup_crafted, NULL, why,
			    sizeof(why));
	TAP_EXPECT(pid > 0, "%s", why);

	d = wait_dump(fd, &b, pid, DUMP_WAIT_MS);
	TAP_EXPECT(d, "no dump in %u ms", DUMP_WAIT_MS);
	t = (const void *)find_rec(&b, d->hdr.dump_id, VARMON_REC_TASK, pid);
	TAP_EXPECT(t && t->mm_id, "the tripped process is not in its dump");
	maps = (const void *)find_rec(&b, d->hdr.dump_id, VARMON_REC_MAPS,
				      t->mm_id);
	TAP_EXPECT(maps, "no MAPS record for the tripped process");
	good = find_map(maps, GOOD_ELF);
	wrap = find_map(maps, WRAP_ELF);
	TAP_EXPECT(good && wrap, "the crafted files are not in its maps");
	TAP_EXPECT(good->build_id_len == 20,
		   "the well-formed file has a build-id of %u bytes",
		   good->build_id_len);
	for (i = 0; i < 20; i++)
		TAP_EXPECT(good->build_id[i] == CRAFTED_ID,
			   "byte %u of the build-id is %#x", i,
			   good->build_id[i]);
	TAP_EXPECT(!wrap->build_id_len,
		   "the wrapped header gave a build-id of %u bytes",
		   wrap->build_id_len);
	problem = kmsg_problem(kfd);
	TAP_EXPECT(!problem, "kernel log: %s", problem);
	tl_buf_free(&b);
	return TAP_PASS;
}

/* ---- a FUSE daemon that never reads ---- */

struct fuse_fix {
	char mnt[64];
	char path[96];
	pid_t daemon;
	volatile uint32_t *reads;	/* READ requests seen, shared */
};

static void fuse_attr(struct fuse_attr *a, uint64_t ino)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->nlink = 1;
	a->blksize = PAGE;
	if (ino == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
	} else {
		a->mode = S_IFREG | 0644;
		a->size = FUSE_PAGES * PAGE;
		a->blocks = a->size / 512;
	}
}

static void fuse_reply(int dev, uint64_t unique, int error, const void *body,
		       size_t len)
{
	struct fuse_out_header oh = {
		.len = (uint32_t)(sizeof(oh) + len), .error = error,
		.unique = unique,
	};
	char buf[sizeof(oh) + 256];

	memcpy(buf, &oh, sizeof(oh));
	if (len)
		memcpy(buf + sizeof(oh), body, len);
	if (write(dev, buf, oh.len) < 0 && errno != ENOENT)
		_exit(2);
}

static void __attribute__((noreturn))
fuse_daemon(int dev, volatile uint32_t *reads)
{
	static char buf[FUSE_MIN_READ_BUFFER + 65536];

	for (;;) {
		const struct fuse_in_header *ih = (const void *)buf;
		const void *in = ih + 1;
		union {
			struct fuse_init_out init;
			struct fuse_entry_out entry;
			struct fuse_attr_out attr;
			struct fuse_open_out open;
		} out;
		ssize_t n = read(dev, buf, sizeof(buf));

		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue;
		if (n < (ssize_t)sizeof(*ih))
			_exit(0);	/* unmounted */
		memset(&out, 0, sizeof(out));
		switch (ih->opcode) {
		case FUSE_INIT:
			out.init.major = FUSE_KERNEL_VERSION;
			out.init.minor = FUSE_KERNEL_MINOR_VERSION;
			out.init.max_readahead = 0;
			out.init.max_write = PAGE;
			fuse_reply(dev, ih->unique, 0, &out.init,
				   sizeof(out.init));
			break;
		case FUSE_LOOKUP:
			if (strcmp(in, FUSE_FILE)) {
				fuse_reply(dev, ih->unique, -ENOENT, NULL, 0);
				break;
			}
			out.entry.nodeid = 2;
			out.entry.entry_valid = 3600;
			out.entry.attr_valid = 3600;
			fuse_attr(&out.entry.attr, 2);
			fuse_reply(dev, ih->unique, 0, &out.entry,
				   sizeof(out.entry));
			break;
		case FUSE_GETATTR:
			out.attr.attr_valid = 3600;
			fuse_attr(&out.attr.attr, ih->nodeid);
			fuse_reply(dev, ih->unique, 0, &out.attr,
				   sizeof(out.attr));
			break;
		case FUSE_OPEN:
			out.open.fh = 1;
			fuse_reply(dev, ih->unique, 0, &out.open,
				   sizeof(out.open));
			break;
		case FUSE_READ:
			/* Never answered: the reader waits for ever. */
			__atomic_add_fetch(reads, 1, __ATOMIC_SEQ_CST);
			break;
		case FUSE_FLUSH:
		case FUSE_RELEASE:
			fuse_reply(dev, ih->unique, 0, NULL, 0);
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break;
		default:
			fuse_reply(dev, ih->unique, -ENOSYS, NULL, 0);
			break;
		}
	}
}

/* Mount a FUSE file system served by a forked fuse_daemon(). */
static int fuse_start(struct fuse_fix *f, char *why, size_t whylen)
{
	char opts[128];
	int dev;

	memset(f, 0, sizeof(*f));
	f->reads = mmap(NULL, sizeof(*f->reads), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (f->reads == MAP_FAILED)
		return snprintf(why, whylen, "mmap: %s", strerror(errno)), -1;
	dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return snprintf(why, whylen, "no /dev/fuse: %s", strerror(errno)),
		       -ENOENT;
	snprintf(f->mnt, sizeof(f->mnt), "/tmp/varmon-fuse.%d", getpid());
	snprintf(f->path, sizeof(f->path), "%s/" FUSE_FILE, f->mnt);
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0", dev);
	if (mkdir(f->mnt, 0755) ||
	    mount("varmon", f->mnt, "fuse", MS_NOSUID | MS_NODEV, opts)) {
		snprintf(why, whylen, "mount fuse: %s", strerror(errno));
		close(dev);
		return -1;
	}
	f->daemon = fork();
	if (!f->daemon)
		fuse_daemon(dev, f->reads);
	close(dev);
	if (f->daemon < 0)
		return snprintf(why, whylen, "fork: %s", strerror(errno)), -1;
	return 0;
}

/* Unmount: the kernel fails whatever still waits for the daemon. */
static void fuse_stop(struct fuse_fix *f)
{
	umount2(f->mnt, MNT_DETACH);
	if (f->daemon > 0) {
		kill(f->daemon, SIGKILL);
		waitpid(f->daemon, NULL, 0);
	}
	rmdir(f->mnt);
}

/* The whole FUSE file, mapped private and writable, and left untouched. */
static void *fuse_map(const struct fuse_fix *f)
{
	int fd = open(f->path, O_RDONLY);
	void *p;

	if (fd < 0)
		return NULL;
	p = mmap(NULL, FUSE_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		 fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/*
 * A thread whose user stack pointer is @sp and that never touches its
 * stack: it only calls pause(), from registers. Signals stay blocked in
 * it, so none is ever delivered on that stack.
 */
static pid_t park_on_stack(void *sp)
{
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = 0;
	long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
		     CLONE_THREAD | CLONE_SYSVSEM;
	sigset_t all, old;
	long ret;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 2f\n"
			 "1:\tmov %[nr_pause], %%eax\n\t"
			 "syscall\n\t"
			 "jmp 1b\n"
			 "2:"
			 : "=a"(ret)
			 : "0"((long)SYS_clone), "D"(flags), "S"(sp),
			   "d"(0L), "r"(r10), "r"(r8),
			   [nr_pause] "i"(SYS_pause)
			 : "rcx", "r11", "memory");
	sigprocmask(SIG_SETMASK, &old, NULL);
	return (pid_t)ret;
}

/* What a FUSE child did, for the parent (in shared memory). */
struct fuse_child {
	const struct fuse_fix *fix;
	pid_t thread;		/* the thread parked on the FUSE stack */
	uintptr_t map;
};

static int setup_fuse_stack(void *arg)
{
	struct fuse_child *c = arg;
	char *map = fuse_map(c->fix);

	if (!map)
		return -1;
	c->map = (uintptr_t)map;
	/* Mid-mapping: the copy from it would run over two unread pages. */
	c->thread = park_on_stack(map + 2 * PAGE + PAGE / 2);
	return c->thread > 0 ? 0 : -1;
}

static int setup_fuse_argv(void *arg)
{
	struct fuse_child *c = arg;
	char *map = fuse_map(c->fix);
	unsigned long start, end;

	if (!map)
		return -1;
	c->map = (uintptr_t)map;
	start = (unsigned long)map + PAGE;
	end = start + 64;
	/* Keep arg_start <= arg_end at each step, whichever way they move. */
	if (prctl(PR_SET_MM, PR_SET_MM_ARG_START, start, 0, 0) ||
	    prctl(PR_SET_MM, PR_SET_MM_ARG_END, end, 0, 0))
		if (prctl(PR_SET_MM, PR_SET_MM_ARG_END, end, 0, 0) ||
		    prctl(PR_SET_MM, PR_SET_MM_ARG_START, start, 0, 0))
			return -1;
	return 0;
}

/* A FUSE file system and a tripped child that maps its file. */
struct fuse_case {
	struct fuse_fix fix;
	struct fuse_child *child;
	pid_t pid;
	int fd;
};

static int fuse_case_start(struct fuse_case *fc, int (*setup)(void *),
			   char *why, size_t whylen)
{
	int err;

	fc->pid = -1;
	fc->fd = tl_dev_open();
	if (fc->fd < 0)
		return snprintf(why, whylen, "open: %s", strerror(-fc->fd)), -1;
	err = fuse_start(&fc->fix, why, whylen);
	if (err)
		return err;
	fc->child = mmap(NULL, sizeof(*fc->child), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fc->child == MAP_FAILED)
		return snprintf(why, whylen, "mmap: %s", strerror(errno)), -1;
	fc->child->fix = &fc->fix;
	fc->pid = spawn_tripped(fc->fd, "fuse", setup, fc->child, why, whylen);
	return fc->pid > 0 ? 0 : -1;
}

static void fuse_case_stop(struct fuse_case *fc)
{
	if (fc->pid > 0) {
		kill(fc->pid, SIGKILL);
		waitpid(fc->pid, NULL, 0);
	}
	fuse_stop(&fc->fix);
}

/* The dump of the tripped child; on a timeout, unmount. */
static const struct varmon_rec_dump *fuse_case_dump(struct fuse_case *fc,
						    struct tl_buf *b,
						    uint32_t *reads)
{
	const struct varmon_rec_dump *d;

	d = wait_dump(fc->fd, b, fc->pid, DUMP_WAIT_MS);
	*reads = *fc->fix.reads;
	if (!d)
		fuse_case_stop(fc);
	return d;
}

#define FUSE_START(fc, setup)						\
	do {								\
		char why_[160];						\
		int err_ = fuse_case_start(fc, setup, why_, sizeof(why_)); \
									\
		if (err_ == -ENOENT)					\
			return tap_skip("%s", why_);			\
		TAP_EXPECT(!err_, "%s", why_);				\
	} while (0)

static int test_fuse_stack(void)
{
	const struct varmon_rec_task *t;
	const struct varmon_rec_dump *d;
	struct tl_buf b = { 0 };
	struct fuse_case fc;
	uint64_t start;
	uint32_t reads;

	FUSE_START(&fc, setup_fuse_stack);
	start = tl_now_ms();
	d = fuse_case_dump(&fc, &b, &reads);
	TAP_EXPECT(d, "no dump within %u ms while the FUSE daemon stays "
		   "silent (%u READs asked for)", DUMP_WAIT_MS, reads);
	t = (const void *)find_rec(&b, d->hdr.dump_id, VARMON_REC_TASK,
				   (uint64_t)fc.child->thread);
	fuse_case_stop(&fc);
	TAP_EXPECT(t, "thread %d parked on the FUSE stack is not in the dump",
		   fc.child->thread);
	TAP_EXPECT(t->ustack_state == VARMON_USTACK_NOT_RESIDENT &&
		   !(t->avail & VARMON_AVAIL_USTACK),
		   "user stack state %u, avail %#x: expected not resident",
		   t->ustack_state, t->avail);
	TAP_EXPECT(!reads, "the dump asked the daemon for %u pages", reads);
	tap_diag("dump in %" PRIu64 " ms, stack not resident, no READ",
		 tl_now_ms() - start);
	tl_buf_free(&b);
	return TAP_PASS;
}

static int test_fuse_argv(void)
{
	const struct varmon_chain_entry *e;
	const struct varmon_rec_task *t;
	const struct varmon_rec_dump *d;
	const struct varmon_sec *s;
	struct tl_buf b = { 0 };
	struct fuse_case fc;
	uint32_t reads;

	FUSE_START(&fc, setup_fuse_argv);
	d = fuse_case_dump(&fc, &b, &reads);
	TAP_EXPECT(d, "no dump within %u ms while the FUSE daemon stays "
		   "silent (%u READs asked for)", DUMP_WAIT_MS, reads);
	t = (const void *)find_rec(&b, d->hdr.dump_id, VARMON_REC_TASK,
				   (uint64_t)fc.pid);
	fuse_case_stop(&fc);
	TAP_EXPECT(t, "the tripped process is not in its dump");
	s = find_sec(&t->hdr, sizeof(*t), VARMON_SEC_CHAIN);
	TAP_EXPECT(s && s->size >= sizeof(*s) + sizeof(*e), "no CHAIN section");
	e = (const void *)(s + 1);
	/* Without its arguments a process is named by its comm. */
	TAP_EXPECT(e->pid == (uint32_t)fc.pid && e->len > 2 &&
		   ((const char *)(e + 1))[0] == '[',
		   "the first chain entry is \"%.*s\" for pid %u",
		   (int)e->len, (const char *)(e + 1), e->pid);
	TAP_EXPECT(!reads, "the dump asked the daemon for %u pages", reads);
	tl_buf_free(&b);
	return TAP_PASS;
}

/*
 * Cancel and close of the tripped watch, in a child so that a hang is
 * seen rather than suffered: they must return while the daemon is silent.
 */
static int test_fuse_teardown(void)
{
	int dfd = tl_dev_open(), status = 0;
	struct tl_buf b = { 0 };
	struct fuse_case fc;
	uint64_t end;
	pid_t c;

	TAP_EXPECT(dfd >= 0, "open: %s", strerror(-dfd));
	FUSE_START(&fc, setup_fuse_stack);
	c = fork();
	if (!c) {
		if (tl_ioctl_cancel(fc.fd, fc.pid))
			_exit(1);
		_exit(close(fc.fd) ? 2 : 0);
	}
	/* The child's close() is the file's last. */
	close(fc.fd);
	end = tl_now_ms() + DUMP_WAIT_MS;
	while (c > 0 && waitpid(c, &status, WNOHANG) == 0 &&
	       tl_now_ms() < end)
		tl_sleep_ms(50);
	if (c > 0 && waitpid(c, &status, WNOHANG) == 0) {
		/* Unmounting fails the READ, and the child can finish. */
		fuse_case_stop(&fc);
		waitpid(c, &status, 0);
		return TAP_FAIL_MSG("cancel and close did not return within "
				    "%u ms while the FUSE daemon was silent",
				    DUMP_WAIT_MS);
	}
	TAP_EXPECT(c > 0 && WIFEXITED(status) && !WEXITSTATUS(status),
		   "cancel or close failed (status %#x)", status);
	/* The trip queued before the watch went is still reported. */
	TAP_EXPECT(wait_dump(dfd, &b, fc.pid, DUMP_WAIT_MS),
		   "the trip was not reported after its watch went");
	TAP_EXPECT(tl_watch_count(fc.pid) == 0, "the watch is still listed");
	fuse_case_stop(&fc);
	tl_buf_free(&b);
	return TAP_PASS;
}

static const struct tap_test tests[] = {
	{ "crafted ELF files mapped executable: dump whole, log clean",
	  test_crafted_elf },
	{ "a stack in an unanswered FUSE file: dump in time, not resident",
	  test_fuse_stack },
	{ "argv in an unanswered FUSE file: dump in time, comm instead",
	  test_fuse_argv },
	{ "cancel and close return while a FUSE page stays unread",
	  test_fuse_teardown },
};

int main(int argc, char **argv)
{
	return tap_main(tests, TAP_COUNT(tests), argc, argv, NULL);
}
