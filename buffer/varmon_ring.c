// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ring buffer of variable-size records: one writer and one reader at a
 * time, lock-free between the two. See varmon_ring.h for the contract.
 * Kernel-only and libc-only needs go through ring_shim.h, since the unit
 * tests build this same file on the host.
 */
#include "varmon_ring.h"

#define VARMON_RING_HDR_SIZE	sizeof(struct varmon_rec_hdr)

static bool varmon_ring_hdr_ok(u32 magic, u32 size, u64 avail)
{
	return magic == VARMON_REC_MAGIC &&
	       size >= VARMON_RING_HDR_SIZE &&
	       size % VARMON_REC_ALIGN == 0 &&
	       size <= VARMON_REC_MAX_SIZE &&
	       size <= avail;
}

/**
 * varmon_ring_round_size() - the ring size to use for a requested size
 * @want:	requested size in bytes
 *
 * Context: any.
 * Return: the smallest valid ring size (a power of two, at least
 * VARMON_RING_MIN_SIZE) not below @want, or 0 when @want is 0 or above
 * VARMON_RING_MAX_SIZE. A size is valid when it rounds to itself.
 */
size_t varmon_ring_round_size(u64 want)
{
	size_t size = VARMON_RING_MIN_SIZE;

	if (!want || want > VARMON_RING_MAX_SIZE)
		return 0;
	while (size < want)
		size <<= 1;
	return size;
}

/**
 * varmon_ring_bounce_size() - bounce buffer a ring of a given size needs
 * @size:	valid ring size
 *
 * The largest record a ring can hold is the smaller of its size and
 * VARMON_REC_MAX_SIZE, and the reader may need to assemble one such record.
 *
 * Context: any.
 * Return: the minimum @bounce_size for varmon_ring_init().
 */
size_t varmon_ring_bounce_size(size_t size)
{
	return size < VARMON_REC_MAX_SIZE ? size : VARMON_REC_MAX_SIZE;
}

/**
 * varmon_ring_init() - set up an empty ring on caller-provided memory
 * @r:		the ring
 * @data:	storage, @size bytes, 8-byte aligned; the ring does not free it
 * @size:	a valid ring size (see varmon_ring_round_size())
 * @bounce:	reader's scratch, 8-byte aligned, not shared with another ring
 * @bounce_size: bytes at @bounce, at least varmon_ring_bounce_size(@size)
 *
 * Context: before any reader or writer uses @r.
 * Return: 0, or -EINVAL when a size or an alignment is wrong.
 */
int varmon_ring_init(struct varmon_ring *r, void *data, size_t size,
		     void *bounce, size_t bounce_size)
{
	if (varmon_ring_round_size(size) != size ||
	    bounce_size < varmon_ring_bounce_size(size) ||
	    (unsigned long)data % VARMON_REC_ALIGN ||
	    (unsigned long)bounce % VARMON_REC_ALIGN)
		return -EINVAL;

	memset(r, 0, sizeof(*r));
	r->data = data;
	r->bounce = bounce;
	r->mask = size - 1;
	return 0;
}

/* Counts the records of a dump; a malformed dump is the caller's bug. */
static int varmon_ring_check_blob(const u8 *blob, size_t len,
				  unsigned int *nr)
{
	size_t off = 0;

	*nr = 0;
	if (!len || len % VARMON_REC_ALIGN)
		return -EINVAL;
	while (off < len) {
		u32 magic, size;

		if (len - off < VARMON_RING_HDR_SIZE)
			return -EINVAL;
		/* The dump may be unaligned; the ring's copy will not be. */
		memcpy(&magic, blob + off +
		       offsetof(struct varmon_rec_hdr, magic), sizeof(magic));
		memcpy(&size, blob + off +
		       offsetof(struct varmon_rec_hdr, size), sizeof(size));
		if (!varmon_ring_hdr_ok(magic, size, len - off))
			return -EINVAL;
		off += size;
		(*nr)++;
	}
	return 0;
}

/**
 * varmon_ring_write() - append a dump, whole or not at all
 * @r:		the ring
 * @blob:	one or more whole records, back to back
 * @len:	bytes at @blob
 *
 * Never waits for the reader. When the free space is less than @len, the
 * dump is dropped and counted in the lost counters and the stats.
 *
 * Context: any; does not sleep. The caller serializes writers of @r.
 * Return: 0 when written; -ENOSPC when dropped; -EINVAL when @blob is not
 * a sequence of valid records exactly @len bytes long (nothing counted).
 */
int varmon_ring_write(struct varmon_ring *r, const void *blob, size_t len)
{
	u64 size = r->mask + 1;
	u64 head = r->head;
	size_t off, first;
	unsigned int nr;
	u64 tail;
	int ret;

	ret = varmon_ring_check_blob(blob, len, &nr);
	if (ret)
		return ret;

	/* Pairs with the release in the reader: it is done with [.., tail). */
	tail = smp_load_acquire(&r->tail);
	if (len > size - (head - tail)) {
		WRITE_ONCE(r->lost.dumps, r->lost.dumps + 1);
		WRITE_ONCE(r->lost.bytes, r->lost.bytes + len);
		WRITE_ONCE(r->stats.drops, r->stats.drops + 1);
		WRITE_ONCE(r->stats.drop_bytes, r->stats.drop_bytes + len);
		return -ENOSPC;
	}

	off = head & r->mask;
	first = size - off < len ? size - off : len;
	memcpy(r->data + off, blob, first);
	memcpy(r->data, (const u8 *)blob + first, len - first);
	/* Pairs with the acquire in the reader: the bytes are there first. */
	smp_store_release(&r->head, head + len);

	WRITE_ONCE(r->stats.dumps, r->stats.dumps + 1);
	WRITE_ONCE(r->stats.records, r->stats.records + nr);
	WRITE_ONCE(r->stats.bytes, r->stats.bytes + len);
	return 0;
}

/**
 * varmon_ring_peek_lost() - drops not yet taken
 * @r:		the ring
 * @lost:	out: dumps and bytes dropped since the last take
 *
 * A writer can put these numbers in the dump it is building and take them
 * with varmon_ring_take_lost() once the dump is written, so that they are
 * not lost with a dump that gets dropped too.
 *
 * Context: the caller serializes writers of @r.
 */
void varmon_ring_peek_lost(const struct varmon_ring *r,
			   struct varmon_ring_lost *lost)
{
	*lost = r->lost;
}

/**
 * varmon_ring_take_lost() - read and reset the drops not yet reported
 * @r:		the ring
 * @lost:	out: dumps and bytes dropped since the last take
 *
 * Context: the caller serializes writers of @r.
 */
void varmon_ring_take_lost(struct varmon_ring *r,
			   struct varmon_ring_lost *lost)
{
	*lost = r->lost;
	WRITE_ONCE(r->lost.dumps, 0);
	WRITE_ONCE(r->lost.bytes, 0);
}

/*
 * The record at @pos, validated, as one piece: in place, or assembled in
 * the bounce buffer when it straddles the end of the storage. NULL when
 * the ring is corrupt.
 */
static const struct varmon_rec_hdr *varmon_ring_peek(struct varmon_ring *r,
						     u64 pos, u64 head,
						     u32 *sizep)
{
	size_t size = r->mask + 1;
	size_t off = pos & r->mask;
	u32 magic, rec_size;
	size_t first;

	/*
	 * @pos is 8-byte aligned, so magic and size sit in two aligned 8-byte
	 * words that never straddle the end, even when the header does.
	 */
	memcpy(&magic, r->data + ((pos + offsetof(struct varmon_rec_hdr,
						  magic)) & r->mask),
	       sizeof(magic));
	memcpy(&rec_size, r->data + ((pos + offsetof(struct varmon_rec_hdr,
						     size)) & r->mask),
	       sizeof(rec_size));
	if (!varmon_ring_hdr_ok(magic, rec_size, head - pos))
		return NULL;

	*sizep = rec_size;
	if (rec_size <= size - off)
		return (const struct varmon_rec_hdr *)(r->data + off);

	first = size - off;
	memcpy(r->bounce, r->data + off, first);
	memcpy(r->bounce + first, r->data, rec_size - first);
	return (const struct varmon_rec_hdr *)r->bounce;
}

static int varmon_ring_copy_raw(void __user *dst,
				const struct varmon_rec_hdr *rec)
{
	if (copy_to_user(dst, rec, rec->size))
		return -EFAULT;
	return rec->size;
}

/**
 * varmon_ring_read_cb() - drain whole records through a callback
 * @r:		the ring
 * @dst:	destination buffer, handed to @copy
 * @len:	bytes at @dst
 * @copy:	writes one record at its place in @dst; NULL copies each
 *		record as it is with copy_to_user()
 * @ctx:	passed to @copy
 * @res:	out: what was copied, consumed and needed
 *
 * Takes records in order while the next one fits in what is left of
 * @dst, and consumes exactly the records @copy accepted (returned >= 0).
 * It stops at the first record that does not fit, that @copy fails, or
 * that is corrupt. Records written meanwhile wait for the next call.
 *
 * Context: may sleep if @copy does. The caller serializes readers of @r.
 * Return: 0 when at least one record was written or none was pending
 * (then @res->records == 0; skipped records are still consumed).
 * Otherwise, with nothing written to @dst: -ENOSPC when the first pending
 * record does not fit (@res->needed is its size, nothing consumed), the
 * error from @copy (that record not consumed), -EINVAL when @copy
 * returned more than the record's size, or -EIO when the record is
 * malformed or the indices are inconsistent. The last two are bugs. A
 * caller that got records back sees a stopping error on its next call.
 */
int varmon_ring_read_cb(struct varmon_ring *r, void __user *dst, size_t len,
			varmon_ring_copy_fn copy, void *ctx,
			struct varmon_ring_result *res)
{
	char __user *out = dst;
	u64 tail = r->tail;
	u32 size = 0;
	int err = 0;
	u64 head, pos;

	memset(res, 0, sizeof(*res));
	/* Pairs with the release in varmon_ring_write(): records are whole. */
	head = smp_load_acquire(&r->head);
	if (head - tail > r->mask + 1)
		return -EIO;

	for (pos = tail; pos != head; pos += size) {
		const struct varmon_rec_hdr *rec;
		int ret;

		rec = varmon_ring_peek(r, pos, head, &size);
		if (!rec) {
			err = -EIO;
			break;
		}
		if (size > len - res->copied) {
			err = -ENOSPC;
			break;
		}
		if (copy)
			ret = copy(ctx, out + res->copied, rec);
		else
			ret = varmon_ring_copy_raw(out + res->copied, rec);
		if (ret < 0 || (u32)ret > size) {
			err = ret < 0 ? ret : -EINVAL;
			break;
		}
		if (ret) {
			res->copied += ret;
			res->records++;
		} else {
			res->skipped++;
		}
	}

	if (pos != tail)
		/* Pairs with the acquire in varmon_ring_write(): reads done. */
		smp_store_release(&r->tail, pos);

	if (res->records)
		return 0;
	if (err == -ENOSPC)
		res->needed = size;
	return err;
}

/**
 * varmon_ring_read() - drain whole records into a buffer
 * @r:		the ring
 * @dst:	destination: user memory in the kernel, plain memory on the host
 * @len:	bytes at @dst
 * @res:	out: what was copied, consumed and needed
 *
 * varmon_ring_read_cb() with a plain copy_to_user() of each record; a
 * fault is -EFAULT and leaves the faulting record in the ring.
 *
 * Context: may sleep (page faults). The caller serializes readers of @r.
 * Return: as varmon_ring_read_cb().
 */
int varmon_ring_read(struct varmon_ring *r, void __user *dst, size_t len,
		     struct varmon_ring_result *res)
{
	return varmon_ring_read_cb(r, dst, len, NULL, NULL, res);
}

/**
 * varmon_ring_empty() - whether no record is pending
 * @r:		the ring
 *
 * A hint for poll(): a writer or reader running meanwhile may change it.
 *
 * Context: any; takes no lock.
 * Return: true when no record is pending.
 */
bool varmon_ring_empty(const struct varmon_ring *r)
{
	/* Pairs with the release in varmon_ring_write(). */
	return smp_load_acquire(&r->head) == READ_ONCE(r->tail);
}

/**
 * varmon_ring_get_stats() - writer totals
 * @r:		the ring
 * @st:		out: totals since varmon_ring_init()
 *
 * Each counter is read whole, but they are not one snapshot.
 *
 * Context: any; takes no lock.
 */
void varmon_ring_get_stats(const struct varmon_ring *r,
			   struct varmon_ring_stats *st)
{
	st->dumps = READ_ONCE(r->stats.dumps);
	st->records = READ_ONCE(r->stats.records);
	st->bytes = READ_ONCE(r->stats.bytes);
	st->drops = READ_ONCE(r->stats.drops);
	st->drop_bytes = READ_ONCE(r->stats.drop_bytes);
}
