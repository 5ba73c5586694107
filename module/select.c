// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which tasks a dump holds: every thread of each tripped process, then
 * every task that is running or in an uninterruptible sleep that counts
 * in the load average (the rule of diagnose-tools' load-monitor), up to
 * the max_dump_tasks cap. The task list is walked once under RCU, taking
 * references only; everything slow happens later, outside RCU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "capture_priv.h"

/* As the scheduler decides nr_uninterruptible in __schedule(). */
static bool varmon_counts_in_load(unsigned int state)
{
	return (state & TASK_UNINTERRUPTIBLE) &&
	       !(state & TASK_NOLOAD) &&
	       !(state & TASK_FROZEN);
}

static u8 varmon_state_why(struct task_struct *t)
{
	unsigned int state = READ_ONCE(t->__state);

	if (state == TASK_RUNNING)
		return VARMON_WHY_RUNNING;
	if (varmon_counts_in_load(state))
		return VARMON_WHY_BLOCKED;
	return 0;
}

static void varmon_sel_add(struct varmon_sel *sel, struct task_struct *t,
			   u8 why)
{
	if (sel->nr == sel->max) {
		sel->skipped++;
		return;
	}
	get_task_struct(t);
	sel->task[sel->nr] = t;
	/* task_lock() inside is a spinlock: fine under RCU. */
	sel->mm[sel->nr] = get_task_mm(t);
	sel->why[sel->nr] = why;
	sel->nr++;
}

static bool varmon_tripped(const struct varmon_trip *trip, pid_t tgid)
{
	unsigned int i;

	for (i = 0; i < trip->nr; i++)
		if (trip->trig[i].pid == (u32)tgid)
			return true;
	return false;
}

/* Whether trig[i] names a process an earlier trigger already named. */
static bool varmon_seen_before(const struct varmon_trip *trip, unsigned int i)
{
	unsigned int j;

	for (j = 0; j < i; j++)
		if (trip->trig[j].pid == trip->trig[i].pid)
			return true;
	return false;
}

static void varmon_add_watched(struct varmon_sel *sel,
			       const struct varmon_trip *trip)
{
	struct task_struct *leader, *t;
	unsigned int i;

	for (i = 0; i < trip->nr; i++) {
		if (varmon_seen_before(trip, i))
			continue;
		leader = pid_task(find_pid_ns(trip->trig[i].pid, &init_pid_ns),
				  PIDTYPE_TGID);
		if (!leader)
			continue;
		for_each_thread(leader, t)
			varmon_sel_add(sel, t,
				       VARMON_WHY_WATCHED | varmon_state_why(t));
	}
}

/**
 * varmon_select_tasks() - choose and reference the tasks of a dump
 * @sel:	out: the tasks; release with varmon_select_release()
 * @trip:	the watches that tripped
 * @max:	most tasks to take; the others count in @sel->skipped
 *
 * The threads of the tripped processes come first, so the cap never
 * squeezes them out in favour of unrelated tasks. The calling task (the
 * capture worker) is never taken. Each task's mm is taken too, so that
 * its mappings and stack stay readable if it exits meanwhile.
 *
 * Context: process context; takes rcu_read_lock() only for the walk.
 * Return: 0, or -ENOMEM.
 */
int varmon_select_tasks(struct varmon_sel *sel, const struct varmon_trip *trip,
			unsigned int max)
{
	struct task_struct *g, *t;
	u8 why;

	memset(sel, 0, sizeof(*sel));
	sel->task = kvmalloc_array(max, sizeof(*sel->task), GFP_KERNEL);
	sel->mm = kvmalloc_array(max, sizeof(*sel->mm), GFP_KERNEL);
	sel->why = kvmalloc(max, GFP_KERNEL);
	if (!sel->task || !sel->mm || !sel->why) {
		varmon_select_release(sel);
		return -ENOMEM;
	}
	sel->max = max;

	rcu_read_lock();
	varmon_add_watched(sel, trip);
	for_each_process_thread(g, t) {
		if (t == current || varmon_tripped(trip, t->tgid))
			continue;
		why = varmon_state_why(t);
		if (why)
			varmon_sel_add(sel, t, why);
	}
	rcu_read_unlock();
	return 0;
}

/**
 * varmon_select_release() - drop the references varmon_select_tasks() took
 * @sel:	the tasks
 *
 * Context: process context; may sleep (mmput()).
 */
void varmon_select_release(struct varmon_sel *sel)
{
	unsigned int i;

	for (i = 0; i < sel->nr; i++) {
		if (sel->mm[i])
			mmput(sel->mm[i]);
		put_task_struct(sel->task[i]);
	}
	kvfree(sel->task);
	kvfree(sel->mm);
	kvfree(sel->why);
	sel->task = NULL;
	sel->mm = NULL;
	sel->why = NULL;
	sel->nr = 0;
}
