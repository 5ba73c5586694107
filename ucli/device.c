// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "device.h"
#include "util.h"
#include "varmon_record.h"

const char *device__path(void)
{
	const char *p = getenv("UCLI_DEVICE");

	return p && *p ? p : VARMON_DEVICE;
}

const char *device__proc_dir(void)
{
	const char *p = getenv("UCLI_PROC_DIR");

	return p && *p ? p : VARMON_PROC_DIR;
}

int device__open(int flags)
{
	int fd = open(device__path(), flags | O_CLOEXEC);

	if (fd < 0) {
		int err = errno;

		msg_error("cannot open %s: %s%s", device__path(), strerror(err),
			  err == ENOENT ? " (is the variable_monitor module loaded?)" :
			  err == EACCES ? " (the device is mode 0600, or 0660 for the module's group)" : "");
		return -1;
	}
	return fd;
}

int device__ioctl_drain(void *ctx, struct varmon_drain *d)
{
	int fd = *(int *)ctx;

	return ioctl(fd, VARMON_IOC_DRAIN, d) < 0 ? -errno : 0;
}

void drain_buf__free(struct drain_buf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = 0;
}

int64_t device__drain(drain_ioctl_fn fn, void *ioctx, struct drain_buf *b,
		      drain_sink_fn sink, void *sctx)
{
	int64_t total = 0;

	if (!b->buf) {
		b->len = DRAIN_BUF_START;
		b->buf = xmalloc(b->len);
	}
	for (;;) {
		struct varmon_drain d = {
			.size = sizeof(d),
			.buf = (uint64_t)(uintptr_t)b->buf,
			.len = b->len,
		};
		int ret = fn(ioctx, &d);

		if (ret == -ENOSPC) {
			/* The next record is larger than the buffer: grow and retry. */
			if (d.needed <= b->len || d.needed > VARMON_REC_MAX_SIZE) {
				msg_error("drain: the module needs %llu bytes for a record, which is not possible with a %zu-byte buffer",
					  (unsigned long long)d.needed, b->len);
				return -EPROTO;
			}
			free(b->buf);
			b->len = (size_t)d.needed;
			b->buf = xmalloc(b->len);
			continue;
		}
		if (ret)
			return ret;
		if (d.copied > b->len || (d.records && !d.copied)) {
			msg_error("drain: the module reported %llu bytes in %u records for a %zu-byte buffer",
				  (unsigned long long)d.copied, d.records, b->len);
			return -EPROTO;
		}
		if (!d.records)
			return total;
		ret = sink(sctx, b->buf, (size_t)d.copied);
		if (ret)
			return ret;
		total += d.records;
	}
}
