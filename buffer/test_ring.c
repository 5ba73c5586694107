// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of the ring buffer (varmon_ring.c built for userspace),
 * printing TAP as kselftest does. Each record carries a running number in
 * hdr.time_ns and a payload derived from it, so a reader can tell a lost,
 * repeated, reordered or damaged record from a good one.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "varmon_ring.h"

#define HDR_SIZE	sizeof(struct varmon_rec_hdr)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static char fail_msg[256];

static bool fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fail_msg, sizeof(fail_msg), fmt, ap);
	va_end(ap);
	return false;
}

/* The ring under test, on exactly-sized heap blocks so ASan sees overruns. */
struct fixture {
	struct varmon_ring r;
	u8 *data;
	u8 *bounce;
	size_t size;
};

static struct fixture fx;

/* Scratch for dumps and drains, 8-byte aligned like the capture code's. */
static u64 blob_words[(VARMON_REC_MAX_SIZE + 4096) / 8];
static u64 out_words[(VARMON_REC_MAX_SIZE + 4096) / 8];
static u8 *const blob = (u8 *)blob_words;
static u8 *const out = (u8 *)out_words;

static bool setup(size_t size)
{
	size_t bsize = varmon_ring_bounce_size(size);
	int ret;

	fx.size = size;
	fx.data = malloc(size);
	fx.bounce = malloc(bsize);
	if (!fx.data || !fx.bounce)
		return fail("out of memory");
	/* Stale bytes that a buggy reader would hand out show as 0xa5. */
	memset(fx.data, 0xa5, size);
	ret = varmon_ring_init(&fx.r, fx.data, size, fx.bounce, bsize);
	if (ret)
		return fail("varmon_ring_init(%zu) = %d", size, ret);
	return true;
}

static void teardown(void)
{
	free(fx.data);
	free(fx.bounce);
	memset(&fx, 0, sizeof(fx));
}

static u8 payload_byte(u64 *x)
{
	/* xorshift64: cheap, and every byte depends on the record number */
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (u8)*x;
}

static u64 payload_seed(u64 nr)
{
	return nr * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
}

/* Appends record number @nr of @size bytes to the dump at @buf. */
static void put_rec(u8 *buf, size_t *len, u32 size, u64 dump, u32 seq,
		    u64 nr)
{
	struct varmon_rec_hdr h = {
		.magic = VARMON_REC_MAGIC,
		.version = VARMON_REC_VERSION,
		.type = VARMON_REC_TASK,
		.size = size,
		.dump_id = dump,
		.seq = seq,
		.time_ns = nr,
	};
	u64 x = payload_seed(nr);
	u8 *p = buf + *len;
	u32 i;

	memcpy(p, &h, sizeof(h));
	for (i = HDR_SIZE; i < size; i++)
		p[i] = payload_byte(&x);
	*len += size;
}

static bool check_rec(const u8 *p, size_t avail, u32 size, u64 dump,
		      u32 seq, u64 nr)
{
	struct varmon_rec_hdr h;
	u64 x = payload_seed(nr);
	u32 i;

	if (avail < HDR_SIZE)
		return fail("record %llu: only %zu bytes left for it",
			    (unsigned long long)nr, avail);
	memcpy(&h, p, sizeof(h));
	if (h.time_ns != nr)
		return fail("got record %llu where %llu was due",
			    (unsigned long long)h.time_ns,
			    (unsigned long long)nr);
	if (h.magic != VARMON_REC_MAGIC || h.size != size ||
	    h.dump_id != dump || h.seq != seq)
		return fail("record %llu: magic %#x size %u dump %llu seq %u, want %u %llu %u",
			    (unsigned long long)nr, h.magic, h.size,
			    (unsigned long long)h.dump_id, h.seq, size,
			    (unsigned long long)dump, seq);
	if (size > avail)
		return fail("record %llu: %u bytes but only %zu copied",
			    (unsigned long long)nr, size, avail);
	for (i = HDR_SIZE; i < size; i++)
		if (p[i] != payload_byte(&x))
			return fail("record %llu: payload byte %u damaged",
				    (unsigned long long)nr, i);
	return true;
}

/* One record per dump; dump id and record number are both @nr. */
static int write_one(u32 size, u64 nr)
{
	size_t len = 0;

	put_rec(blob, &len, size, nr, 0, nr);
	return varmon_ring_write(&fx.r, blob, len);
}

/*
 * Checks @res->records single-record dumps at @buf, numbered from *@next,
 * sized by @size_of.
 */
static bool check_drained(const u8 *buf, const struct varmon_ring_result *res,
			  u64 *next, u32 (*size_of)(u64 nr))
{
	size_t off = 0;
	unsigned int i;

	for (i = 0; i < res->records; i++) {
		u32 size = size_of(*next);

		if (!check_rec(buf + off, res->copied - off, size, *next, 0,
			       *next))
			return false;
		off += size;
		(*next)++;
	}
	if (off != res->copied)
		return fail("%u records take %zu bytes, read reported %zu",
			    res->records, off, res->copied);
	return true;
}

static bool expect_read(size_t len, int want_ret, unsigned int want_records,
			struct varmon_ring_result *res)
{
	int ret = varmon_ring_read(&fx.r, out, len, res);

	if (ret != want_ret || res->records != want_records)
		return fail("read(%zu) = %d with %u records, want %d with %u",
			    len, ret, res->records, want_ret, want_records);
	return true;
}

static u32 size_fixed64(u64 nr)
{
	(void)nr;
	return 64;
}

static bool test_round_size(void)
{
	static const struct {
		u64 want;
		size_t got;
	} cases[] = {
		{ 0, 0 },
		{ 1, VARMON_RING_MIN_SIZE },
		{ 64, 64 },
		{ 65, 128 },
		{ 5000000, 8 << 20 },
		{ 8 << 20, 8 << 20 },
		{ VARMON_RING_MAX_SIZE, VARMON_RING_MAX_SIZE },
		{ VARMON_RING_MAX_SIZE + 1, 0 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		if (varmon_ring_round_size(cases[i].want) != cases[i].got)
			return fail("round_size(%llu) = %zu, want %zu",
				    (unsigned long long)cases[i].want,
				    varmon_ring_round_size(cases[i].want),
				    cases[i].got);
	if (varmon_ring_bounce_size(4096) != 4096 ||
	    varmon_ring_bounce_size(8 << 20) != VARMON_REC_MAX_SIZE)
		return fail("bounce_size(4096) = %zu, bounce_size(8 MiB) = %zu",
			    varmon_ring_bounce_size(4096),
			    varmon_ring_bounce_size(8 << 20));
	return true;
}

static bool test_init_rejects(void)
{
	static const struct {
		const char *what;
		size_t size;
		size_t data_off;
		size_t bounce_off;
		size_t bounce_size;
	} cases[] = {
		{ "size not a power of two", 1000, 0, 0, 1024 },
		{ "size below the minimum", 32, 0, 0, 1024 },
		{ "misaligned storage", 512, 4, 0, 1024 },
		{ "misaligned bounce buffer", 512, 0, 4, 1020 },
		{ "bounce buffer too small", 512, 0, 0, 504 },
	};
	struct varmon_ring r;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ret = varmon_ring_init(&r, blob + cases[i].data_off,
				       cases[i].size, out + cases[i].bounce_off,
				       cases[i].bounce_size);
		if (ret != -EINVAL)
			return fail("%s: init = %d, want -EINVAL",
				    cases[i].what, ret);
	}
	ret = varmon_ring_init(&r, blob, 512, out, 512);
	if (ret || !varmon_ring_empty(&r))
		return fail("valid init = %d, empty %d", ret,
			    varmon_ring_empty(&r));
	return true;
}

static bool test_write_rejects_malformed(void)
{
	static const struct {
		const char *what;
		size_t len;		/* blob length passed to write */
		u32 size;		/* size field of the only record */
		u32 magic;
	} cases[] = {
		{ "empty dump", 0, 64, VARMON_REC_MAGIC },
		{ "length not 8-aligned", 68, 64, VARMON_REC_MAGIC },
		{ "record shorter than its header", 64, 16, VARMON_REC_MAGIC },
		{ "record size not 8-aligned", 64, 60, VARMON_REC_MAGIC },
		{ "record past the dump", 64, 72, VARMON_REC_MAGIC },
		{ "bytes after the last record", 72, 64, VARMON_REC_MAGIC },
		{ "bad magic", 64, 64, VARMON_REC_MAGIC ^ 1 },
		{ "record above the maximum", VARMON_REC_MAX_SIZE + 8,
		  VARMON_REC_MAX_SIZE + 8, VARMON_REC_MAGIC },
	};
	struct varmon_ring_stats st;
	struct varmon_ring_lost lost;
	size_t i;

	if (!setup(4096))
		return false;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t len = 0, dump_len = cases[i].len;
		u8 *dump;
		int ret;

		put_rec(blob, &len, 64, 1, 0, 1);
		memcpy(blob + offsetof(struct varmon_rec_hdr, size),
		       &cases[i].size, sizeof(u32));
		memcpy(blob + offsetof(struct varmon_rec_hdr, magic),
		       &cases[i].magic, sizeof(u32));
		/* exactly sized, so that ASan sees a read past the dump */
		dump = malloc(dump_len ? dump_len : 1);
		if (!dump)
			return fail("out of memory");
		memcpy(dump, blob, dump_len);
		ret = varmon_ring_write(&fx.r, dump, dump_len);
		free(dump);
		if (ret != -EINVAL)
			return fail("%s: write = %d, want -EINVAL",
				    cases[i].what, ret);
	}
	varmon_ring_get_stats(&fx.r, &st);
	varmon_ring_peek_lost(&fx.r, &lost);
	if (!varmon_ring_empty(&fx.r) || st.dumps || st.drops || lost.dumps)
		return fail("rejected dumps left a trace: empty %d dumps %llu drops %llu lost %llu",
			    varmon_ring_empty(&fx.r),
			    (unsigned long long)st.dumps,
			    (unsigned long long)st.drops,
			    (unsigned long long)lost.dumps);
	return true;
}

static bool test_empty_read(void)
{
	struct varmon_ring_result res;

	if (!setup(1024))
		return false;
	if (!varmon_ring_empty(&fx.r))
		return fail("a new ring is not empty");
	if (!expect_read(1024, 0, 0, &res))
		return false;
	if (res.copied || res.needed || res.skipped)
		return fail("empty read: copied %zu needed %zu skipped %u",
			    res.copied, res.needed, res.skipped);
	return true;
}

static bool test_dump_roundtrip(void)
{
	struct varmon_ring_result res;
	struct varmon_ring_stats st;
	size_t len = 0;
	int ret;

	if (!setup(1024))
		return false;
	put_rec(blob, &len, 40, 7, 0, 0);
	put_rec(blob, &len, 200, 7, 1, 1);
	put_rec(blob, &len, 96, 7, 2, 2);
	ret = varmon_ring_write(&fx.r, blob, len);
	if (ret)
		return fail("write = %d", ret);
	if (varmon_ring_empty(&fx.r))
		return fail("ring empty after a write");
	if (!expect_read(1024, 0, 3, &res))
		return false;
	if (res.copied != len)
		return fail("copied %zu of %zu bytes", res.copied, len);
	if (!check_rec(out, len, 40, 7, 0, 0) ||
	    !check_rec(out + 40, len - 40, 200, 7, 1, 1) ||
	    !check_rec(out + 240, len - 240, 96, 7, 2, 2))
		return false;
	if (!varmon_ring_empty(&fx.r))
		return fail("ring not empty after draining it");
	varmon_ring_get_stats(&fx.r, &st);
	if (st.dumps != 1 || st.records != 3 || st.bytes != len || st.drops)
		return fail("stats dumps %llu records %llu bytes %llu drops %llu, want 1 3 %zu 0",
			    (unsigned long long)st.dumps,
			    (unsigned long long)st.records,
			    (unsigned long long)st.bytes,
			    (unsigned long long)st.drops, len);
	return true;
}

static u32 size_cycle(u64 nr)
{
	/* 40..264 bytes; 29 sizes against a 512-byte ring straddle often */
	return 40 + 8 * (nr % 29);
}

/*
 * Writes @count records sized by size_cycle(), draining through a
 * @chunk-byte buffer whenever the next one would not fit, and checks them
 * all. Counts the records that straddled the end of the storage.
 */
static bool cycle(u64 count, size_t chunk, u64 *straddled)
{
	struct varmon_ring_result res;
	u64 next_w = 0, next_r = 0;
	size_t used = 0;

	*straddled = 0;
	while (next_r < count) {
		u32 size = size_cycle(next_w);
		int ret;

		if (next_w < count && used + size <= fx.size) {
			if ((fx.r.head & fx.r.mask) + size > fx.size)
				(*straddled)++;
			ret = write_one(size, next_w);
			if (ret)
				return fail("write of record %llu (%u bytes, %zu used) = %d",
					    (unsigned long long)next_w, size,
					    used, ret);
			next_w++;
			used += size;
			continue;
		}
		ret = varmon_ring_read(&fx.r, out, chunk, &res);
		if (ret || !res.records)
			return fail("read at record %llu = %d with %u records",
				    (unsigned long long)next_r, ret,
				    res.records);
		if (!check_drained(out, &res, &next_r, size_cycle))
			return false;
		used -= res.copied;
	}
	if (!varmon_ring_empty(&fx.r))
		return fail("ring not empty after reading all %llu records",
			    (unsigned long long)count);
	return true;
}

static bool test_wrap_around(void)
{
	u64 straddled;

	if (!setup(512) || !cycle(20000, 300, &straddled))
		return false;
	if (straddled < 1000)
		return fail("only %llu of 20000 records straddled the end",
			    (unsigned long long)straddled);
	return true;
}

static bool test_index_overflow(void)
{
	const u64 start = ~0ULL - 303;	/* 8-aligned, 304 bytes below 2^64 */
	u64 straddled;

	if (!setup(512))
		return false;
	/* Free-running indices must survive their own wrap at 2^64. */
	fx.r.head = start;
	fx.r.tail = start;
	if (!cycle(200, 512, &straddled))
		return false;
	if (fx.r.head >= start)
		return fail("head %#llx never crossed 2^64",
			    (unsigned long long)fx.r.head);
	return true;
}

/* A dump of records 40, 80 and 120 bytes: 240 bytes. */
static size_t make_dump3(u64 dump, u64 nr)
{
	size_t len = 0;

	put_rec(blob, &len, 40, dump, 0, nr);
	put_rec(blob, &len, 80, dump, 1, nr + 1);
	put_rec(blob, &len, 120, dump, 2, nr + 2);
	return len;
}

static bool test_full_drops_whole_dump(void)
{
	struct varmon_ring_lost lost, taken;
	struct varmon_ring_result res;
	struct varmon_ring_stats st;
	size_t len, off;
	u64 head, d;
	int ret;

	if (!setup(1024))
		return false;
	for (d = 0; d < 4; d++) {
		ret = varmon_ring_write(&fx.r, blob, make_dump3(d, 3 * d));
		if (ret)
			return fail("dump %llu of 4 that fit: write = %d",
				    (unsigned long long)d, ret);
	}
	head = fx.r.head;
	len = make_dump3(4, 12);
	ret = varmon_ring_write(&fx.r, blob, len);
	if (ret != -ENOSPC)
		return fail("dump into 64 free bytes: write = %d, want -ENOSPC",
			    ret);
	if (fx.r.head != head)
		return fail("dropped dump moved head by %llu",
			    (unsigned long long)(fx.r.head - head));
	varmon_ring_peek_lost(&fx.r, &lost);
	varmon_ring_get_stats(&fx.r, &st);
	if (lost.dumps != 1 || lost.bytes != len || st.drops != 1 ||
	    st.drop_bytes != len || st.dumps != 4)
		return fail("lost %llu/%llu, drops %llu/%llu, dumps %llu; want 1/%zu, 1/%zu, 4",
			    (unsigned long long)lost.dumps,
			    (unsigned long long)lost.bytes,
			    (unsigned long long)st.drops,
			    (unsigned long long)st.drop_bytes,
			    (unsigned long long)st.dumps, len, len);

	/* The space the dropped dump did not take is still usable. */
	len = 0;
	put_rec(blob, &len, 64, 5, 0, 15);
	ret = varmon_ring_write(&fx.r, blob, len);
	if (ret)
		return fail("64-byte dump into 64 free bytes: write = %d", ret);

	if (!expect_read(1024, 0, 13, &res))
		return false;
	for (d = 0, off = 0; d < 4; d++) {
		if (!check_rec(out + off, res.copied - off, 40, d, 0, 3 * d) ||
		    !check_rec(out + off + 40, res.copied - off - 40, 80, d, 1,
			       3 * d + 1) ||
		    !check_rec(out + off + 120, res.copied - off - 120, 120, d,
			       2, 3 * d + 2))
			return false;
		off += 240;
	}
	if (!check_rec(out + off, res.copied - off, 64, 5, 0, 15))
		return false;

	varmon_ring_take_lost(&fx.r, &taken);
	varmon_ring_take_lost(&fx.r, &lost);
	if (taken.dumps != 1 || taken.bytes != 240 || lost.dumps || lost.bytes)
		return fail("take_lost gave %llu/%llu then %llu/%llu, want 1/240 then 0/0",
			    (unsigned long long)taken.dumps,
			    (unsigned long long)taken.bytes,
			    (unsigned long long)lost.dumps,
			    (unsigned long long)lost.bytes);
	return true;
}

static bool test_dump_larger_than_ring(void)
{
	struct varmon_ring_lost lost;
	size_t len = 0;
	int ret;
	u32 i;

	if (!setup(1024))
		return false;
	for (i = 0; i < 5; i++)
		put_rec(blob, &len, 256, 1, i, i);
	ret = varmon_ring_write(&fx.r, blob, len);
	varmon_ring_peek_lost(&fx.r, &lost);
	if (ret != -ENOSPC || lost.dumps != 1 || lost.bytes != len)
		return fail("1280-byte dump into an empty 1024-byte ring: %d, lost %llu/%llu",
			    ret, (unsigned long long)lost.dumps,
			    (unsigned long long)lost.bytes);
	if (!varmon_ring_empty(&fx.r))
		return fail("dropped dump left bytes in the ring");
	return true;
}

static bool test_exact_fit(void)
{
	struct varmon_ring_result res;
	size_t len = 0;
	u64 next = 0;
	int ret;
	u32 i;

	if (!setup(1024))
		return false;
	/* Move the indices so that the exact-fit dump straddles the end. */
	ret = write_one(200, 99);
	if (ret)
		return fail("priming write = %d", ret);
	if (!expect_read(1024, 0, 1, &res))
		return false;

	for (i = 0; i < 16; i++)
		put_rec(blob, &len, 64, i, 0, i);
	ret = varmon_ring_write(&fx.r, blob, len);
	if (ret)
		return fail("dump of exactly the free 1024 bytes: write = %d",
			    ret);
	ret = write_one(40, 16);
	if (ret != -ENOSPC)
		return fail("write into a full ring = %d, want -ENOSPC", ret);
	if (!expect_read(1024, 0, 16, &res))
		return false;
	if (!check_drained(out, &res, &next, size_fixed64))
		return false;

	/* Exact fit of what is left after a half-full ring. */
	len = 0;
	for (i = 0; i < 8; i++)
		put_rec(blob, &len, 64, 20 + i, 0, 20 + i);
	ret = varmon_ring_write(&fx.r, blob, len);
	if (!ret)
		ret = varmon_ring_write(&fx.r, blob, len);
	if (ret)
		return fail("two 512-byte dumps into 1024 free bytes: write = %d",
			    ret);
	if (fx.r.head - fx.r.tail != 1024)
		return fail("ring holds %llu bytes, want 1024",
			    (unsigned long long)(fx.r.head - fx.r.tail));
	return true;
}

static u32 size_small_huge(u64 nr)
{
	/* every 50th record takes the whole 4096-byte ring */
	return nr % 50 == 49 ? 4096 : 40;
}

static bool test_small_and_huge(void)
{
	struct varmon_ring_result res;
	u64 next_w = 0, next_r = 0;
	u64 huge_straddled = 0;
	int ret;

	if (!setup(4096))
		return false;
	while (next_r < 500) {
		u32 size = size_small_huge(next_w);
		u64 off = fx.r.head & fx.r.mask;

		ret = write_one(size, next_w);
		if (ret == -ENOSPC && !varmon_ring_empty(&fx.r)) {
			/* the huge record needs an empty ring: drain first */
			if (!expect_read(4096, 0, 49, &res))
				return false;
			if (!check_drained(out, &res, &next_r,
					   size_small_huge))
				return false;
			continue;
		}
		if (ret)
			return fail("write of record %llu (%u bytes) = %d",
				    (unsigned long long)next_w, size, ret);
		next_w++;
		if (size != 4096)
			continue;
		if (off)
			huge_straddled++;
		if (!expect_read(4096, 0, 1, &res) ||
		    !check_drained(out, &res, &next_r, size_small_huge))
			return false;
	}
	if (huge_straddled < 5)
		return fail("only %llu whole-ring records straddled the end",
			    (unsigned long long)huge_straddled);
	return true;
}

static bool test_small_reader_buffer(void)
{
	struct varmon_ring_result res;
	size_t len = 0;
	int ret;

	if (!setup(1024))
		return false;
	/* Start at 800 so that the 512-byte record straddles the end. */
	fx.r.head = 800;
	fx.r.tail = 800;
	put_rec(blob, &len, 512, 1, 0, 1);
	put_rec(blob, &len, 40, 1, 1, 2);
	ret = varmon_ring_write(&fx.r, blob, len);
	if (ret)
		return fail("write = %d", ret);

	if (!expect_read(100, -ENOSPC, 0, &res))
		return false;
	if (res.needed != 512 || res.copied)
		return fail("100-byte buffer: needed %zu copied %zu, want 512 0",
			    res.needed, res.copied);
	if (varmon_ring_read(&fx.r, NULL, 0, &res) != -ENOSPC ||
	    res.needed != 512)
		return fail("0-byte buffer: needed %zu, want 512", res.needed);
	if (fx.r.tail != 800)
		return fail("too-small reads consumed %llu bytes",
			    (unsigned long long)(fx.r.tail - 800));

	/* Exactly the first record fits; the second waits. */
	if (!expect_read(512, 0, 1, &res) ||
	    !check_rec(out, res.copied, 512, 1, 0, 1))
		return false;
	if (res.needed)
		return fail("needed %zu after a successful read", res.needed);
	if (!expect_read(40, 0, 1, &res) ||
	    !check_rec(out, res.copied, 40, 1, 1, 2))
		return false;
	return varmon_ring_empty(&fx.r) ? true :
	       fail("ring not empty after both records");
}

struct copy_ctx {
	unsigned int calls;
	unsigned int fail_at;	/* call number that fails, from 0 */
	int err;
	bool skip_odd;		/* consume odd-numbered records unwritten */
	int extra;		/* bytes to claim beyond the record */
};

static int test_copy(void *ctx, void *dst, const struct varmon_rec_hdr *rec)
{
	struct copy_ctx *c = ctx;

	if (c->calls++ == c->fail_at)
		return c->err;
	if (c->skip_odd && rec->time_ns % 2)
		return 0;
	memcpy(dst, rec, rec->size);
	return rec->size + c->extra;
}

/* Five 64-byte records from 800 in a 1024-byte ring: record 3 straddles. */
static bool setup_five(void)
{
	u64 nr;
	int ret;

	if (!setup(1024))
		return false;
	fx.r.head = 800;
	fx.r.tail = 800;
	for (nr = 0; nr < 5; nr++) {
		ret = write_one(64, nr);
		if (ret)
			return fail("write of record %llu = %d",
				    (unsigned long long)nr, ret);
	}
	return true;
}

static bool test_copy_fault_first(void)
{
	struct copy_ctx c = { .fail_at = 0, .err = -EFAULT };
	struct varmon_ring_result res;
	u64 next = 0;
	int ret;

	if (!setup_five())
		return false;
	ret = varmon_ring_read_cb(&fx.r, out, 1024, test_copy, &c, &res);
	if (ret != -EFAULT || res.records || res.copied)
		return fail("fault on the first record: read = %d, %u records, %zu bytes",
			    ret, res.records, res.copied);
	if (fx.r.tail != 800)
		return fail("the faulting read consumed %llu bytes",
			    (unsigned long long)(fx.r.tail - 800));
	if (!expect_read(1024, 0, 5, &res))
		return false;
	return check_drained(out, &res, &next, size_fixed64);
}

static bool test_copy_fault_mid_drain(void)
{
	struct copy_ctx c = { .fail_at = 3, .err = -EFAULT };
	struct varmon_ring_result res;
	u64 next = 0;
	int ret;

	if (!setup_five())
		return false;
	/* Records 0-2 go out; the straddling record 3 faults. */
	ret = varmon_ring_read_cb(&fx.r, out, 1024, test_copy, &c, &res);
	if (ret || res.records != 3)
		return fail("fault on record 3: read = %d with %u records, want 0 with 3",
			    ret, res.records);
	if (!check_drained(out, &res, &next, size_fixed64))
		return false;
	c.calls = 0;
	c.fail_at = 0;
	ret = varmon_ring_read_cb(&fx.r, out, 1024, test_copy, &c, &res);
	if (ret != -EFAULT || res.records)
		return fail("fault on the retry: read = %d with %u records",
			    ret, res.records);
	if (!expect_read(1024, 0, 2, &res) ||
	    !check_drained(out, &res, &next, size_fixed64))
		return false;
	return varmon_ring_empty(&fx.r) ? true :
	       fail("ring not empty after all five records");
}

static bool test_copy_skip(void)
{
	struct copy_ctx c = { .fail_at = ~0U, .skip_odd = true };
	struct varmon_ring_result res;
	u64 nr;
	int ret;

	if (!setup_five())
		return false;
	ret = varmon_ring_read_cb(&fx.r, out, 1024, test_copy, &c, &res);
	if (ret || res.records != 3 || res.skipped != 2 || res.copied != 192)
		return fail("read = %d: %u written %u skipped %zu bytes, want 0: 3 2 192",
			    ret, res.records, res.skipped, res.copied);
	for (nr = 0; nr < 3; nr++)
		if (!check_rec(out + 64 * nr, 64, 64, 2 * nr, 0, 2 * nr))
			return false;
	return varmon_ring_empty(&fx.r) ? true :
	       fail("skipped records were not consumed");
}

static bool test_copy_overclaim(void)
{
	struct copy_ctx c = { .fail_at = ~0U, .extra = 8 };
	struct varmon_ring_result res;
	int ret;

	if (!setup_five())
		return false;
	ret = varmon_ring_read_cb(&fx.r, out, 1024, test_copy, &c, &res);
	if (ret != -EINVAL || res.records || fx.r.tail != 800)
		return fail("callback claiming 72 of 64 bytes: %d, %u records, %llu consumed",
			    ret, res.records,
			    (unsigned long long)(fx.r.tail - 800));
	return true;
}

/*
 * Writes records 0 and 1 (64 bytes each), lets @damage break the ring,
 * then expects record 0 and -EIO, which persists: nothing is consumed.
 */
static bool corrupt(void (*damage)(void))
{
	struct varmon_ring_result res;
	u64 next = 0;
	int ret;

	if (!setup(1024))
		return false;
	if (write_one(64, 0) || write_one(64, 1))
		return fail("setup writes failed");
	damage();
	ret = varmon_ring_read(&fx.r, out, 1024, &res);
	if (ret || res.records != 1)
		return fail("first read = %d with %u records, want 0 with the good record 0",
			    ret, res.records);
	if (!check_drained(out, &res, &next, size_fixed64))
		return false;
	ret = varmon_ring_read(&fx.r, out, 1024, &res);
	if (ret != -EIO || res.records || res.copied)
		return fail("read of the damaged record = %d with %u records, want -EIO",
			    ret, res.records);
	ret = varmon_ring_read(&fx.r, out, 1024, &res);
	if (ret != -EIO || fx.r.tail != 64)
		return fail("second read of the damaged record = %d, tail %llu",
			    ret, (unsigned long long)fx.r.tail);
	return true;
}

static void set_rec1(size_t field, u32 val)
{
	memcpy(fx.data + 64 + field, &val, sizeof(val));
}

static void damage_size_small(void)
{
	set_rec1(offsetof(struct varmon_rec_hdr, size), HDR_SIZE - 8);
}

static void damage_size_unaligned(void)
{
	set_rec1(offsetof(struct varmon_rec_hdr, size), 60);
}

static void damage_size_past_head(void)
{
	set_rec1(offsetof(struct varmon_rec_hdr, size), 72);
}

static void damage_magic(void)
{
	set_rec1(offsetof(struct varmon_rec_hdr, magic), 0);
}

static bool test_corrupt_size_below_header(void)
{
	return corrupt(damage_size_small);
}

static bool test_corrupt_size_unaligned(void)
{
	return corrupt(damage_size_unaligned);
}

static bool test_corrupt_size_past_head(void)
{
	return corrupt(damage_size_past_head);
}

static bool test_corrupt_magic(void)
{
	return corrupt(damage_magic);
}

static bool test_corrupt_indices(void)
{
	struct varmon_ring_result res;
	int ret;

	if (!setup(1024))
		return false;
	if (write_one(64, 0))
		return fail("setup write failed");
	/* More bytes in use than the ring holds. */
	fx.r.head = fx.r.tail + 1024 + 64;
	ret = varmon_ring_read(&fx.r, out, 4096, &res);
	if (ret != -EIO || res.records)
		return fail("head - tail > size: read = %d with %u records",
			    ret, res.records);
	return true;
}

/* Two threads: dumps of 1-4 records, 40-1016 bytes, in a 4096-byte ring. */
#define STRESS_DUMPS	40000

static u32 stress_size(u64 nr)
{
	return 40 + 8 * (nr % 123);
}

static u32 stress_dump_records(u64 dump)
{
	return 1 + dump % 4;
}

struct stress {
	int stop;		/* READ_ONCE/WRITE_ONCE: a side failed */
	int write_err;
	u64 write_retries;	/* writes that met a full ring */
	u64 received;
};

static void *stress_writer(void *arg)
{
	struct stress *s = arg;
	static u8 dump[4 * 1024];
	u64 d, nr = 0;

	for (d = 0; d < STRESS_DUMPS && !READ_ONCE(s->stop); d++) {
		size_t len = 0;
		u32 i;
		int ret;

		for (i = 0; i < stress_dump_records(d); i++, nr++)
			put_rec(dump, &len, stress_size(nr), d, i, nr);
		while ((ret = varmon_ring_write(&fx.r, dump, len)) == -ENOSPC &&
		       !READ_ONCE(s->stop)) {
			s->write_retries++;
			sched_yield();
		}
		if (ret && ret != -ENOSPC) {
			s->write_err = ret;
			WRITE_ONCE(s->stop, 1);
		}
	}
	return NULL;
}

static void *stress_reader(void *arg)
{
	static u8 buf[4096];
	struct stress *s = arg;
	u64 total = 0, d, dump = 0;
	u32 seq = 0;
	size_t len = 1024;

	for (d = 0; d < STRESS_DUMPS; d++)
		total += stress_dump_records(d);
	while (s->received < total && !READ_ONCE(s->stop)) {
		struct varmon_ring_result res;
		size_t off = 0;
		unsigned int i;
		int ret;

		/* 1 to 4 KiB: always room for the largest record */
		len = len % 4096 + 1024;
		ret = varmon_ring_read(&fx.r, buf, len, &res);
		if (ret) {
			fail("read after %llu records = %d",
			     (unsigned long long)s->received, ret);
			goto out_stop;
		}
		if (!res.records)
			sched_yield();
		for (i = 0; i < res.records; i++) {
			u32 size = stress_size(s->received);

			if (!check_rec(buf + off, res.copied - off, size, dump,
				       seq, s->received))
				goto out_stop;
			off += size;
			s->received++;
			if (++seq == stress_dump_records(dump)) {
				dump++;
				seq = 0;
			}
		}
	}
	return NULL;
out_stop:
	WRITE_ONCE(s->stop, 1);
	return NULL;
}

static bool test_stress_two_threads(void)
{
	struct stress s = { 0 };
	struct varmon_ring_lost lost;
	pthread_t w, r;
	u64 total = 0, d;

	if (!setup(4096))
		return false;
	for (d = 0; d < STRESS_DUMPS; d++)
		total += stress_dump_records(d);
	if (pthread_create(&r, NULL, stress_reader, &s))
		return fail("pthread_create failed");
	if (pthread_create(&w, NULL, stress_writer, &s)) {
		WRITE_ONCE(s.stop, 1);
		pthread_join(r, NULL);
		return fail("pthread_create failed");
	}
	pthread_join(w, NULL);
	pthread_join(r, NULL);
	if (s.write_err)
		return fail("write = %d", s.write_err);
	if (s.received != total)
		return false;	/* the reader said why */
	if (!varmon_ring_empty(&fx.r))
		return fail("ring not empty after all %llu records",
			    (unsigned long long)total);
	printf("# stress: %llu records, writer met a full ring %llu times\n",
	       (unsigned long long)total,
	       (unsigned long long)s.write_retries);
	varmon_ring_take_lost(&fx.r, &lost);
	if (lost.dumps != s.write_retries)
		return fail("lost counter %llu, writer met a full ring %llu times",
			    (unsigned long long)lost.dumps,
			    (unsigned long long)s.write_retries);
	return true;
}

static const struct {
	const char *name;
	bool (*fn)(void);
} tests[] = {
	{ "round_size", test_round_size },
	{ "init_rejects_bad_arguments", test_init_rejects },
	{ "write_rejects_malformed_dump", test_write_rejects_malformed },
	{ "empty_read", test_empty_read },
	{ "dump_roundtrip_and_stats", test_dump_roundtrip },
	{ "wrap_around", test_wrap_around },
	{ "index_overflow_at_2_64", test_index_overflow },
	{ "full_ring_drops_whole_dump", test_full_drops_whole_dump },
	{ "dump_larger_than_ring_dropped", test_dump_larger_than_ring },
	{ "exact_fit", test_exact_fit },
	{ "small_and_huge_records", test_small_and_huge },
	{ "reader_buffer_smaller_than_record", test_small_reader_buffer },
	{ "copy_fault_on_first_record", test_copy_fault_first },
	{ "copy_fault_mid_drain", test_copy_fault_mid_drain },
	{ "copy_callback_skips", test_copy_skip },
	{ "copy_callback_overclaims", test_copy_overclaim },
	{ "corrupt_size_below_header", test_corrupt_size_below_header },
	{ "corrupt_size_unaligned", test_corrupt_size_unaligned },
	{ "corrupt_size_past_head", test_corrupt_size_past_head },
	{ "corrupt_magic", test_corrupt_magic },
	{ "corrupt_indices", test_corrupt_indices },
	{ "stress_two_threads", test_stress_two_threads },
};

int main(void)
{
	size_t n = ARRAY_SIZE(tests);
	unsigned int pass = 0, failed = 0;
	size_t i;

	printf("TAP version 13\n1..%zu\n", n);
	for (i = 0; i < n; i++) {
		bool ok;

		fail_msg[0] = '\0';
		ok = tests[i].fn();
		teardown();
		if (ok) {
			printf("ok %zu %s\n", i + 1, tests[i].name);
			pass++;
		} else {
			printf("not ok %zu %s - %s\n", i + 1, tests[i].name,
			       fail_msg[0] ? fail_msg : "no reason given");
			failed++;
		}
		fflush(stdout);
	}
	printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:0 error:0\n",
	       pass, failed);
	return failed ? 1 : 0;
}
