/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The capture pipeline as the watch engine sees it: the engine hands over
 * the watches that tripped in one timer tick, the capture code snapshots
 * tasks into the ring buffer, and the device drains it.
 */
#ifndef VARMON_CAPTURE_H
#define VARMON_CAPTURE_H

#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/types.h>

#include "varmon_record.h"

/**
 * struct varmon_writer - the thread whose write tripped a hardware watch
 * @pid:	its thread id (initial pid namespace)
 * @regs:	its user registers at the write
 * @stack_len:	bytes in @stack
 * @stack:	top of its user stack from its RSP, copied in the
 *		breakpoint handler
 *
 * Taken synchronously because the writer is running: its saved registers
 * and stack would be stale by the time the capture work runs.
 */
struct varmon_writer {
	pid_t pid;
	struct varmon_regs regs;
	u32 stack_len;
	const u8 *stack;
};

/**
 * struct varmon_trip - the watches that tripped in one timer tick
 * @mono_ns:	CLOCK_MONOTONIC of the tick
 * @real_ns:	CLOCK_REALTIME of the tick
 * @nr:		entries in @trig
 * @writer:	for a hardware watch, the thread that wrote; else NULL
 * @trig:	one entry per tripped watch; @trig[i].pid is the owner tgid
 */
struct varmon_trip {
	u64 mono_ns;
	u64 real_ns;
	unsigned int nr;
	const struct varmon_writer *writer;
	struct varmon_trigger trig[];
};

struct pt_regs;

int varmon_capture_init(void);
void varmon_capture_exit(void);
void varmon_capture_dump(const struct varmon_trip *trip);
long varmon_capture_ioctl_drain(struct file *file, void __user *argp);
__poll_t varmon_capture_poll(struct file *file, poll_table *wait);
void varmon_capture_stats_show(struct seq_file *m);
void varmon_pt_regs_copy(struct varmon_regs *out, const struct pt_regs *regs);

#endif /* VARMON_CAPTURE_H */
