// SPDX-License-Identifier: GPL-2.0-only
/*
 * GNU build-id of a mapped ELF file, read only when it is cheap: from
 * the first page of the file, and only if that page is already in the
 * page cache (it nearly always is for a running program). No I/O, no
 * sleeping, so it can run under the mmap_lock. The parsing, in
 * buildid_parse.c, is shared with the host tests and fuzzer.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/pagemap.h>

#include "buildid_parse.h"
#include "capture_priv.h"

/**
 * varmon_build_id() - GNU build-id of an ELF file, if cheaply readable
 * @file:	the mapped file
 * @id:		out: up to 20 bytes of build-id
 * @len:	out: bytes of @id used
 *
 * Context: any context that may take the RCU read lock; never sleeps.
 * Return: 0, or -ENOENT when the first page is not cached, the file is
 * not an ELF executable or shared object, or its build-id note is not in
 * the first page.
 */
int varmon_build_id(struct file *file, u8 *id, u8 *len)
{
	struct folio *folio;
	int ret = -ENOENT;
	u8 *page;

	/* 6.1 returns NULL for a miss, later kernels ERR_PTR(-ENOENT). */
	folio = filemap_get_folio(file->f_mapping, 0);
	if (IS_ERR_OR_NULL(folio))
		return -ENOENT;
	if (folio_test_uptodate(folio)) {
		page = kmap_local_folio(folio, 0);
		ret = varmon_buildid_parse(page, PAGE_SIZE, id, len);
		kunmap_local(page);
	}
	folio_put(folio);
	return ret;
}
