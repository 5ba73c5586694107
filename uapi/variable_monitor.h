/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * variable_monitor kernel ABI: ioctl commands, their argument structs and
 * the records drained from the capture buffer.
 *
 * Rules every struct here follows:
 *  - only fixed-width types; pointers travel as __u64;
 *  - explicit padding, which the kernel rejects when non-zero;
 *  - argument structs start with a __u32 size the caller fills with
 *    sizeof(struct); the kernel accepts older (shorter) sizes down to the
 *    *_SIZE_VER0 constant and larger ones whose unknown tail is zero, as
 *    sched_setattr() and clone3() do. The size encoded in an ioctl number
 *    is that of the current struct; the kernel dispatches on direction,
 *    type and number only (VARMON_IOC_BASE), so older binaries still match.
 */
#ifndef _UAPI_VARIABLE_MONITOR_H
#define _UAPI_VARIABLE_MONITOR_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define VARMON_DEVICE		"/dev/variable_monitor"
#define VARMON_PROC_DIR		"/proc/variable_monitor"
#define VARMON_NAME_LEN		16	/* 15 characters and a NUL */

/*
 * Watch conditions (struct varmon_watch.cond). "threshold" and "arg" are
 * the fields of struct varmon_watch; comparisons are signed unless
 * VARMON_WATCH_UNSIGNED is set.
 */
#define VARMON_COND_GT		1	/* value >  threshold */
#define VARMON_COND_LT		2	/* value <  threshold */
#define VARMON_COND_GE		3	/* value >= threshold */
#define VARMON_COND_LE		4	/* value <= threshold */
#define VARMON_COND_EQ		5	/* value == threshold */
#define VARMON_COND_NE		6	/* value != threshold */
#define VARMON_COND_IN		7	/* threshold <= value <= arg */
#define VARMON_COND_OUT		8	/* value < threshold or value > arg */
#define VARMON_COND_ANY_BITS	9	/* value & threshold != 0 */
#define VARMON_COND_ALL_BITS	10	/* value & threshold == threshold */
#define VARMON_COND_CHANGED	11	/* value differs from the previous sample */
/*
 * The value stayed the same for threshold consecutive samples. Armed only
 * once the value has been seen changing; fires once per stall and re-arms
 * when the value changes again.
 */
#define VARMON_COND_STALLED	12
#define VARMON_COND_MAX		VARMON_COND_STALLED

/*
 * The conditions' short names, as dmesg, the watches file and ucli print
 * them: an initializer for an array of VARMON_COND_MAX + 1 strings.
 */
#define VARMON_COND_NAMES_INIT {		\
	[VARMON_COND_GT] = "gt",		\
	[VARMON_COND_LT] = "lt",		\
	[VARMON_COND_GE] = "ge",		\
	[VARMON_COND_LE] = "le",		\
	[VARMON_COND_EQ] = "eq",		\
	[VARMON_COND_NE] = "ne",		\
	[VARMON_COND_IN] = "in",		\
	[VARMON_COND_OUT] = "out",		\
	[VARMON_COND_ANY_BITS] = "any_bits",	\
	[VARMON_COND_ALL_BITS] = "all_bits",	\
	[VARMON_COND_CHANGED] = "changed",	\
	[VARMON_COND_STALLED] = "stalled",	\
}

/* Watch trigger modes (struct varmon_watch.trigger). */
#define VARMON_TRIGGER_POLL	0	/* polled from a shared hrtimer */
#define VARMON_TRIGGER_HWBP	1	/* hardware write breakpoint */

/* struct varmon_watch.flags */
#define VARMON_WATCH_UNSIGNED	(1U << 0)	/* compare as unsigned */
/*
 * Hysteresis: after a trip the watch stays quiet until the value has come
 * back to rearm (value <= rearm for GT/GE, value >= rearm for LT/LE).
 * Without it a watch may fire again after dump_reset_sec.
 */
#define VARMON_WATCH_REARM_VALUE (1U << 1)
/* With VARMON_TRIGGER_HWBP: poll instead when no debug register is free. */
#define VARMON_WATCH_HW_FALLBACK (1U << 2)
#define VARMON_WATCH_FLAGS	(VARMON_WATCH_UNSIGNED | \
				 VARMON_WATCH_REARM_VALUE | \
				 VARMON_WATCH_HW_FALLBACK)

/**
 * struct varmon_watch - VARMON_IOC_WATCH argument
 * @size:	sizeof(struct varmon_watch) as the caller knows it
 * @flags:	VARMON_WATCH_* bits; unknown bits are rejected
 * @pid:	process owning @addr; 0 means the caller
 * @length:	width of the variable in bytes: 1, 2, 4 or 8
 * @cond:	VARMON_COND_*
 * @trigger:	VARMON_TRIGGER_*
 * @__pad0:	must be zero
 * @addr:	user virtual address of the variable, aligned to @length
 * @threshold:	compared with the value (sign-extended or zero-extended);
 *		the low end for IN/OUT, the mask for ANY_BITS/ALL_BITS, the
 *		number of samples for STALLED
 * @interval_ns: polling interval; 0 means def_interval_ns
 * @name:	NUL-terminated, 1 to 15 printable ASCII characters, no spaces
 * @arg:	the high end for IN/OUT; zero otherwise
 * @rearm:	with VARMON_WATCH_REARM_VALUE, the value that re-arms the
 *		watch; zero otherwise
 * @reserved:	must be zero
 *
 * @arg and @rearm took the place of reserved fields of the first ABI, so
 * binaries built against it (which zeroed them) behave as before.
 */
struct varmon_watch {
	__u32 size;
	__u32 flags;
	__u32 pid;
	__u8 length;
	__u8 cond;
	__u8 trigger;
	__u8 __pad0;
	__u64 addr;
	__s64 threshold;
	__u64 interval_ns;
	char name[VARMON_NAME_LEN];
	__s64 arg;
	__s64 rearm;
	__u64 reserved[2];
};
#define VARMON_WATCH_SIZE_VER0	88

/**
 * struct varmon_cancel - VARMON_IOC_CANCEL argument
 * @size:	sizeof(struct varmon_cancel)
 * @pid:	process whose watches go; 0 means the caller
 * @reserved:	must be zero
 */
struct varmon_cancel {
	__u32 size;
	__u32 pid;
	__u64 reserved[2];
};
#define VARMON_CANCEL_SIZE_VER0	24

/**
 * struct varmon_drain - VARMON_IOC_DRAIN argument
 * @size:	sizeof(struct varmon_drain)
 * @flags:	must be zero
 * @buf:	user buffer receiving whole records
 * @len:	size of @buf in bytes
 * @copied:	out: bytes written to @buf
 * @needed:	out: when no record fitted, the size of the next record
 * @records:	out: records written
 * @__pad0:	must be zero
 * @reserved:	must be zero
 *
 * Records are consumed as they are copied. When the first pending record
 * does not fit, nothing is consumed, @needed tells the size to retry
 * with, and the ioctl fails with ENOSPC.
 */
struct varmon_drain {
	__u32 size;
	__u32 flags;
	__u64 buf;
	__u64 len;
	__u64 copied;
	__u64 needed;
	__u32 records;
	__u32 __pad0;
	__u64 reserved[2];
};
#define VARMON_DRAIN_SIZE_VER0	64

#define VARMON_IOC_MAGIC	0xB7
#define VARMON_IOC_WATCH	_IOW(VARMON_IOC_MAGIC, 1, struct varmon_watch)
#define VARMON_IOC_CANCEL	_IOW(VARMON_IOC_MAGIC, 2, struct varmon_cancel)
#define VARMON_IOC_DRAIN	_IOWR(VARMON_IOC_MAGIC, 3, struct varmon_drain)
/* An ioctl number with its size bits cleared. */
#define VARMON_IOC_BASE(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

#endif /* _UAPI_VARIABLE_MONITOR_H */
