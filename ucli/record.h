/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Record parser: turns the byte stream drained from the module (or saved
 * by `ucli record`) into dumps.
 *
 * Every record is validated before anything in it is used: magic,
 * version, size (at least the header, at most VARMON_REC_MAX_SIZE, a
 * multiple of 8, inside the input), the fixed part of its type, each
 * section's size and the termination of every string. A bad header makes
 * the parser scan forward in 8-byte steps for the next valid header; a
 * record with a good header but bad contents is skipped by its size. Each
 * problem is reported once through the diag callback and counted.
 *
 * The parser copies each record it keeps, so the input buffer may be
 * reused as soon as rec_parser__feed() returns. Pointers in struct
 * rec_dump stay valid until the dump callback returns.
 */
#ifndef UCLI_RECORD_H
#define UCLI_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "varmon_record.h"

struct rec_chain {
	uint32_t pid;
	const char *cmdline;		/* NUL-terminated */
};

struct rec_task {
	const struct varmon_rec_task *t;
	const char *cgroup;		/* NULL when the section is absent */
	const uint64_t *kstack;		/* NULL when absent */
	size_t nr_kstack;
	const struct varmon_regs *regs;	/* NULL when absent */
	bool has_ustack;
	uint64_t ustack_sp;
	const uint8_t *ustack;
	size_t ustack_len;
	bool has_chain;
	struct rec_chain *chain;
	size_t nr_chain;
};

struct rec_map {
	uint64_t start;
	uint64_t end;
	uint64_t pgoff;
	uint8_t build_id_len;		/* 0: none recorded */
	uint8_t build_id[20];
	const char *path;		/* NUL-terminated */
};

struct rec_mm {
	uint64_t mm_id;
	uint32_t tgid;
	struct rec_map *maps;
	size_t nr_maps;
};

struct rec_dump {
	uint64_t dump_id;
	const struct varmon_rec_dump *hdr;	/* NULL: header record missing */
	const struct varmon_trigger *triggers;
	size_t nr_triggers;
	struct rec_task *tasks;
	size_t nr_tasks, cap_tasks;
	struct rec_mm *mms;
	size_t nr_mms, cap_mms;
	void **blocks;			/* record copies owned by the dump */
	size_t nr_blocks, cap_blocks;
	uint32_t next_seq;
};

struct rec_lost {
	uint64_t dump_id;
	uint64_t time_ns;
	uint64_t dumps;
	uint64_t bytes;
};

struct rec_parser_ops {
	/* A complete dump; it is freed when this returns. */
	void (*dump)(void *ctx, const struct rec_dump *d);
	void (*lost)(void *ctx, const struct rec_lost *l);
	/* @offset counts bytes from the start of the stream. */
	void (*diag)(void *ctx, uint64_t offset, const char *msg);
};

struct rec_parser;

struct rec_parser *rec_parser__new(const struct rec_parser_ops *ops, void *ctx);
void rec_parser__free(struct rec_parser *p);

/*
 * Consume @len bytes. A record cut at the end of @buf waits for the next
 * call; rec_parser__finish() reports whatever is left as truncated.
 */
void rec_parser__feed(struct rec_parser *p, const void *buf, size_t len);

/* Emit the dump being assembled, if any (the stream may continue). */
void rec_parser__flush(struct rec_parser *p);
bool rec_parser__pending(const struct rec_parser *p);

/* End of stream: report leftover bytes, then flush. */
void rec_parser__finish(struct rec_parser *p);

/* Problems reported so far. */
uint64_t rec_parser__errors(const struct rec_parser *p);

/* Find the mm of a task, or NULL. */
const struct rec_mm *rec_dump__find_mm(const struct rec_dump *d, uint64_t mm_id);

#endif /* UCLI_RECORD_H */
