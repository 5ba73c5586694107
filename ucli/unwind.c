// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <inttypes.h>
#include <libunwind.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unwind.h"
#include "util.h"

/*
 * libunwind exports its table search under the target prefix but does not
 * declare it; perf declares it the same way.
 */
extern int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as,
					       unw_word_t ip,
					       unw_dyn_info_t *di,
					       unw_proc_info_t *pi,
					       int need_unwind_info, void *arg);
#define dwarf_search_unwind_table UNW_OBJ(dwarf_search_unwind_table)

/*
 * Debian builds libunwind for x86-64 without its own .debug_frame loader,
 * but the table search still takes a UNW_INFO_FORMAT_TABLE descriptor:
 * this structure (libunwind's struct unw_debug_frame_list, include/dwarf.h)
 * pointing at a .debug_frame held in our memory and a sorted index of its
 * FDEs. Its layout is private to libunwind and known for 1.6 to 1.8 only,
 * so other versions unwind from .eh_frame alone.
 */
#if UNW_VERSION_MAJOR == 1 && UNW_VERSION_MINOR >= 6 && UNW_VERSION_MINOR <= 8
#define UCLI_HAVE_DEBUG_FRAME 1
struct ucli_unw_debug_frame_list {
	unw_word_t start;
	unw_word_t end;
	unw_word_t load_offset;
	char *debug_frame;
	size_t debug_frame_size;
	struct elf_dframe_entry *index;
	size_t index_size;		/* bytes */
	struct ucli_unw_debug_frame_list *next;
};
#else
#define UCLI_HAVE_DEBUG_FRAME 0
#endif

_Static_assert(sizeof(struct elf_dframe_entry) == 8,
	       "libunwind's struct table_entry is two int32_t");

/*
 * Where an .eh_frame index we built appears to libunwind: non-canonical
 * x86-64 addresses, which no captured mapping or stack can hold, 4 GiB
 * apart per module.
 */
#define UCLI_SYNTH_BASE 0x4000000000000000ULL

struct uspace {
	struct umodule *mods;
	size_t nr;
	unw_addr_space_t as;
};

/* Per-unwind state handed to the accessors. */
struct uctx {
	struct uspace *us;
	const struct rec_task *t;
	/* Set by find_proc_info: was unwind info found for the last lookup? */
	int lookups;
	int found;
	/* The first address no accessor could serve. */
	int faulted;
	uint64_t fault_addr;
	/*
	 * After a frame pointer step of ours: the caller's IP, SP and BP,
	 * served instead of the captured ones when libunwind starts over.
	 */
	bool ovr;
	uint64_t ovr_ip, ovr_sp, ovr_bp;
};

static struct umodule *module_at(const struct uspace *us, uint64_t addr)
{
	for (size_t i = 0; us && i < us->nr; i++)
		if (addr >= us->mods[i].map->start && addr < us->mods[i].map->end)
			return &us->mods[i];
	return NULL;
}

const struct umodule *uspace__module_at(const struct uspace *us, uint64_t addr)
{
	return module_at(us, addr);
}

/*
 * .debug_frame is only looked for (in the file, then in a separate debug
 * file) when a frame in this module has no .eh_frame entry.
 */
static void *module_dframe(struct umodule *m)
{
#if UCLI_HAVE_DEBUG_FRAME
	const struct elf_dframe *df;
	struct ucli_unw_debug_frame_list *l;

	if (m->dframe_tried)
		return m->dframe_list;
	m->dframe_tried = true;
	df = elf_obj__debug_frame(m->elf);
	if (!df)
		return NULL;
	l = xcalloc(1, sizeof(*l));
	l->start = df->lo + m->bias;
	l->end = df->hi + m->bias;
	l->debug_frame = (char *)(uintptr_t)df->data;
	l->debug_frame_size = df->size;
	l->index = df->index;
	l->index_size = df->nr * sizeof(*df->index);
	m->dframe_list = l;
	return l;
#else
	(void)m;
	return NULL;
#endif
}

static int find_proc_info(unw_addr_space_t as, unw_word_t ip,
			  unw_proc_info_t *pi, int need_unwind_info, void *arg)
{
	struct uctx *u = arg;
	struct umodule *m = module_at(u->us, ip);
	const struct elf_eh_hdr *eh;
	unw_dyn_info_t di;

	u->lookups++;
	u->found = 0;
	if (!m || !m->elf)
		return -UNW_ENOINFO;
	eh = elf_obj__eh_frame_hdr(m->elf);
	if (eh) {
		memset(&di, 0, sizeof(di));
		di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
		di.start_ip = m->map->start;
		di.end_ip = m->map->end;
		di.u.rti.segbase = eh->hdr_vaddr + m->bias;
		di.u.rti.table_data = eh->table_vaddr + m->bias;
		di.u.rti.table_len = eh->fde_count * sizeof(struct elf_dframe_entry) /
				     sizeof(unw_word_t);
		if (dwarf_search_unwind_table(as, ip, &di, pi, need_unwind_info,
					      arg) == 0) {
			u->found = 1;
			return 0;
		}
	} else if (m->ehidx) {
		memset(&di, 0, sizeof(di));
		di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
		di.start_ip = m->map->start;
		di.end_ip = m->map->end;
		di.u.rti.segbase = m->ehidx->eh_vaddr + m->bias;
		di.u.rti.table_data = m->ehidx_addr;
		di.u.rti.table_len = m->ehidx->nr * sizeof(struct elf_dframe_entry) /
				     sizeof(unw_word_t);
		if (dwarf_search_unwind_table(as, ip, &di, pi, need_unwind_info,
					      arg) == 0) {
			u->found = 1;
			return 0;
		}
	}
#if UCLI_HAVE_DEBUG_FRAME
	if (module_dframe(m)) {
		memset(&di, 0, sizeof(di));
		di.format = UNW_INFO_FORMAT_TABLE;
		di.start_ip = m->map->start;
		di.end_ip = m->map->end;
		/* FDE locations are link-time addresses: the bias is the base. */
		di.u.ti.segbase = m->bias;
		di.u.ti.table_data = m->dframe_list;
		di.u.ti.table_len = sizeof(struct ucli_unw_debug_frame_list) /
				    sizeof(unw_word_t);
		if (dwarf_search_unwind_table(as, ip, &di, pi, need_unwind_info,
					      arg) == 0) {
			u->found = 1;
			return 0;
		}
	}
#endif
	return -UNW_ENOINFO;
}

static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
	/* libunwind frees what dwarf_search_unwind_table allocated. */
	(void)as;
	(void)pi;
	(void)arg;
}

static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *addr,
				  void *arg)
{
	(void)as;
	(void)addr;
	(void)arg;
	return -UNW_ENOINFO;
}

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *valp,
		      int write, void *arg)
{
	struct uctx *u = arg;
	const struct rec_task *t = u->t;

	(void)as;
	if (write)
		return -UNW_EINVAL;
	if (t->has_ustack && t->ustack_len >= sizeof(*valp) &&
	    addr >= t->ustack_sp &&
	    addr - t->ustack_sp <= t->ustack_len - sizeof(*valp)) {
		memcpy(valp, t->ustack + (addr - t->ustack_sp), sizeof(*valp));
		return 0;
	}
	for (size_t i = 0; i < u->us->nr; i++) {
		const struct umodule *m = &u->us->mods[i];
		uint64_t v = 0;

		if (m->ehidx && addr >= m->ehidx_addr &&
		    addr - m->ehidx_addr < m->ehidx->nr * sizeof(*m->ehidx->index)) {
			size_t off = (size_t)(addr - m->ehidx_addr);
			size_t n = m->ehidx->nr * sizeof(*m->ehidx->index) - off;

			memcpy(&v, (const uint8_t *)m->ehidx->index + off,
			       n < sizeof(v) ? n : sizeof(v));
			*valp = v;
			return 0;
		}
		if (!m->elf || addr < m->img_lo || addr >= m->img_hi)
			continue;
		/* A word cut by the segment end reads as zero-padded. */
		if (elf_obj__read_file(m->elf, addr - m->bias, &v, sizeof(v))) {
			*valp = v;
			return 0;
		}
	}
	if (!u->faulted) {
		u->faulted = 1;
		u->fault_addr = addr;
	}
	return -UNW_EINVAL;
}

static int unw_to_varmon_reg(unw_regnum_t r)
{
	switch (r) {
	case UNW_X86_64_RAX: return VARMON_REG_RAX;
	case UNW_X86_64_RDX: return VARMON_REG_RDX;
	case UNW_X86_64_RCX: return VARMON_REG_RCX;
	case UNW_X86_64_RBX: return VARMON_REG_RBX;
	case UNW_X86_64_RSI: return VARMON_REG_RSI;
	case UNW_X86_64_RDI: return VARMON_REG_RDI;
	case UNW_X86_64_RBP: return VARMON_REG_RBP;
	case UNW_X86_64_RSP: return VARMON_REG_RSP;
	case UNW_X86_64_R8: return VARMON_REG_R8;
	case UNW_X86_64_R9: return VARMON_REG_R9;
	case UNW_X86_64_R10: return VARMON_REG_R10;
	case UNW_X86_64_R11: return VARMON_REG_R11;
	case UNW_X86_64_R12: return VARMON_REG_R12;
	case UNW_X86_64_R13: return VARMON_REG_R13;
	case UNW_X86_64_R14: return VARMON_REG_R14;
	case UNW_X86_64_R15: return VARMON_REG_R15;
	case UNW_X86_64_RIP: return VARMON_REG_RIP;
	default: return -1;
	}
}

static int access_reg(unw_addr_space_t as, unw_regnum_t regnum,
		      unw_word_t *valp, int write, void *arg)
{
	struct uctx *u = arg;
	int idx = unw_to_varmon_reg(regnum);

	(void)as;
	if (write)
		return -UNW_EREADONLYREG;
	if (idx < 0 || !u->t->regs)
		return -UNW_EBADREG;
	*valp = u->t->regs->reg[idx];
	if (u->ovr && idx == VARMON_REG_RIP)
		*valp = u->ovr_ip;
	else if (u->ovr && idx == VARMON_REG_RSP)
		*valp = u->ovr_sp;
	else if (u->ovr && idx == VARMON_REG_RBP)
		*valp = u->ovr_bp;
	return 0;
}

static int access_fpreg(unw_addr_space_t as, unw_regnum_t num,
			unw_fpreg_t *val, int write, void *arg)
{
	(void)as;
	(void)num;
	(void)val;
	(void)write;
	(void)arg;
	return -UNW_EBADREG;
}

static int resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
	(void)as;
	(void)c;
	(void)arg;
	return -UNW_EINVAL;
}

static int get_proc_name(unw_addr_space_t as, unw_word_t addr, char *buf,
			 size_t len, unw_word_t *off, void *arg)
{
	/* Symbols come from elfsym, not from libunwind. */
	(void)as;
	(void)addr;
	(void)buf;
	(void)len;
	(void)off;
	(void)arg;
	return -UNW_ENOINFO;
}

static unw_accessors_t accessors = {
	.find_proc_info = find_proc_info,
	.put_unwind_info = put_unwind_info,
	.get_dyn_info_list_addr = get_dyn_info_list_addr,
	.access_mem = access_mem,
	.access_reg = access_reg,
	.access_fpreg = access_fpreg,
	.resume = resume,
	.get_proc_name = get_proc_name,
};

#define DELETED_SUFFIX " (deleted)"

static void module_open(struct umodule *m, size_t idx, struct elf_cache *cache,
			const char *root)
{
	const struct rec_map *map = m->map;
	size_t plen = strlen(map->path), slen = strlen(DELETED_SUFFIX);
	char *path;

	/*
	 * The kernel marks unlinked files " (deleted)"; a file now at that
	 * path may be a newer one, which the build-id check catches.
	 */
	if (plen > slen && !strcmp(map->path + plen - slen, DELETED_SUFFIX))
		plen -= slen;
	path = xasprintf("%s%.*s", root, (int)plen, map->path);
	m->elf = elf_cache__get(cache, path,
				map->build_id_len ? map->build_id : NULL,
				map->build_id_len, &m->status, &m->err);
	free(path);
	if (!m->elf)
		return;
	if (elf_obj__bias(m->elf, map->start, map->pgoff, true, &m->bias)) {
		/* No segment maps that offset: not the file that was mapped. */
		m->elf = NULL;
		m->status = ELF_BUILD_ID_MISMATCH;
		return;
	}
	elf_obj__image_range(m->elf, &m->img_lo, &m->img_hi);
	m->img_lo += m->bias;
	m->img_hi += m->bias;
	if (!elf_obj__eh_frame_hdr(m->elf)) {
		m->ehidx = elf_obj__eh_frame_index(m->elf);
		m->ehidx_addr = UCLI_SYNTH_BASE + ((uint64_t)idx << 32);
	}
}

struct uspace *uspace__new(const struct rec_mm *mm, struct elf_cache *cache,
			   const char *root)
{
	struct uspace *us = xcalloc(1, sizeof(*us));

	if (mm && mm->nr_maps) {
		us->mods = xcalloc(mm->nr_maps, sizeof(*us->mods));
		us->nr = mm->nr_maps;
		for (size_t i = 0; i < us->nr; i++) {
			us->mods[i].map = &mm->maps[i];
			module_open(&us->mods[i], i, cache, root);
		}
	}
	us->as = unw_create_addr_space(&accessors, 0);
	if (!us->as) {
		msg_error("libunwind: cannot create an address space");
		exit(1);
	}
	/*
	 * No caching: find_proc_info must run for every step, since that is
	 * how a frame learns whether CFI or the frame pointer produced it.
	 */
	unw_set_caching_policy(us->as, UNW_CACHE_NONE);
	return us;
}

void uspace__free(struct uspace *us)
{
	if (!us)
		return;
	unw_destroy_addr_space(us->as);
	for (size_t i = 0; i < us->nr; i++)
		free(us->mods[i].dframe_list);
	free(us->mods);
	free(us);
}

/*
 * Is @ip the x86-64 rt_sigreturn trampoline (mov $15,%rax; syscall),
 * glibc's __restore_rt and musl's alike? The same test libunwind makes.
 */
static bool is_sigreturn(const struct uspace *us, uint64_t ip)
{
	static const uint8_t code[] = { 0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00,
					0x0f, 0x05 };
	const struct umodule *m = module_at(us, ip);
	uint8_t buf[sizeof(code)];

	return m && m->elf &&
	       elf_obj__read(m->elf, ip - m->bias, buf, sizeof(buf)) == sizeof(buf) &&
	       !memcmp(buf, code, sizeof(code));
}

/*
 * Code in no mapped file (JIT output) has no unwind information; JITs
 * keep a frame pointer for profilers instead. Step over such a frame
 * through %rbp ourselves, then restart libunwind at the caller: its own
 * fallback only guesses from where the last CFI left the registers.
 * Registers other than IP, SP and BP keep their captured values there.
 */
static int fp_step(struct uctx *u, unw_cursor_t *c, uint64_t sp, uint64_t *ip)
{
	unw_word_t bp, saved_bp, ra;

	if (unw_get_reg(c, UNW_X86_64_RBP, &bp) < 0 || bp < sp || bp + 16 < bp ||
	    access_mem(u->us->as, bp, &saved_bp, 0, u) < 0 ||
	    access_mem(u->us->as, bp + 8, &ra, 0, u) < 0)
		return -1;
	u->ovr = true;
	u->ovr_ip = ra;
	u->ovr_sp = bp + 16;
	u->ovr_bp = saved_bp;
	*ip = ra;
	return unw_init_remote(c, u->us->as, u) < 0 ? -1 : 0;
}

size_t uspace__unwind(struct uspace *us, const struct rec_task *t,
		      struct uframe *frames, size_t max, char *stop,
		      size_t stoplen)
{
	struct uctx u = { .us = us, .t = t };
	unw_word_t ip, sp, prev_sp;
	unw_cursor_t c;
	bool sig, after_sig = false;
	size_t n = 0;
	int ret;

	stop[0] = '\0';
	if (!max)
		return 0;
	frames[n++] = (struct uframe){ t->regs->reg[VARMON_REG_RIP], UFRAME_REGS, true };
	prev_sp = t->regs->reg[VARMON_REG_RSP];
	ret = unw_init_remote(&c, us->as, &u);
	if (ret < 0) {
		snprintf(stop, stoplen, "libunwind: %s", unw_strerror(ret));
		return n;
	}
	while (n < max) {
		u.lookups = 0;
		u.found = 0;
		u.faulted = 0;
		/*
		 * Only for a return address CFI (or the registers) vouched
		 * for: one libunwind guessed may point anywhere.
		 */
		if (!module_at(us, frames[n - 1].ip) && us->nr &&
		    frames[n - 1].method != UFRAME_FP) {
			if (unw_get_reg(&c, UNW_REG_SP, &sp) < 0 ||
			    fp_step(&u, &c, sp, &ip)) {
				snprintf(stop, stoplen,
					 "0x%" PRIx64 " is in no mapped file and has no usable frame pointer",
					 frames[n - 1].ip);
				return n;
			}
			if (ip == 0)
				return n;
			if (u.ovr_sp <= prev_sp) {
				snprintf(stop, stoplen,
					 "stack pointer 0x%" PRIx64 " did not move up", u.ovr_sp);
				return n;
			}
			prev_sp = u.ovr_sp;
			frames[n++] = (struct uframe){ ip, UFRAME_FP, false };
			after_sig = false;
			continue;
		}
		ret = unw_step(&c);
		/*
		 * CFI marks the outermost frame; without CFI, libunwind's frame
		 * pointer heuristic only gives up.
		 */
		if (ret <= 0 && u.lookups && !u.found) {
			snprintf(stop, stoplen,
				 "no unwind information for 0x%" PRIx64 " and no usable frame pointer",
				 frames[n - 1].ip);
			return n;
		}
		if (ret == 0)
			return n;
		if (ret < 0) {
			if (u.faulted)
				snprintf(stop, stoplen,
					 "address 0x%" PRIx64 " is outside the stack copy and the mapped files",
					 u.fault_addr);
			else
				snprintf(stop, stoplen, "libunwind: %s",
					 unw_strerror(ret));
			return n;
		}
		if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0 ||
		    unw_get_reg(&c, UNW_REG_SP, &sp) < 0) {
			snprintf(stop, stoplen, "libunwind: cannot read the caller's registers");
			return n;
		}
		if (ip == 0)
			return n;
		/* Callers live above their callees; anything else is a loop. */
		if (sp <= prev_sp) {
			snprintf(stop, stoplen,
				 "stack pointer 0x%" PRIx64 " did not move up", sp);
			return n;
		}
		prev_sp = sp;
		sig = is_sigreturn(us, ip);
		frames[n++] = (struct uframe){
			ip, u.lookups && !u.found ? UFRAME_FP : UFRAME_DWARF,
			sig || after_sig
		};
		after_sig = sig;
	}
	snprintf(stop, stoplen, "frame limit (%zu) reached", max);
	return n;
}
