/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What varmon_ring.c needs from its environment. The ring is written
 * against kernel names; in the kernel they are the real thing, and on the
 * host this file maps them onto libc and the compiler's __atomic builtins,
 * so one file serves the module and the unit tests.
 */
#ifndef VARMON_RING_SHIM_H
#define VARMON_RING_SHIM_H

#ifdef __KERNEL__

#include <linux/cache.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <asm/barrier.h>

#else /* !__KERNEL__ */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u32 u32;
typedef __u64 u64;

/* Userspace has no address spaces to tell apart. */
#define __user
/* False sharing only costs time, which the tests do not measure. */
#define ____cacheline_aligned_in_smp

/*
 * Relaxed atomics: a field written by one thread and read by another is
 * accessed whole and never torn, as READ_ONCE()/WRITE_ONCE() promise.
 */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* Same contract as the kernel's: an acquire load pairs with ... */
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
/* ... a release store of the same variable. */
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)

/* A host buffer cannot fault; tests inject faults through a callback. */
static inline unsigned long copy_to_user(void *to, const void *from,
					 unsigned long n)
{
	memcpy(to, from, n);
	return 0;
}

#endif /* __KERNEL__ */

#endif /* VARMON_RING_SHIM_H */
