/* SPDX-License-Identifier: GPL-2.0-only */
/* /dev/variable_monitor and /proc/variable_monitor access. */
#ifndef UCLI_DEVICE_H
#define UCLI_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "variable_monitor.h"

/* VARMON_DEVICE, or $UCLI_DEVICE (tests, other device nodes). */
const char *device__path(void);
/* VARMON_PROC_DIR, or $UCLI_PROC_DIR. */
const char *device__proc_dir(void);

/* Open the device; prints why not (and a hint) and returns -1 on error. */
int device__open(int flags);

/* One VARMON_IOC_DRAIN: 0 or -errno. @ctx points to the file descriptor. */
int device__ioctl_drain(void *ctx, struct varmon_drain *d);

typedef int (*drain_ioctl_fn)(void *ctx, struct varmon_drain *d);
/* Receives whole records; returns 0 or -errno to stop. */
typedef int (*drain_sink_fn)(void *ctx, const void *buf, size_t len);

struct drain_buf {
	void *buf;
	size_t len;
};

#define DRAIN_BUF_START (1U << 20)

/*
 * Drain until the module reports no record left: start with @b (grown as
 * needed when a record does not fit, as ENOSPC and @needed say) and hand
 * each batch to @sink. Returns the number of records, or -errno (-EINTR
 * when a signal interrupted the ioctl).
 */
int64_t device__drain(drain_ioctl_fn fn, void *ioctx, struct drain_buf *b,
		      drain_sink_fn sink, void *sctx);
void drain_buf__free(struct drain_buf *b);

#endif /* UCLI_DEVICE_H */
