/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ELF symbol cache: each ELF file is opened once per run and keeps what
 * symbolizing and unwinding need from it:
 *  - its build-id and PT_LOAD segments (load bias, memory reads);
 *  - function symbols from .symtab, else from the .symtab of a separate
 *    debug file found by build-id, else from .dynsym;
 *  - the .eh_frame_hdr binary search table, or when the linker wrote
 *    none (static executables), an equivalent index built from .eh_frame;
 *  - an index of .debug_frame (its own or the debug file's), in the form
 *    libunwind's table search expects.
 * All addresses here are link-time virtual addresses; callers add the
 * load bias of the mapping.
 */
#ifndef UCLI_ELFSYM_H
#define UCLI_ELFSYM_H

#include <elfutils/libdw.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_BUILD_ID_MAX 64

struct elf_obj;
struct elf_cache;

enum elf_status {
	ELF_OK,
	ELF_MISSING,		/* could not open: errno in the error */
	ELF_NOT_ELF,		/* not a 64-bit x86-64 ELF file */
	ELF_BUILD_ID_MISMATCH,	/* the file is not the one that was mapped */
};

struct elf_sym {
	uint64_t addr;
	uint64_t size;
	const char *name;
	uint8_t bind;		/* STB_* */
	/*
	 * The table gave no size (hand-written assembly such as
	 * __restore_rt): @size reaches to the next symbol, and a sized
	 * symbol covering the same address wins.
	 */
	bool sizeless;
};

/* Index entry of the .debug_frame table, as libunwind lays it out. */
struct elf_dframe_entry {
	int32_t start_ip_offset;	/* FDE initial location (vaddr) */
	int32_t fde_offset;		/* FDE offset in the section */
};

struct elf_dframe {
	const char *data;		/* the .debug_frame section */
	size_t size;
	struct elf_dframe_entry *index;	/* sorted by start_ip_offset */
	size_t nr;
	uint64_t lo, hi;		/* vaddr range the FDEs cover */
};

struct elf_eh_hdr {
	uint64_t hdr_vaddr;		/* .eh_frame_hdr */
	uint64_t table_vaddr;		/* its binary search table */
	uint64_t fde_count;
};

/* @debug_dir: root of separate debug files, e.g. /usr/lib/debug; may be NULL. */
struct elf_cache *elf_cache__new(const char *debug_dir);
void elf_cache__free(struct elf_cache *c);

/*
 * The ELF file at @path, opened once per run. When @want_id is non-NULL
 * the file's build-id must equal it. Returns NULL and sets *status (and
 * *err for ELF_MISSING) when the file cannot be used.
 */
struct elf_obj *elf_cache__get(struct elf_cache *c, const char *path,
			       const uint8_t *want_id, size_t want_len,
			       enum elf_status *status, int *err);

/* Files actually opened so far (a test checks "each file once"). */
size_t elf_cache__opened(const struct elf_cache *c);

/* An ELF image in memory (fuzzing, tests); @buf must outlive the object. */
struct elf_obj *elf_obj__from_memory(struct elf_cache *c, const void *buf,
				     size_t len);

bool elf_obj__build_id(const struct elf_obj *o, const uint8_t **id,
		       size_t *len);

/*
 * Load bias of a mapping of this file that starts at @start and maps file
 * offset @pgoff. @exec prefers the executable segment when several could
 * match. Returns 0 or -ENOENT.
 */
int elf_obj__bias(const struct elf_obj *o, uint64_t start, uint64_t pgoff,
		  bool exec, uint64_t *bias);

/* The vaddr range spanned by all PT_LOAD segments. */
void elf_obj__image_range(const struct elf_obj *o, uint64_t *lo, uint64_t *hi);

/*
 * Copy up to @len bytes at @vaddr from a read-only PT_LOAD segment.
 * Writable segments are refused: the file holds their initial values, not
 * what the process had. Returns the bytes copied.
 */
size_t elf_obj__read(const struct elf_obj *o, uint64_t vaddr, void *buf,
		     size_t len);

/*
 * The same from any PT_LOAD segment, writable ones as the file holds them.
 * For the unwinder's reads of CIE personality and LSDA pointers, which
 * sit in relocated data but whose values it only stores, never follows.
 */
size_t elf_obj__read_file(const struct elf_obj *o, uint64_t vaddr, void *buf,
			  size_t len);

/* The function symbol containing @vaddr, or NULL. */
const struct elf_sym *elf_obj__find_sym(struct elf_obj *o, uint64_t vaddr);
/*
 * Which table symbols came from: "symtab", "debug symtab", "minidebuginfo"
 * (with .dynsym), "dynsym" or NULL.
 */
const char *elf_obj__sym_source(struct elf_obj *o);

/* A data object named @name: 0, -ENOENT, or -EINVAL for a TLS symbol. */
int elf_obj__find_object(struct elf_obj *o, const char *name, uint64_t *vaddr,
			 uint64_t *size);

/*
 * An index of .eh_frame in the layout of the .eh_frame_hdr table: pairs
 * of int32 (FDE initial location, FDE address), both relative to the
 * start of .eh_frame, sorted by location.
 */
struct elf_eh_index {
	uint64_t eh_vaddr;		/* .eh_frame, the base of the pairs */
	struct elf_dframe_entry *index;
	size_t nr;
};

/*
 * DWARF for source lines: the file's own, or its separate debug file's
 * (under the debug directory by build-id, else from the debuginfod
 * servers in DEBUGINFOD_URLS when that is set). NULL when there is none.
 */
Dwarf *elf_obj__dwarf(struct elf_obj *o);

const struct elf_eh_hdr *elf_obj__eh_frame_hdr(const struct elf_obj *o);
/* Built on first use, for files without .eh_frame_hdr; NULL if none. */
const struct elf_eh_index *elf_obj__eh_frame_index(struct elf_obj *o);
const struct elf_dframe *elf_obj__debug_frame(struct elf_obj *o);

#endif /* UCLI_ELFSYM_H */
