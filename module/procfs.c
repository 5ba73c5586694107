// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/variable_monitor/: tunables, the watch list and counters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "capture.h"
#include "tunables.h"
#include "varmon.h"

u64 varmon_def_interval_ns = 10000;
u64 varmon_min_interval_ns = 5000;
u64 varmon_dump_reset_sec = 5;
u64 varmon_max_timers = 128;
u64 varmon_max_watches_per_timer = 32;
u64 varmon_user_stack_bytes = 16384;
u64 varmon_max_dump_tasks = 256;
u64 varmon_max_watches = 8192;
u64 varmon_max_process_watches = 4096;
u64 varmon_max_process_timers = 96;

/**
 * struct varmon_tunable - one writable number
 * @name:	file name
 * @val:	the variable
 * @min:	smallest value accepted
 * @max:	largest value accepted
 * @align:	value must be a multiple of this (0: any)
 */
struct varmon_tunable {
	const char *name;
	u64 *val;
	u64 min;
	u64 max;
	u64 align;
};

static const struct varmon_tunable varmon_tunables[] = {
	{ "def_interval_ns", &varmon_def_interval_ns, 1000, 3600ULL * NSEC_PER_SEC },
	{ "min_interval_ns", &varmon_min_interval_ns, 1000, NSEC_PER_SEC },
	{ "dump_reset_sec", &varmon_dump_reset_sec, 0, 3600 },
	{ "max_timers", &varmon_max_timers, 1, 1024 },
	{ "max_watches_per_timer", &varmon_max_watches_per_timer, 1, 256 },
	{ "user_stack_bytes", &varmon_user_stack_bytes, 0, 65536, 8 },
	{ "max_dump_tasks", &varmon_max_dump_tasks, 1, 8192 },
	{ "max_watches", &varmon_max_watches, 1, 262144 },
	{ "max_process_watches", &varmon_max_process_watches, 1, 262144 },
	{ "max_process_timers", &varmon_max_process_timers, 1, 1024 },
};

/* Serializes tunable writes, so cross-checks see a stable pair. */
static DEFINE_MUTEX(varmon_tunables_lock);
static struct proc_dir_entry *varmon_proc_dir;

static int varmon_tunable_show(struct seq_file *m, void *v)
{
	const struct varmon_tunable *tun = m->private;

	seq_printf(m, "%llu\n", READ_ONCE(*tun->val));
	return 0;
}

static int varmon_tunable_open(struct inode *inode, struct file *file)
{
	return single_open(file, varmon_tunable_show, pde_data(inode));
}

/* A decimal number, optionally one newline: longer than this is junk. */
#define VARMON_NUMBER_MAX	24

/*
 * Parse all @count bytes a user wrote as one decimal number: a NUL, junk
 * after the number, or more bytes than any number needs is -EINVAL, and
 * unreadable memory -EFAULT (kstrto*_from_user() would look at a prefix).
 */
static int varmon_parse_u64(const char __user *buf, size_t count, u64 *val)
{
	char text[VARMON_NUMBER_MAX + 1];

	if (count > VARMON_NUMBER_MAX)
		/* Too long for a number; a bad address still says so first. */
		return fault_in_readable(buf, count) ? -EFAULT : -EINVAL;
	if (!count)
		return -EINVAL;
	if (copy_from_user(text, buf, count))
		return -EFAULT;
	text[count] = '\0';
	if (strlen(text) != count)
		return -EINVAL;
	return kstrtoull(text, 10, val);
}

static int varmon_tunable_reject(const struct varmon_tunable *tun,
				 const char *why)
{
	pr_warn_ratelimited("%s: write rejected: %s\n", tun->name, why);
	return -EINVAL;
}

/* The default interval may never fall below the minimum. */
static int varmon_tunable_cross_check(const struct varmon_tunable *tun,
				      u64 val)
{
	if (tun->val == &varmon_def_interval_ns &&
	    val < varmon_min_interval_ns)
		return varmon_tunable_reject(tun, "below min_interval_ns");
	if (tun->val == &varmon_min_interval_ns &&
	    val > varmon_def_interval_ns)
		return varmon_tunable_reject(tun, "above def_interval_ns");
	return 0;
}

static ssize_t varmon_tunable_write(struct file *file, const char __user *buf,
				    size_t count, loff_t *ppos)
{
	const struct varmon_tunable *tun = pde_data(file_inode(file));
	u64 val;
	int err;

	/* One whole number per write; a continuation is not a number. */
	if (*ppos)
		return varmon_tunable_reject(tun, "partial write");
	err = varmon_parse_u64(buf, count, &val);
	if (err == -EFAULT)
		return err;
	if (err)
		return varmon_tunable_reject(tun, "not a decimal number in range");
	if (val < tun->min || val > tun->max)
		return varmon_tunable_reject(tun, "out of range");
	if (tun->align && val % tun->align)
		return varmon_tunable_reject(tun, "not a multiple of 8");

	mutex_lock(&varmon_tunables_lock);
	err = varmon_tunable_cross_check(tun, val);
	if (!err)
		WRITE_ONCE(*tun->val, val);
	mutex_unlock(&varmon_tunables_lock);
	if (err)
		return err;
	*ppos += count;
	return count;
}

static const struct proc_ops varmon_tunable_ops = {
	.proc_open = varmon_tunable_open,
	.proc_read = seq_read,
	.proc_write = varmon_tunable_write,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static void varmon_show_watch(struct seq_file *m,
			      const struct varmon_watch_k *w, bool raw_addr)
{
	seq_printf(m, "%d %s ", w->tgid, w->name);
	if (raw_addr)
		seq_printf(m, "0x%llx", w->uaddr);
	else
		seq_printf(m, "%p", (void *)(unsigned long)w->uaddr);
	seq_printf(m, " %u %s ", w->length, varmon_cond_name(w->cond));
	if (w->flags & VARMON_WATCH_UNSIGNED)
		seq_printf(m, "%llu", (u64)w->threshold);
	else
		seq_printf(m, "%lld", w->threshold);
	seq_printf(m, " %llu %llu", w->timer ? varmon_timer_interval(w->timer) : 0,
		   READ_ONCE(w->trips));
	if (w->flags & VARMON_WATCH_UNSIGNED)
		seq_printf(m, " %llu %llu", (u64)w->arg, (u64)w->rearm);
	else
		seq_printf(m, " %lld %lld", w->arg, w->rearm);
	seq_printf(m, " %s\n", w->hw ? "hwbp" :
		   w->fell_back ? "poll-fallback" : "poll");
}

static int varmon_watches_show(struct seq_file *m, void *v)
{
	/* Hash addresses for readers that may not see raw pointers. */
	bool raw_addr = file_ns_capable(m->file, &init_user_ns, CAP_SYSLOG);
	const struct varmon_watch_k *w;
	struct varmon_mm *vmm;

	seq_puts(m, "# pid name addr length cond threshold interval_ns trips arg rearm trigger\n");
	mutex_lock(&varmon_lock);
	list_for_each_entry(vmm, &varmon_mms, node) {
		spin_lock(&vmm->lock);
		list_for_each_entry(w, &vmm->watches, mm_node)
			varmon_show_watch(m, w, raw_addr);
		spin_unlock(&vmm->lock);
	}
	mutex_unlock(&varmon_lock);
	return 0;
}

static int varmon_stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "timers %d\n", atomic_read(&varmon_stats.timers));
	seq_printf(m, "watches %d\n", atomic_read(&varmon_stats.watches));
	seq_printf(m, "pinned_pages %d\n",
		   atomic_read(&varmon_stats.pinned_pages));
	seq_printf(m, "ticks %lld\n", atomic64_read(&varmon_stats.ticks));
	seq_printf(m, "trips %lld\n", atomic64_read(&varmon_stats.trips));
	seq_printf(m, "callback_ns_total %lld\n",
		   atomic64_read(&varmon_stats.callback_ns_total));
	seq_printf(m, "callback_ns_max %lld\n",
		   atomic64_read(&varmon_stats.callback_ns_max));
	seq_printf(m, "reports %lld\n", atomic64_read(&varmon_stats.reports));
	seq_printf(m, "report_ns_total %lld\n",
		   atomic64_read(&varmon_stats.report_ns_total));
	seq_printf(m, "report_ns_max %lld\n",
		   atomic64_read(&varmon_stats.report_ns_max));
	varmon_capture_stats_show(m);
	return 0;
}

/* Last calibration (make bench): words per round, rounds, nanoseconds. */
static struct {
	unsigned int words;
	unsigned int rounds;
	u64 ns;
} varmon_calibration;

static int varmon_calibrate_show(struct seq_file *m, void *v)
{
	mutex_lock(&varmon_lock);
	seq_printf(m, "words %u\nrounds %u\nns %llu\n",
		   varmon_calibration.words, varmon_calibration.rounds,
		   varmon_calibration.ns);
	mutex_unlock(&varmon_lock);
	return 0;
}

static int varmon_calibrate_open(struct inode *inode, struct file *file)
{
	return single_open(file, varmon_calibrate_show, NULL);
}

/* Writing N reads every polled word N times (1..100000) and keeps the time. */
static ssize_t varmon_calibrate_write(struct file *file,
				      const char __user *buf, size_t count,
				      loff_t *ppos)
{
	u64 rounds;
	int err;

	err = varmon_parse_u64(buf, count, &rounds);
	if (err == -EFAULT)
		return err;
	if (err || !rounds || rounds > 100000) {
		pr_warn_ratelimited("calibrate: write rejected: not a number of rounds in 1..100000\n");
		return -EINVAL;
	}
	mutex_lock(&varmon_lock);
	varmon_calibration.rounds = rounds;
	varmon_calibration.ns = varmon_timer_calibrate(rounds,
						       &varmon_calibration.words);
	mutex_unlock(&varmon_lock);
	return count;
}

static const struct proc_ops varmon_calibrate_ops = {
	.proc_open = varmon_calibrate_open,
	.proc_read = seq_read,
	.proc_write = varmon_calibrate_write,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

/**
 * varmon_procfs_init() - create /proc/variable_monitor/
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int varmon_procfs_init(void)
{
	unsigned int i;

	varmon_proc_dir = proc_mkdir("variable_monitor", NULL);
	if (!varmon_proc_dir)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(varmon_tunables); i++) {
		const struct varmon_tunable *tun = &varmon_tunables[i];

		if (!proc_create_data(tun->name, 0644, varmon_proc_dir,
				      &varmon_tunable_ops, (void *)tun))
			goto out_remove;
	}
	if (!proc_create("calibrate", 0600, varmon_proc_dir,
			 &varmon_calibrate_ops) ||
	    !proc_create_single("watches", 0444, varmon_proc_dir,
				varmon_watches_show) ||
	    !proc_create_single("stats", 0444, varmon_proc_dir,
				varmon_stats_show))
		goto out_remove;
	return 0;

out_remove:
	proc_remove(varmon_proc_dir);
	return -ENOMEM;
}

/**
 * varmon_procfs_exit() - remove /proc/variable_monitor/
 *
 * Context: module exit; waits for open procfs files to be done.
 */
void varmon_procfs_exit(void)
{
	proc_remove(varmon_proc_dir);
}
