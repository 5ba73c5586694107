/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the capture pipeline, shared by its files:
 *
 *	capture.c	module parameter, ring, one dump from start to end, stats
 *	stage.c		building records in the staging area
 *	select.c	which tasks a dump holds
 *	snapshot.c	one task's record
 *	cputime.c	thread-group CPU times as /proc/PID/stat shows them
 *	kstack.c	kernel stack of another task
 *	ustack.c	user registers and raw user stack
 *	oncpu.c		both stacks of a task running on another CPU, there
 *	remote.c	reading another address space without waiting on it
 *			or faulting
 *	chain.c		ancestor chain with command lines
 *	maps.c		executable mappings of an address space
 *	buildid.c	GNU build-id from the page cache
 *	buildid_parse.c	the ELF parsing, shared with host tests and fuzzer
 *	drain.c		VARMON_IOC_DRAIN, poll(), and what a reader may see
 */
#ifndef VARMON_CAPTURE_PRIV_H
#define VARMON_CAPTURE_PRIV_H

#include <linux/bits.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <asm/ptrace.h>

#include "capture.h"
#include "varmon_ring.h"
#include "varmon_record.h"

/*
 * Kernel-private section: the credentials a record was captured with.
 * It is always the last section of a TASK or MAPS record, and the drain
 * strips it, so no reader ever sees this type.
 */
#define VARMON_SEC_KPRIV	0x8000

/* The task had no mm or its mm was dumpable (SUID_DUMP_USER). */
#define VARMON_KPRIV_DUMPABLE	BIT(0)

/**
 * struct varmon_kpriv - who may read a record (body of VARMON_SEC_KPRIV)
 * @uid:	real uid of the task, as seen from the initial user namespace
 * @euid:	effective uid
 * @suid:	saved uid
 * @gid:	real gid
 * @egid:	effective gid
 * @sgid:	saved gid
 * @flags:	VARMON_KPRIV_*
 * @__pad0:	zero
 */
struct varmon_kpriv {
	u32 uid;
	u32 euid;
	u32 suid;
	u32 gid;
	u32 egid;
	u32 sgid;
	u32 flags;
	u32 __pad0;
};

/* Limits of one task record. */
#define VARMON_KSTACK_MAX	64	/* frames, as /proc/PID/stack */
#define VARMON_CHAIN_MAX	32	/* ancestors */
#define VARMON_CMDLINE_MAX	4096	/* bytes of one command line, NUL included */

/* Bounds of the staging area, so of one dump. */
#define VARMON_STAGE_MIN	SZ_1M
#define VARMON_STAGE_MAX	SZ_16M

/**
 * struct varmon_stage - a dump being built, record after record
 * @buf:	the staging area, vmalloc'd once
 * @cap:	bytes at @buf
 * @limit:	records must end at or below this offset (a budget <= @cap)
 * @len:	bytes used
 * @rec:	offset of the open record
 * @sec:	offset of the open section, or 0
 * @dump_id:	dump id of the records being built
 * @seq:	seq of the next record
 *
 * Owned by the writer: used under varmon_cap.write_lock only.
 */
struct varmon_stage {
	u8 *buf;
	size_t cap;
	size_t limit;
	size_t len;
	size_t rec;
	size_t sec;
	u64 dump_id;
	u32 seq;
};

void varmon_stage_reset(struct varmon_stage *st, u64 dump_id);
void *varmon_stage_reserve(struct varmon_stage *st, size_t size);
void varmon_stage_commit(struct varmon_stage *st, size_t size);
void *varmon_stage_put(struct varmon_stage *st, size_t size);
void varmon_stage_rewind(struct varmon_stage *st, size_t off);
void *varmon_stage_rec_begin(struct varmon_stage *st, u16 type, size_t size);
void varmon_stage_rec_end(struct varmon_stage *st);
void varmon_stage_rec_cancel(struct varmon_stage *st);
bool varmon_stage_sec_begin(struct varmon_stage *st, u16 type);
void varmon_stage_sec_end(struct varmon_stage *st);

/**
 * struct varmon_sel - the tasks chosen for one dump
 * @task:	referenced tasks (get_task_struct), @nr of them
 * @mm:		per task, its address space taken with get_task_mm() at
 *		selection (so it outlives an exit during the dump), or NULL
 * @why:	VARMON_WHY_* per task
 * @nr:		tasks held
 * @max:	room in @task and @why
 * @skipped:	tasks that qualified but did not make it into the dump
 */
struct varmon_sel {
	struct task_struct **task;
	struct mm_struct **mm;
	u8 *why;
	unsigned int nr;
	unsigned int max;
	unsigned int skipped;
};

int varmon_select_tasks(struct varmon_sel *sel, const struct varmon_trip *trip,
			unsigned int max);
void varmon_select_release(struct varmon_sel *sel);

/**
 * struct varmon_mmref - one distinct address space of a dump
 * @mm:		borrowed from the selection, which holds it until the end
 * @id:		mm_id in the records, from 1 within the dump
 * @tgid:	the first process seen using it
 * @kpriv:	credentials of that process
 */
struct varmon_mmref {
	struct mm_struct *mm;
	u64 id;
	u32 tgid;
	struct varmon_kpriv kpriv;
};

/**
 * struct varmon_dump_ctx - scratch of one dump
 * @st:		records being built
 * @mms:	distinct address spaces seen so far
 * @nr_mms:	entries used in @mms
 * @max_mms:	room in @mms
 * @ustack_bytes: user stack bytes to copy per task (tunable, read once)
 * @writer:	the thread whose write tripped a hardware watch, or NULL
 * @oncpu:	scratch for catching a running task on its CPU
 * @path:	PATH_MAX bytes of scratch for d_path()
 *
 * Used under varmon_cap.write_lock only.
 */
struct varmon_dump_ctx {
	struct varmon_stage *st;
	struct varmon_mmref *mms;
	unsigned int nr_mms;
	unsigned int max_mms;
	size_t ustack_bytes;
	const struct varmon_writer *writer;
	struct varmon_oncpu *oncpu;
	char *path;
};

bool varmon_snapshot_task(struct varmon_dump_ctx *dc, struct task_struct *task,
			  struct mm_struct *mm, u8 why);
void varmon_kpriv_fill(struct varmon_kpriv *kp, struct task_struct *task,
		       struct mm_struct *mm);

/**
 * struct varmon_cputime - CPU times of a task, in nanoseconds
 * @utime:	user time of the thread
 * @stime:	system time of the thread
 * @group_utime: user time of the thread group, as /proc/PID/stat
 * @group_stime: system time of the thread group, as /proc/PID/stat
 * @cutime:	user time of waited-for children
 * @cstime:	system time of waited-for children
 */
struct varmon_cputime {
	u64 utime;
	u64 stime;
	u64 group_utime;
	u64 group_stime;
	u64 cutime;
	u64 cstime;
};

void varmon_task_cputime(struct task_struct *task, struct varmon_cputime *ct);

unsigned long varmon_switch_count(struct task_struct *task);
bool varmon_task_off_cpu(struct task_struct *task);
int varmon_kstack_save(struct task_struct *task, u64 *entries,
		       unsigned int max);

/**
 * struct varmon_user_ctx - user state of a task, valid when @regs_ok
 * @regs:	registers at the last kernel entry
 * @regs_ok:	@regs are the task's and it was off-CPU throughout
 * @blocked:	the task was not runnable, so @regs show its syscall
 * @switches:	context switch count when @regs were taken
 */
struct varmon_user_ctx {
	struct varmon_regs regs;
	bool regs_ok;
	bool blocked;
	unsigned long switches;
};

u8 varmon_user_regs(struct task_struct *task, struct varmon_user_ctx *uc);
bool varmon_user_still(struct task_struct *task,
		       const struct varmon_user_ctx *uc);
size_t varmon_ustack_copy(struct mm_struct *mm, u64 sp, void *dst,
			  size_t want, bool *not_resident);

/**
 * struct varmon_oncpu - a running task, as seen from its own CPU
 * @task:	the task to catch
 * @ustack:	room for its user stack, VARMON_USTACK_MAX bytes
 * @ustack_max:	bytes of user stack wanted
 * @ustack_len:	out: bytes copied to @ustack
 * @regs:	out: user registers, valid with @regs_ok
 * @kstack:	out: kernel frames from the interrupted context on
 * @nr_kstack:	out: entries in @kstack
 * @hit:	out: the task was running when the IPI arrived
 * @in_user:	out: it was running in user mode
 * @regs_ok:	out: @regs and @ustack hold its user state
 *
 * Used under varmon_cap.write_lock only (and by the IPI it waits for).
 */
struct varmon_oncpu {
	struct task_struct *task;
	u8 *ustack;
	size_t ustack_max;
	size_t ustack_len;
	struct varmon_regs regs;
	u64 kstack[VARMON_KSTACK_MAX];
	unsigned int nr_kstack;
	bool hit;
	bool in_user;
	bool regs_ok;
};

#define VARMON_USTACK_MAX	SZ_64K	/* largest user_stack_bytes */

bool varmon_oncpu_capture(struct varmon_oncpu *oc, struct task_struct *task,
			  size_t ustack_max);

size_t varmon_remote_read_locked(struct mm_struct *mm, unsigned long addr,
				 void *dst, size_t len, bool *not_resident);
bool varmon_mmap_read_trylock_brief(struct mm_struct *mm);
size_t varmon_remote_read(struct mm_struct *mm, unsigned long addr,
			  void *dst, size_t len, bool *not_resident);

bool varmon_chain_emit(struct varmon_stage *st, struct task_struct *task,
		       struct mm_struct *mm);

bool varmon_maps_emit(struct varmon_dump_ctx *dc,
		      const struct varmon_mmref *ref);

int varmon_build_id(struct file *file, u8 *id, u8 *len);

/**
 * struct varmon_capture - state of the capture pipeline
 * @ring:	the records, drained by VARMON_IOC_DRAIN
 * @write_lock:	serializes dumps; protects @stage, @oncpu, @path, @next_id,
 *		@first_lost_id and the writer side of @ring
 * @read_lock:	serializes drains; protects the reader side of @ring
 * @wq:		poll() waiters, woken when a dump is written
 * @stage:	staging area of the dump being built
 * @oncpu:	scratch of the dump being built, for running tasks
 * @path:	d_path() scratch of the dump being built
 * @next_id:	dump id of the next dump
 * @first_lost_id: dump id of the first dump dropped since the last one
 *		written, or 0
 */
struct varmon_capture {
	struct varmon_ring ring;
	struct mutex write_lock;	/* see above */
	struct mutex read_lock;		/* see above */
	wait_queue_head_t wq;
	struct varmon_stage stage;
	struct varmon_oncpu *oncpu;
	char *path;
	u64 next_id;
	u64 first_lost_id;
};

extern struct varmon_capture varmon_cap;

#endif /* VARMON_CAPTURE_PRIV_H */
