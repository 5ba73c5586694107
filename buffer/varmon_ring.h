/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Ring buffer of variable-size records (struct varmon_rec_hdr), shared by
 * the capture code (one writer at a time) and the drain ioctl (one reader
 * at a time). The same code builds into the module and the host tests.
 */
#ifndef VARMON_RING_H
#define VARMON_RING_H

#include "ring_shim.h"
#include "varmon_record.h"

/* Ring sizes are powers of two in this range. */
#define VARMON_RING_MIN_SIZE	64UL
#define VARMON_RING_MAX_SIZE	0x40000000UL	/* 1 GiB */

/**
 * DOC: producer/consumer contract
 *
 * The ring is a power-of-two byte array with two free-running u64
 * indices: @head, advanced only by the writer, and @tail, advanced only
 * by the reader. Bytes [tail, head) hold whole records; the array offset
 * of index i is i & mask, and head - tail is the number of bytes in
 * use, which unsigned arithmetic keeps right even across 2^64.
 *
 * - Writers are serialized by the caller (one lock of its own); so are
 *   readers (another lock). A writer and a reader run concurrently and
 *   share no lock.
 * - The writer reads @tail with acquire, copies a whole dump into the free
 *   space, then publishes it with a release store of @head. A dump that
 *   does not fit is dropped whole and counted; the writer never waits.
 * - The reader reads @head with acquire, copies records out, then hands
 *   their space back with a release store of @tail. The writer never
 *   touches bytes the reader has not handed back, so a reader never sees
 *   a torn record.
 * - A record may straddle the end of the array. The reader assembles it in
 *   a bounce buffer, which belongs to the reader side.
 * - A record is valid when it has VARMON_REC_MAGIC, and its size covers
 *   the header, is a multiple of VARMON_REC_ALIGN, is at most
 *   VARMON_REC_MAX_SIZE and does not run past the dump (writer) or past
 *   @head (reader). The writer rejects a dump with an invalid record; the
 *   reader checks again and stops with -EIO rather than hand out garbage.
 */

/**
 * struct varmon_ring_stats - writer totals since varmon_ring_init()
 * @dumps:	dumps written
 * @records:	records written
 * @bytes:	bytes written
 * @drops:	dumps dropped because they did not fit
 * @drop_bytes:	bytes of the dropped dumps
 */
struct varmon_ring_stats {
	u64 dumps;
	u64 records;
	u64 bytes;
	u64 drops;
	u64 drop_bytes;
};

/**
 * struct varmon_ring_lost - drops not yet reported to readers
 * @dumps:	dumps dropped
 * @bytes:	bytes they would have taken
 */
struct varmon_ring_lost {
	u64 dumps;
	u64 bytes;
};

/**
 * struct varmon_ring - the ring and its indices
 * @data:	storage, @mask + 1 bytes, given by the caller
 * @bounce:	reader's room for a record that straddles the end of @data
 * @mask:	storage size minus one
 * @head:	end of the written records; written by the writer only
 * @lost:	drops since the last varmon_ring_take_lost(); writer only
 * @stats:	totals; written by the writer, read anywhere with READ_ONCE()
 * @tail:	start of the unread records; written by the reader only
 *
 * @head and @tail are on their own cache lines so that the two sides do
 * not bounce one line between them.
 */
struct varmon_ring {
	u8 *data;
	u8 *bounce;
	u64 mask;

	u64 head ____cacheline_aligned_in_smp;
	struct varmon_ring_lost lost;
	struct varmon_ring_stats stats;

	u64 tail ____cacheline_aligned_in_smp;
};

/**
 * struct varmon_ring_result - what one read did
 * @copied:	bytes written to the destination
 * @needed:	with -ENOSPC, the size of the first pending record; else 0
 * @records:	records written to the destination (and consumed)
 * @skipped:	records the copy callback consumed without writing them
 */
struct varmon_ring_result {
	size_t copied;
	size_t needed;
	unsigned int records;
	unsigned int skipped;
};

/**
 * typedef varmon_ring_copy_fn - copy one record out of the ring
 * @ctx:	the cookie given to varmon_ring_read_cb()
 * @dst:	destination, past the bytes written for earlier records; at
 *		least @rec->size bytes are left there
 * @rec:	the whole record, contiguous, already validated
 *
 * May filter or rewrite the record on the way (it must not modify @rec).
 *
 * Return: bytes written at @dst, at most @rec->size; 0 consumes the record
 * without writing it. A negative errno leaves the record in the ring and
 * ends the read.
 */
typedef int (*varmon_ring_copy_fn)(void *ctx, void __user *dst,
				   const struct varmon_rec_hdr *rec);

size_t varmon_ring_round_size(u64 want);
size_t varmon_ring_bounce_size(size_t size);
int varmon_ring_init(struct varmon_ring *r, void *data, size_t size,
		     void *bounce, size_t bounce_size);
int varmon_ring_write(struct varmon_ring *r, const void *blob, size_t len);
void varmon_ring_peek_lost(const struct varmon_ring *r,
			   struct varmon_ring_lost *lost);
void varmon_ring_take_lost(struct varmon_ring *r,
			   struct varmon_ring_lost *lost);
int varmon_ring_read(struct varmon_ring *r, void __user *dst, size_t len,
		     struct varmon_ring_result *res);
int varmon_ring_read_cb(struct varmon_ring *r, void __user *dst, size_t len,
			varmon_ring_copy_fn copy, void *ctx,
			struct varmon_ring_result *res);
bool varmon_ring_empty(const struct varmon_ring *r);
void varmon_ring_get_stats(const struct varmon_ring *r,
			   struct varmon_ring_stats *st);

#endif /* VARMON_RING_H */
