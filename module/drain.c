// SPDX-License-Identifier: GPL-2.0-only
/*
 * Draining the ring: VARMON_IOC_DRAIN copies whole records to the
 * reader and consumes them; poll() says when records are pending.
 *
 * Who sees what. Opening the device is the first gate (mode 0600, or
 * 0660 for the group module parameter). Then, with the credentials the
 * device was opened with (file->f_cred, so handing the fd to a setuid
 * program gains nothing, as with /proc/PID/mem):
 *  - a reader without CAP_SYS_PTRACE gets the TASK and MAPS records only
 *    of tasks it could have ptraced when they were captured: its fsuid
 *    and fsgid equal the task's real, effective and saved ids and the
 *    task was dumpable. This is the credential part of
 *    __ptrace_may_access() (ptrace_may_access() is not exported);
 *    capabilities in other user namespaces and LSM hooks are not
 *    consulted, which only ever refuses more. The credentials are taken
 *    at capture time and travel in a kernel-private section of the
 *    record, so a task that has exited since is judged as it was;
 *  - a reader without CAP_SYSLOG gets kernel stack entries, wchan and
 *    trigger addresses zeroed (the record keeps its shape).
 * Records a reader may not see are consumed without being copied; their
 * seq numbers leave gaps in what it receives.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/poll.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "capture_priv.h"
#include "varmon.h"
#include "variable_monitor.h"

/**
 * struct varmon_reader - a drain in progress
 * @fsuid:	the opener's fsuid
 * @fsgid:	the opener's fsgid
 * @ptrace:	the opener had CAP_SYS_PTRACE: every task's records
 * @syslog:	the opener had CAP_SYSLOG: kernel addresses
 * @dst:	start of the record being written
 * @len:	bytes of it written so far
 */
struct varmon_reader {
	kuid_t fsuid;
	kgid_t fsgid;
	bool ptrace;
	bool syslog;
	char __user *dst;
	size_t len;
};

static int varmon_put(struct varmon_reader *rd, const void *src, size_t n)
{
	if (copy_to_user(rd->dst + rd->len, src, n))
		return -EFAULT;
	rd->len += n;
	return 0;
}

static int varmon_put_zero(struct varmon_reader *rd, size_t n)
{
	if (clear_user(rd->dst + rd->len, n))
		return -EFAULT;
	rd->len += n;
	return 0;
}

static bool varmon_may_read(const struct varmon_reader *rd,
			    const struct varmon_kpriv *kp)
{
	u32 uid = __kuid_val(rd->fsuid);
	u32 gid = __kgid_val(rd->fsgid);

	if (rd->ptrace)
		return true;
	if (!kp || !(kp->flags & VARMON_KPRIV_DUMPABLE))
		return false;
	return kp->uid == uid && kp->euid == uid && kp->suid == uid &&
	       kp->gid == gid && kp->egid == gid && kp->sgid == gid;
}

/* The section at @off of @rec, or NULL if it is malformed. */
static const struct varmon_sec *varmon_sec_at(const struct varmon_rec_hdr *rec,
					      size_t off)
{
	const struct varmon_sec *sec = (const void *)rec + off;

	if (rec->size - off < sizeof(*sec) || sec->size < sizeof(*sec) ||
	    sec->size % VARMON_REC_ALIGN || sec->size > rec->size - off)
		return NULL;
	return sec;
}

/*
 * A TASK or MAPS record of @fixed bytes before its sections: dropped if
 * the reader may not see it, else copied without its KPRIV section and
 * with kernel addresses zeroed as needed.
 */
static int varmon_copy_guarded(struct varmon_reader *rd,
			       const struct varmon_rec_hdr *rec, size_t fixed)
{
	const struct varmon_kpriv *kp = NULL;
	const struct varmon_sec *sec;
	union {
		struct varmon_rec_hdr hdr;
		struct varmon_rec_task task;
		struct varmon_rec_maps maps;
	} head;
	size_t off, size = rec->size;
	int ret;

	if (rec->size < fixed || fixed > sizeof(head))
		return -EIO;
	for (off = fixed; off < rec->size; off += sec->size) {
		sec = varmon_sec_at(rec, off);
		if (!sec)
			return -EIO;
		if (sec->type == VARMON_SEC_KPRIV &&
		    sec->size == sizeof(*sec) + sizeof(*kp)) {
			kp = (const void *)(sec + 1);
			size -= sec->size;
		}
	}
	if (!varmon_may_read(rd, kp))
		return 0;

	memcpy(&head, rec, fixed);
	head.hdr.size = size;
	if (rec->type == VARMON_REC_TASK && !rd->syslog)
		head.task.wchan = 0;
	ret = varmon_put(rd, &head, fixed);

	for (off = fixed; !ret && off < rec->size; off += sec->size) {
		sec = (const void *)rec + off;
		if (sec->type == VARMON_SEC_KPRIV)
			continue;
		if (sec->type == VARMON_SEC_KSTACK && !rd->syslog) {
			ret = varmon_put(rd, sec, sizeof(*sec));
			if (!ret)
				ret = varmon_put_zero(rd,
						      sec->size - sizeof(*sec));
			continue;
		}
		ret = varmon_put(rd, sec, sec->size);
	}
	return ret ? ret : rd->len;
}

static int varmon_copy_dump(struct varmon_reader *rd,
			    const struct varmon_rec_hdr *rec)
{
	const struct varmon_rec_dump *dump = (const void *)rec;
	const struct varmon_trigger *trig;
	struct varmon_trigger t;
	unsigned int i;
	int ret;

	if (rec->size < sizeof(*dump) ||
	    dump->nr_triggers > (rec->size - sizeof(*dump)) / sizeof(t))
		return -EIO;
	if (rd->syslog) {
		ret = varmon_put(rd, rec, rec->size);
		return ret ? ret : rd->len;
	}

	ret = varmon_put(rd, dump, sizeof(*dump));
	trig = (const void *)(dump + 1);
	for (i = 0; !ret && i < dump->nr_triggers; i++) {
		t = trig[i];
		t.addr = 0;
		ret = varmon_put(rd, &t, sizeof(t));
	}
	if (!ret)
		ret = varmon_put_zero(rd, rec->size - rd->len);
	return ret ? ret : rd->len;
}

/* varmon_ring_copy_fn: one record, as this reader may see it. */
static int varmon_drain_copy(void *ctx, void __user *dst,
			     const struct varmon_rec_hdr *rec)
{
	struct varmon_reader *rd = ctx;
	int ret;

	rd->dst = dst;
	rd->len = 0;
	switch (rec->type) {
	case VARMON_REC_DUMP:
		return varmon_copy_dump(rd, rec);
	case VARMON_REC_TASK:
		return varmon_copy_guarded(rd, rec,
					   sizeof(struct varmon_rec_task));
	case VARMON_REC_MAPS:
		return varmon_copy_guarded(rd, rec,
					   sizeof(struct varmon_rec_maps));
	default:
		ret = varmon_put(rd, rec, rec->size);
		return ret ? ret : rd->len;
	}
}

/**
 * varmon_capture_ioctl_drain() - VARMON_IOC_DRAIN
 * @file:	the open device; its opener's credentials decide what is seen
 * @argp:	struct varmon_drain in user memory
 *
 * Copies whole records into the user buffer and consumes them. Records
 * the reader may not see are consumed without being copied.
 *
 * Context: process context; may sleep; takes varmon_cap.read_lock.
 * Return: 0 (copied, records and needed written back, copied may be 0),
 * -ENOSPC when the first pending record does not fit (needed says how
 * big it is; nothing consumed), -EINVAL or -E2BIG for a bad argument,
 * -EFAULT, -EINTR, or -EIO if the ring is corrupt.
 */
long varmon_capture_ioctl_drain(struct file *file, void __user *argp)
{
	struct varmon_drain __user *uarg = argp;
	struct varmon_ring_result res;
	struct varmon_reader rd = { };
	struct varmon_drain d;
	int ret;

	BUILD_BUG_ON(sizeof(d) != VARMON_DRAIN_SIZE_VER0);
	ret = varmon_copy_arg(&d, sizeof(d), VARMON_DRAIN_SIZE_VER0, argp);
	if (ret)
		return ret;
	if (d.flags || d.__pad0 || d.reserved[0] || d.reserved[1])
		return -EINVAL;
	/*
	 * Records are consumed as they are copied: make sure the counts can
	 * be written back first, or a read-only argument would lose them.
	 */
	if (put_user(0, &uarg->copied) || put_user(0, &uarg->needed) ||
	    put_user(0, &uarg->records))
		return -EFAULT;

	rd.fsuid = file->f_cred->fsuid;
	rd.fsgid = file->f_cred->fsgid;
	rd.ptrace = file_ns_capable(file, &init_user_ns, CAP_SYS_PTRACE);
	rd.syslog = file_ns_capable(file, &init_user_ns, CAP_SYSLOG);

	ret = mutex_lock_interruptible(&varmon_cap.read_lock);
	if (ret)
		return ret;
	ret = varmon_ring_read_cb(&varmon_cap.ring, u64_to_user_ptr(d.buf),
				  d.len, varmon_drain_copy, &rd, &res);
	mutex_unlock(&varmon_cap.read_lock);
	if (ret && ret != -ENOSPC)
		return ret;

	if (put_user(res.copied, &uarg->copied) ||
	    put_user(res.needed, &uarg->needed) ||
	    put_user(res.records, &uarg->records))
		return -EFAULT;
	return ret;
}

/**
 * varmon_capture_poll() - poll() of the device
 * @file:	the open device
 * @wait:	poll table
 *
 * Context: process context.
 * Return: EPOLLIN | EPOLLRDNORM while records are pending, else 0.
 */
__poll_t varmon_capture_poll(struct file *file, poll_table *wait)
{
	poll_wait(file, &varmon_cap.wq, wait);
	if (!varmon_ring_empty(&varmon_cap.ring))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}
