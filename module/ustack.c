// SPDX-License-Identifier: GPL-2.0-only
/*
 * User registers and the raw top of the user stack, for ucli to unwind
 * with DWARF later. The registers come from task_pt_regs(), which holds
 * the user state saved at the last kernel entry: exact for a task that
 * is off-CPU (sleeping, blocked, or preempted), stale for one running on
 * another CPU right now. So they are taken only while the task is
 * off-CPU, under the same rules as its kernel stack (see kstack.c), and
 * kept only if it stayed off-CPU until the stack bytes were copied too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/string.h>
#include <asm/ptrace.h>

#include "capture_priv.h"

/**
 * varmon_pt_regs_copy() - user registers in the record's layout
 * @out:	out: the registers; FS and GS base are left to the caller
 * @regs:	user-mode registers saved at a kernel entry
 *
 * Context: any.
 */
void varmon_pt_regs_copy(struct varmon_regs *out, const struct pt_regs *regs)
{
	u64 *r = out->reg;

	memset(out, 0, sizeof(*out));
	r[VARMON_REG_R15] = regs->r15;
	r[VARMON_REG_R14] = regs->r14;
	r[VARMON_REG_R13] = regs->r13;
	r[VARMON_REG_R12] = regs->r12;
	r[VARMON_REG_RBP] = regs->bp;
	r[VARMON_REG_RBX] = regs->bx;
	r[VARMON_REG_R11] = regs->r11;
	r[VARMON_REG_R10] = regs->r10;
	r[VARMON_REG_R9] = regs->r9;
	r[VARMON_REG_R8] = regs->r8;
	r[VARMON_REG_RAX] = regs->ax;
	r[VARMON_REG_RCX] = regs->cx;
	r[VARMON_REG_RDX] = regs->dx;
	r[VARMON_REG_RSI] = regs->si;
	r[VARMON_REG_RDI] = regs->di;
	r[VARMON_REG_ORIG_RAX] = regs->orig_ax;
	r[VARMON_REG_RIP] = regs->ip;
	r[VARMON_REG_CS] = regs->cs;
	r[VARMON_REG_EFLAGS] = regs->flags;
	r[VARMON_REG_RSP] = regs->sp;
	r[VARMON_REG_SS] = regs->ss;
}

/**
 * varmon_user_regs() - take a task's user registers if they are current
 * @task:	a referenced task other than current, with an mm
 * @uc:		out: the registers and what they are worth
 *
 * Context: process context; takes rcu_read_lock().
 * Return: VARMON_USTACK_OK with @uc->regs_ok set, or why not:
 * VARMON_USTACK_KTHREAD, VARMON_USTACK_RUNNING (on a CPU, or ran while
 * being read), VARMON_USTACK_EXITING (dead) or VARMON_USTACK_FAULT (no
 * user state saved, as for an io_uring worker).
 */
u8 varmon_user_regs(struct task_struct *task, struct varmon_user_ctx *uc)
{
	struct pt_regs *regs;
	unsigned int state;
	u8 ret;

	memset(uc, 0, sizeof(*uc));
	if (task->flags & PF_KTHREAD)
		return VARMON_USTACK_KTHREAD;

	rcu_read_lock();
	uc->switches = varmon_switch_count(task);
	/* Pairs with the scheduler's barriers around a context switch. */
	smp_rmb();
	if (READ_ONCE(task->__state) == TASK_DEAD) {
		ret = VARMON_USTACK_EXITING;
		goto out_unlock;
	}
	if (task == current || !varmon_task_off_cpu(task)) {
		ret = VARMON_USTACK_RUNNING;
		goto out_unlock;
	}
	state = READ_ONCE(task->__state);
	regs = task_pt_regs(task);
	if (!user_mode(regs)) {
		ret = VARMON_USTACK_FAULT;
		goto out_unlock;
	}
	varmon_pt_regs_copy(&uc->regs, regs);
	/* Saved at the switch away from the task, which is off-CPU. */
	uc->regs.reg[VARMON_REG_FS_BASE] = task->thread.fsbase;
	uc->regs.reg[VARMON_REG_GS_BASE] = task->thread.gsbase;

	/* The copy is done before the second look. */
	smp_rmb();
	if (!varmon_task_off_cpu(task) ||
	    varmon_switch_count(task) != uc->switches) {
		ret = VARMON_USTACK_RUNNING;
		goto out_unlock;
	}
	uc->regs_ok = true;
	uc->blocked = state != TASK_RUNNING;
	ret = VARMON_USTACK_OK;
out_unlock:
	rcu_read_unlock();
	return ret;
}

/**
 * varmon_user_still() - whether registers taken earlier still hold
 * @task:	the task given to varmon_user_regs()
 * @uc:		what varmon_user_regs() returned with VARMON_USTACK_OK
 *
 * Call after copying the stack: if the task ran meanwhile, the copy may
 * not match the registers.
 *
 * Context: any.
 * Return: true when the task has not run since.
 */
bool varmon_user_still(struct task_struct *task,
		       const struct varmon_user_ctx *uc)
{
	/* Reads of the copy are done; pairs with the scheduler's barriers. */
	smp_rmb();
	return !READ_ONCE(task->on_cpu) &&
	       varmon_switch_count(task) == uc->switches;
}

/**
 * varmon_ustack_copy() - copy the top of a user stack
 * @mm:		the task's address space, referenced by the caller
 * @sp:		the saved user stack pointer
 * @dst:	kernel buffer of @want bytes
 * @want:	bytes wanted
 * @not_resident: out: set when the copy stopped at a page that is not
 *		resident (see varmon_remote_read_locked())
 *
 * The copy ends at the end of the mapping @sp is in, so it never reads
 * past the stack into whatever is mapped above it, and at the first page
 * not resident, which is not faulted in.
 *
 * Context: process context; may sleep briefly for the mmap_lock, never
 * for I/O.
 * Return: bytes copied, 0 when none could be.
 */
size_t varmon_ustack_copy(struct mm_struct *mm, u64 sp, void *dst,
			  size_t want, bool *not_resident)
{
	struct vm_area_struct *vma;
	size_t done = 0;

	if (!want || !varmon_mmap_read_trylock_brief(mm))
		return 0;
	vma = find_vma(mm, sp);
	if (vma && vma->vm_start <= sp) {
		want = min_t(u64, want, vma->vm_end - sp);
		done = varmon_remote_read_locked(mm, sp, dst, want,
						 not_resident);
	}
	mmap_read_unlock(mm);
	return done;
}
