/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * monitor_user.h - watch a variable of this program with variable_monitor.
 *
 *	#include "monitor_user.h"
 *	int temp;
 *	START_WATCH_INT("temp", &temp, 150);	// dump when temp > 150
 *	...
 *	cancel_watch();
 *
 * Header only: nothing to link. Every function returns 0 or a negative
 * errno (also stored in errno) and never prints or aborts.
 */
#ifndef VARMON_MONITOR_USER_H
#define VARMON_MONITOR_USER_H

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <unistd.h>

#include "variable_monitor.h"

#define MAX_NAME_LEN (VARMON_NAME_LEN - 1)

/* The original variable_monitor argument, kept field for field. */
typedef struct {
	pid_t task_id;			/* 0 or getpid() */
	char name[MAX_NAME_LEN + 1];	/* 1 to 15 characters */
	void *ptr;			/* address of the variable */
	int length_byte;		/* 1, 2, 4 or 8 */
	long long threshold;
	unsigned char unsigned_flag;	/* compare as unsigned */
	unsigned char greater_flag;	/* 1: value > threshold, 0: value < */
	unsigned long time_ns;		/* polling interval, 0: default */
} watch_arg;

/*
 * One descriptor per process, shared by every translation unit (a weak
 * definition merges at link time). Watches live until cancel_watch(), the
 * process exits, or this descriptor is closed.
 */
__attribute__((weak)) int varmon_user_fd = -1;

/* strnlen() is POSIX, hidden in strict ISO C mode. */
static inline size_t varmon_user_namelen(const char *name, size_t max)
{
	size_t len = 0;

	while (len < max && name[len])
		len++;
	return len;
}

static inline int varmon_user_error(int err)
{
	errno = err;
	return -err;
}

static inline int varmon_user_open(void)
{
	int fd = __atomic_load_n(&varmon_user_fd, __ATOMIC_ACQUIRE);
	int expected = -1;

	if (fd >= 0)
		return fd;
#ifdef O_CLOEXEC
	fd = open(VARMON_DEVICE, O_RDWR | O_CLOEXEC);
#else	/* strict ISO C mode hides O_CLOEXEC */
	fd = open(VARMON_DEVICE, O_RDWR);
	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
	if (fd < 0)
		return -errno;
	if (!__atomic_compare_exchange_n(&varmon_user_fd, &expected, fd, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		close(fd);	/* another thread opened it first */
		fd = expected;
	}
	return fd;
}

static inline int start_watch(watch_arg arg)
{
	struct varmon_watch w;
	size_t len = varmon_user_namelen(arg.name, sizeof(arg.name));
	int fd;

	if (len == 0 || len > MAX_NAME_LEN)
		return varmon_user_error(EINVAL);
	if (arg.length_byte <= 0 || arg.length_byte > 8)
		return varmon_user_error(EINVAL);

	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	w.flags = arg.unsigned_flag ? VARMON_WATCH_UNSIGNED : 0;
	w.pid = (__u32)arg.task_id;
	w.length = (__u8)arg.length_byte;
	w.cond = arg.greater_flag ? VARMON_COND_GT : VARMON_COND_LT;
	w.trigger = VARMON_TRIGGER_POLL;
	w.addr = (__u64)(unsigned long)arg.ptr;
	w.threshold = arg.threshold;
	w.interval_ns = arg.time_ns;
	memcpy(w.name, arg.name, len);

	fd = varmon_user_open();
	if (fd < 0)
		return varmon_user_error(-fd);
	if (ioctl(fd, VARMON_IOC_WATCH, &w) < 0)
		return -errno;
	return 0;
}

/* Cancel every watch of this process. */
static inline int cancel_watch(void)
{
	struct varmon_cancel c;
	int fd = __atomic_exchange_n(&varmon_user_fd, -1, __ATOMIC_ACQ_REL);
	int ret = 0;

	if (fd < 0)
		return 0;	/* nothing was ever registered */
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	if (ioctl(fd, VARMON_IOC_CANCEL, &c) < 0)
		ret = -errno;
	close(fd);
	if (ret)
		errno = -ret;
	return ret;
}

static inline int varmon_user_watch(const char *name, const volatile void *ptr,
				    int length, int is_unsigned,
				    long long threshold, int greater)
{
	watch_arg arg;

	memset(&arg, 0, sizeof(arg));
	if (varmon_user_namelen(name, sizeof(arg.name)) > MAX_NAME_LEN)
		return varmon_user_error(EINVAL);
	strncpy(arg.name, name, sizeof(arg.name) - 1);
	arg.ptr = (void *)(unsigned long)ptr;
	arg.length_byte = length;
	arg.threshold = threshold;
	arg.unsigned_flag = (unsigned char)is_unsigned;
	arg.greater_flag = (unsigned char)greater;
	return start_watch(arg);
}

/*
 * Typed watches. The macro takes width and signedness from the pointed-to
 * type, and a pointer of any other type does not compile.
 */
#ifdef __cplusplus
#define VARMON_TYPED(name, ptr, T, thr, greater)				\
	varmon_user_watch((name), static_cast<const volatile T *>(ptr),	\
			  (int)sizeof(T), (T)-1 > (T)0, (thr), (greater))
#else
#define VARMON_TYPED(name, ptr, T, thr, greater)				\
	varmon_user_watch((name),						\
			  _Generic((ptr), T *: (ptr), volatile T *: (ptr)),	\
			  (int)sizeof(T), (T)-1 > (T)0, (thr), (greater))
#endif

#define START_WATCH_CHAR(n, p, t)	VARMON_TYPED(n, p, char, t, 1)
#define START_WATCH_CHAR_LESS(n, p, t)	VARMON_TYPED(n, p, char, t, 0)
#define START_WATCH_SCHAR(n, p, t)	VARMON_TYPED(n, p, signed char, t, 1)
#define START_WATCH_SCHAR_LESS(n, p, t)	VARMON_TYPED(n, p, signed char, t, 0)
#define START_WATCH_UCHAR(n, p, t)	VARMON_TYPED(n, p, unsigned char, t, 1)
#define START_WATCH_UCHAR_LESS(n, p, t)	VARMON_TYPED(n, p, unsigned char, t, 0)
#define START_WATCH_SHORT(n, p, t)	VARMON_TYPED(n, p, short, t, 1)
#define START_WATCH_SHORT_LESS(n, p, t)	VARMON_TYPED(n, p, short, t, 0)
#define START_WATCH_USHORT(n, p, t)	VARMON_TYPED(n, p, unsigned short, t, 1)
#define START_WATCH_USHORT_LESS(n, p, t) VARMON_TYPED(n, p, unsigned short, t, 0)
#define START_WATCH_INT(n, p, t)	VARMON_TYPED(n, p, int, t, 1)
#define START_WATCH_INT_LESS(n, p, t)	VARMON_TYPED(n, p, int, t, 0)
#define START_WATCH_UINT(n, p, t)	VARMON_TYPED(n, p, unsigned int, t, 1)
#define START_WATCH_UINT_LESS(n, p, t)	VARMON_TYPED(n, p, unsigned int, t, 0)
#define START_WATCH_LONG(n, p, t)	VARMON_TYPED(n, p, long, t, 1)
#define START_WATCH_LONG_LESS(n, p, t)	VARMON_TYPED(n, p, long, t, 0)
#define START_WATCH_ULONG(n, p, t)	VARMON_TYPED(n, p, unsigned long, t, 1)
#define START_WATCH_ULONG_LESS(n, p, t)	VARMON_TYPED(n, p, unsigned long, t, 0)
#define START_WATCH_LLONG(n, p, t)	VARMON_TYPED(n, p, long long, t, 1)
#define START_WATCH_LLONG_LESS(n, p, t)	VARMON_TYPED(n, p, long long, t, 0)
#define START_WATCH_ULLONG(n, p, t)	VARMON_TYPED(n, p, unsigned long long, t, 1)
#define START_WATCH_ULLONG_LESS(n, p, t) VARMON_TYPED(n, p, unsigned long long, t, 0)
#define START_WATCH_INT8(n, p, t)	VARMON_TYPED(n, p, int8_t, t, 1)
#define START_WATCH_INT8_LESS(n, p, t)	VARMON_TYPED(n, p, int8_t, t, 0)
#define START_WATCH_UINT8(n, p, t)	VARMON_TYPED(n, p, uint8_t, t, 1)
#define START_WATCH_UINT8_LESS(n, p, t)	VARMON_TYPED(n, p, uint8_t, t, 0)
#define START_WATCH_INT16(n, p, t)	VARMON_TYPED(n, p, int16_t, t, 1)
#define START_WATCH_INT16_LESS(n, p, t)	VARMON_TYPED(n, p, int16_t, t, 0)
#define START_WATCH_UINT16(n, p, t)	VARMON_TYPED(n, p, uint16_t, t, 1)
#define START_WATCH_UINT16_LESS(n, p, t) VARMON_TYPED(n, p, uint16_t, t, 0)
#define START_WATCH_INT32(n, p, t)	VARMON_TYPED(n, p, int32_t, t, 1)
#define START_WATCH_INT32_LESS(n, p, t)	VARMON_TYPED(n, p, int32_t, t, 0)
#define START_WATCH_UINT32(n, p, t)	VARMON_TYPED(n, p, uint32_t, t, 1)
#define START_WATCH_UINT32_LESS(n, p, t) VARMON_TYPED(n, p, uint32_t, t, 0)
#define START_WATCH_INT64(n, p, t)	VARMON_TYPED(n, p, int64_t, t, 1)
#define START_WATCH_INT64_LESS(n, p, t)	VARMON_TYPED(n, p, int64_t, t, 0)
#define START_WATCH_UINT64(n, p, t)	VARMON_TYPED(n, p, uint64_t, t, 1)
#define START_WATCH_UINT64_LESS(n, p, t) VARMON_TYPED(n, p, uint64_t, t, 0)

#endif /* VARMON_MONITOR_USER_H */
