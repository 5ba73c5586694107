// SPDX-License-Identifier: GPL-2.0-only
/*
 * The capture pipeline: when watches trip, the engine's work item calls
 * varmon_capture_dump(), which snapshots the interesting tasks into a
 * staging area and writes the dump to the ring in one piece. Readers
 * drain the ring with VARMON_IOC_DRAIN (drain.c).
 *
 * A dump never exceeds the staging area: min(buffer_size, 16 MiB), but
 * at least 1 MiB. Tasks that would overflow it are skipped and counted.
 * A dump larger than the free space of the ring is dropped whole; a
 * VARMON_REC_LOST record ahead of the next dump written says so.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/align.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/sched/loadavg.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/ktime.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include "capture_priv.h"
#include "tunables.h"

static unsigned long buffer_size = 8UL << 20;
module_param(buffer_size, ulong, 0444);
MODULE_PARM_DESC(buffer_size,
		 "Capture ring size in bytes, a power of two (default 8 MiB)");

/* Room kept back from the tasks for the MAPS records that follow them. */
#define VARMON_MAPS_RESERVE_MAX	(256UL << 10)

struct varmon_capture varmon_cap;

/* A VARMON_REC_LOST for the dumps dropped since the last one written. */
static bool varmon_emit_lost(struct varmon_stage *st,
			     const struct varmon_ring_lost *lost)
{
	struct varmon_rec_lost *rec;
	u64 dump_id = st->dump_id;

	/* It describes the first dump lost, not the one being built. */
	st->dump_id = varmon_cap.first_lost_id;
	rec = varmon_stage_rec_begin(st, VARMON_REC_LOST, sizeof(*rec));
	if (rec) {
		rec->dumps = lost->dumps;
		rec->bytes = lost->bytes;
		varmon_stage_rec_end(st);
	}
	st->dump_id = dump_id;
	st->seq = 0;
	return rec;
}

static struct varmon_rec_dump *
varmon_emit_header(struct varmon_stage *st, const struct varmon_trip *trip,
		   const struct varmon_ring_lost *lost)
{
	struct varmon_rec_dump *rec;
	struct varmon_trigger *trig;
	unsigned int i;

	rec = varmon_stage_rec_begin(st, VARMON_REC_DUMP,
				     sizeof(*rec) + trip->nr * sizeof(*trig));
	if (!rec)
		return NULL;
	rec->trip_mono_ns = trip->mono_ns;
	rec->trip_real_ns = trip->real_ns;
	for (i = 0; i < ARRAY_SIZE(rec->loadavg); i++)
		rec->loadavg[i] = READ_ONCE(avenrun[i]);
	rec->nr_triggers = trip->nr;
	rec->nr_lost = lost->dumps;
	trig = (void *)(rec + 1);
	memcpy(trig, trip->trig, trip->nr * sizeof(*trig));
	varmon_stage_rec_end(st);
	return rec;
}

/* The TASK records, then the MAPS of every address space they use. */
static void varmon_emit_tasks(struct varmon_dump_ctx *dc,
			      struct varmon_sel *sel,
			      struct varmon_rec_dump *hdr)
{
	struct varmon_stage *st = dc->st;
	size_t reserve;
	unsigned int i;

	reserve = min(st->cap / 8, VARMON_MAPS_RESERVE_MAX);
	st->limit = ALIGN_DOWN(st->cap - reserve, VARMON_REC_ALIGN);
	for (i = 0; i < sel->nr; i++) {
		if (varmon_snapshot_task(dc, sel->task[i], sel->mm[i],
					 sel->why[i]))
			hdr->nr_selected++;
		else
			hdr->nr_skipped++;
	}

	st->limit = st->cap;
	for (i = 0; i < dc->nr_mms; i++)
		if (!varmon_maps_emit(dc, &dc->mms[i]))
			break;
}

static void varmon_write_dump(struct varmon_stage *st,
			      const struct varmon_ring_lost *lost)
{
	struct varmon_ring_lost taken;
	int ret;

	ret = varmon_ring_write(&varmon_cap.ring, st->buf, st->len);
	if (!ret) {
		/* Reported in this dump: forget them. */
		varmon_ring_take_lost(&varmon_cap.ring, &taken);
		varmon_cap.first_lost_id = 0;
		wake_up_interruptible(&varmon_cap.wq);
		return;
	}
	if (ret == -ENOSPC) {
		if (!lost->dumps)
			varmon_cap.first_lost_id = st->dump_id;
		pr_warn_ratelimited("dump %llu dropped: %zu bytes do not fit in the buffer\n",
				    st->dump_id, st->len);
		return;
	}
	/* The dump is malformed: a bug here, not a full buffer. */
	pr_err_ratelimited("dump %llu rejected by the ring: %d\n",
			   st->dump_id, ret);
}

/**
 * varmon_capture_dump() - capture the tasks of interest after a trip
 * @trip:	the watches that tripped in one timer tick
 *
 * Builds one dump (see varmon_record.h) and writes it whole or drops it.
 * Tasks beyond max_dump_tasks, or beyond the room of one dump, are
 * counted as skipped. Fields that cannot be read are marked unavailable.
 *
 * Context: process context (the engine's work item); may sleep; takes
 * varmon_cap.write_lock, so dumps from several timers run one at a time.
 */
void varmon_capture_dump(const struct varmon_trip *trip)
{
	struct varmon_stage *st = &varmon_cap.stage;
	struct varmon_dump_ctx dc = { .st = st };
	struct varmon_ring_lost lost;
	struct varmon_rec_dump *hdr;
	struct varmon_sel sel;
	unsigned int max;

	max = clamp_t(u64, READ_ONCE(varmon_max_dump_tasks), 1, 8192);
	dc.ustack_bytes = ALIGN_DOWN(min_t(u64, READ_ONCE(varmon_user_stack_bytes),
					   VARMON_USTACK_MAX), VARMON_REC_ALIGN);
	dc.writer = trip->writer;
	dc.oncpu = varmon_cap.oncpu;
	dc.path = varmon_cap.path;

	mutex_lock(&varmon_cap.write_lock);
	varmon_stage_reset(st, varmon_cap.next_id++);
	varmon_ring_peek_lost(&varmon_cap.ring, &lost);
	if (lost.dumps && !varmon_emit_lost(st, &lost))
		goto out_unlock;
	hdr = varmon_emit_header(st, trip, &lost);
	if (!hdr)
		goto out_unlock;

	if (varmon_select_tasks(&sel, trip, max)) {
		pr_warn_ratelimited("dump %llu: no memory to select tasks\n",
				    st->dump_id);
		goto out_write;
	}
	hdr->nr_skipped = sel.skipped;
	dc.mms = kvcalloc(max(sel.nr, 1U), sizeof(*dc.mms), GFP_KERNEL);
	if (dc.mms) {
		dc.max_mms = sel.nr;
		varmon_emit_tasks(&dc, &sel, hdr);
	} else {
		hdr->nr_skipped += sel.nr;
	}
	kvfree(dc.mms);
	varmon_select_release(&sel);

out_write:
	varmon_write_dump(st, &lost);
out_unlock:
	mutex_unlock(&varmon_cap.write_lock);
}

/**
 * varmon_capture_stats_show() - capture lines of /proc/variable_monitor/stats
 * @m:		the seq_file
 *
 * dumps and drops count dumps written and dropped; records and bytes
 * count what was written to the ring (bytes include kernel-private parts
 * the drain strips).
 *
 * Context: process context; takes no lock.
 */
void varmon_capture_stats_show(struct seq_file *m)
{
	struct varmon_ring_stats rs;

	varmon_ring_get_stats(&varmon_cap.ring, &rs);
	seq_printf(m, "dumps %llu\n", rs.dumps);
	seq_printf(m, "records %llu\n", rs.records);
	seq_printf(m, "bytes %llu\n", rs.bytes);
	seq_printf(m, "drops %llu\n", rs.drops);
}

/**
 * varmon_capture_init() - allocate the ring and the staging area
 *
 * Context: module init, before the device exists.
 * Return: 0, -EINVAL when buffer_size is not a power of two in range, or
 * -ENOMEM.
 */
int varmon_capture_init(void)
{
	size_t bounce_size, stage_size;
	void *data, *bounce;
	int err;

	if (varmon_ring_round_size(buffer_size) != buffer_size) {
		pr_err("buffer_size %lu is not a power of two between %lu and %lu\n",
		       buffer_size, VARMON_RING_MIN_SIZE, VARMON_RING_MAX_SIZE);
		return -EINVAL;
	}
	bounce_size = varmon_ring_bounce_size(buffer_size);
	stage_size = clamp(buffer_size, VARMON_STAGE_MIN, VARMON_STAGE_MAX);

	mutex_init(&varmon_cap.write_lock);
	mutex_init(&varmon_cap.read_lock);
	init_waitqueue_head(&varmon_cap.wq);
	varmon_cap.next_id = 1;
	varmon_cap.first_lost_id = 0;

	err = -ENOMEM;
	data = vmalloc(buffer_size);
	if (!data)
		goto out;
	bounce = vmalloc(bounce_size);
	if (!bounce)
		goto out_free_data;
	varmon_cap.stage.buf = vmalloc(stage_size);
	if (!varmon_cap.stage.buf)
		goto out_free_bounce;
	varmon_cap.stage.cap = stage_size;
	varmon_cap.path = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!varmon_cap.path)
		goto out_free_stage;
	varmon_cap.oncpu = kzalloc(sizeof(*varmon_cap.oncpu), GFP_KERNEL);
	if (!varmon_cap.oncpu)
		goto out_free_path;
	varmon_cap.oncpu->ustack = vmalloc(VARMON_USTACK_MAX);
	if (!varmon_cap.oncpu->ustack)
		goto out_free_oncpu;

	err = varmon_ring_init(&varmon_cap.ring, data, buffer_size, bounce,
			       bounce_size);
	if (err)
		goto out_free_oncpu_stack;
	return 0;

out_free_oncpu_stack:
	vfree(varmon_cap.oncpu->ustack);
out_free_oncpu:
	kfree(varmon_cap.oncpu);
out_free_path:
	kfree(varmon_cap.path);
out_free_stage:
	vfree(varmon_cap.stage.buf);
out_free_bounce:
	vfree(bounce);
out_free_data:
	vfree(data);
out:
	return err;
}

/**
 * varmon_capture_exit() - free what varmon_capture_init() allocated
 *
 * Context: module exit, after the device is gone and the engine's work
 * is flushed, so no dump or drain runs.
 */
void varmon_capture_exit(void)
{
	vfree(varmon_cap.oncpu->ustack);
	kfree(varmon_cap.oncpu);
	kfree(varmon_cap.path);
	vfree(varmon_cap.stage.buf);
	vfree(varmon_cap.ring.bounce);
	vfree(varmon_cap.ring.data);
}
