// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_bench.c - libFuzzer target for what the bench programs parse:
 * drained records (bl_dumps()) and the text of /proc/variable_monitor/
 * stats, /proc/interrupts, /proc/slabinfo and /proc/meminfo.
 *
 *	fuzz_bench [libFuzzer options] [corpus...]
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "benchlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bl_drained d = { 0 };
	struct bl_dump dumps[4];
	struct bl_stats s;
	char *text;

	/* As drained: malloc()ed, so records sit at 8-byte boundaries. */
	d.buf = malloc(size ? size : 1);
	if (!d.buf)
		return 0;
	memcpy(d.buf, data, size);
	d.len = size;
	d.cap = size;
	bl_dumps(&d, dumps, 4);
	bl_dumps(&d, NULL, 0);
	free(d.buf);

	/* Each text parser gets its own copy: they split lines in place. */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	bl_stats_parse(text, &s);
	memcpy(text, data, size);
	bl_slab_parse(text);
	memcpy(text, data, size);
	bl_meminfo_parse(text, "SUnreclaim");
	memcpy(text, data, size);
	bl_timer_irqs_parse(text, 1);
	free(text);
	return 0;
}
