/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal structures of the watch engine.
 *
 * Lock order, outermost first:
 *	varmon_lock (mutex: registration, cancellation, teardown)
 *	  mmap_lock of the watched mm
 *	    varmon_mm.lock (spinlock: the mm's watch and page lists)
 *	      varmon_timer.lock (raw spinlock: a timer's slots, taken by
 *	                         the hrtimer callback in hard irq context)
 * The MMU notifier runs with the mmap_lock held (or at exit) and takes
 * only the two spinlocks, so it never waits for varmon_lock.
 */
#ifndef VARMON_H
#define VARMON_H

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "variable_monitor.h"

struct file;
struct varmon_timer;

/**
 * struct varmon_mm - an address space with watches
 * @mn:		MMU notifier, found again through mmu_notifier_get()
 * @lock:	protects @watches and @pages
 * @watches:	live watches on this mm (varmon_watch.mm_node)
 * @pages:	pinned pages of this mm (varmon_page.node)
 * @node:	in varmon_mms, under varmon_lock
 * @refs:	watches holding this mm (live or waiting to be reaped), each
 *		with its own mmu_notifier_get() reference; under varmon_lock
 * @nr_timers:	timers its watches created that still exist, its share
 *		of max_process_timers; under varmon_lock
 */
struct varmon_mm {
	struct mmu_notifier mn;
	spinlock_t lock;	/* @watches, @pages */
	struct list_head watches;
	struct list_head pages;
	struct list_head node;
	unsigned int refs;
	unsigned int nr_timers;
};

/**
 * struct varmon_page - one pinned user page, shared by its watches
 * @node:	in varmon_mm.pages, under varmon_mm.lock
 * @uaddr:	page-aligned user address it was pinned at
 * @page:	the pinned page (FOLL_PIN | FOLL_LONGTERM)
 * @kaddr:	kernel mapping of @page for the life of the pin
 * @refs:	watches using it; changed under varmon_lock
 * @stale:	unmapped by the process; no new watch may use it
 */
struct varmon_page {
	struct list_head node;
	unsigned long uaddr;
	struct page *page;
	void *kaddr;
	unsigned int refs;
	bool stale;
};

/**
 * struct varmon_cond_state - history some conditions need
 * @prev:	previous sample (changed, stalled)
 * @same:	consecutive samples equal to @prev (stalled)
 * @moved:	the value has been seen changing (stalled arms on it)
 * @latched:	fired and waiting to re-arm (stalled, rearm by value)
 *
 * Written only by the hrtimer callback, under the timer's lock.
 */
struct varmon_cond_state {
	s64 prev;
	u32 same;
	bool moved;
	bool latched;
};

/**
 * struct varmon_watch_k - one watched variable
 * @mm_node:	in varmon_mm.watches, or in the reap list once dropped
 * @vmm:	address space it lives in
 * @vpage:	pinned page holding it
 * @timer:	timer polling it (polled watches)
 * @hw:		its breakpoints (hardware watches)
 * @slot:	index in @timer->slots, under @timer->lock
 * @file:	open file that registered it; compared, never dereferenced
 * @kaddr:	kernel address of the variable
 * @uaddr:	user address of the variable
 * @threshold:	as registered
 * @arg:	as registered (range high end)
 * @rearm:	as registered (hysteresis)
 * @state:	condition history, under @timer->lock
 * @trips:	times it tripped; written under @timer->lock
 * @tgid:	owning process, in the initial pid namespace
 * @length:	1, 2, 4 or 8
 * @cond:	VARMON_COND_*
 * @flags:	VARMON_WATCH_*
 * @trigger:	VARMON_TRIGGER_* in use
 * @fell_back:	asked for a hardware trigger, polled for lack of one
 * @name:	NUL-terminated name
 */
struct varmon_watch_k {
	struct list_head mm_node;
	struct varmon_mm *vmm;
	struct varmon_page *vpage;
	struct varmon_timer *timer;
	struct varmon_hw *hw;
	unsigned int slot;
	const struct file *file;
	const void *kaddr;
	u64 uaddr;
	s64 threshold;
	s64 arg;
	s64 rearm;
	struct varmon_cond_state state;
	u64 trips;
	pid_t tgid;
	u8 length;
	u8 cond;
	u16 flags;
	u8 trigger;
	bool fell_back;
	char name[VARMON_NAME_LEN];
};

/* Engine counters shown in /proc/variable_monitor/stats. */
struct varmon_stats {
	atomic64_t ticks;
	atomic64_t trips;
	atomic64_t callback_ns_total;
	atomic64_t callback_ns_max;
	atomic64_t reports;
	atomic64_t report_ns_total;
	atomic64_t report_ns_max;
	atomic_t timers;
	atomic_t watches;
	atomic_t pinned_pages;
};

extern struct mutex varmon_lock;
extern struct list_head varmon_mms;
extern struct varmon_stats varmon_stats;
extern struct workqueue_struct *varmon_wq;

/* main.c */
void varmon_stats_max_add(atomic64_t *total, atomic64_t *max, u64 ns);

/* watch.c */
long varmon_ioctl_watch(struct file *file, void __user *argp);
long varmon_ioctl_cancel(struct file *file, void __user *argp);
void varmon_file_release(struct file *file);
void varmon_watch_exit(void);

/* a < b, signed or unsigned as a watch says. */
static inline bool varmon_less(bool is_unsigned, s64 a, s64 b)
{
	return is_unsigned ? (u64)a < (u64)b : a < b;
}

/* cond.c */
const char *varmon_cond_name(u8 cond);
s64 varmon_value_extend(const struct varmon_watch_k *w, u64 raw);
int varmon_cond_check(const struct varmon_watch *uw, const char **why);
void varmon_cond_init(struct varmon_watch_k *w, s64 value);
bool varmon_cond_eval(struct varmon_watch_k *w, s64 value);

/* report.c */
struct varmon_trip;
void varmon_trip_add(struct varmon_trip *trip, const struct varmon_watch_k *w,
		     s64 value);
void varmon_report(const struct varmon_trip *r, const char *source);

/* hwbp.c */
int varmon_hw_attach(struct varmon_watch_k *w, struct task_struct *task);
void varmon_hw_arm(struct varmon_watch_k *w);
void varmon_hw_disarm(struct varmon_watch_k *w);
void varmon_hw_free(struct varmon_watch_k *w);

/* pin.c */
int varmon_vma_check(struct mm_struct *mm, unsigned long uaddr);
struct varmon_page *varmon_page_get(struct varmon_mm *vmm,
				    struct mm_struct *mm, unsigned long uaddr);
void varmon_page_put(struct varmon_mm *vmm, struct varmon_page *vpage);

/* timer.c */
struct varmon_timer *varmon_timer_reserve(u64 interval_ns,
					  struct varmon_mm *vmm);
void varmon_timer_forget(struct varmon_mm *vmm);
void varmon_timer_attach(struct varmon_timer *t, struct varmon_watch_k *w);
void varmon_timer_detach(struct varmon_watch_k *w);
void varmon_timer_release(struct varmon_timer *t);
u64 varmon_timer_interval(const struct varmon_timer *t);
u64 varmon_timer_calibrate(unsigned int rounds, unsigned int *words);
void varmon_timer_exit(void);

/* procfs.c */
int varmon_procfs_init(void);
void varmon_procfs_exit(void);

/* dev.c */
int varmon_copy_arg(void *dst, size_t ksize, size_t ver0_size,
		    const void __user *src);
int varmon_dev_init(void);
void varmon_dev_exit(void);

#endif /* VARMON_H */
