// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reporting a trip: the trigger entries, the dmesg block, and the handoff
 * to the capture code. Shared by polled and hardware watches.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/printk.h>
#include <linux/ktime.h>
#include <linux/string.h>

#include "capture.h"
#include "varmon.h"

/**
 * varmon_trip_add() - append a tripped watch to a trip
 * @trip:	trip with room for one more entry
 * @w:		the watch
 * @value:	the value that tripped it
 *
 * Context: any; the caller holds the lock that guards @trip.
 */
void varmon_trip_add(struct varmon_trip *trip, const struct varmon_watch_k *w,
		     s64 value)
{
	struct varmon_trigger *trig = &trip->trig[trip->nr++];

	memset(trig, 0, sizeof(*trig));
	trig->pid = w->tgid;
	trig->length = w->length;
	trig->cond = w->cond;
	trig->flags = w->flags;
	memcpy(trig->name, w->name, sizeof(trig->name));
	trig->addr = w->uaddr;
	trig->value = value;
	trig->threshold = w->threshold;
	trig->arg = w->arg;
}

/**
 * varmon_report() - print a trip's dmesg block and capture the machine
 * @r:		the trip
 * @source:	what saw it, for the block's first line
 *
 * Context: process (a work item); may sleep. Never takes varmon_lock:
 * teardown under it must not wait for a dump.
 */
void varmon_report(const struct varmon_trip *r, const char *source)
{
	u64 start = ktime_get_ns();
	unsigned int i;

	pr_info("---- threshold tripped: %u watch(es), %s, at %llu ns ----\n",
		r->nr, source, r->mono_ns);
	for (i = 0; i < r->nr; i++) {
		const struct varmon_trigger *trig = &r->trig[i];

		/* Hashed: dmesg readers need not see the app's layout. */
		if (trig->flags & VARMON_WATCH_UNSIGNED)
			pr_info("  pid %u name %s ptr %p value %llu cond %s threshold %llu arg %llu\n",
				trig->pid, trig->name,
				(void *)(unsigned long)trig->addr,
				(u64)trig->value, varmon_cond_name(trig->cond),
				(u64)trig->threshold, (u64)trig->arg);
		else
			pr_info("  pid %u name %s ptr %p value %lld cond %s threshold %lld arg %lld\n",
				trig->pid, trig->name,
				(void *)(unsigned long)trig->addr,
				trig->value, varmon_cond_name(trig->cond),
				trig->threshold, trig->arg);
	}
	if (r->writer)
		pr_info("  written by thread %d\n", r->writer->pid);
	pr_info("---- end of trip ----\n");

	varmon_capture_dump(r);
	varmon_stats_max_add(&varmon_stats.report_ns_total,
			     &varmon_stats.report_ns_max, ktime_get_ns() - start);
	atomic64_inc(&varmon_stats.reports);
}
