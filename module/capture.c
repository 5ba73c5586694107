// SPDX-License-Identifier: GPL-2.0-only
/*
 * Placeholder for the capture pipeline (issue "capture pipeline"): logs
 * the trip so the engine can be exercised; replaced by the real capture.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/printk.h>

#include "capture.h"

int varmon_capture_init(void)
{
	return 0;
}

void varmon_capture_exit(void)
{
}

void varmon_capture_dump(const struct varmon_trip *trip)
{
	pr_debug("capture of %u trigger(s) not implemented yet\n", trip->nr);
}

long varmon_capture_ioctl_drain(struct file *file, void __user *argp)
{
	return -EOPNOTSUPP;
}

__poll_t varmon_capture_poll(struct file *file, poll_table *wait)
{
	return 0;
}

void varmon_capture_stats_show(struct seq_file *m)
{
}
