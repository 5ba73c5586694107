// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU times of a task as /proc/PID/task/TID/stat (the thread) and
 * /proc/PID/stat (the thread group) report them; see do_task_stat().
 *
 * The thread's times come from task_cputime_adjusted(), which is
 * exported. thread_group_cputime_adjusted() is not, so the group's are
 * computed the same way here: raw tick-based utime and stime summed over
 * the live threads plus those of the dead ones kept in signal_struct,
 * scaled to the precise summed runtime as cputime_adjust() does, never
 * below what /proc last reported (signal->prev_cputime).
 *
 * Two differences remain, both small: a thread on a nohz_full CPU has
 * vtime not yet folded into its utime/stime, which task_cputime() would
 * add but which is not exported; and prev_cputime is only read here, not
 * advanced, so reading /proc later is unaffected by a dump.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/math64.h>
#include <linux/rcupdate.h>
#include <linux/sched/cputime.h>
#include <linux/sched/signal.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>

#include "capture_priv.h"

/* cputime_adjust() without the update of @prev. */
static void varmon_cputime_scale(u64 utime, u64 stime, u64 rtime,
				 struct prev_cputime *prev, u64 *ut, u64 *st)
{
	unsigned long flags;
	u64 prev_ut, prev_st;

	raw_spin_lock_irqsave(&prev->lock, flags);
	prev_ut = prev->utime;
	prev_st = prev->stime;
	raw_spin_unlock_irqrestore(&prev->lock, flags);

	if (prev_ut + prev_st >= rtime) {
		*ut = prev_ut;
		*st = prev_st;
		return;
	}

	/* With no ticks on one side yet, all runtime goes to the other. */
	if (stime && utime) {
		stime = mul_u64_u64_div_u64(stime, rtime, stime + utime);
		if (stime > rtime)
			stime = rtime;
	} else if (stime) {
		stime = rtime;
	}

	/* Neither may go backwards from what /proc last showed. */
	if (stime < prev_st)
		stime = prev_st;
	utime = rtime - stime;
	if (utime < prev_ut) {
		utime = prev_ut;
		stime = rtime - utime;
	}
	*ut = utime;
	*st = stime;
}

/* Raw sums over the thread group; see thread_group_cputime(). */
static void varmon_group_sum(struct task_struct *task, u64 *utime,
			     u64 *stime, u64 *rtime, struct varmon_cputime *ct)
{
	struct signal_struct *sig = task->signal;
	struct task_struct *t;

	*utime = sig->utime;
	*stime = sig->stime;
	*rtime = sig->sum_sched_runtime;
	ct->cutime = sig->cutime;
	ct->cstime = sig->cstime;
	rcu_read_lock();
	for_each_thread(task, t) {
		*utime += READ_ONCE(t->utime);
		*stime += READ_ONCE(t->stime);
		*rtime += READ_ONCE(t->se.sum_exec_runtime);
	}
	rcu_read_unlock();
}

static void varmon_group_cputime(struct task_struct *task,
				 struct varmon_cputime *ct)
{
	struct signal_struct *sig = task->signal;
	u64 utime, stime, rtime;
	unsigned long flags;
	unsigned int seq;
	int tries;

	/* Lockless first; under the lock if writers keep getting in. */
	for (tries = 0; tries < 2; tries++) {
		seq = read_seqbegin(&sig->stats_lock);
		varmon_group_sum(task, &utime, &stime, &rtime, ct);
		if (!read_seqretry(&sig->stats_lock, seq))
			goto out_scale;
	}
	read_seqlock_excl_irqsave(&sig->stats_lock, flags);
	varmon_group_sum(task, &utime, &stime, &rtime, ct);
	read_sequnlock_excl_irqrestore(&sig->stats_lock, flags);

out_scale:
	varmon_cputime_scale(utime, stime, rtime, &sig->prev_cputime,
			     &ct->group_utime, &ct->group_stime);
}

/**
 * varmon_task_cputime() - thread and thread-group CPU times of a task
 * @task:	a referenced task, possibly exited
 * @ct:		out: the times in nanoseconds
 *
 * Context: process context; takes @task's signal stats_lock and
 * prev_cputime locks briefly.
 */
void varmon_task_cputime(struct task_struct *task, struct varmon_cputime *ct)
{
	task_cputime_adjusted(task, &ct->utime, &ct->stime);
	varmon_group_cputime(task, ct);
}
