// SPDX-License-Identifier: GPL-2.0-only
/*
 * GNU build-id of a mapped ELF file, read only when it is cheap: from
 * the first page of the file, and only if that page is already in the
 * page cache (it nearly always is for a running program). No I/O, no
 * sleeping, so it can run under the mmap_lock. build_id_parse() does a
 * similar job but is not exported.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/elf.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/pagemap.h>
#include <linux/string.h>

#include "capture_priv.h"

#define VARMON_BUILD_ID_MAX	20
#define VARMON_NT_GNU_BUILD_ID	3	/* note type, from the ELF gABI (GNU) */

/* Look through the notes in [off, end) of @page for NT_GNU_BUILD_ID. */
static int varmon_parse_notes(const u8 *page, size_t off, size_t end,
			      u8 *id, u8 *len)
{
	while (end - off >= sizeof(struct elf64_note)) {
		const struct elf64_note *nh = (const void *)(page + off);
		size_t name = ALIGN((size_t)nh->n_namesz, 4);
		size_t desc = ALIGN((size_t)nh->n_descsz, 4);
		size_t body = off + sizeof(*nh);

		if (nh->n_namesz > PAGE_SIZE || nh->n_descsz > PAGE_SIZE ||
		    name + desc > end - body)
			break;
		if (nh->n_type == VARMON_NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
		    !memcmp(page + body, "GNU", 4) &&
		    nh->n_descsz && nh->n_descsz <= VARMON_BUILD_ID_MAX) {
			memcpy(id, page + body + name, nh->n_descsz);
			*len = nh->n_descsz;
			return 0;
		}
		off = body + name + desc;
	}
	return -ENOENT;
}

/* Only what lies in the first page is looked at. */
static int varmon_parse_elf(const u8 *page, u8 *id, u8 *len)
{
	const struct elf64_hdr *eh = (const void *)page;
	const struct elf64_phdr *ph;
	unsigned int i;

	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phentsize != sizeof(*ph) ||
	    eh->e_phoff > PAGE_SIZE ||
	    eh->e_phnum > (PAGE_SIZE - eh->e_phoff) / sizeof(*ph))
		return -ENOENT;

	ph = (const void *)(page + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_NOTE || ph[i].p_offset >= PAGE_SIZE ||
		    ph[i].p_offset % 4)
			continue;
		if (!varmon_parse_notes(page, ph[i].p_offset,
					min_t(u64, PAGE_SIZE,
					      ph[i].p_offset + ph[i].p_filesz),
					id, len))
			return 0;
	}
	return -ENOENT;
}

/**
 * varmon_build_id() - GNU build-id of an ELF file, if cheaply readable
 * @file:	the mapped file
 * @id:		out: up to 20 bytes of build-id
 * @len:	out: bytes of @id used
 *
 * Context: any context that may take the RCU read lock; never sleeps.
 * Return: 0, or -ENOENT when the first page is not cached, the file is
 * not a 64-bit ELF, or its notes are not in the first page.
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
		ret = varmon_parse_elf(page, id, len);
		kunmap_local(page);
	}
	folio_put(folio);
	return ret;
}
