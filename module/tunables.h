/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tunables of /proc/variable_monitor/. Writers go through procfs.c, which
 * validates; everyone else reads them with READ_ONCE() and must cope with
 * a value changing between two reads.
 */
#ifndef VARMON_TUNABLES_H
#define VARMON_TUNABLES_H

#include <linux/types.h>

extern u64 varmon_def_interval_ns;
extern u64 varmon_min_interval_ns;
extern u64 varmon_dump_reset_sec;
extern u64 varmon_max_timers;
extern u64 varmon_max_watches_per_timer;
extern u64 varmon_user_stack_bytes;
extern u64 varmon_max_dump_tasks;
extern u64 varmon_max_watches;
extern u64 varmon_max_process_watches;
extern u64 varmon_max_process_timers;

#endif /* VARMON_TUNABLES_H */
