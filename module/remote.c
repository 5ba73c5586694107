// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading another address space for a dump. access_process_vm() goes
 * through task->mm, which is gone as soon as the task exits; this reads
 * through an mm the dump holds a reference on, so a process that exits
 * during the dump is still read whole. It never waits for the mmap_lock:
 * a task stuck holding it for writing is exactly what a dump may be
 * about, and the capture must not get stuck behind it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

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

/**
 * varmon_remote_read() - copy user memory unless the mmap_lock is contended
 * @mm:		the address space, referenced (mmget) by the caller
 * @addr:	user address to start at
 * @dst:	kernel buffer
 * @len:	bytes wanted
 *
 * Context: process context; may sleep to fault a page in.
 * Return: bytes copied, 0 when the mmap_lock was not free.
 */
size_t varmon_remote_read(struct mm_struct *mm, unsigned long addr,
			  void *dst, size_t len)
{
	size_t done;

	if (!mmap_read_trylock(mm))
		return 0;
	done = varmon_remote_read_locked(mm, addr, dst, len);
	mmap_read_unlock(mm);
	return done;
}
