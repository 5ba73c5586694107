/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * Records drained from /dev/variable_monitor with VARMON_IOC_DRAIN.
 *
 * A dump is a run of records sharing one dump_id: one VARMON_REC_DUMP,
 * then one VARMON_REC_TASK per selected task, then one VARMON_REC_MAPS per
 * distinct address space. A dump is written whole or not at all.
 * VARMON_REC_LOST reports dumps that were dropped because the buffer was
 * full.
 *
 * Every record starts with struct varmon_rec_hdr. @size includes the
 * header and is a multiple of 8. A reader skips a type it does not know
 * by its size. Variable parts of a record are sections, each starting
 * with struct varmon_sec and padded to 8 bytes, so a reader also skips
 * sections it does not know.
 */
#ifndef _UAPI_VARMON_RECORD_H
#define _UAPI_VARMON_RECORD_H

#include <linux/types.h>

#define VARMON_REC_MAGIC	0x564d5231U	/* "VMR1" */
#define VARMON_REC_VERSION	1
#define VARMON_REC_ALIGN	8
#define VARMON_REC_MAX_SIZE	(1U << 20)	/* no record is larger */

#define VARMON_REC_DUMP		1
#define VARMON_REC_TASK		2
#define VARMON_REC_MAPS		3
#define VARMON_REC_LOST		4

/**
 * struct varmon_rec_hdr - common record header
 * @magic:	VARMON_REC_MAGIC
 * @version:	VARMON_REC_VERSION
 * @type:	VARMON_REC_*
 * @size:	bytes, header included, multiple of VARMON_REC_ALIGN
 * @flags:	zero for now
 * @dump_id:	dumps are numbered from 1 since the module loaded
 * @seq:	record number within the dump, from 0
 * @__pad0:	zero
 * @time_ns:	CLOCK_MONOTONIC when the record was written
 */
struct varmon_rec_hdr {
	__u32 magic;
	__u16 version;
	__u16 type;
	__u32 size;
	__u32 flags;
	__u64 dump_id;
	__u32 seq;
	__u32 __pad0;
	__u64 time_ns;
};

/* One watch that tripped, in a VARMON_REC_DUMP. */
struct varmon_trigger {
	__u32 pid;		/* tgid owning the variable */
	__u8 length;
	__u8 cond;		/* VARMON_COND_* */
	__u16 flags;		/* VARMON_WATCH_* */
	char name[16];
	__u64 addr;		/* zero for readers without CAP_SYSLOG */
	__s64 value;
	__s64 threshold;
	__s64 arg;		/* struct varmon_watch.arg */
};

/**
 * struct varmon_rec_dump - first record of a dump
 * @hdr:	common header
 * @trip_mono_ns: CLOCK_MONOTONIC of the timer tick that saw the trip
 * @trip_real_ns: CLOCK_REALTIME of the same tick
 * @loadavg:	1, 5 and 15 minute load, fixed point with 11 fraction bits
 * @nr_selected: tasks chosen for this dump
 * @nr_skipped:	tasks that qualified but exceeded the per-dump cap
 * @nr_triggers: struct varmon_trigger entries that follow
 * @nr_lost:	dumps dropped since the previous dump that was written
 *
 * Followed by @nr_triggers struct varmon_trigger.
 */
struct varmon_rec_dump {
	struct varmon_rec_hdr hdr;
	__u64 trip_mono_ns;
	__u64 trip_real_ns;
	__u64 loadavg[3];
	__u32 nr_selected;
	__u32 nr_skipped;
	__u32 nr_triggers;
	__u32 nr_lost;
};

/* struct varmon_rec_task.avail: which parts could be read */
#define VARMON_AVAIL_CGROUP	(1U << 0)
#define VARMON_AVAIL_KSTACK	(1U << 1)
#define VARMON_AVAIL_USTACK	(1U << 2)
#define VARMON_AVAIL_REGS	(1U << 3)
#define VARMON_AVAIL_CHAIN	(1U << 4)
#define VARMON_AVAIL_MEM	(1U << 5)
#define VARMON_AVAIL_SYSCALL	(1U << 6)
#define VARMON_AVAIL_WCHAN	(1U << 7)

/* struct varmon_rec_task.ustack_state: why a user stack is missing */
#define VARMON_USTACK_OK	0
#define VARMON_USTACK_KTHREAD	1	/* kernel thread: no user stack */
#define VARMON_USTACK_RUNNING	2	/* running in user mode elsewhere */
#define VARMON_USTACK_FAULT	3	/* the stack could not be read */
/* The task was exiting: no mm, or its stack already unreadable. */
#define VARMON_USTACK_EXITING	4
/* Its top page was not in memory; a dump never faults one in. */
#define VARMON_USTACK_NOT_RESIDENT	5

/* struct varmon_rec_task.reason: why the task was selected */
#define VARMON_WHY_WATCHED	(1U << 0)	/* thread of a tripped process */
#define VARMON_WHY_RUNNING	(1U << 1)
#define VARMON_WHY_BLOCKED	(1U << 2)	/* uninterruptible, in load */

/**
 * struct varmon_rec_task - one selected task
 * @hdr:	common header
 * @pid:	thread id in the initial pid namespace
 * @tgid:	process id in the initial pid namespace
 * @ns_pid:	thread id in the task's own pid namespace
 * @ns_tgid:	process id in the task's own pid namespace
 * @ppid:	parent's tgid
 * @state:	state letter as in /proc/PID/stat ('R', 'S', 'D', ...)
 * @ustack_state: VARMON_USTACK_*
 * @reason:	VARMON_WHY_* bits
 * @__pad0:	zero
 * @task_flags:	task->flags (PF_*)
 * @avail:	VARMON_AVAIL_* bits
 * @comm:	task->comm
 * @utime_ns:	this thread's user time
 * @stime_ns:	this thread's system time
 * @group_utime_ns: user time summed over the thread group
 * @group_stime_ns: system time summed over the thread group
 * @cutime_ns:	user time of waited-for children
 * @cstime_ns:	system time of waited-for children
 * @start_boottime_ns: start time since boot, as /proc/PID/stat field 22
 * @sum_exec_runtime_ns: CFS runtime
 * @nvcsw:	voluntary context switches
 * @nivcsw:	involuntary context switches
 * @rss_bytes:	resident set size of the address space
 * @vm_bytes:	total mapped size of the address space
 * @syscall_nr:	syscall the task is blocked in, or -1
 * @__pad1:	zero
 * @wchan:	kernel address the task waits at; zeroed without CAP_SYSLOG
 * @mm_id:	opaque id matching a VARMON_REC_MAPS of the same dump, or 0
 *
 * Followed by sections (struct varmon_sec).
 */
struct varmon_rec_task {
	struct varmon_rec_hdr hdr;
	__u32 pid;
	__u32 tgid;
	__u32 ns_pid;
	__u32 ns_tgid;
	__u32 ppid;
	__u8 state;
	__u8 ustack_state;
	__u8 reason;
	__u8 __pad0;
	__u32 task_flags;
	__u32 avail;
	char comm[16];
	__u64 utime_ns;
	__u64 stime_ns;
	__u64 group_utime_ns;
	__u64 group_stime_ns;
	__u64 cutime_ns;
	__u64 cstime_ns;
	__u64 start_boottime_ns;
	__u64 sum_exec_runtime_ns;
	__u64 nvcsw;
	__u64 nivcsw;
	__u64 rss_bytes;
	__u64 vm_bytes;
	__s32 syscall_nr;
	__u32 __pad1;
	__u64 wchan;
	__u64 mm_id;
};

/**
 * struct varmon_sec - section header inside a record
 * @type:	VARMON_SEC_*
 * @flags:	zero
 * @size:	bytes including this header, multiple of 8
 */
struct varmon_sec {
	__u16 type;
	__u16 flags;
	__u32 size;
};

#define VARMON_SEC_CGROUP	1	/* NUL-terminated cgroup v2 path */
#define VARMON_SEC_KSTACK	2	/* __u64 return addresses, innermost first */
#define VARMON_SEC_REGS		3	/* struct varmon_regs */
#define VARMON_SEC_USTACK	4	/* struct varmon_ustack and the bytes */
#define VARMON_SEC_CHAIN	5	/* struct varmon_chain_entry, repeated */
#define VARMON_SEC_MAP		6	/* struct varmon_map_entry */
/* Types from 0x8000 up are the kernel's own; drained records never hold them. */

/*
 * x86-64 user registers, in the order of struct user_regs_struct
 * (<sys/user.h>), so index n is the same register in both.
 */
#define VARMON_REG_R15		0
#define VARMON_REG_R14		1
#define VARMON_REG_R13		2
#define VARMON_REG_R12		3
#define VARMON_REG_RBP		4
#define VARMON_REG_RBX		5
#define VARMON_REG_R11		6
#define VARMON_REG_R10		7
#define VARMON_REG_R9		8
#define VARMON_REG_R8		9
#define VARMON_REG_RAX		10
#define VARMON_REG_RCX		11
#define VARMON_REG_RDX		12
#define VARMON_REG_RSI		13
#define VARMON_REG_RDI		14
#define VARMON_REG_ORIG_RAX	15
#define VARMON_REG_RIP		16
#define VARMON_REG_CS		17
#define VARMON_REG_EFLAGS	18
#define VARMON_REG_RSP		19
#define VARMON_REG_SS		20
#define VARMON_REG_FS_BASE	21
#define VARMON_REG_GS_BASE	22
#define VARMON_NR_REGS		23

struct varmon_regs {
	__u64 reg[VARMON_NR_REGS];
	__u64 __pad0;
};

/**
 * struct varmon_ustack - raw copy of the top of a user stack
 * @sp:		user address of the first copied byte (the saved RSP)
 * @len:	bytes copied, which follow this struct
 * @__pad0:	zero
 */
struct varmon_ustack {
	__u64 sp;
	__u32 len;
	__u32 __pad0;
};

/**
 * struct varmon_chain_entry - one process of the ancestor chain
 * @pid:	tgid of this ancestor (the task itself first, init last)
 * @len:	bytes of @cmdline that follow, NUL included
 *
 * @cmdline holds the arguments separated by spaces; the entry is padded
 * to 8 bytes.
 */
struct varmon_chain_entry {
	__u32 pid;
	__u32 len;
};

/**
 * struct varmon_rec_maps - executable file mappings of one address space
 * @hdr:	common header
 * @mm_id:	matches struct varmon_rec_task.mm_id
 * @tgid:	a process using this address space
 * @nr_maps:	VARMON_SEC_MAP sections that follow
 */
struct varmon_rec_maps {
	struct varmon_rec_hdr hdr;
	__u64 mm_id;
	__u32 tgid;
	__u32 nr_maps;
};

/**
 * struct varmon_map_entry - body of a VARMON_SEC_MAP section
 * @start:	first address of the mapping
 * @end:	one past its last address
 * @pgoff:	file offset of @start, in bytes
 * @build_id_len: bytes of @build_id used, 0 when unknown
 * @__pad0:	zero
 * @build_id:	GNU build-id note of the file
 *
 * Followed by the NUL-terminated path, padded to 8 bytes.
 */
struct varmon_map_entry {
	__u64 start;
	__u64 end;
	__u64 pgoff;
	__u8 build_id_len;
	__u8 __pad0[3];
	__u8 build_id[20];
};

/**
 * struct varmon_rec_lost - dumps dropped because the buffer was full
 * @hdr:	common header (dump_id of the first dump lost)
 * @dumps:	dumps dropped
 * @bytes:	bytes they would have taken
 */
struct varmon_rec_lost {
	struct varmon_rec_hdr hdr;
	__u64 dumps;
	__u64 bytes;
};

#endif /* _UAPI_VARMON_RECORD_H */
