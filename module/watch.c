// SPDX-License-Identifier: GPL-2.0-only
/*
 * Watch registration and removal, and the MMU notifier that drops watches
 * when their memory goes away (munmap, mremap, exec, exit).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/pid.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/user_namespace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "tunables.h"
#include "varmon.h"

/* Longest interval accepted: one hour. */
#define VARMON_MAX_INTERVAL_NS	(3600ULL * NSEC_PER_SEC)

/* Watches dropped by the MMU notifier, freed by varmon_reap_work. */
static LIST_HEAD(varmon_reap_list);
static DEFINE_SPINLOCK(varmon_reap_lock);

static void varmon_reap_fn(struct work_struct *work);
static DECLARE_WORK(varmon_reap_work, varmon_reap_fn);

static const struct mmu_notifier_ops varmon_mn_ops;

static struct varmon_mm *varmon_mm_of(struct mmu_notifier *mn)
{
	return container_of(mn, struct varmon_mm, mn);
}

/* Make sure a watch fires no more; safe under spinlocks. */
static void varmon_watch_stop(struct varmon_watch_k *w)
{
	if (w->hw)
		varmon_hw_disarm(w);
	else
		varmon_timer_detach(w);
}

/*
 * Take the watches of @vmm inside [start, end) off their timers and hand
 * them to the reaper. Runs from the MMU notifier, possibly unable to
 * block, so it takes spinlocks only.
 */
static void varmon_mm_drop_range(struct varmon_mm *vmm, unsigned long start,
				 unsigned long end, bool unmapped,
				 const char *why)
{
	struct varmon_watch_k *w, *tmp;
	struct varmon_page *vpage;
	LIST_HEAD(dropped);

	spin_lock(&vmm->lock);
	list_for_each_entry_safe(w, tmp, &vmm->watches, mm_node) {
		if (w->uaddr < start || w->uaddr >= end)
			continue;
		/*
		 * A breakpoint follows the address, not a page: only
		 * unmapping ends it, not a page being replaced or zapped.
		 */
		if (w->hw && !unmapped)
			continue;
		varmon_watch_stop(w);
		list_move_tail(&w->mm_node, &dropped);
		if (why)
			pr_notice_ratelimited("pid %d: watch '%s' dropped: %s\n",
					      w->tgid, w->name, why);
	}
	list_for_each_entry(vpage, &vmm->pages, node)
		if (vpage->uaddr + PAGE_SIZE > start && vpage->uaddr < end)
			vpage->stale = true;
	spin_unlock(&vmm->lock);

	if (list_empty(&dropped))
		return;
	spin_lock(&varmon_reap_lock);
	list_splice_tail(&dropped, &varmon_reap_list);
	spin_unlock(&varmon_reap_lock);
	queue_work(varmon_wq, &varmon_reap_work);
}

static void varmon_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	/* Exit or exec: the process's watches end with its memory. */
	varmon_mm_drop_range(varmon_mm_of(mn), 0, ULONG_MAX, true, NULL);
}

static int varmon_mn_invalidate_range_start(struct mmu_notifier *mn,
					    const struct mmu_notifier_range *range)
{
	/*
	 * Only unmapping or zapping replaces the memory behind a watch;
	 * protection changes and the like leave the pinned page in place.
	 */
	if (range->event == MMU_NOTIFY_UNMAP)
		varmon_mm_drop_range(varmon_mm_of(mn), range->start, range->end,
				     true, "memory unmapped");
	else if (range->event == MMU_NOTIFY_CLEAR)
		varmon_mm_drop_range(varmon_mm_of(mn), range->start, range->end,
				     false, "memory zapped");
	return 0;
}

static struct mmu_notifier *varmon_mn_alloc(struct mm_struct *mm)
{
	struct varmon_mm *vmm = kzalloc(sizeof(*vmm), GFP_KERNEL);

	if (!vmm)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&vmm->lock);
	INIT_LIST_HEAD(&vmm->watches);
	INIT_LIST_HEAD(&vmm->pages);
	INIT_LIST_HEAD(&vmm->node);
	return &vmm->mn;
}

static void varmon_mn_free(struct mmu_notifier *mn)
{
	kfree(varmon_mm_of(mn));
}

static const struct mmu_notifier_ops varmon_mn_ops = {
	.release = varmon_mn_release,
	.invalidate_range_start = varmon_mn_invalidate_range_start,
	.alloc_notifier = varmon_mn_alloc,
	.free_notifier = varmon_mn_free,
};

/* One notifier reference per watch; the first one lists the mm. */
static struct varmon_mm *varmon_mm_get(struct mm_struct *mm)
{
	struct mmu_notifier *mn;
	struct varmon_mm *vmm;

	lockdep_assert_held(&varmon_lock);
	mn = mmu_notifier_get(&varmon_mn_ops, mm);
	if (IS_ERR(mn))
		return ERR_CAST(mn);
	vmm = varmon_mm_of(mn);
	if (vmm->refs++ == 0)
		list_add_tail(&vmm->node, &varmon_mms);
	return vmm;
}

static void varmon_mm_put(struct varmon_mm *vmm)
{
	lockdep_assert_held(&varmon_lock);
	if (--vmm->refs == 0) {
		list_del_init(&vmm->node);
		varmon_timer_forget(vmm);
	}
	mmu_notifier_put(&vmm->mn);
}

/* Free a watch that is already stopped and off its mm's list. */
static void varmon_watch_free(struct varmon_watch_k *w)
{
	lockdep_assert_held(&varmon_lock);
	if (w->hw) {
		varmon_hw_free(w);
	} else {
		varmon_timer_release(w->timer);
		varmon_page_put(w->vmm, w->vpage);
	}
	varmon_mm_put(w->vmm);
	kfree(w);
	atomic_dec(&varmon_stats.watches);
}

static void varmon_reap_fn(struct work_struct *work)
{
	struct varmon_watch_k *w, *tmp;
	LIST_HEAD(dead);

	mutex_lock(&varmon_lock);
	spin_lock(&varmon_reap_lock);
	list_splice_init(&varmon_reap_list, &dead);
	spin_unlock(&varmon_reap_lock);
	list_for_each_entry_safe(w, tmp, &dead, mm_node)
		varmon_watch_free(w);
	mutex_unlock(&varmon_lock);
}

typedef bool (*varmon_match_fn)(const struct varmon_watch_k *w,
				const void *key);

static bool varmon_match_tgid(const struct varmon_watch_k *w, const void *key)
{
	return w->tgid == *(const pid_t *)key;
}

static bool varmon_match_file(const struct varmon_watch_k *w, const void *key)
{
	return w->file == key;
}

/* Remove and free every live watch that @match accepts. */
static unsigned int varmon_drop_where(varmon_match_fn match, const void *key)
{
	struct varmon_watch_k *w, *tmp;
	struct varmon_mm *vmm;
	unsigned int nr = 0;
	LIST_HEAD(dropped);

	lockdep_assert_held(&varmon_lock);
	list_for_each_entry(vmm, &varmon_mms, node) {
		spin_lock(&vmm->lock);
		list_for_each_entry_safe(w, tmp, &vmm->watches, mm_node) {
			if (!match(w, key))
				continue;
			varmon_watch_stop(w);
			list_move_tail(&w->mm_node, &dropped);
		}
		spin_unlock(&vmm->lock);
	}
	list_for_each_entry_safe(w, tmp, &dropped, mm_node) {
		varmon_watch_free(w);
		nr++;
	}
	return nr;
}

/*
 * May the caller watch another process? ptrace_may_access() is not
 * exported, and without it the LSM ptrace hooks (Yama) cannot be asked,
 * so rather than reimplementing the same-uid rules we ask for what a
 * debugger needs regardless of uid: CAP_SYS_PTRACE in the target's user
 * namespace.
 */
static bool varmon_may_watch(struct task_struct *task)
{
	struct user_namespace *ns;
	bool ok;

	if (same_thread_group(task, current))
		return true;
	rcu_read_lock();
	ns = get_user_ns(__task_cred(task)->user_ns);
	rcu_read_unlock();
	ok = ns_capable(ns, CAP_SYS_PTRACE);
	put_user_ns(ns);
	return ok;
}

/*
 * The process named by @pid (0: the caller), if the caller may watch it.
 * Returns a task reference or an ERR_PTR (-ESRCH, -EPERM).
 */
static struct task_struct *varmon_target_get(u32 pid)
{
	struct task_struct *task;
	struct pid *p;

	if (!pid) {
		get_task_struct(current);
		return current;
	}
	if (pid > PID_MAX_LIMIT)
		return ERR_PTR(-ESRCH);
	p = find_get_pid(pid);
	task = get_pid_task(p, PIDTYPE_PID);
	put_pid(p);
	if (!task)
		return ERR_PTR(-ESRCH);
	if (!varmon_may_watch(task)) {
		pr_warn_ratelimited("%s[%d]: pid %u: needs CAP_SYS_PTRACE\n",
				    current->comm, task_tgid_vnr(current), pid);
		put_task_struct(task);
		return ERR_PTR(-EPERM);
	}
	return task;
}

static int varmon_watch_invalid(const char *what)
{
	pr_warn_ratelimited("%s[%d]: watch rejected: %s\n",
			    current->comm, task_tgid_vnr(current), what);
	return -EINVAL;
}

/* Check every field of a watch request; nothing has changed yet. */
static int varmon_watch_check(const struct varmon_watch *uw, u64 *interval)
{
	size_t name_len = strnlen(uw->name, sizeof(uw->name));
	const char *why;
	unsigned int i;

	if (uw->__pad0)
		return varmon_watch_invalid("non-zero padding");
	for (i = 0; i < ARRAY_SIZE(uw->reserved); i++)
		if (uw->reserved[i])
			return varmon_watch_invalid("non-zero reserved field");
	if (uw->flags & ~VARMON_WATCH_FLAGS)
		return varmon_watch_invalid("unknown flags");
	if (uw->cond < VARMON_COND_GT || uw->cond > VARMON_COND_MAX)
		return varmon_watch_invalid("unknown condition");
	if (uw->trigger != VARMON_TRIGGER_POLL &&
	    uw->trigger != VARMON_TRIGGER_HWBP)
		return varmon_watch_invalid("unknown trigger mode");
	if (uw->trigger != VARMON_TRIGGER_HWBP &&
	    uw->flags & VARMON_WATCH_HW_FALLBACK)
		return varmon_watch_invalid("fallback flag without hardware trigger");
	/* A breakpoint sees writes, not samples: nothing to count. */
	if (uw->trigger == VARMON_TRIGGER_HWBP &&
	    uw->cond == VARMON_COND_STALLED)
		return varmon_watch_invalid("stalled needs polling");
	if (uw->length != 1 && uw->length != 2 && uw->length != 4 &&
	    uw->length != 8)
		return varmon_watch_invalid("length is not 1, 2, 4 or 8");
	if (!IS_ALIGNED(uw->addr, uw->length))
		return varmon_watch_invalid("address not aligned to its length");
	if (name_len == 0 || name_len == sizeof(uw->name))
		return varmon_watch_invalid("name empty or longer than 15 characters");
	/* Names go to dmesg and the space-separated watches file. */
	for (i = 0; i < name_len; i++)
		if (uw->name[i] <= ' ' || uw->name[i] >= 0x7f)
			return varmon_watch_invalid("name is not printable ASCII without spaces");
	if (varmon_cond_check(uw, &why))
		return varmon_watch_invalid(why);

	*interval = uw->interval_ns ?: READ_ONCE(varmon_def_interval_ns);
	if (*interval < READ_ONCE(varmon_min_interval_ns))
		return varmon_watch_invalid("interval below min_interval_ns");
	if (*interval > VARMON_MAX_INTERVAL_NS)
		return varmon_watch_invalid("interval above one hour");
	return 0;
}

static struct varmon_watch_k *
varmon_watch_new(struct file *file, const struct varmon_watch *uw,
		 struct task_struct *task)
{
	struct varmon_watch_k *w = kzalloc(sizeof(*w), GFP_KERNEL);

	if (!w)
		return NULL;
	w->file = file;
	w->uaddr = uw->addr;
	w->threshold = uw->threshold;
	w->arg = uw->arg;
	w->rearm = uw->rearm;
	w->tgid = task_tgid_nr(task);
	w->length = uw->length;
	w->cond = uw->cond;
	w->flags = uw->flags;
	w->trigger = uw->trigger;
	strscpy(w->name, uw->name, sizeof(w->name));
	return w;
}

/*
 * Breakpoints for a hardware watch, or with VARMON_WATCH_HW_FALLBACK a
 * switch to polling when the debug registers are taken.
 */
static int varmon_watch_add_hw(struct varmon_watch_k *w,
			       struct task_struct *task)
{
	u64 raw = 0;
	int err;

	/* "changed" compares with the value before the first write. */
	if (access_process_vm(task, w->uaddr, &raw, w->length, 0) ==
	    w->length)
		varmon_cond_init(w, varmon_value_extend(w, raw));

	err = varmon_hw_attach(w, task);
	if (err != -ENOSPC || !(w->flags & VARMON_WATCH_HW_FALLBACK))
		return err;
	pr_notice_ratelimited("pid %d: watch '%s': no free debug register, polling instead\n",
			      w->tgid, w->name);
	w->trigger = VARMON_TRIGGER_POLL;
	w->fell_back = true;
	return 0;
}

/*
 * Set up, attach and publish one checked watch of @mm. On failure
 * nothing of it remains.
 */
static int varmon_watch_add(struct file *file, const struct varmon_watch *uw,
			    u64 interval, struct task_struct *task,
			    struct mm_struct *mm)
{
	struct varmon_timer *t = NULL;
	struct varmon_page *vpage = NULL;
	struct varmon_watch_k *w;
	struct varmon_mm *vmm;
	int err;

	lockdep_assert_held(&varmon_lock);
	w = varmon_watch_new(file, uw, task);
	if (!w)
		return -ENOMEM;

	if (w->trigger == VARMON_TRIGGER_HWBP) {
		err = varmon_watch_add_hw(w, task);
		if (err)
			goto out_free_watch;
	}
	vmm = varmon_mm_get(mm);
	if (IS_ERR(vmm)) {
		err = PTR_ERR(vmm);
		goto out_free_hw;
	}
	/* vmm->refs already counts this watch. */
	if (vmm->refs > READ_ONCE(varmon_max_process_watches) ||
	    atomic_read(&varmon_stats.watches) >= READ_ONCE(varmon_max_watches)) {
		pr_warn_ratelimited("%s[%d]: watch rejected: max_process_watches or max_watches reached\n",
				    current->comm, task_tgid_vnr(current));
		err = -ENOSPC;
		goto out_put_mm;
	}

	if (w->trigger == VARMON_TRIGGER_POLL) {
		t = varmon_timer_reserve(interval, vmm);
		if (IS_ERR(t)) {
			err = PTR_ERR(t);
			t = NULL;
			if (err == -ENOSPC)
				pr_warn_ratelimited("%s[%d]: watch rejected: no timer slot left (max_timers, max_process_timers)\n",
						    current->comm,
						    task_tgid_vnr(current));
			goto out_put_mm;
		}
	}

	mmap_read_lock(mm);
	if (t) {
		vpage = varmon_page_get(vmm, mm, uw->addr);
		err = PTR_ERR_OR_ZERO(vpage);
	} else {
		err = varmon_vma_check(mm, uw->addr);
	}
	if (err) {
		if (err == -EFAULT)
			pr_warn_ratelimited("%s[%d]: watch rejected: address not mapped readable\n",
					    current->comm,
					    task_tgid_vnr(current));
		goto out_unlock;
	}

	w->vmm = vmm;
	w->vpage = vpage;
	if (vpage)
		w->kaddr = vpage->kaddr + offset_in_page(uw->addr);

	spin_lock(&vmm->lock);
	list_add_tail(&w->mm_node, &vmm->watches);
	if (t)
		varmon_timer_attach(t, w);
	else
		varmon_hw_arm(w);
	spin_unlock(&vmm->lock);
	mmap_read_unlock(mm);
	atomic_inc(&varmon_stats.watches);
	return 0;

out_unlock:
	mmap_read_unlock(mm);
	if (t)
		varmon_timer_release(t);
out_put_mm:
	varmon_mm_put(vmm);
out_free_hw:
	if (w->hw)
		varmon_hw_free(w);
out_free_watch:
	kfree(w);
	return err;
}

/**
 * varmon_ioctl_watch() - VARMON_IOC_WATCH: start watching a variable
 * @file:	the device file; the watch ends when it is released
 * @argp:	struct varmon_watch in user memory
 *
 * Context: process, may sleep; takes varmon_lock and the target's
 * mmap_lock.
 * Return: 0, or -EINVAL, -E2BIG, -EFAULT, -ESRCH, -EPERM, -ENOSPC, -ENOMEM.
 */
long varmon_ioctl_watch(struct file *file, void __user *argp)
{
	struct task_struct *task;
	struct varmon_watch uw;
	struct mm_struct *mm;
	u64 interval;
	int err;

	BUILD_BUG_ON(sizeof(uw) != VARMON_WATCH_SIZE_VER0);
	err = varmon_copy_arg(&uw, sizeof(uw), VARMON_WATCH_SIZE_VER0, argp);
	if (err)
		return err;
	err = varmon_watch_check(&uw, &interval);
	if (err)
		return err;
	/* Not user memory, so certainly not mapped readable there. */
	if (uw.addr > TASK_SIZE_MAX - uw.length)
		return -EFAULT;

	task = varmon_target_get(uw.pid);
	if (IS_ERR(task))
		return PTR_ERR(task);
	mm = get_task_mm(task);
	if (!mm) {
		err = -ESRCH;	/* a kernel thread, or already exiting */
		goto out_put_task;
	}

	mutex_lock(&varmon_lock);
	err = varmon_watch_add(file, &uw, interval, task, mm);
	mutex_unlock(&varmon_lock);

	mmput(mm);
out_put_task:
	put_task_struct(task);
	return err;
}

/**
 * varmon_ioctl_cancel() - VARMON_IOC_CANCEL: drop a process's watches
 * @file:	the device file
 * @argp:	struct varmon_cancel in user memory
 *
 * Context: process, may sleep; takes varmon_lock.
 * Return: 0 (also when there was nothing to cancel), -EINVAL, -E2BIG,
 * -EFAULT, -ESRCH or -EPERM.
 */
long varmon_ioctl_cancel(struct file *file, void __user *argp)
{
	struct task_struct *task;
	struct varmon_cancel uc;
	pid_t tgid;
	int err;

	BUILD_BUG_ON(sizeof(uc) != VARMON_CANCEL_SIZE_VER0);
	err = varmon_copy_arg(&uc, sizeof(uc), VARMON_CANCEL_SIZE_VER0, argp);
	if (err)
		return err;
	if (uc.reserved[0] || uc.reserved[1])
		return varmon_watch_invalid("non-zero reserved field in cancel");

	task = varmon_target_get(uc.pid);
	if (IS_ERR(task))
		return PTR_ERR(task);
	tgid = task_tgid_nr(task);
	put_task_struct(task);

	mutex_lock(&varmon_lock);
	varmon_drop_where(varmon_match_tgid, &tgid);
	mutex_unlock(&varmon_lock);
	return 0;
}

/**
 * varmon_file_release() - drop the watches registered through a file
 * @file:	the device file being released
 *
 * Context: process, may sleep; takes varmon_lock.
 */
void varmon_file_release(struct file *file)
{
	mutex_lock(&varmon_lock);
	varmon_drop_where(varmon_match_file, file);
	mutex_unlock(&varmon_lock);
}

/**
 * varmon_watch_exit() - wait for dropped watches and notifier frees
 *
 * Context: module exit, after the device is gone, so no file is open and
 * no watch is live; only the reaper may still hold some.
 */
void varmon_watch_exit(void)
{
	flush_work(&varmon_reap_work);
	WARN_ON(!list_empty(&varmon_mms));
	/* free_notifier callbacks run after an SRCU grace period. */
	mmu_notifier_synchronize();
}
