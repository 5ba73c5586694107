/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rec_check.h - check a drained record stream, for the hardening tests
 * (test_fuzz, test_churn). Header-only: testlib.c is also built against
 * the first ABI's headers, which have no record format.
 *
 * The stream is checked as a reader with every privilege sees it:
 * well-formed headers, dumps in increasing dump_id order, each dump whole
 * (seq 0, 1, 2, ... under one dump_id), LOST records between dumps.
 * Zero-initialize a struct tl_rec_check, then feed every drained buffer
 * in order, starting at a dump boundary (an emptied ring is one).
 */
#ifndef VARMON_REC_CHECK_H
#define VARMON_REC_CHECK_H

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "varmon_record.h"

struct tl_rec_check {
	uint64_t dump_id;	/* dump being read; 0 before the first */
	uint64_t last_lost;	/* dump_id of the last LOST record */
	uint32_t next_seq;	/* seq the next record of the dump has */
	uint64_t records;
	uint64_t dumps;
	uint64_t lost_dumps;	/* summed over the LOST records */
};

/*
 * 0 when @len bytes of records continue the stream well, else -EBADMSG
 * with the reason in @why.
 */
static inline int tl_rec_check_feed(struct tl_rec_check *c, const void *buf,
				    size_t len, char *why, size_t whylen)
{
	const unsigned char *p = buf;
	size_t off = 0;

	while (off < len) {
		struct varmon_rec_hdr h;

		if (len - off < sizeof(h)) {
			snprintf(why, whylen, "%zu bytes at offset %zu: a cut header",
				 len - off, off);
			return -EBADMSG;
		}
		memcpy(&h, p + off, sizeof(h));
		if (h.magic != VARMON_REC_MAGIC || h.version != VARMON_REC_VERSION ||
		    h.size < sizeof(h) || h.size % VARMON_REC_ALIGN ||
		    h.size > len - off) {
			snprintf(why, whylen, "record %" PRIu64 ": magic %#x version %u size %u (%zu bytes left)",
				 c->records, h.magic, h.version, h.size, len - off);
			return -EBADMSG;
		}
		switch (h.type) {
		case VARMON_REC_DUMP:
			if (h.seq != 0 || h.dump_id <= c->dump_id ||
			    h.dump_id <= c->last_lost) {
				snprintf(why, whylen, "dump %" PRIu64 " seq %u after dump %" PRIu64 " (lost from %" PRIu64 ")",
					 (uint64_t)h.dump_id, h.seq, c->dump_id,
					 c->last_lost);
				return -EBADMSG;
			}
			c->dump_id = h.dump_id;
			c->next_seq = 1;
			c->dumps++;
			break;
		case VARMON_REC_LOST: {
			struct varmon_rec_lost l;

			if (h.size < sizeof(l) || h.seq != 0 ||
			    h.dump_id <= c->dump_id) {
				snprintf(why, whylen, "LOST record for dump %" PRIu64 " seq %u size %u after dump %" PRIu64,
					 (uint64_t)h.dump_id, h.seq, h.size,
					 c->dump_id);
				return -EBADMSG;
			}
			memcpy(&l, p + off, sizeof(l));
			c->last_lost = h.dump_id;
			c->lost_dumps += l.dumps;
			break;
		}
		default:
			/* TASK, MAPS and types added later belong to a dump. */
			if (!c->dump_id || h.dump_id != c->dump_id ||
			    h.seq != c->next_seq) {
				snprintf(why, whylen, "type %u record of dump %" PRIu64 " seq %u, want dump %" PRIu64 " seq %u",
					 h.type, (uint64_t)h.dump_id, h.seq,
					 c->dump_id, c->next_seq);
				return -EBADMSG;
			}
			c->next_seq++;
			break;
		}
		c->records++;
		off += h.size;
	}
	return 0;
}

#endif /* VARMON_REC_CHECK_H */
