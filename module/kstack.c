// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel stack of another task. stack_trace_save_tsk() is not exported
 * on 6.1, but the ORC unwinder behind it is, so this walks the stack as
 * arch_stack_walk() does, with direct calls only (nothing found through
 * kallsyms, so nothing for IBT to object to).
 *
 * stack_trace_save_tsk() pins the stack with try_get_task_stack(), whose
 * counterpart put_task_stack() is not exported. Instead the walk runs
 * under rcu_read_lock() and only for a task that is off-CPU and not
 * TASK_DEAD when the walk starts: its stack can then only be freed after
 * it runs again and dies, and free_thread_stack() either caches the
 * vmapped stack (still mapped) or frees it through call_rcu(), after the
 * walk. A task that ran during the walk may have changed its stack, so
 * the context switch count is compared before and after and such a walk
 * is thrown away.
 *
 * Such a walk may read a frame the task is rewriting. The unwinder reads
 * the stack with KASAN checks off, except for a pt_regs frame's cs
 * (user_mode()), which KASAN then reports as out of bounds (seen on 7.2
 * while the task ran); the walk is thrown away anyway, so reports are
 * off for it, as dumpstack.c and stacktrace.c are built without KASAN.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/kasan.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <asm/unwind.h>

#include "capture_priv.h"

/**
 * varmon_switch_count() - context switches of a task so far
 * @task:	the task
 *
 * Both counters grow each time the task leaves a CPU, so an unchanged
 * sum means it did not run in between (or is still running).
 *
 * Context: any.
 * Return: voluntary plus involuntary switches.
 */
unsigned long varmon_switch_count(struct task_struct *task)
{
	return READ_ONCE(task->nvcsw) + READ_ONCE(task->nivcsw);
}

/**
 * varmon_task_off_cpu() - whether a task's kernel stack may be read
 * @task:	a referenced task
 *
 * True when the task is on no CPU, is not TASK_DEAD and still has its
 * stack. Checked under rcu_read_lock(), this keeps the stack mapped
 * until rcu_read_unlock() (see the top of this file).
 *
 * Context: any; meaningful under rcu_read_lock().
 * Return: true when the stack may be read.
 */
bool varmon_task_off_cpu(struct task_struct *task)
{
	return !READ_ONCE(task->on_cpu) &&
	       READ_ONCE(task->__state) != TASK_DEAD &&
	       READ_ONCE(task->stack);
}

/**
 * varmon_kstack_save() - return addresses on a task's kernel stack
 * @task:	a referenced task other than current
 * @entries:	out: addresses, innermost first
 * @max:	room in @entries
 *
 * Context: process context; takes rcu_read_lock().
 * Return: number of entries (0 is possible), -EBUSY when the task was on
 * a CPU or dead, -EAGAIN when it ran during the walk.
 */
int varmon_kstack_save(struct task_struct *task, u64 *entries,
		       unsigned int max)
{
	struct unwind_state state;
	unsigned long switches;
	unsigned long addr;
	int nr = 0;

	if (task == current)
		return -EBUSY;

	rcu_read_lock();
	switches = varmon_switch_count(task);
	/* Pairs with the scheduler's barriers around a context switch. */
	smp_rmb();
	if (!varmon_task_off_cpu(task)) {
		nr = -EBUSY;
		goto out_unlock;
	}

	kasan_disable_current();
	for (unwind_start(&state, task, NULL, NULL);
	     !unwind_done(&state) && (unsigned int)nr < max;
	     unwind_next_frame(&state)) {
		addr = unwind_get_return_address(&state);
		if (!addr)
			break;
		entries[nr++] = addr;
	}
	kasan_enable_current();

	/* The walk's reads are done before the second look. */
	smp_rmb();
	if (!varmon_task_off_cpu(task) || varmon_switch_count(task) != switches)
		nr = -EAGAIN;
out_unlock:
	rcu_read_unlock();
	return nr;
}
