// SPDX-License-Identifier: GPL-2.0-only
/*
 * Building a dump in the staging area. Records and sections are written
 * in place, so a user stack or a command line is copied once, straight
 * from the other address space into the staging area. Every function
 * fails softly: no room means NULL or false, and the caller cancels the
 * open record.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/align.h>
#include <linux/build_bug.h>
#include <linux/bug.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/ktime.h>

#include "capture_priv.h"

/**
 * varmon_stage_reset() - start a new dump
 * @st:		the staging area
 * @dump_id:	id of the dump
 *
 * The budget (@st->limit) is the whole area; callers lower it.
 *
 * Context: process context; varmon_cap.write_lock held.
 */
void varmon_stage_reset(struct varmon_stage *st, u64 dump_id)
{
	st->len = 0;
	st->rec = 0;
	st->sec = 0;
	st->limit = st->cap;
	st->dump_id = dump_id;
	st->seq = 0;
}

/**
 * varmon_stage_reserve() - room for @size bytes at the end
 * @st:		the staging area
 * @size:	bytes wanted
 *
 * Nothing is committed: write at most @size bytes, then call
 * varmon_stage_commit() with what was written. The open record, which
 * the reservation belongs to, stays within VARMON_REC_MAX_SIZE.
 *
 * Context: process context; varmon_cap.write_lock held.
 * Return: where to write, or NULL when the budget does not allow @size.
 */
void *varmon_stage_reserve(struct varmon_stage *st, size_t size)
{
	/* The ring refuses a record above VARMON_REC_MAX_SIZE. */
	size_t end = min(st->limit, st->rec + VARMON_REC_MAX_SIZE);

	if (size > end || st->len > end - size)
		return NULL;
	return st->buf + st->len;
}

/**
 * varmon_stage_commit() - keep bytes written after a reservation
 * @st:		the staging area
 * @size:	bytes to keep, at most what was reserved
 *
 * Context: process context; varmon_cap.write_lock held.
 */
void varmon_stage_commit(struct varmon_stage *st, size_t size)
{
	st->len += size;
}

/**
 * varmon_stage_put() - reserve and commit zeroed bytes
 * @st:		the staging area
 * @size:	bytes wanted
 *
 * Context: process context; varmon_cap.write_lock held.
 * Return: the zeroed bytes, or NULL when the budget does not allow @size.
 */
void *varmon_stage_put(struct varmon_stage *st, size_t size)
{
	void *p = varmon_stage_reserve(st, size);

	if (p) {
		memset(p, 0, size);
		varmon_stage_commit(st, size);
	}
	return p;
}

/**
 * varmon_stage_rewind() - forget what the open record got since @off
 * @st:		the staging area
 * @off:	an earlier value of @st->len inside the open record, outside
 *		any open section
 *
 * Context: process context; varmon_cap.write_lock held.
 */
void varmon_stage_rewind(struct varmon_stage *st, size_t off)
{
	st->len = off;
	st->sec = 0;
}

/**
 * varmon_stage_rec_begin() - open a record
 * @st:		the staging area
 * @type:	VARMON_REC_*
 * @size:	size of its fixed part, header included, a multiple of 8
 *
 * The header is filled in; the rest of the fixed part is zeroed.
 *
 * Context: process context; varmon_cap.write_lock held.
 * Return: the fixed part, or NULL when there is no room.
 */
void *varmon_stage_rec_begin(struct varmon_stage *st, u16 type, size_t size)
{
	struct varmon_rec_hdr *hdr;

	BUILD_BUG_ON(sizeof(*hdr) % VARMON_REC_ALIGN);
	if (WARN_ON_ONCE(size < sizeof(*hdr) || size % VARMON_REC_ALIGN))
		return NULL;

	st->rec = st->len;
	st->sec = 0;
	hdr = varmon_stage_put(st, size);
	if (!hdr)
		return NULL;
	hdr->magic = VARMON_REC_MAGIC;
	hdr->version = VARMON_REC_VERSION;
	hdr->type = type;
	hdr->dump_id = st->dump_id;
	return hdr;
}

/**
 * varmon_stage_rec_end() - close the open record
 * @st:		the staging area
 *
 * Sets its size, its seq and its time.
 *
 * Context: process context; varmon_cap.write_lock held.
 */
void varmon_stage_rec_end(struct varmon_stage *st)
{
	struct varmon_rec_hdr *hdr = (void *)(st->buf + st->rec);

	hdr->size = st->len - st->rec;
	hdr->seq = st->seq++;
	hdr->time_ns = ktime_get_ns();
}

/**
 * varmon_stage_rec_cancel() - drop the open record
 * @st:		the staging area
 *
 * Context: process context; varmon_cap.write_lock held.
 */
void varmon_stage_rec_cancel(struct varmon_stage *st)
{
	st->len = st->rec;
	st->sec = 0;
}

/**
 * varmon_stage_sec_begin() - open a section in the open record
 * @st:		the staging area
 * @type:	VARMON_SEC_*
 *
 * Append its body with varmon_stage_put() or reserve and commit, then
 * close it with varmon_stage_sec_end().
 *
 * Context: process context; varmon_cap.write_lock held.
 * Return: false when there is no room.
 */
bool varmon_stage_sec_begin(struct varmon_stage *st, u16 type)
{
	struct varmon_sec *sec;
	size_t off = st->len;

	sec = varmon_stage_put(st, sizeof(*sec));
	if (!sec)
		return false;
	sec->type = type;
	st->sec = off;
	return true;
}

/**
 * varmon_stage_sec_end() - close the open section
 * @st:		the staging area
 *
 * Pads the body to 8 bytes with zeros and sets the section size. The
 * padding always fits: the area and every budget are multiples of 8.
 *
 * Context: process context; varmon_cap.write_lock held.
 */
void varmon_stage_sec_end(struct varmon_stage *st)
{
	size_t end = ALIGN(st->len, VARMON_REC_ALIGN);
	struct varmon_sec *sec;

	memset(st->buf + st->len, 0, end - st->len);
	st->len = end;
	sec = (void *)(st->buf + st->sec);
	sec->size = st->len - st->sec;
	st->sec = 0;
}
