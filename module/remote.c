// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading another address space for a dump. access_process_vm() goes
 * through task->mm, which is gone as soon as the task exits; this reads
 * through an mm the dump holds a reference on, so a process that exits
 * during the dump is still read whole. It never waits long for the
 * mmap_lock: a task stuck holding it for writing is exactly what a dump
 * may be about, and the capture must not get stuck behind it. A brief
 * holder (an mmap, a thread starting, an exit) is waited out for a few
 * milliseconds.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>

#include "capture_priv.h"
#include "compat.h"

/**
 * varmon_remote_read_locked() - copy user memory of another address space
 * @mm:		the address space, referenced (mmget) by the caller
 * @addr:	user address to start at
 * @dst:	kernel buffer
 * @len:	bytes wanted
 *
 * Stops at the first page that cannot be read (unmapped, no read
 * permission, or I/O memory).
 *
 * Context: process context; @mm's mmap_lock held for reading; may sleep
 * to fault a page in.
 * Return: bytes copied, from @addr on.
 */
size_t varmon_remote_read_locked(struct mm_struct *mm, unsigned long addr,
				 void *dst, size_t len)
{
	size_t done = 0;

	mmap_assert_locked(mm);
	while (done < len) {
		unsigned long off = offset_in_page(addr + done);
		size_t n = min_t(size_t, len - done, PAGE_SIZE - off);
		struct page *page;
		void *src;

		if (varmon_get_user_page_remote(mm, addr + done, 0, &page) != 1)
			break;
		src = kmap_local_page(page);
		memcpy(dst + done, src + off, n);
		kunmap_local(src);
		put_page(page);
		done += n;
	}
	return done;
}

/* Tries of the mmap_lock, about half a millisecond apart. */
#define VARMON_MMAP_TRIES	20

/**
 * varmon_mmap_read_trylock_brief() - take the mmap_lock unless it stays busy
 * @mm:		the address space
 *
 * Context: process context; sleeps up to about 10 ms.
 * Return: true with the lock held for reading.
 */
bool varmon_mmap_read_trylock_brief(struct mm_struct *mm)
{
	unsigned int tries;

	for (tries = 1; !mmap_read_trylock(mm); tries++) {
		if (tries == VARMON_MMAP_TRIES)
			return false;
		usleep_range(400, 600);
	}
	return true;
}

/**
 * varmon_remote_read() - copy user memory unless the mmap_lock stays taken
 * @mm:		the address space, referenced (mmget) by the caller
 * @addr:	user address to start at
 * @dst:	kernel buffer
 * @len:	bytes wanted
 *
 * Context: process context; may sleep.
 * Return: bytes copied, 0 when the mmap_lock was held for writing for
 * about 10 ms.
 */
size_t varmon_remote_read(struct mm_struct *mm, unsigned long addr,
			  void *dst, size_t len)
{
	size_t done;

	if (!varmon_mmap_read_trylock_brief(mm))
		return 0;
	done = varmon_remote_read_locked(mm, addr, dst, len);
	mmap_read_unlock(mm);
	return done;
}
