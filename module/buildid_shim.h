/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What buildid_parse.c needs from its environment: the kernel's names in
 * the module, libc and compiler builtins on the host, so the module and
 * the host unit test and fuzzer compile the very same parser.
 */
#ifndef VARMON_BUILDID_SHIM_H
#define VARMON_BUILDID_SHIM_H

#ifdef __KERNEL__

#include <linux/compiler.h>
#include <linux/elf.h>
#include <linux/errno.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <linux/types.h>

#else /* !__KERNEL__ */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <linux/elf.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#define check_add_overflow(a, b, d)	__builtin_add_overflow(a, b, d)
/* One whole load of a field that may change meanwhile, as in the kernel. */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)

#endif /* __KERNEL__ */

#endif /* VARMON_BUILDID_SHIM_H */
