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
 *
 * Nor does it ever fault a page in: a page that is not resident may need
 * I/O that never completes (a FUSE daemon that does not answer, a dead
 * NFS server), and the dump holds the capture's lock that every later
 * dump waits for. Such a page ends the copy, and the caller can tell it
 * from one that cannot be read at all.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>

#include "capture_priv.h"
#include "compat.h"

/* Whether @addr is mapped readable, so only its page was missing. */
static bool varmon_remote_readable(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma = vma_lookup(mm, addr);

	return vma && (vma->vm_flags & VM_READ) &&
	       !(vma->vm_flags & (VM_IO | VM_PFNMAP));
}

/**
 * varmon_remote_read_locked() - copy resident user memory of another mm
 * @mm:		the address space, referenced (mmget) by the caller
 * @addr:	user address to start at
 * @dst:	kernel buffer
 * @len:	bytes wanted
 * @not_resident: out, may be NULL: set when the copy stopped short at a
 *		page that is mapped readable but not resident; left alone
 *		otherwise
 *
 * Stops at the first page that cannot be read without a fault: unmapped,
 * no read permission, I/O memory, or not resident (swapped out, never
 * touched, or file data not in the page cache).
 *
 * Context: process context; @mm's mmap_lock held for reading. Never
 * faults, so never waits for I/O.
 * Return: bytes copied, from @addr on.
 */
size_t varmon_remote_read_locked(struct mm_struct *mm, unsigned long addr,
				 void *dst, size_t len, bool *not_resident)
{
	size_t done = 0;

	mmap_assert_locked(mm);
	while (done < len) {
		unsigned long off = offset_in_page(addr + done);
		size_t n = min_t(size_t, len - done, PAGE_SIZE - off);
		struct page *page;
		void *src;

		if (varmon_get_user_page_remote(mm, addr + done, FOLL_NOFAULT,
						&page) != 1) {
			if (not_resident &&
			    varmon_remote_readable(mm, addr + done))
				*not_resident = true;
			break;
		}
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
 * varmon_remote_read() - copy resident memory unless the mmap_lock stays taken
 * @mm:		the address space, referenced (mmget) by the caller
 * @addr:	user address to start at
 * @dst:	kernel buffer
 * @len:	bytes wanted
 * @not_resident: as for varmon_remote_read_locked()
 *
 * Context: process context; may sleep briefly for the mmap_lock, never
 * for I/O.
 * Return: bytes copied, 0 when the mmap_lock was held for writing for
 * about 10 ms.
 */
size_t varmon_remote_read(struct mm_struct *mm, unsigned long addr,
			  void *dst, size_t len, bool *not_resident)
{
	size_t done;

	if (!varmon_mmap_read_trylock_brief(mm))
		return 0;
	done = varmon_remote_read_locked(mm, addr, dst, len, not_resident);
	mmap_read_unlock(mm);
	return done;
}
