// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: ELF files as the symbol cache reads them (libelf does
 * the headers; ours are the note, .eh_frame_hdr, .debug_frame index,
 * symbol table and segment code). A file on disk can hold anything.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elfsym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_cache *c = elf_cache__new(NULL);
	/* An aligned copy, as from mmap. */
	uint8_t *img = malloc(size ? size : 1);
	struct elf_obj *o;

	if (!img) {
		elf_cache__free(c);
		return 0;
	}
	memcpy(img, data, size);
	o = elf_obj__from_memory(c, img, size);
	if (o) {
		const struct elf_dframe *df;
		const uint8_t *id;
		uint64_t lo, hi, bias, vaddr, sz;
		uint8_t buf[16];
		size_t idlen;

		elf_obj__build_id(o, &id, &idlen);
		elf_obj__image_range(o, &lo, &hi);
		elf_obj__bias(o, 0x555555554000ULL, 0x1000, true, &bias);
		for (uint64_t a = lo; a < hi && a - lo < (1u << 16); a += 61) {
			elf_obj__read(o, a, buf, sizeof(buf));
			elf_obj__find_sym(o, a);
		}
		elf_obj__find_sym(o, hi);
		elf_obj__sym_source(o);
		elf_obj__find_object(o, "counter", &vaddr, &sz);
		elf_obj__eh_frame_hdr(o);
		elf_obj__eh_frame_index(o);
		df = elf_obj__debug_frame(o);
		if (df && df->nr)
			elf_obj__find_sym(o, (uint64_t)df->index[0].start_ip_offset);
	}
	elf_cache__free(c);
	free(img);
	return 0;
}
