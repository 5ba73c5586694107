// SPDX-License-Identifier: GPL-2.0-only
/*
 * variable_monitor: watch numeric variables of user processes and, when
 * one crosses its threshold, capture what every interesting task of the
 * machine was doing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/workqueue.h>

#include "capture.h"
#include "varmon.h"

/* Serializes registration, cancellation and teardown: see varmon.h. */
DEFINE_MUTEX(varmon_lock);
LIST_HEAD(varmon_mms);
struct varmon_stats varmon_stats;
struct workqueue_struct *varmon_wq;

/**
 * varmon_stats_max_add() - add to a total and raise a maximum
 * @total:	the sum
 * @max:	the largest value seen
 * @ns:	the new value
 *
 * Context: any, lockless.
 */
void varmon_stats_max_add(atomic64_t *total, atomic64_t *max, u64 ns)
{
	s64 old = atomic64_read(max);

	atomic64_add(ns, total);
	while ((s64)ns > old && !atomic64_try_cmpxchg(max, &old, ns))
		;
}

static int __init varmon_init(void)
{
	int err;

	varmon_wq = alloc_workqueue("variable_monitor", WQ_UNBOUND, 0);
	if (!varmon_wq)
		return -ENOMEM;
	err = varmon_capture_init();
	if (err)
		goto out_destroy_wq;
	err = varmon_procfs_init();
	if (err)
		goto out_capture_exit;
	err = varmon_dev_init();
	if (err)
		goto out_procfs_exit;
	pr_info("loaded\n");
	return 0;

out_procfs_exit:
	varmon_procfs_exit();
out_capture_exit:
	varmon_capture_exit();
out_destroy_wq:
	destroy_workqueue(varmon_wq);
	return err;
}

static void __exit varmon_exit(void)
{
	varmon_dev_exit();
	varmon_procfs_exit();
	varmon_watch_exit();
	varmon_timer_exit();
	destroy_workqueue(varmon_wq);
	varmon_capture_exit();
	pr_info("unloaded\n");
}

module_init(varmon_init);
module_exit(varmon_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("variable_monitor developers");
MODULE_DESCRIPTION("Watch user variables from hrtimers and capture task state on a trip");
