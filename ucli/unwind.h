/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Offline user stack unwinding with libunwind's remote API, the way perf's
 * --call-graph=dwarf does it: an address space whose accessors serve
 *  - registers from the captured struct varmon_regs,
 *  - memory from the captured stack copy and from the read-only segments
 *    of the ELF files behind the captured mappings,
 *  - unwind info from .eh_frame_hdr/.eh_frame (an index built from
 *    .eh_frame when the linker wrote no .eh_frame_hdr, as for static
 *    executables), else from .debug_frame (the file's own or a separate
 *    debug file's).
 * Where a frame has no unwind info at all, libunwind walks the frame
 * pointer chain; each frame records which method produced it.
 */
#ifndef UCLI_UNWIND_H
#define UCLI_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elfsym.h"
#include "record.h"

enum uframe_method {
	UFRAME_REGS,	/* the captured instruction pointer */
	UFRAME_DWARF,	/* from CFI of the caller's frame */
	UFRAME_FP,	/* from the frame pointer chain */
};

struct uframe {
	uint64_t ip;
	enum uframe_method method;
	/*
	 * @ip is where the thread stopped, not a return address: the first
	 * frame, a signal trampoline (the handler "returns" to its first
	 * byte) and the code a signal interrupted. Return addresses are
	 * looked up one byte back, in the call instruction.
	 */
	bool exact;
};

/* One captured executable mapping and the ELF file behind it. */
struct umodule {
	const struct rec_map *map;
	struct elf_obj *elf;		/* NULL when unusable, see status */
	enum elf_status status;
	int err;			/* -errno for ELF_MISSING */
	uint64_t bias;			/* runtime address - link-time vaddr */
	uint64_t img_lo, img_hi;	/* runtime range of all its segments */
	/* libunwind's .debug_frame descriptor, built on first need. */
	bool dframe_tried;
	void *dframe_list;
	/* .eh_frame index of a file without .eh_frame_hdr, and where the
	 * accessors pretend it is mapped. */
	const struct elf_eh_index *ehidx;
	uint64_t ehidx_addr;
};

struct uspace;

/*
 * Address space of one VARMON_REC_MAPS record (NULL: no mapping known).
 * File paths are opened as @root + path, through @cache.
 */
struct uspace *uspace__new(const struct rec_mm *mm, struct elf_cache *cache,
			   const char *root);
void uspace__free(struct uspace *us);

/* The module whose mapping holds @addr, or NULL. */
const struct umodule *uspace__module_at(const struct uspace *us, uint64_t addr);

/*
 * Unwind the user stack of @t, which must have registers. Returns the
 * number of frames written to @frames (at most @max). @stop receives why
 * unwinding ended early, or "" when it reached the outermost frame.
 */
size_t uspace__unwind(struct uspace *us, const struct rec_task *t,
		      struct uframe *frames, size_t max, char *stop,
		      size_t stoplen);

#endif /* UCLI_UNWIND_H */
