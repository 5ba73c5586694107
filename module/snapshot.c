// SPDX-License-Identifier: GPL-2.0-only
/*
 * One VARMON_REC_TASK: what a task was doing when a watch tripped. Each
 * part that cannot be read is left out and its VARMON_AVAIL_* bit stays
 * clear; only running out of room in the staging area drops the record.
 *
 * Sections, in order: CGROUP, KSTACK, USTACK, REGS, CHAIN, and the
 * kernel-private KPRIV that the drain strips. A task running on another
 * CPU is caught there (oncpu.c); one that is not has its stacks read
 * from its saved state (kstack.c, ustack.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/string.h>

#include "capture_priv.h"
#include "compat.h"

/**
 * varmon_kpriv_fill() - record whose data a record is
 * @kp:		out: the task's credentials
 * @task:	a referenced task
 * @mm:		its address space, or NULL
 *
 * The drain compares these with the reader's, as ptrace_may_access()
 * would compare the live task's.
 *
 * Context: any; takes rcu_read_lock().
 */
void varmon_kpriv_fill(struct varmon_kpriv *kp, struct task_struct *task,
		       struct mm_struct *mm)
{
	const struct cred *cred;

	memset(kp, 0, sizeof(*kp));
	rcu_read_lock();
	cred = __task_cred(task);
	kp->uid = __kuid_val(cred->uid);
	kp->euid = __kuid_val(cred->euid);
	kp->suid = __kuid_val(cred->suid);
	kp->gid = __kgid_val(cred->gid);
	kp->egid = __kgid_val(cred->egid);
	kp->sgid = __kgid_val(cred->sgid);
	rcu_read_unlock();
	if (varmon_task_dumpable(task, mm))
		kp->flags |= VARMON_KPRIV_DUMPABLE;
}

static void varmon_task_ids(struct varmon_rec_task *rec,
			    struct task_struct *task)
{
	struct pid_namespace *ns;

	rec->pid = task->pid;
	rec->tgid = task->tgid;
	rcu_read_lock();
	if (pid_alive(task)) {
		ns = task_active_pid_ns(task);
		if (ns) {
			rec->ns_pid = task_pid_nr_ns(task, ns);
			rec->ns_tgid = task_tgid_nr_ns(task, ns);
		}
		rec->ppid = task_tgid_nr(rcu_dereference(task->real_parent));
	}
	rcu_read_unlock();
}

static void varmon_task_counters(struct varmon_rec_task *rec,
				 struct task_struct *task)
{
	struct varmon_cputime ct;

	varmon_task_cputime(task, &ct);
	rec->utime_ns = ct.utime;
	rec->stime_ns = ct.stime;
	rec->group_utime_ns = ct.group_utime;
	rec->group_stime_ns = ct.group_stime;
	rec->cutime_ns = ct.cutime;
	rec->cstime_ns = ct.cstime;
	rec->start_boottime_ns = task->start_boottime;
	rec->sum_exec_runtime_ns = READ_ONCE(task->se.sum_exec_runtime);
	rec->nvcsw = READ_ONCE(task->nvcsw);
	rec->nivcsw = READ_ONCE(task->nivcsw);
}

/* The id of @mm in this dump, adding it on first sight. */
static u64 varmon_mm_id(struct varmon_dump_ctx *dc, struct mm_struct *mm,
			struct task_struct *task)
{
	struct varmon_mmref *ref;
	unsigned int i;

	for (i = 0; i < dc->nr_mms; i++)
		if (dc->mms[i].mm == mm)
			return dc->mms[i].id;
	if (dc->nr_mms == dc->max_mms)
		return 0;
	ref = &dc->mms[dc->nr_mms++];
	ref->mm = mm;
	ref->id = dc->nr_mms;
	ref->tgid = task->tgid;
	varmon_kpriv_fill(&ref->kpriv, task, mm);
	return ref->id;
}

/* Path from the root of the initial cgroup namespace (the worker's). */
static bool varmon_emit_cgroup(struct varmon_stage *st,
			       struct varmon_rec_task *rec,
			       struct task_struct *task)
{
	size_t mark = st->len;
	struct cgroup *cgrp;
	char *buf;
	int ret;

	if (!varmon_stage_sec_begin(st, VARMON_SEC_CGROUP))
		return false;
	buf = varmon_stage_reserve(st, PATH_MAX);
	if (!buf)
		return false;

	/* The css_set of even an exited task stays until it is freed. */
	rcu_read_lock();
	cgrp = task_dfl_cgroup(task);
	cgroup_get(cgrp);
	rcu_read_unlock();
	ret = cgroup_path_ns(cgrp, buf, PATH_MAX, current->nsproxy->cgroup_ns);
	cgroup_put(cgrp);

	if (ret < 0) {
		varmon_stage_rewind(st, mark);
		return true;
	}
	varmon_stage_commit(st, strlen(buf) + 1);
	varmon_stage_sec_end(st);
	rec->avail |= VARMON_AVAIL_CGROUP;
	return true;
}

static bool varmon_emit_kstack(struct varmon_stage *st,
			       struct varmon_rec_task *rec,
			       struct task_struct *task)
{
	size_t mark = st->len;
	u64 *entries;
	int nr;

	if (!varmon_stage_sec_begin(st, VARMON_SEC_KSTACK))
		return false;
	entries = varmon_stage_reserve(st, VARMON_KSTACK_MAX * sizeof(u64));
	if (!entries)
		return false;

	nr = varmon_kstack_save(task, entries, VARMON_KSTACK_MAX);
	if (nr < 0) {
		varmon_stage_rewind(st, mark);
		return true;
	}
	varmon_stage_commit(st, nr * sizeof(u64));
	varmon_stage_sec_end(st);
	rec->avail |= VARMON_AVAIL_KSTACK;
	return true;
}

/*
 * The USTACK section from the saved stack pointer. False only when there
 * is no room; @uc stops being valid when the task ran meanwhile.
 */
static bool varmon_emit_ustack(struct varmon_dump_ctx *dc,
			       struct varmon_rec_task *rec,
			       struct task_struct *task, struct mm_struct *mm,
			       struct varmon_user_ctx *uc)
{
	struct varmon_stage *st = dc->st;
	u64 sp = uc->regs.reg[VARMON_REG_RSP];
	bool not_resident = false;
	struct varmon_ustack *us;
	size_t mark = st->len;
	size_t len;

	if (!varmon_stage_sec_begin(st, VARMON_SEC_USTACK))
		return false;
	us = varmon_stage_reserve(st, sizeof(*us) + dc->ustack_bytes);
	if (!us)
		return false;
	len = varmon_ustack_copy(mm, sp, us + 1, dc->ustack_bytes,
				 &not_resident);

	if (!varmon_user_still(task, uc)) {
		varmon_stage_rewind(st, mark);
		uc->regs_ok = false;
		rec->ustack_state = VARMON_USTACK_RUNNING;
		return true;
	}
	if (!len) {
		varmon_stage_rewind(st, mark);
		rec->ustack_state = not_resident ? VARMON_USTACK_NOT_RESIDENT :
				    VARMON_USTACK_FAULT;
		return true;
	}
	us->sp = sp;
	us->len = len;
	us->__pad0 = 0;
	varmon_stage_commit(st, sizeof(*us) + len);
	varmon_stage_sec_end(st);
	rec->avail |= VARMON_AVAIL_USTACK;
	return true;
}

/*
 * USTACK and REGS sections from a copy taken earlier (by the breakpoint
 * handler or on the task's CPU): @len bytes of @stack from @regs' RSP.
 */
static bool varmon_emit_user_copy(struct varmon_dump_ctx *dc,
				  struct varmon_rec_task *rec,
				  const struct varmon_regs *regs_copy,
				  const u8 *stack, size_t len)
{
	struct varmon_stage *st = dc->st;
	struct varmon_ustack *us;
	struct varmon_regs *regs;

	if (len) {
		if (!varmon_stage_sec_begin(st, VARMON_SEC_USTACK))
			return false;
		us = varmon_stage_put(st, sizeof(*us) + len);
		if (!us)
			return false;
		us->sp = regs_copy->reg[VARMON_REG_RSP];
		us->len = len;
		memcpy(us + 1, stack, len);
		varmon_stage_sec_end(st);
		rec->avail |= VARMON_AVAIL_USTACK;
	}
	if (!varmon_stage_sec_begin(st, VARMON_SEC_REGS))
		return false;
	regs = varmon_stage_put(st, sizeof(*regs));
	if (!regs)
		return false;
	*regs = *regs_copy;
	varmon_stage_sec_end(st);
	rec->avail |= VARMON_AVAIL_REGS;
	rec->ustack_state = len || !dc->ustack_bytes ? VARMON_USTACK_OK :
			    VARMON_USTACK_FAULT;
	return true;
}

/*
 * The thread whose write tripped a hardware watch was running then; the
 * breakpoint handler took its registers and stack on the spot.
 */
static bool varmon_emit_writer(struct varmon_dump_ctx *dc,
			       struct varmon_rec_task *rec)
{
	const struct varmon_writer *w = dc->writer;
	struct varmon_stage *st = dc->st;

	/*
	 * It wrote from user mode: an empty kernel stack says so. Its
	 * kernel stack now belongs to some later moment.
	 */
	if (!varmon_stage_sec_begin(st, VARMON_SEC_KSTACK))
		return false;
	varmon_stage_sec_end(st);
	rec->avail |= VARMON_AVAIL_KSTACK;

	/* The handler copied from the RSP it recorded in the registers. */
	return varmon_emit_user_copy(dc, rec, &w->regs, w->stack,
				     min_t(size_t, w->stack_len,
					   dc->ustack_bytes));
}

static bool varmon_emit_oncpu_user(struct varmon_dump_ctx *dc,
				   struct varmon_rec_task *rec);

/*
 * USTACK and REGS from the saved state; if the task was running or ran
 * meanwhile, caught on its CPU instead, or neither.
 */
static bool varmon_emit_user(struct varmon_dump_ctx *dc,
			     struct varmon_rec_task *rec,
			     struct task_struct *task, struct mm_struct *mm)
{
	struct varmon_stage *st = dc->st;
	struct varmon_user_ctx uc;
	struct varmon_regs *regs;

	if (!mm) {
		rec->ustack_state = task->flags & PF_KTHREAD ?
				    VARMON_USTACK_KTHREAD :
				    VARMON_USTACK_EXITING;
		return true;
	}
	rec->ustack_state = varmon_user_regs(task, &uc);
	/* With user_stack_bytes 0, the registers alone. */
	if (uc.regs_ok && dc->ustack_bytes &&
	    !varmon_emit_ustack(dc, rec, task, mm, &uc))
		return false;
	if (rec->ustack_state == VARMON_USTACK_RUNNING &&
	    varmon_oncpu_capture(dc->oncpu, task, dc->ustack_bytes))
		return varmon_emit_oncpu_user(dc, rec);
	if (!uc.regs_ok)
		return true;

	if (!varmon_stage_sec_begin(st, VARMON_SEC_REGS))
		return false;
	regs = varmon_stage_put(st, sizeof(*regs));
	if (!regs)
		return false;
	*regs = uc.regs;
	varmon_stage_sec_end(st);
	rec->avail |= VARMON_AVAIL_REGS;

	/*
	 * orig_ax of the copy is what syscall_get_nr() would return; the
	 * live pt_regs may be gone by now. Only a task that is not runnable
	 * sits in a syscall for sure; -1 then means it entered the kernel
	 * some other way (an interrupt or an exception).
	 */
	if (uc.blocked) {
		rec->syscall_nr = (s32)uc.regs.reg[VARMON_REG_ORIG_RAX];
		rec->avail |= VARMON_AVAIL_SYSCALL;
	}
	return true;
}

/* USTACK and REGS of a user task caught on its CPU. */
static bool varmon_emit_oncpu_user(struct varmon_dump_ctx *dc,
				   struct varmon_rec_task *rec)
{
	const struct varmon_oncpu *oc = dc->oncpu;

	if (!oc->regs_ok) {
		rec->ustack_state = VARMON_USTACK_FAULT;
		return true;
	}
	if (!varmon_emit_user_copy(dc, rec, &oc->regs, oc->ustack,
				   oc->ustack_len))
		return false;
	/* In the kernel: in a syscall, or -1 for an interrupt or exception. */
	if (!oc->in_user) {
		rec->syscall_nr = (s32)oc->regs.reg[VARMON_REG_ORIG_RAX];
		rec->avail |= VARMON_AVAIL_SYSCALL;
	}
	return true;
}

/* KSTACK, and USTACK and REGS for a user task, caught on its CPU. */
static bool varmon_emit_oncpu(struct varmon_dump_ctx *dc,
			      struct varmon_rec_task *rec,
			      struct task_struct *task, struct mm_struct *mm)
{
	const struct varmon_oncpu *oc = dc->oncpu;
	struct varmon_stage *st = dc->st;
	u64 *pc;

	if (!varmon_stage_sec_begin(st, VARMON_SEC_KSTACK))
		return false;
	/* No frames when it ran in user mode; the empty section says so. */
	pc = varmon_stage_put(st, oc->nr_kstack * sizeof(*pc));
	if (!pc)
		return false;
	memcpy(pc, oc->kstack, oc->nr_kstack * sizeof(*pc));
	varmon_stage_sec_end(st);
	rec->avail |= VARMON_AVAIL_KSTACK;

	if (!mm) {
		rec->ustack_state = task->flags & PF_KTHREAD ?
				    VARMON_USTACK_KTHREAD :
				    VARMON_USTACK_EXITING;
		return true;
	}
	return varmon_emit_oncpu_user(dc, rec);
}

/*
 * Tries at the stacks of a task that keeps going on and off a CPU: a
 * runnable task preempted by this worker may run while it is read, which
 * throws the kernel stack walk away or leaves its user state RUNNING with
 * neither the saved state nor the IPI able to take it. With one try, a
 * spinner lost its stacks in 2 of 40 dumps on a KASAN+lockdep kernel.
 */
#define VARMON_STACK_TRIES	4

/* Whether the stacks of a live task were lost to it running meanwhile. */
static bool varmon_stacks_raced(const struct varmon_rec_task *rec,
				struct task_struct *task)
{
	if (READ_ONCE(task->__state) == TASK_DEAD)
		return false;
	return !(rec->avail & VARMON_AVAIL_KSTACK) ||
	       rec->ustack_state == VARMON_USTACK_RUNNING;
}

/*
 * The stacks and user state of a live task: on its own CPU if it is
 * running, else from its saved state; again if it ran meanwhile.
 */
static bool varmon_emit_live_stacks(struct varmon_dump_ctx *dc,
				    struct varmon_rec_task *rec,
				    struct task_struct *task,
				    struct mm_struct *mm)
{
	const struct varmon_rec_task before = *rec;
	size_t mark = dc->st->len;
	unsigned int tries;
	bool ok;

	for (tries = 1;; tries++) {
		if (varmon_oncpu_capture(dc->oncpu, task,
					 mm ? dc->ustack_bytes : 0))
			ok = varmon_emit_oncpu(dc, rec, task, mm);
		else
			ok = varmon_emit_kstack(dc->st, rec, task) &&
			     varmon_emit_user(dc, rec, task, mm);
		if (!ok || tries == VARMON_STACK_TRIES ||
		    !varmon_stacks_raced(rec, task))
			return ok;
		varmon_stage_rewind(dc->st, mark);
		*rec = before;
	}
}

/*
 * The stacks and user state: from the hardware watch's writer copy, or
 * from the task itself.
 */
static bool varmon_emit_stacks(struct varmon_dump_ctx *dc,
			       struct varmon_rec_task *rec,
			       struct task_struct *task, struct mm_struct *mm)
{
	bool ok;

	if (mm && dc->writer && dc->writer->pid == task->pid)
		ok = varmon_emit_writer(dc, rec);
	else
		ok = varmon_emit_live_stacks(dc, rec, task, mm);
	/*
	 * A task on its way out loses its mm and stack under us, on its
	 * CPU (exit_mm() ran) or off it: say why the stack is missing.
	 */
	if (rec->ustack_state == VARMON_USTACK_FAULT &&
	    READ_ONCE(task->flags) & PF_EXITING)
		rec->ustack_state = VARMON_USTACK_EXITING;
	return ok;
}

static bool varmon_emit_kpriv(struct varmon_stage *st,
			      struct task_struct *task, struct mm_struct *mm)
{
	struct varmon_kpriv *kp;

	if (!varmon_stage_sec_begin(st, VARMON_SEC_KPRIV))
		return false;
	kp = varmon_stage_put(st, sizeof(*kp));
	if (!kp)
		return false;
	varmon_kpriv_fill(kp, task, mm);
	varmon_stage_sec_end(st);
	return true;
}

/**
 * varmon_snapshot_task() - append the VARMON_REC_TASK of one task
 * @dc:		the dump
 * @task:	a referenced task other than current
 * @mm:		@task's address space held by the dump, or NULL
 * @why:	VARMON_WHY_* bits
 *
 * Context: process context; may sleep; varmon_cap.write_lock held.
 * Return: false when the record did not fit; nothing of it is left.
 */
bool varmon_snapshot_task(struct varmon_dump_ctx *dc, struct task_struct *task,
			  struct mm_struct *mm, u8 why)
{
	struct varmon_stage *st = dc->st;
	struct varmon_rec_task *rec;

	rec = varmon_stage_rec_begin(st, VARMON_REC_TASK, sizeof(*rec));
	if (!rec)
		return false;

	varmon_task_ids(rec, task);
	get_task_comm(rec->comm, task);
	rec->state = task_index_to_char(task_state_index(task));
	rec->reason = why;
	rec->task_flags = READ_ONCE(task->flags);
	rec->syscall_nr = -1;
	varmon_task_counters(rec, task);
	if (mm) {
		rec->rss_bytes = (u64)varmon_mm_rss(task, mm) << PAGE_SHIFT;
		rec->vm_bytes = (u64)READ_ONCE(mm->total_vm) << PAGE_SHIFT;
		rec->avail |= VARMON_AVAIL_MEM;
		rec->mm_id = varmon_mm_id(dc, mm, task);
	}

	if (!varmon_emit_cgroup(st, rec, task) ||
	    !varmon_emit_stacks(dc, rec, task, mm))
		goto out_cancel;
	if (!varmon_chain_emit(st, task, mm))
		goto out_cancel;
	rec->avail |= VARMON_AVAIL_CHAIN;
	if (!varmon_emit_kpriv(st, task, mm))
		goto out_cancel;
	varmon_stage_rec_end(st);
	return true;

out_cancel:
	varmon_stage_rec_cancel(st);
	return false;
}
