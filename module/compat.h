/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel API differences between the supported kernels (6.1 and newer).
 * Everything version-dependent lives here, behind LINUX_VERSION_CODE.
 */
#ifndef VARMON_COMPAT_H
#define VARMON_COMPAT_H

#include <linux/device.h>
#include <linux/hrtimer.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/version.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 2, 0)
#include <linux/sched/exec_state.h>
#else
#include <linux/sched/coredump.h>
#endif

/* 6.2 made the device argument of devnode() callbacks const. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define VARMON_DEVNODE_CONST const
#else
#define VARMON_DEVNODE_CONST
#endif

/* 6.4 dropped the owner argument of class_create(). */
static inline struct class *varmon_class_create(const char *name)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	return class_create(name);
#else
	return class_create(THIS_MODULE, name);
#endif
}

/* 6.5 dropped the vmas argument of the GUP family. */
static inline long varmon_pin_user_page_remote(struct mm_struct *mm,
					       unsigned long addr,
					       unsigned int gup_flags,
					       struct page **page)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	return pin_user_pages_remote(mm, addr, 1, gup_flags, page, NULL);
#else
	return pin_user_pages_remote(mm, addr, 1, gup_flags, page, NULL, NULL);
#endif
}

/* 6.13 added hrtimer_setup(); 6.15 removed hrtimer_init(). */
static inline void varmon_hrtimer_setup(struct hrtimer *timer,
					enum hrtimer_restart (*fn)(struct hrtimer *),
					clockid_t clock, enum hrtimer_mode mode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	hrtimer_setup(timer, fn, clock, mode);
#else
	hrtimer_init(timer, clock, mode);
	timer->function = fn;
#endif
}

/* ---- capture pipeline (capture.c and friends) ---- */

/* 6.5 dropped the vmas argument of the GUP family (as above). */
static inline long varmon_get_user_page_remote(struct mm_struct *mm,
					       unsigned long addr,
					       unsigned int gup_flags,
					       struct page **page)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	return get_user_pages_remote(mm, addr, 1, gup_flags, page, NULL);
#else
	return get_user_pages_remote(mm, addr, 1, gup_flags, page, NULL, NULL);
#endif
}

/*
 * 7.2 moved dumpability from mm->flags to task->exec_state: get_dumpable()
 * and SUID_DUMP_USER became TASK_DUMPABLE_OWNER, with an unexported getter.
 * A task without an mm counts as dumpable.
 */
static inline bool varmon_task_dumpable(struct task_struct *task,
					struct mm_struct *mm)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 2, 0)
	const struct task_exec_state *es;
	bool ret;

	if (!mm)
		return true;
	rcu_read_lock();
	es = rcu_dereference(task->exec_state);
	ret = es && READ_ONCE(es->dumpable) == TASK_DUMPABLE_OWNER;
	rcu_read_unlock();
	return ret;
#else
	return !mm || get_dumpable(mm) == SUID_DUMP_USER;
#endif
}

/*
 * Before 6.2 each thread batched its RSS changes in task->rss_stat
 * (SPLIT_RSS_COUNTING) and folded them into the mm only every 64 page
 * faults, so get_mm_rss() of a small, young process read near zero. Add
 * the threads' pending counts. From 6.2 the mm counters are per-CPU
 * counters that get_mm_rss() sums.
 */
static inline unsigned long varmon_mm_rss(struct task_struct *task,
					  struct mm_struct *mm)
{
	long rss = get_mm_rss(mm);
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0) && defined(SPLIT_RSS_COUNTING)
	struct task_struct *t;

	rcu_read_lock();
	for_each_thread(task, t) {
		if (READ_ONCE(t->mm) != mm)
			continue;
		rss += READ_ONCE(t->rss_stat.count[MM_FILEPAGES]) +
		       READ_ONCE(t->rss_stat.count[MM_ANONPAGES]) +
		       READ_ONCE(t->rss_stat.count[MM_SHMEMPAGES]);
	}
	rcu_read_unlock();
#endif
	return rss > 0 ? rss : 0;
}

#endif /* VARMON_COMPAT_H */
