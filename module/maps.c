// SPDX-License-Identifier: GPL-2.0-only
/*
 * One VARMON_REC_MAPS per distinct address space in a dump: its
 * executable file mappings with their paths and build-ids, so that ucli
 * can symbolize user stacks after the process is gone, or on another
 * machine with the same files.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/path.h>
#include <linux/string.h>

#include "capture_priv.h"

/* Room a record needs to be closed: its kernel-private section. */
#define VARMON_KPRIV_ROOM	(sizeof(struct varmon_sec) + \
				 sizeof(struct varmon_kpriv))

/**
 * struct varmon_bid_cache - build-id of the last file looked at
 * @inode:	the file, or NULL
 * @ret:	what varmon_build_id() returned for it
 * @len:	bytes of @id used
 * @id:		the build-id
 *
 * A library is mapped several times in a row (text, data, ...); this
 * parses it once.
 */
struct varmon_bid_cache {
	const struct inode *inode;
	int ret;
	u8 len;
	u8 id[20];
};

static bool varmon_map_entry(struct varmon_dump_ctx *dc,
			     struct vm_area_struct *vma,
			     struct varmon_bid_cache *bc)
{
	struct varmon_stage *st = dc->st;
	struct file *file = vma->vm_file;
	struct varmon_map_entry *e;
	const char *path;
	size_t mark = st->len;
	size_t plen;
	char *dst;

	path = d_path(&file->f_path, dc->path, PATH_MAX);
	if (IS_ERR(path))
		path = "";
	plen = strlen(path) + 1;

	/* The whole entry and the record's closing section, or nothing. */
	if (!varmon_stage_reserve(st, sizeof(struct varmon_sec) + sizeof(*e) +
				  ALIGN(plen, 8) + VARMON_KPRIV_ROOM))
		return false;

	varmon_stage_sec_begin(st, VARMON_SEC_MAP);
	e = varmon_stage_put(st, sizeof(*e));
	e->start = vma->vm_start;
	e->end = vma->vm_end;
	e->pgoff = (u64)vma->vm_pgoff << PAGE_SHIFT;

	if (bc->inode != file_inode(file)) {
		bc->inode = file_inode(file);
		bc->ret = varmon_build_id(file, bc->id, &bc->len);
	}
	if (!bc->ret) {
		e->build_id_len = bc->len;
		memcpy(e->build_id, bc->id, bc->len);
	}

	dst = varmon_stage_put(st, plen);
	if (WARN_ON_ONCE(!dst)) {
		varmon_stage_rewind(st, mark);
		return false;
	}
	memcpy(dst, path, plen);
	varmon_stage_sec_end(st);
	return true;
}

/**
 * varmon_maps_emit() - append the VARMON_REC_MAPS of one address space
 * @dc:		the dump
 * @ref:	the address space, its id and whose credentials guard it
 *
 * Mappings that no longer fit are left out (@nr_maps says how many made
 * it). If the mmap_lock is held for writing by someone else, the record
 * has no mappings rather than the dump waiting.
 *
 * Context: process context; may sleep; varmon_cap.write_lock held.
 * Return: false when not even an empty record fits.
 */
bool varmon_maps_emit(struct varmon_dump_ctx *dc,
		      const struct varmon_mmref *ref)
{
	struct varmon_bid_cache bc = { };
	struct varmon_stage *st = dc->st;
	struct varmon_rec_maps *rec;
	struct vm_area_struct *vma;
	struct varmon_kpriv *kp;

	if (!varmon_stage_reserve(st, sizeof(*rec) + VARMON_KPRIV_ROOM))
		return false;
	rec = varmon_stage_rec_begin(st, VARMON_REC_MAPS, sizeof(*rec));
	rec->mm_id = ref->id;
	rec->tgid = ref->tgid;

	if (varmon_mmap_read_trylock_brief(ref->mm)) {
		VMA_ITERATOR(vmi, ref->mm, 0);

		for_each_vma(vmi, vma) {
			if (!(vma->vm_flags & VM_EXEC) || !vma->vm_file)
				continue;
			if (!varmon_map_entry(dc, vma, &bc))
				break;
			rec->nr_maps++;
		}
		mmap_read_unlock(ref->mm);
	}

	varmon_stage_sec_begin(st, VARMON_SEC_KPRIV);
	kp = varmon_stage_put(st, sizeof(*kp));
	*kp = ref->kpriv;
	varmon_stage_sec_end(st);
	varmon_stage_rec_end(st);
	return true;
}
