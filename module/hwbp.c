// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hardware-breakpoint watches: a write breakpoint on every thread of the
 * process instead of polling, so the condition sees every write, however
 * short-lived the value. The writer's registers and user stack are taken
 * in the breakpoint handler, while they are still exact.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <linux/ptrace.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "capture.h"
#include "tunables.h"
#include "varmon.h"

/**
 * struct varmon_hw - hardware side of one watch
 * @w:		the watch
 * @lock:	protects @armed, @pending, @quiet_until_ns, @trip, @writer,
 *		@stack, and the watch's condition state and trip count
 * @armed:	the handler may fire; false before publication and after
 *		the watch is dropped
 * @pending:	@trip waits for @work
 * @refs:	one held by the watch until varmon_hw_free(), and one per
 *		queued @work, dropped when it is done; the last one frees
 *		this
 * @quiet_until_ns: no dump before this CLOCK_MONOTONIC time
 * @work:	prints and captures a trip
 * @nr_events:	entries in @events
 * @events:	one breakpoint per thread that existed at registration;
 *		threads created later inherit them
 * @stack_cap:	bytes in @stack and @report_stack
 * @stack:	the writer's stack, filled by the handler
 * @report_stack: @work's copy, swapped with @stack under @lock
 * @writer:	the writer, filled by the handler
 * @report_writer: @work's copy
 * @trip:	the trip, filled by the handler (room for one trigger)
 * @report:	@work's copy
 */
struct varmon_hw {
	struct varmon_watch_k *w;
	raw_spinlock_t lock;
	bool armed;
	bool pending;
	refcount_t refs;
	u64 quiet_until_ns;
	struct work_struct work;
	unsigned int nr_events;
	struct perf_event **events;
	u32 stack_cap;
	u8 *stack;
	u8 *report_stack;
	struct varmon_writer writer;
	struct varmon_writer report_writer;
	struct varmon_trip *trip;
	struct varmon_trip *report;
};

/* Copy the top of the user stack page by page; stop at the first hole. */
static u32 varmon_hw_copy_stack(u8 *dst, u64 sp, u32 cap)
{
	u32 done = 0;

	while (done < cap) {
		u64 addr = sp + done;
		u32 chunk = min_t(u64, cap - done, PAGE_SIZE - offset_in_page(addr));

		if (copy_from_user_nofault(dst + done,
					   (const void __user *)addr, chunk))
			break;
		done += chunk;
	}
	return done;
}

/*
 * Runs in the #DB handler of the writing thread, right after its write,
 * with interrupts off: no sleeping, user memory only through the
 * non-faulting accessors.
 */
static void varmon_hw_handler(struct perf_event *bp,
			      struct perf_sample_data *data,
			      struct pt_regs *regs)
{
	struct varmon_hw *hw = bp->overflow_handler_context;
	u64 reset = READ_ONCE(varmon_dump_reset_sec);
	struct varmon_watch_k *w = hw->w;
	u64 now = ktime_get_ns();
	unsigned long flags;
	u64 raw = 0;
	s64 value;

	if (!user_mode(regs))
		return;
	raw_spin_lock_irqsave(&hw->lock, flags);
	/* An inherited breakpoint in a forked child watches other memory. */
	if (!hw->armed || current->mm != w->vmm->mn.mm)
		goto out_unlock;
	if (copy_from_user_nofault(&raw, (const void __user *)w->uaddr,
				   w->length))
		goto out_unlock;
	value = varmon_value_extend(w, raw);
	if (!varmon_cond_eval(w, value))
		goto out_unlock;
	w->trips++;
	atomic64_inc(&varmon_stats.trips);
	if (hw->pending || now < hw->quiet_until_ns)
		goto out_unlock;

	hw->trip->nr = 0;
	hw->trip->mono_ns = now;
	hw->trip->real_ns = ktime_get_real_ns();
	varmon_trip_add(hw->trip, w, value);
	hw->writer.pid = task_pid_nr(current);
	varmon_pt_regs_copy(&hw->writer.regs, regs);
	hw->writer.regs.reg[VARMON_REG_FS_BASE] = current->thread.fsbase;
	hw->writer.regs.reg[VARMON_REG_GS_BASE] = current->thread.gsbase;
	hw->writer.stack_len = varmon_hw_copy_stack(hw->stack, regs->sp,
						    hw->stack_cap);
	hw->pending = true;
	hw->quiet_until_ns = now + reset * NSEC_PER_SEC;
	/* @work has taken any earlier trip: this queues it. */
	refcount_inc(&hw->refs);
	queue_work(varmon_wq, &hw->work);
out_unlock:
	raw_spin_unlock_irqrestore(&hw->lock, flags);
}

static void varmon_hw_free_buffers(struct varmon_hw *hw)
{
	kfree(hw->events);
	kvfree(hw->stack);
	kvfree(hw->report_stack);
	kfree(hw->trip);
	kfree(hw->report);
	kfree(hw);
}

static void varmon_hw_put(struct varmon_hw *hw)
{
	if (refcount_dec_and_test(&hw->refs))
		varmon_hw_free_buffers(hw);
}

static void varmon_hw_work(struct work_struct *work)
{
	struct varmon_hw *hw = container_of(work, struct varmon_hw, work);
	u8 *stack;

	raw_spin_lock_irq(&hw->lock);
	memcpy(hw->report, hw->trip, struct_size(hw->trip, trig, 1));
	hw->report_writer = hw->writer;
	stack = hw->report_stack;
	hw->report_stack = hw->stack;
	hw->stack = stack;
	hw->pending = false;
	raw_spin_unlock_irq(&hw->lock);

	hw->report_writer.stack = hw->report_stack;
	hw->report->writer = &hw->report_writer;
	varmon_report(hw->report, "hardware breakpoint");
	varmon_hw_put(hw);
}

static int varmon_hw_len(u8 length)
{
	switch (length) {
	case 1:
		return HW_BREAKPOINT_LEN_1;
	case 2:
		return HW_BREAKPOINT_LEN_2;
	case 4:
		return HW_BREAKPOINT_LEN_4;
	default:
		return HW_BREAKPOINT_LEN_8;
	}
}

/* References to the threads of @task's process, or an ERR_PTR. */
static struct task_struct **varmon_hw_threads(struct task_struct *task,
					      unsigned int *nr)
{
	struct task_struct **threads, *t;
	unsigned int cap, n;

	for (;;) {
		cap = get_nr_threads(task) + 4;
		threads = kcalloc(cap, sizeof(*threads), GFP_KERNEL);
		if (!threads)
			return ERR_PTR(-ENOMEM);
		n = 0;
		rcu_read_lock();
		for_each_thread(task, t) {
			if (n == cap)
				break;
			get_task_struct(t);
			threads[n++] = t;
		}
		rcu_read_unlock();
		if (n < cap)
			break;
		/* The process grew while we counted: try again, bigger. */
		while (n)
			put_task_struct(threads[--n]);
		kfree(threads);
	}
	*nr = n;
	return threads;
}

static void varmon_hw_unregister(struct varmon_hw *hw)
{
	while (hw->nr_events)
		unregister_hw_breakpoint(hw->events[--hw->nr_events]);
}

/**
 * varmon_hw_attach() - put a write breakpoint on every thread of a process
 * @w:		the watch, filled in but not yet published
 * @task:	a thread of the target process
 *
 * The breakpoints stay disarmed until varmon_hw_arm().
 *
 * Context: process, may sleep; varmon_lock held.
 * Return: 0, -ENOSPC when a thread has no free debug register, -ENOMEM,
 * or another error from perf.
 */
int varmon_hw_attach(struct varmon_watch_k *w, struct task_struct *task)
{
	u32 stack_cap = READ_ONCE(varmon_user_stack_bytes);
	struct perf_event_attr attr;
	struct task_struct **threads;
	unsigned int i, nr = 0;
	struct varmon_hw *hw;
	int err = 0;

	lockdep_assert_held(&varmon_lock);
	hw = kzalloc(sizeof(*hw), GFP_KERNEL);
	if (!hw)
		return -ENOMEM;
	hw->w = w;
	raw_spin_lock_init(&hw->lock);
	INIT_WORK(&hw->work, varmon_hw_work);
	refcount_set(&hw->refs, 1);
	hw->stack_cap = stack_cap;
	hw->stack = kvzalloc(max(stack_cap, 8U), GFP_KERNEL);
	hw->report_stack = kvzalloc(max(stack_cap, 8U), GFP_KERNEL);
	hw->trip = kzalloc(struct_size(hw->trip, trig, 1), GFP_KERNEL);
	hw->report = kzalloc(struct_size(hw->report, trig, 1), GFP_KERNEL);
	if (!hw->stack || !hw->report_stack || !hw->trip || !hw->report) {
		err = -ENOMEM;
		goto out_free;
	}

	threads = varmon_hw_threads(task, &nr);
	if (IS_ERR(threads)) {
		err = PTR_ERR(threads);
		goto out_free;
	}
	hw->events = kcalloc(nr, sizeof(*hw->events), GFP_KERNEL);
	if (!hw->events)
		err = -ENOMEM;

	hw_breakpoint_init(&attr);
	attr.bp_addr = w->uaddr;
	attr.bp_len = varmon_hw_len(w->length);
	attr.bp_type = HW_BREAKPOINT_W;
	attr.exclude_kernel = 1;	/* the handler wants user registers */
	attr.inherit = 1;		/* threads created later get one too */

	for (i = 0; i < nr && !err; i++) {
		struct perf_event *ev;

		ev = register_user_hw_breakpoint(&attr, varmon_hw_handler, hw,
						 threads[i]);
		if (IS_ERR(ev)) {
			err = PTR_ERR(ev);
			/* A thread that exits meanwhile needs no breakpoint. */
			if (err == -ESRCH)
				err = 0;
			continue;
		}
		hw->events[hw->nr_events++] = ev;
	}
	for (i = 0; i < nr; i++)
		put_task_struct(threads[i]);
	kfree(threads);
	if (err)
		goto out_unregister;

	w->hw = hw;
	return 0;

out_unregister:
	varmon_hw_unregister(hw);
out_free:
	varmon_hw_free_buffers(hw);
	return err;
}

/**
 * varmon_hw_arm() - let a published hardware watch fire
 * @w:	the watch
 *
 * Context: any but hard irq.
 */
void varmon_hw_arm(struct varmon_watch_k *w)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&w->hw->lock, flags);
	w->hw->armed = true;
	raw_spin_unlock_irqrestore(&w->hw->lock, flags);
}

/**
 * varmon_hw_disarm() - stop a hardware watch from firing
 * @w:	the watch
 *
 * The breakpoints stay installed until varmon_hw_free(), which may sleep.
 *
 * Context: any but hard irq; used under varmon_mm.lock.
 */
void varmon_hw_disarm(struct varmon_watch_k *w)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&w->hw->lock, flags);
	w->hw->armed = false;
	raw_spin_unlock_irqrestore(&w->hw->lock, flags);
}

/**
 * varmon_hw_free() - remove the breakpoints and free a hardware watch
 * @w:	a disarmed watch
 *
 * Context: process, may sleep (for perf), also under varmon_lock; does
 * not wait for a queued or running report, which frees what is left of
 * the hardware watch when it is done.
 */
void varmon_hw_free(struct varmon_watch_k *w)
{
	struct varmon_hw *hw = w->hw;

	/* Once the breakpoints are gone, the handler queues no report. */
	varmon_hw_unregister(hw);
	/* A trip already queued is still reported, as for a timer. */
	varmon_hw_put(hw);
	w->hw = NULL;
}
