// SPDX-License-Identifier: GPL-2.0-only
/*
 * Timer groups: watches with the same interval share one hrtimer, up to
 * max_watches_per_timer each, and at most max_timers exist.
 *
 * The callback runs in hard interrupt context, also on PREEMPT_RT
 * (HRTIMER_MODE_REL_HARD): its work is bounded by the slot count and it
 * only reads, compares and copies, so it never needs to sleep, and a
 * softirq-thread timer would add scheduling latency to every poll. Its
 * data is guarded by a raw spinlock for the same reason. Reporting and
 * capture run from a work item.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/overflow.h>
#include <linux/printk.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "capture.h"
#include "compat.h"
#include "tunables.h"
#include "varmon.h"

/**
 * struct varmon_timer - one hrtimer and the watches it polls
 * @hrt:	the timer
 * @lock:	protects @nr, @slots, @trip and @trip_pending, and the
 *		@trips counters of the watches in @slots
 * @node:	in varmon_timers, under varmon_lock
 * @interval_ns: polling period
 * @users:	slots reserved, under varmon_lock; the timer is freed when
 *		it drops to zero
 * @cap:	number of @slots
 * @nr:		watches attached, in @slots[0..nr)
 * @started:	@hrt has been started, under varmon_lock
 * @creator:	address space whose watch made this timer, charged for it
 *		in its share (max_process_timers); under varmon_lock
 * @refs:	one held by varmon_timers until varmon_timer_destroy(), and
 *		one per queued @report_work, dropped when it is done; the
 *		last one frees the timer
 * @trip_pending: @trip holds a tick that @report_work has not taken yet
 * @report_work: prints the dmesg block and runs the capture
 * @trip:	watches that tripped, filled by the callback
 * @report:	@report_work's own copy of @trip
 * @slots:	the watches
 */
struct varmon_timer {
	struct hrtimer hrt;
	raw_spinlock_t lock;
	struct list_head node;
	u64 interval_ns;
	unsigned int users;
	unsigned int cap;
	unsigned int nr;
	bool started;
	struct varmon_mm *creator;
	refcount_t refs;
	bool trip_pending;
	struct work_struct report_work;
	struct varmon_trip *trip;
	struct varmon_trip *report;
	struct varmon_watch_k *slots[];
};

static LIST_HEAD(varmon_timers);
static unsigned int varmon_nr_timers;

static __always_inline s64 varmon_read_value(const struct varmon_watch_k *w)
{
	u64 raw;

	switch (w->length) {
	case 1:
		raw = READ_ONCE(*(const u8 *)w->kaddr);
		break;
	case 2:
		raw = READ_ONCE(*(const u16 *)w->kaddr);
		break;
	case 4:
		raw = READ_ONCE(*(const u32 *)w->kaddr);
		break;
	default:
		raw = READ_ONCE(*(const u64 *)w->kaddr);
	}
	return varmon_value_extend(w, raw);
}

/*
 * The original's conditions, without hysteresis, are most watches: test
 * them inline, and leave the rest to varmon_cond_eval(). This halves the
 * cost per watch (make bench).
 */
static __always_inline bool varmon_poll_hit(struct varmon_watch_k *w,
					    s64 value)
{
	if (likely(w->cond <= VARMON_COND_LT &&
		   !(w->flags & VARMON_WATCH_REARM_VALUE))) {
		bool is_unsigned = w->flags & VARMON_WATCH_UNSIGNED;

		return w->cond == VARMON_COND_GT ?
		       varmon_less(is_unsigned, w->threshold, value) :
		       varmon_less(is_unsigned, value, w->threshold);
	}
	return varmon_cond_eval(w, value);
}

static void varmon_stats_tick(u64 ns)
{
	atomic64_inc(&varmon_stats.ticks);
	varmon_stats_max_add(&varmon_stats.callback_ns_total,
			     &varmon_stats.callback_ns_max, ns);
}

static enum hrtimer_restart varmon_timer_fn(struct hrtimer *hrt)
{
	struct varmon_timer *t = container_of(hrt, struct varmon_timer, hrt);
	u64 start = ktime_get_ns();
	unsigned int i, tripped = 0;
	u64 pause_ns;

	raw_spin_lock(&t->lock);
	if (!t->trip_pending) {
		t->trip->nr = 0;
		t->trip->mono_ns = start;
	}
	for (i = 0; i < t->nr; i++) {
		struct varmon_watch_k *w = t->slots[i];
		s64 value = varmon_read_value(w);

		if (!varmon_poll_hit(w, value))
			continue;
		w->trips++;
		tripped++;
		if (!t->trip_pending)
			varmon_trip_add(t->trip, w, value);
	}
	if (tripped && !t->trip_pending) {
		t->trip->real_ns = ktime_get_real_ns();
		t->trip_pending = true;
		/* @report_work has taken any earlier trip: this queues it. */
		refcount_inc(&t->refs);
		queue_work(varmon_wq, &t->report_work);
	}
	raw_spin_unlock(&t->lock);

	varmon_stats_tick(ktime_get_ns() - start);
	if (!tripped) {
		hrtimer_forward_now(hrt, ns_to_ktime(t->interval_ns));
		return HRTIMER_RESTART;
	}

	atomic64_add(tripped, &varmon_stats.trips);
	/* One dump per dump_reset_sec: stay quiet while it is taken. */
	pause_ns = READ_ONCE(varmon_dump_reset_sec) * NSEC_PER_SEC;
	hrtimer_forward_now(hrt, ns_to_ktime(max(pause_ns, t->interval_ns)));
	return HRTIMER_RESTART;
}

static void varmon_timer_put(struct varmon_timer *t)
{
	if (!refcount_dec_and_test(&t->refs))
		return;
	kfree(t->report);
	kfree(t->trip);
	kfree(t);
}

static void varmon_report_fn(struct work_struct *work)
{
	struct varmon_timer *t = container_of(work, struct varmon_timer,
					      report_work);
	struct varmon_trip *r = t->report;
	char source[48];

	raw_spin_lock_irq(&t->lock);
	memcpy(r, t->trip, struct_size(r, trig, t->trip->nr));
	t->trip_pending = false;
	raw_spin_unlock_irq(&t->lock);

	snprintf(source, sizeof(source), "interval %llu ns", t->interval_ns);
	varmon_report(r, source);
	varmon_timer_put(t);
}

static struct varmon_timer *varmon_timer_create(u64 interval_ns)
{
	unsigned int cap = READ_ONCE(varmon_max_watches_per_timer);
	struct varmon_timer *t;

	t = kzalloc(struct_size(t, slots, cap), GFP_KERNEL);
	if (!t)
		return NULL;
	t->trip = kzalloc(struct_size(t->trip, trig, cap), GFP_KERNEL);
	t->report = kzalloc(struct_size(t->report, trig, cap), GFP_KERNEL);
	if (!t->trip || !t->report)
		goto out_free;

	varmon_hrtimer_setup(&t->hrt, varmon_timer_fn, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_HARD);
	raw_spin_lock_init(&t->lock);
	INIT_WORK(&t->report_work, varmon_report_fn);
	refcount_set(&t->refs, 1);
	t->interval_ns = interval_ns;
	t->cap = cap;
	return t;

out_free:
	kfree(t->report);
	kfree(t->trip);
	kfree(t);
	return NULL;
}

/**
 * varmon_timer_reserve() - reserve a slot on a timer of this interval
 * @interval_ns: polling period
 * @vmm:	address space of the watch, charged if a timer is created
 *
 * Reuses a timer with the same interval and a free slot, or creates one.
 * The slot is used by varmon_timer_attach() and given back with
 * varmon_timer_release().
 *
 * Context: process, varmon_lock held.
 * Return: the timer, ERR_PTR(-ENOSPC) when max_timers exist or @vmm
 * already made max_process_timers of them, or ERR_PTR(-ENOMEM).
 */
struct varmon_timer *varmon_timer_reserve(u64 interval_ns,
					  struct varmon_mm *vmm)
{
	unsigned int cap = READ_ONCE(varmon_max_watches_per_timer);
	struct varmon_timer *t;

	lockdep_assert_held(&varmon_lock);
	/* A lowered limit applies to timers made before it, too. */
	list_for_each_entry(t, &varmon_timers, node) {
		if (t->interval_ns == interval_ns &&
		    t->users < min(t->cap, cap)) {
			t->users++;
			return t;
		}
	}

	if (varmon_nr_timers >= READ_ONCE(varmon_max_timers) ||
	    vmm->nr_timers >= READ_ONCE(varmon_max_process_timers))
		return ERR_PTR(-ENOSPC);
	t = varmon_timer_create(interval_ns);
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->users = 1;
	t->creator = vmm;
	vmm->nr_timers++;
	list_add_tail(&t->node, &varmon_timers);
	varmon_nr_timers++;
	atomic_inc(&varmon_stats.timers);
	return t;
}

/**
 * varmon_timer_forget() - stop charging an address space for its timers
 * @vmm:	an address space whose last watch is gone
 *
 * Its timers may live on with other processes' watches; they are no
 * longer anyone's share.
 *
 * Context: process, varmon_lock held.
 */
void varmon_timer_forget(struct varmon_mm *vmm)
{
	struct varmon_timer *t;

	lockdep_assert_held(&varmon_lock);
	list_for_each_entry(t, &varmon_timers, node)
		if (t->creator == vmm)
			t->creator = NULL;
	vmm->nr_timers = 0;
}

/**
 * varmon_timer_attach() - start polling a watch in a reserved slot
 * @t:	timer from varmon_timer_reserve()
 * @w:	the watch, fully set up
 *
 * Context: process, varmon_lock held.
 */
void varmon_timer_attach(struct varmon_timer *t, struct varmon_watch_k *w)
{
	unsigned long flags;

	lockdep_assert_held(&varmon_lock);
	w->timer = t;
	raw_spin_lock_irqsave(&t->lock, flags);
	varmon_cond_init(w, varmon_read_value(w));
	w->slot = t->nr;
	t->slots[t->nr++] = w;
	raw_spin_unlock_irqrestore(&t->lock, flags);

	if (!t->started) {
		u64 first = ktime_get_ns() + t->interval_ns, rem;

		/*
		 * Expire on a multiple of the interval, so timers of one
		 * interval fire in the same interrupt (a thirteenth of the
		 * interrupts for 32 timers at 1 ms, make bench);
		 * hrtimer_forward_now() keeps them in phase.
		 */
		div64_u64_rem(first, t->interval_ns, &rem);
		first += t->interval_ns - rem;
		t->started = true;
		hrtimer_start(&t->hrt, ns_to_ktime(first), HRTIMER_MODE_ABS_HARD);
	}
}

/**
 * varmon_timer_detach() - stop polling a watch
 * @w:	an attached watch
 *
 * Once this returns, the callback no longer reads @w. The slot stays
 * reserved until varmon_timer_release().
 *
 * Context: any but hard irq; called with varmon_mm.lock held.
 */
void varmon_timer_detach(struct varmon_watch_k *w)
{
	struct varmon_timer *t = w->timer;
	unsigned long flags;

	raw_spin_lock_irqsave(&t->lock, flags);
	/* Fill the hole with the last watch, as the original did. */
	t->slots[w->slot] = t->slots[--t->nr];
	t->slots[w->slot]->slot = w->slot;
	raw_spin_unlock_irqrestore(&t->lock, flags);
}

static void varmon_timer_destroy(struct varmon_timer *t)
{
	if (t->creator)
		t->creator->nr_timers--;
	/* Once the callback is done, no report is queued any more. */
	hrtimer_cancel(&t->hrt);
	list_del(&t->node);
	varmon_nr_timers--;
	atomic_dec(&varmon_stats.timers);
	/*
	 * A trip queued before the last watch went (its process exited
	 * right after it) is still reported, and its work frees the timer.
	 * Waiting for it here would hold varmon_lock for as long as a dump
	 * takes.
	 */
	varmon_timer_put(t);
}

/**
 * varmon_timer_release() - give back a slot; free the timer with the last
 * @t:	timer from varmon_timer_reserve()
 *
 * Context: process, varmon_lock held; waits for a running callback, not
 * for a queued or running report, which frees the timer when it is done.
 */
void varmon_timer_release(struct varmon_timer *t)
{
	lockdep_assert_held(&varmon_lock);
	if (--t->users == 0)
		varmon_timer_destroy(t);
}

/**
 * varmon_timer_calibrate() - time plain reads of every polled word
 * @rounds:	how many times to read each word
 * @words:	set to the number of words read per round
 *
 * Reads the same words the callbacks read, the same way, without the
 * compare, so the callback's cost per watch can be set against the bare
 * cost of a read (make bench). Each timer's words are read with its lock
 * held and interrupts off, as in the callback.
 *
 * Context: process, varmon_lock held.
 * Return: nanoseconds spent reading, in all.
 */
u64 varmon_timer_calibrate(unsigned int rounds, unsigned int *words)
{
	/* Rounds per lock hold: interrupts stay off about as long as a tick. */
	const unsigned int chunk = 64;
	unsigned int r, n, k, i, nr = 0;
	struct varmon_timer *t;
	u64 total = 0, sink = 0;

	lockdep_assert_held(&varmon_lock);
	*words = 0;
	list_for_each_entry(t, &varmon_timers, node) {
		for (r = 0; r < rounds; r += n) {
			u64 start;

			n = min(chunk, rounds - r);
			raw_spin_lock_irq(&t->lock);
			start = ktime_get_ns();
			for (k = 0; k < n; k++)
				for (i = 0; i < t->nr; i++)
					sink += varmon_read_value(t->slots[i]);
			total += ktime_get_ns() - start;
			nr = t->nr;
			raw_spin_unlock_irq(&t->lock);
			cond_resched();
		}
		*words += nr;
	}
	/* Keep the reads: the compiler must not drop an unused sum. */
	OPTIMIZER_HIDE_VAR(sink);
	return total;
}

/**
 * varmon_timer_interval() - polling period of a timer
 * @t:	the timer
 *
 * Return: the interval in nanoseconds.
 */
u64 varmon_timer_interval(const struct varmon_timer *t)
{
	return t->interval_ns;
}

/**
 * varmon_timer_exit() - check that no timer outlived its watches
 *
 * Context: module exit, after every watch is gone.
 */
void varmon_timer_exit(void)
{
	WARN_ON(!list_empty(&varmon_timers));
}
