// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the text parsers of kernel-produced files, chosen by
 * the first byte: /proc/kallsyms (then lookups), /proc/PID/maps, the
 * starttime field of /proc/PID/stat, and a JIT's /tmp/perf-PID.map (then
 * lookups).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kallsyms.h"
#include "perfmap.h"
#include "procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;
	size_t len = size ? size - 1 : 0;

	if (!size)
		return 0;
	switch (data[0] % 4) {
	case 0: {
		struct ksyms *k = ksyms__parse(text, len);
		uint64_t off;

		/* Probe around each 8-byte value of the input, and the edges. */
		for (size_t i = 0; i + 8 <= len; i += 8) {
			uint64_t a;

			memcpy(&a, text + i, sizeof(a));
			ksyms__map_addr(k, a, &off);
		}
		ksyms__map_addr(k, 0, &off);
		ksyms__map_addr(k, UINT64_MAX, &off);
		ksyms__count(k);
		ksyms__hidden(k);
		ksyms__free(k);
		break;
	}
	case 1: {
		/* The parser writes a NUL at text[len]: give it a copy. */
		char *copy = malloc(len + 1);
		struct proc_map *maps;

		if (!copy)
			return 0;
		memcpy(copy, text, len);
		copy[len] = '\0';
		procfs__parse_maps(copy, len, &maps);
		free(maps);
		free(copy);
		break;
	}
	case 2: {
		struct perfmap *m = perfmap__parse(text, len);
		uint64_t off;

		for (size_t i = 0; i + 8 <= len; i += 8) {
			uint64_t a;

			memcpy(&a, text + i, sizeof(a));
			perfmap__find(m, a, &off);
		}
		perfmap__find(m, 0, &off);
		perfmap__find(m, UINT64_MAX, &off);
		perfmap__free(m);
		break;
	}
	default: {
		uint64_t ticks;

		procfs__parse_starttime(text, len, &ticks);
		break;
	}
	}
	return 0;
}
