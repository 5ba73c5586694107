// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <inttypes.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demangle.h"
#include "kallsyms.h"
#include "perfmap.h"
#include "procfs.h"
#include "resolve.h"
#include "srcline.h"
#include "util.h"

/* What frames of one address space are resolved against. */
struct mm_ctx {
	struct uspace *us;
	/* JIT code in anonymous memory: the process's perf map, if any. */
	struct perfmap *pm;
	char *pm_name;			/* "/tmp/perf-PID.map" */
};

/* A path already warned about, so each problem is reported once per run. */
struct warned {
	struct warned *next;
	char *path;
};

struct symbolizer {
	struct sym_opts o;
	struct elf_cache *cache;
	struct demangler *dm;		/* NULL with no_demangle */
	struct srcmap *src;		/* NULL with no_srcline */
	struct ksyms *ksyms;
	bool ksyms_tried;
	bool ksyms_apply;		/* to the dump being resolved */
	bool warned_boot;
	struct warned *warned;
	long clk_tck;
	/* Perf maps loaded so far: frames point into them until the end. */
	struct mm_ctx *pmaps;
	size_t nr_pmaps, cap_pmaps;
};

struct symbolizer *symbolizer__new(const struct sym_opts *o)
{
	struct symbolizer *s = xcalloc(1, sizeof(*s));

	s->o = *o;
	if (!s->o.max_frames)
		s->o.max_frames = 256;
	s->cache = elf_cache__new(o->debug_dir);
	if (!o->no_demangle)
		s->dm = demangler__new();
	if (!o->no_srcline)
		s->src = srcmap__new();
	s->clk_tck = sysconf(_SC_CLK_TCK);
	return s;
}

void symbolizer__free(struct symbolizer *s)
{
	if (!s)
		return;
	while (s->warned) {
		struct warned *w = s->warned;

		s->warned = w->next;
		free(w->path);
		free(w);
	}
	for (size_t i = 0; i < s->nr_pmaps; i++) {
		perfmap__free(s->pmaps[i].pm);
		free(s->pmaps[i].pm_name);
	}
	free(s->pmaps);
	ksyms__free(s->ksyms);
	demangler__free(s->dm);
	srcmap__free(s->src);
	elf_cache__free(s->cache);
	free(s);
}

static bool first_warning(struct symbolizer *s, const char *path)
{
	struct warned *w;

	for (w = s->warned; w; w = w->next)
		if (!strcmp(w->path, path))
			return false;
	w = xcalloc(1, sizeof(*w));
	w->path = xstrdup(path);
	w->next = s->warned;
	s->warned = w;
	return true;
}

static const struct ksyms *get_ksyms(struct symbolizer *s)
{
	int err = 0;

	if (s->ksyms_tried)
		return s->ksyms;
	s->ksyms_tried = true;
	s->ksyms = ksyms__load(s->o.kallsyms, &err);
	if (!s->ksyms)
		msg_warn("kernel symbols unavailable: %s: %s", s->o.kallsyms,
			 strerror(-err));
	else if (ksyms__hidden(s->ksyms))
		msg_warn("%s hides kernel addresses (kptr_restrict); kernel frames stay unnamed",
			 s->o.kallsyms);
	return s->ksyms;
}

static void kframe(struct symbolizer *s, uint64_t addr, struct rframe *f)
{
	const struct ksym *k;
	uint64_t off;

	memset(f, 0, sizeof(*f));
	f->addr = addr;
	/* Zeroed for readers without CAP_SYSLOG: nothing to look up. */
	if (!addr || !s->ksyms_apply)
		return;
	k = ksyms__map_addr(get_ksyms(s), addr, &off);
	if (!k)
		return;
	f->sym = k->name;
	f->off = off;
	f->file = k->module ? k->module : "kernel.kallsyms";
}

/*
 * Is the task still the same live process? Then its files are opened
 * through /proc/PID/root, which reaches into its mount namespace. A
 * reused pid has another start time.
 */
static bool task_alive(const struct symbolizer *s, const struct varmon_rec_task *t)
{
	char path[64], *stat;
	uint64_t ticks, want;
	size_t len;
	bool same;

	if (s->clk_tck <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%u/task/%u/stat", t->tgid, t->pid);
	if (read_file_all(path, &stat, &len))
		return false;
	want = t->start_boottime_ns / (1000000000ULL / (uint64_t)s->clk_tck);
	same = !procfs__parse_starttime(stat, len, &ticks) && ticks == want;
	free(stat);
	return same;
}

static char *mm_root(const struct symbolizer *s, const struct rec_dump *d,
		     const struct rec_mm *mm)
{
	if (s->o.symfs)
		return xstrdup(s->o.symfs);
	for (size_t i = 0; i < d->nr_tasks; i++) {
		const struct varmon_rec_task *t = d->tasks[i].t;

		if (t->mm_id == mm->mm_id && task_alive(s, t))
			return xasprintf("/proc/%u/root", t->tgid);
	}
	return xstrdup("");
}

/* Say once per file why frames in it stay unnamed. */
static void warn_module(struct symbolizer *s, const struct umodule *m)
{
	if (!first_warning(s, m->map->path))
		return;
	switch (m->status) {
	case ELF_MISSING:
		msg_warn("%s: %s; its frames stay unnamed", m->map->path,
			 strerror(-m->err));
		break;
	case ELF_NOT_ELF:
		msg_warn("%s: not an x86-64 ELF file; its frames stay unnamed",
			 m->map->path);
		break;
	case ELF_BUILD_ID_MISMATCH:
		msg_warn("%s: not the file that was mapped (build-id or layout differs); its frames stay unnamed",
			 m->map->path);
		break;
	case ELF_OK:
		break;
	}
}

static const char *sym_name(struct symbolizer *s, const char *name)
{
	return s->dm && name ? demangler__name(s->dm, name) : name;
}

/*
 * Append the frames of @u to @out (*nr of *cap used): the functions
 * inlined at its address, innermost first, then its own function.
 */
static struct rframe *uframe_sym(struct symbolizer *s, const struct mm_ctx *mc,
				 const struct uframe *u, struct rframe *out,
				 size_t *nr, size_t *cap)
{
	const struct uspace *us = mc->us;
	/*
	 * A return address may sit just past the end of its caller (a call
	 * to a noreturn function), so callers are looked up one byte back.
	 */
	uint64_t look = u->exact ? u->ip : u->ip - 1;
	const struct umodule *m = uspace__module_at(us, look);
	const struct src_frames *sf = NULL;
	const struct elf_sym *sym;
	struct rframe *f;

	if (m && m->elf && s->src)
		sf = srcmap__lookup(s->src, elf_obj__dwarf(m->elf), look - m->bias);
	out = grow_array(out, cap, *nr + (sf ? sf->nr : 1), sizeof(*out));
	for (size_t i = 0; sf && i + 1 < sf->nr; i++) {
		f = &out[(*nr)++];
		*f = (struct rframe){
			.addr = u->ip,
			.sym = sym_name(s, sf->locs[i].func),
			.file = m->map->path,
			.method = u->method,
			.src_file = sf->locs[i].file,
			.src_line = sf->locs[i].line,
			.inlined = true,
		};
	}
	f = &out[(*nr)++];
	memset(f, 0, sizeof(*f));
	f->addr = u->ip;
	f->method = u->method;
	if (!m) {
		f->sym = perfmap__find(mc->pm, look, &f->off);
		if (f->sym) {
			f->off = u->ip - (look - f->off);
			f->file = mc->pm_name;
		}
		return out;
	}
	f->file = m->map->path;
	if (sf) {
		f->src_file = sf->locs[sf->nr - 1].file;
		f->src_line = sf->locs[sf->nr - 1].line;
	}
	if (!m->elf) {
		warn_module(s, m);
		return out;
	}
	sym = elf_obj__find_sym(m->elf, look - m->bias);
	if (!sym)
		return out;
	f->sym = sym_name(s, sym->name);
	f->off = u->ip - m->bias - sym->addr;
	return out;
}

/*
 * Where a thread's stack begins: a chain that ends elsewhere was cut
 * short, and says so. Go's goroutines start in runtime.goexit (its
 * return address), its threads in runtime.rt0_go, runtime.clone and
 * runtime.mstart, and a thread's scheduler stack (g0) at the switch from
 * a goroutine's, runtime.mcall.
 */
static bool entry_point(const char *sym)
{
	static const char *const entries[] = {
		"_start", "__clone3", "__GI___clone3", "clone", "__clone",
		"__GI___clone", "runtime.goexit", "runtime.rt0_go",
		"runtime.mstart", "runtime.goexit.abi0", "runtime.rt0_go.abi0",
		"runtime.mstart.abi0", "runtime.clone", "runtime.clone.abi0",
		"runtime.mcall",
	};

	for (size_t i = 0; sym && i < sizeof(entries) / sizeof(entries[0]); i++)
		if (!strcmp(sym, entries[i]))
			return true;
	return false;
}

static const char *ustack_state_reason(uint8_t state)
{
	switch (state) {
	case VARMON_USTACK_KTHREAD:
		return "kernel thread";
	case VARMON_USTACK_RUNNING:
		return "running in user mode on another CPU, not captured";
	case VARMON_USTACK_FAULT:
		return "the stack could not be read";
	case VARMON_USTACK_EXITING:
		return "the task was exiting (its memory was going away)";
	case VARMON_USTACK_NOT_RESIDENT:
		return "not resident";
	default:
		return "unknown reason";
	}
}

/*
 * The module cannot call get_wchan() (not exported), so do what it does
 * with the recorded kernel stack: for a task that is not running, the
 * first return address outside the scheduler's .sched.text.
 */
static void derive_wchan(struct symbolizer *s, struct rtask *rt)
{
	const struct rec_task *t = rt->rt;
	bool known;

	if (t->t->state == 'R' || !t->nr_kstack || !s->ksyms_apply)
		return;
	for (size_t i = 0; i < t->nr_kstack; i++) {
		uint64_t addr = t->kstack[i];

		if (!addr)
			return;	/* hidden from this reader */
		if (ksyms__in_sched(get_ksyms(s), addr, &known))
			continue;
		if (!known)
			return;
		kframe(s, addr, &rt->wchan);
		rt->wchan_derived = true;
		return;
	}
}

static void resolve_task(struct symbolizer *s, struct rtask *rt,
			 const struct mm_ctx *mc)
{
	const struct rec_task *t = rt->rt;
	struct uframe *uf;
	size_t n, cap = 0;

	for (size_t i = 0; i < t->nr_kstack; i++)
		kframe(s, t->kstack[i], &rt->kframes[i]);
	rt->nr_k = t->nr_kstack;
	if (t->t->wchan)
		kframe(s, t->t->wchan, &rt->wchan);
	else if (!(t->t->avail & VARMON_AVAIL_WCHAN))
		derive_wchan(s, rt);

	if (t->t->ustack_state != VARMON_USTACK_OK) {
		rt->ustack_missing = ustack_state_reason(t->t->ustack_state);
		return;
	}
	if (!t->regs) {
		rt->ustack_missing = "registers unavailable";
		return;
	}
	uf = xcalloc(s->o.max_frames, sizeof(*uf));
	n = uspace__unwind(mc->us, t, uf, s->o.max_frames, rt->ustop,
			   sizeof(rt->ustop));
	for (size_t i = 0; i < n; i++)
		rt->uframes = uframe_sym(s, mc, &uf[i], rt->uframes, &rt->nr_u, &cap);
	/* An unnamed last frame may well be a thread's entry: say nothing. */
	if (rt->nr_u && !rt->ustop[0] && rt->uframes[rt->nr_u - 1].sym &&
	    !entry_point(rt->uframes[rt->nr_u - 1].sym))
		snprintf(rt->ustop, sizeof(rt->ustop),
			 "no caller found for %s, which does not start a thread",
			 rt->uframes[rt->nr_u - 1].sym);
	free(uf);
}

/*
 * Was @d taken since this boot? Both stamps of the trip give the boot time
 * of the machine that took it (realtime - monotonic); a minute of slack
 * covers clock adjustments. A dump without its header cannot tell.
 */
static bool same_boot(const struct rec_dump *d)
{
	struct timespec real, mono;
	int64_t now_boot, dump_boot, diff;

	if (!d->hdr || clock_gettime(CLOCK_REALTIME, &real) ||
	    clock_gettime(CLOCK_MONOTONIC, &mono))
		return false;
	now_boot = (int64_t)(real.tv_sec - mono.tv_sec) * 1000000000LL +
		   (real.tv_nsec - mono.tv_nsec);
	dump_boot = (int64_t)(d->hdr->trip_real_ns - d->hdr->trip_mono_ns);
	diff = now_boot - dump_boot;
	return diff > -60000000000LL && diff < 60000000000LL;
}

/*
 * The perf map of the process behind @mm, read through @root: only for a
 * live process or under --symfs, since a /tmp/perf-PID.map here may be
 * another process's. The name is the process's own, in its pid namespace.
 */
static void load_perfmap(struct symbolizer *s, const struct rec_dump *d,
			 const struct rec_mm *mm, const char *root,
			 struct mm_ctx *mc)
{
	uint32_t ns_tgid = 0;
	char *path;

	if (!*root)
		return;
	for (size_t i = 0; i < d->nr_tasks && !ns_tgid; i++)
		if (d->tasks[i].t->mm_id == mm->mm_id)
			ns_tgid = d->tasks[i].t->ns_tgid;
	if (!ns_tgid)
		return;
	mc->pm_name = xasprintf("/tmp/perf-%u.map", ns_tgid);
	path = xasprintf("%s%s", root, mc->pm_name);
	mc->pm = perfmap__load(path);
	free(path);
	if (!mc->pm) {
		free(mc->pm_name);
		mc->pm_name = NULL;
		return;
	}
	s->pmaps = grow_array(s->pmaps, &s->cap_pmaps, s->nr_pmaps + 1,
			      sizeof(*s->pmaps));
	s->pmaps[s->nr_pmaps++] = *mc;
}

struct rdump *symbolizer__resolve(struct symbolizer *s, const struct rec_dump *d)
{
	struct rdump *rd = xcalloc(1, sizeof(*rd));
	struct mm_ctx *spaces = xcalloc(d->nr_mms + 1, sizeof(*spaces));

	/* Another boot's kernel addresses would get this boot's names. */
	s->ksyms_apply = s->o.kallsyms_given || same_boot(d);
	if (!s->ksyms_apply && !s->warned_boot) {
		s->warned_boot = true;
		msg_warn("dump %" PRIu64 " is not from the running boot: kernel frames stay unnamed (give --kallsyms with a copy of /proc/kallsyms from that boot)",
			 d->dump_id);
	}
	rd->d = d;
	rd->nr_tasks = d->nr_tasks;
	rd->tasks = xcalloc(d->nr_tasks, sizeof(*rd->tasks));
	for (size_t i = 0; i < d->nr_mms; i++) {
		char *root = mm_root(s, d, &d->mms[i]);

		spaces[i].us = uspace__new(&d->mms[i], s->cache, root);
		load_perfmap(s, d, &d->mms[i], root, &spaces[i]);
		free(root);
	}
	/* Tasks whose mappings were not recorded unwind from the stack alone. */
	spaces[d->nr_mms].us = uspace__new(NULL, s->cache, "");
	for (size_t i = 0; i < d->nr_tasks; i++) {
		struct rtask *rt = &rd->tasks[i];
		const struct rec_mm *mm = rec_dump__find_mm(d, d->tasks[i].t->mm_id);
		size_t idx = mm ? (size_t)(mm - d->mms) : d->nr_mms;

		rt->rt = &d->tasks[i];
		rt->kframes = xcalloc(d->tasks[i].nr_kstack, sizeof(*rt->kframes));
		resolve_task(s, rt, &spaces[idx]);
	}
	for (size_t i = 0; i <= d->nr_mms; i++)
		uspace__free(spaces[i].us);
	free(spaces);
	return rd;
}

void rdump__free(struct rdump *rd)
{
	if (!rd)
		return;
	for (size_t i = 0; i < rd->nr_tasks; i++) {
		free(rd->tasks[i].uframes);
		free(rd->tasks[i].kframes);
	}
	free(rd->tasks);
	free(rd);
}
