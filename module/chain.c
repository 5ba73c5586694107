// SPDX-License-Identifier: GPL-2.0-only
/*
 * The process chain of a task: its own process, then each real_parent up
 * to init, each with its full command line (arguments joined by spaces),
 * so a report says which shell, service or container started it. The
 * ancestors are referenced under RCU and read outside it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/align.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "capture_priv.h"

static unsigned int varmon_ancestors(struct task_struct *task,
				     struct task_struct **anc)
{
	struct task_struct *p = task, *parent;
	unsigned int nr = 0;

	rcu_read_lock();
	while (nr < VARMON_CHAIN_MAX) {
		get_task_struct(p);
		anc[nr++] = p;
		/*
		 * A released task is off its parent's list of children, so
		 * nothing updates its real_parent when that parent goes:
		 * follow it only while the task is alive, as /proc/PID/status
		 * does for PPid.
		 */
		if (p->tgid == 1 || !pid_alive(p))
			break;
		parent = rcu_dereference(p->real_parent);
		/* Above init (and kthreadd) there is only the idle task. */
		if (parent == p || !parent->pid)
			break;
		p = parent;
	}
	rcu_read_unlock();
	return nr;
}

/* Arguments joined by spaces, as ps prints them. */
static size_t varmon_cmdline(struct mm_struct *mm, char *buf, size_t size)
{
	unsigned long start, end;
	size_t len, i;

	spin_lock(&mm->arg_lock);
	start = mm->arg_start;
	end = mm->arg_end;
	spin_unlock(&mm->arg_lock);
	if (end <= start)
		return 0;

	len = varmon_remote_read(mm, start, buf,
				 min_t(unsigned long, end - start, size - 1),
				 NULL);
	if (len && !buf[len - 1])
		len--;
	for (i = 0; i < len; i++)
		if (!buf[i])
			buf[i] = ' ';
	buf[len] = '\0';
	return len;
}

static bool varmon_chain_entry(struct varmon_stage *st, struct task_struct *p,
			       struct mm_struct *mm)
{
	struct varmon_chain_entry *e;
	char comm[TASK_COMM_LEN];
	size_t len = 0;
	char *text;

	e = varmon_stage_reserve(st, sizeof(*e) + VARMON_CMDLINE_MAX);
	if (!e)
		return false;
	text = (char *)(e + 1);
	if (mm)
		len = varmon_cmdline(mm, text, VARMON_CMDLINE_MAX);
	if (!len) {
		/* No arguments to read: a kernel thread or an exited task. */
		get_task_comm(comm, p);
		len = scnprintf(text, VARMON_CMDLINE_MAX, "[%s]", comm);
	}
	e->pid = p->tgid;
	e->len = len + 1;
	/* Zero padding, so that the next entry starts 8-byte aligned. */
	memset(text + e->len, 0, ALIGN(e->len, 8) - e->len);
	varmon_stage_commit(st, sizeof(*e) + ALIGN(e->len, 8));
	return true;
}

/**
 * varmon_chain_emit() - append a VARMON_SEC_CHAIN section for a task
 * @st:		the staging area, with the task's record open
 * @task:	a referenced task
 * @mm:		@task's address space held by the dump, or NULL; used for
 *		the first entry so that an exiting task keeps its arguments
 *
 * Context: process context; may sleep. Takes rcu_read_lock() to find the
 * ancestors; does not wait for any mmap_lock.
 * Return: false when the staging area is full (the section is then
 * incomplete and the caller cancels the record).
 */
bool varmon_chain_emit(struct varmon_stage *st, struct task_struct *task,
		       struct mm_struct *mm)
{
	struct task_struct *anc[VARMON_CHAIN_MAX];
	struct mm_struct *amm;
	unsigned int nr, i;
	bool ok;

	if (!varmon_stage_sec_begin(st, VARMON_SEC_CHAIN))
		return false;

	nr = varmon_ancestors(task, anc);
	ok = true;
	for (i = 0; i < nr; i++) {
		if (ok) {
			amm = i ? get_task_mm(anc[i]) : mm;
			ok = varmon_chain_entry(st, anc[i], amm);
			if (i && amm)
				mmput(amm);
		}
		put_task_struct(anc[i]);
	}
	if (ok)
		varmon_stage_sec_end(st);
	return ok;
}
