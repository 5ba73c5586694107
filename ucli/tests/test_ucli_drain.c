// SPDX-License-Identifier: GPL-2.0-only
/*
 * The drain loop against a scripted module: batches until an empty one,
 * buffer growth on ENOSPC, and refusal of impossible answers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "varmon_record.h"
#include "utap.h"

/* One scripted answer to VARMON_IOC_DRAIN. */
struct step {
	int ret;		/* 0 or -errno */
	uint64_t copied;
	uint32_t records;
	uint64_t needed;
	uint64_t min_len;	/* the buffer the module expects to see */
};

struct script {
	const struct step *steps;
	size_t n, at;
	int bad_len;		/* a call came with a smaller buffer */
};

static int fake_drain(void *ctx, struct varmon_drain *d)
{
	struct script *s = ctx;
	const struct step *st;

	if (s->at == s->n)
		return -EBADMSG;	/* called after the script ended */
	st = &s->steps[s->at++];
	if (d->len < st->min_len || d->size != sizeof(*d))
		s->bad_len = 1;
	if (st->ret == -ENOSPC) {
		d->needed = st->needed;
		return -ENOSPC;
	}
	if (st->ret)
		return st->ret;
	memset((void *)(uintptr_t)d->buf, 'r', st->copied < d->len ? st->copied : d->len);
	d->copied = st->copied;
	d->records = st->records;
	return 0;
}

struct sink {
	size_t calls, bytes;
};

static int count_sink(void *ctx, const void *buf, size_t len)
{
	struct sink *k = ctx;

	(void)buf;
	k->calls++;
	k->bytes += len;
	return 0;
}

static int64_t run(const struct step *steps, size_t n, size_t start_len,
		   struct script *s, struct sink *k, size_t *final_len)
{
	struct drain_buf b = { 0 };
	int64_t ret;

	memset(s, 0, sizeof(*s));
	memset(k, 0, sizeof(*k));
	s->steps = steps;
	s->n = n;
	if (start_len) {
		b.len = start_len;
		b.buf = malloc(start_len);
	}
	ret = device__drain(fake_drain, s, &b, count_sink, k);
	*final_len = b.len;
	drain_buf__free(&b);
	return ret;
}

int main(void)
{
	static const struct step batches[] = {
		{ 0, 4096, 10, 0, DRAIN_BUF_START },
		{ 0, 800, 2, 0, DRAIN_BUF_START },
		{ 0, 0, 0, 0, DRAIN_BUF_START },
	};
	static const struct step grow[] = {
		{ -ENOSPC, 0, 0, 200, 0 },
		{ 0, 200, 1, 0, 200 },
		{ 0, 0, 0, 0, 200 },
	};
	static const struct step stuck[] = {
		{ -ENOSPC, 0, 0, 64, 0 },
	};
	static const struct step huge[] = {
		{ -ENOSPC, 0, 0, VARMON_REC_MAX_SIZE + 8ULL, 0 },
	};
	static const struct step overflow[] = {
		{ 0, DRAIN_BUF_START + 8ULL, 1, 0, 0 },
	};
	static const struct step fault[] = {
		{ 0, 64, 1, 0, 0 },
		{ -EFAULT, 0, 0, 0, 0 },
	};
	static const struct step intr[] = {
		{ -EINTR, 0, 0, 0, 0 },
	};
	struct script s;
	struct sink k;
	size_t len;
	int64_t ret;

	utap_plan(7);

	ret = run(batches, 3, 0, &s, &k, &len);
	utap_ok(ret == 12 && s.at == 3 && k.calls == 2 && k.bytes == 4896 && !s.bad_len &&
		len == DRAIN_BUF_START,
		"batches go to the sink until the module returns no record (1 MiB buffer)");

	ret = run(grow, 3, 64, &s, &k, &len);
	utap_ok(ret == 1 && s.at == 3 && k.bytes == 200 && len == 200 && !s.bad_len,
		"ENOSPC grows the buffer to the size the module needs, then retries");

	ret = run(stuck, 1, 64, &s, &k, &len);
	utap_ok(ret == -EPROTO && s.at == 1,
		"ENOSPC asking for no more than the buffer is refused, not retried forever");

	ret = run(huge, 1, 64, &s, &k, &len);
	utap_ok(ret == -EPROTO && s.at == 1, "ENOSPC asking past the record size limit is refused");

	ret = run(overflow, 1, 0, &s, &k, &len);
	utap_ok(ret == -EPROTO && k.calls == 0,
		"more bytes copied than the buffer holds is refused before use");

	ret = run(fault, 2, 0, &s, &k, &len);
	utap_ok(ret == -EFAULT && k.calls == 1, "an ioctl error stops the loop and is returned");

	ret = run(intr, 1, 0, &s, &k, &len);
	utap_ok(ret == -EINTR, "EINTR goes back to the caller, which decides");

	return utap_exit();
}
