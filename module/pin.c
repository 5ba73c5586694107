// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pinned user pages. Watches on the same page of the same process share
 * one long-term pin, so N variables in one page cost one pinned page.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "compat.h"
#include "varmon.h"

static struct varmon_page *varmon_page_find(struct varmon_mm *vmm,
					    unsigned long base)
{
	struct varmon_page *vpage;

	lockdep_assert_held(&vmm->lock);
	list_for_each_entry(vpage, &vmm->pages, node)
		if (vpage->uaddr == base && !vpage->stale)
			return vpage;
	return NULL;
}

/*
 * A read-only pin of a private writable page could pin the shared zero
 * page or a page that copy-on-write later replaces; pinning for write
 * breaks COW now, so the pin follows the memory the process writes.
 * Shared and read-only mappings have no such copy and are pinned as is.
 */
static unsigned int varmon_pin_flags(const struct vm_area_struct *vma)
{
	unsigned int flags = FOLL_LONGTERM;

	if ((vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
		flags |= FOLL_WRITE;
	return flags;
}

/**
 * varmon_vma_check() - is a user address mapped readable?
 * @mm:		the address space
 * @uaddr:	the address
 *
 * Context: mmap_read_lock(@mm) held.
 * Return: 0 or -EFAULT.
 */
int varmon_vma_check(struct mm_struct *mm, unsigned long uaddr)
{
	struct vm_area_struct *vma = vma_lookup(mm, uaddr);

	mmap_assert_locked(mm);
	if (!vma || !(vma->vm_flags & VM_READ) ||
	    (vma->vm_flags & (VM_IO | VM_PFNMAP)))
		return -EFAULT;
	return 0;
}

/*
 * A long-term pin counts against RLIMIT_MEMLOCK like RDMA and io_uring
 * pins do: on the pinned mm's pinned_vm, with the registering task's
 * limit, unless it has CAP_IPC_LOCK.
 */
static int varmon_charge_pin(struct mm_struct *mm)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;

	if (atomic64_inc_return(&mm->pinned_vm) > limit &&
	    !capable(CAP_IPC_LOCK)) {
		atomic64_dec(&mm->pinned_vm);
		pr_warn_ratelimited("%s[%d]: watch rejected: RLIMIT_MEMLOCK reached\n",
				    current->comm, task_tgid_vnr(current));
		return -ENOMEM;
	}
	return 0;
}

/**
 * varmon_page_get() - pin the page holding a user address, or share a pin
 * @vmm:	watched address space
 * @mm:		its mm_struct
 * @uaddr:	user address of the variable
 *
 * Context: process; varmon_lock and mmap_read_lock(@mm) held, so no
 * munmap can run between the VMA check and the pin.
 * Return: the page, with one more reference, or an ERR_PTR:
 * -EFAULT when @uaddr is not mapped readable, -ENOMEM (also past
 * RLIMIT_MEMLOCK).
 */
struct varmon_page *varmon_page_get(struct varmon_mm *vmm,
				    struct mm_struct *mm, unsigned long uaddr)
{
	unsigned long base = uaddr & PAGE_MASK;
	struct vm_area_struct *vma;
	struct varmon_page *vpage;
	struct page *page;
	long pinned;
	int err;

	lockdep_assert_held(&varmon_lock);
	mmap_assert_locked(mm);

	if (varmon_vma_check(mm, uaddr))
		return ERR_PTR(-EFAULT);
	vma = vma_lookup(mm, uaddr);

	spin_lock(&vmm->lock);
	vpage = varmon_page_find(vmm, base);
	spin_unlock(&vmm->lock);
	if (vpage) {
		vpage->refs++;
		return vpage;
	}

	vpage = kzalloc(sizeof(*vpage), GFP_KERNEL);
	if (!vpage)
		return ERR_PTR(-ENOMEM);
	err = varmon_charge_pin(mm);
	if (err)
		goto out_free;

	pinned = varmon_pin_user_page_remote(mm, base, varmon_pin_flags(vma),
					     &page);
	if (pinned != 1) {
		err = pinned == -ENOMEM ? -ENOMEM : -EFAULT;
		goto out_uncharge;
	}

	vpage->uaddr = base;
	vpage->page = page;
	/* x86-64 has no highmem: the direct map lasts as long as the pin. */
	vpage->kaddr = page_address(page);
	vpage->refs = 1;

	spin_lock(&vmm->lock);
	list_add(&vpage->node, &vmm->pages);
	spin_unlock(&vmm->lock);
	atomic_inc(&varmon_stats.pinned_pages);
	return vpage;

out_uncharge:
	atomic64_dec(&mm->pinned_vm);
out_free:
	kfree(vpage);
	return ERR_PTR(err);
}

/**
 * varmon_page_put() - drop a reference, unpinning the page with the last
 * @vmm:	address space the page belongs to
 * @vpage:	page from varmon_page_get()
 *
 * Context: process, varmon_lock held.
 */
void varmon_page_put(struct varmon_mm *vmm, struct varmon_page *vpage)
{
	lockdep_assert_held(&varmon_lock);
	if (--vpage->refs)
		return;

	spin_lock(&vmm->lock);
	list_del(&vpage->node);
	spin_unlock(&vmm->lock);

	unpin_user_page(vpage->page);
	atomic64_dec(&vmm->mn.mm->pinned_vm);
	kfree(vpage);
	atomic_dec(&varmon_stats.pinned_pages);
}
