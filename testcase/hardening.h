/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hardening.h - the end-of-test checks test_fuzz and test_churn share:
 * nothing left behind, and a kernel log and taint as clean as before.
 * Include after tap.h and testlib.h.
 */
#ifndef VARMON_HARDENING_H
#define VARMON_HARDENING_H

#include <inttypes.h>

/* The kernel log read from @kfd has no problem, and taint is unchanged. */
static inline int hard_kernel_clean(int kfd, long long taint_start)
{
	struct tl_buf b = { 0 };
	char line[512];
	long long taint = tl_tainted();
	int bad;

	TAP_EXPECT(!tl_kmsg_collect(kfd, &b), "cannot read /dev/kmsg");
	bad = tl_kmsg_problem(&b, line, sizeof(line));
	tl_buf_free(&b);
	TAP_EXPECT(!bad, "kernel log: %s", line);
	TAP_EXPECT(taint == taint_start,
		   "kernel taint went from %lld to %lld", taint_start, taint);
	return TAP_PASS;
}

/* No watch, pinned page or timer left, and every pin released. */
static inline int hard_counters_zero(void)
{
	static const char *const keys[] = { "watches", "pinned_pages",
					    "timers" };
	uint64_t v = 0, acq, rel;
	size_t i;

	for (i = 0; i < TAP_COUNT(keys); i++) {
		int err = tl_wait_stat(keys[i], 0);

		tl_stat(keys[i], &v);
		TAP_EXPECT(!err, "stats %s stays at %" PRIu64 ", want 0",
			   keys[i], v);
	}
	TAP_EXPECT(tl_watch_count(0) == 0, "the watches file lists watches");
	TAP_EXPECT(!tl_wait_pins_balanced(&acq, &rel),
		   "nr_foll_pin_acquired %" PRIu64 " != nr_foll_pin_released %"
		   PRIu64, acq, rel);
	return TAP_PASS;
}

#endif /* VARMON_HARDENING_H */
