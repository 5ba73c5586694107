// SPDX-License-Identifier: GPL-2.0-only
/* One JSON object per dump (JSON Lines), every field included. */
#include <string.h>

#include "jsonw.h"
#include "print.h"
#include "util.h"

static void put_frame(struct jsonw *w, const struct rframe *fr, bool user)
{
	jsonw_start_object(w);
	jsonw_hex_field(w, "addr", fr->addr);
	jsonw_name(w, "symbol");
	if (fr->sym)
		jsonw_string(w, fr->sym);
	else
		jsonw_null(w);
	if (fr->sym)
		jsonw_uint_field(w, "offset", fr->off);
	jsonw_name(w, user ? "file" : "module");
	if (fr->file)
		jsonw_string(w, fr->file);
	else
		jsonw_null(w);
	if (user) {
		jsonw_string_field(w, "method", print__method(fr->method));
		/* Only on inlined frames, so older readers see no change. */
		if (fr->inlined)
			jsonw_bool_field(w, "inlined", 1);
		if (fr->src_file) {
			jsonw_string_field(w, "source_file", fr->src_file);
			if (fr->src_line)
				jsonw_uint_field(w, "line", fr->src_line);
		}
	}
	jsonw_end_object(w);
}

static void put_unavailable(struct jsonw *w, const char *name, const char *why)
{
	jsonw_name(w, name);
	jsonw_start_object(w);
	jsonw_string_field(w, "unavailable", why);
	jsonw_end_object(w);
}

static void put_header(struct jsonw *w, const struct rec_dump *d)
{
	const struct varmon_rec_dump *h = d->hdr;
	char when[64];

	if (!h) {
		put_unavailable(w, "header", "header record missing");
		return;
	}
	jsonw_name(w, "header");
	jsonw_start_object(w);
	jsonw_uint_field(w, "trip_realtime_ns", h->trip_real_ns);
	jsonw_string_field(w, "trip_realtime",
			   print__realtime(h->trip_real_ns, when, sizeof(when)));
	jsonw_uint_field(w, "trip_monotonic_ns", h->trip_mono_ns);
	jsonw_name(w, "loadavg");
	jsonw_start_array(w);
	for (int i = 0; i < 3; i++)
		jsonw_fixed(w, h->loadavg[i] / 2048.0, 2);
	jsonw_end_array(w);
	jsonw_uint_field(w, "selected", h->nr_selected);
	jsonw_uint_field(w, "skipped", h->nr_skipped);
	jsonw_uint_field(w, "dropped_before", h->nr_lost);
	jsonw_name(w, "triggers");
	jsonw_start_array(w);
	for (size_t i = 0; i < d->nr_triggers; i++) {
		const struct varmon_trigger *t = &d->triggers[i];
		bool uns = t->flags & VARMON_WATCH_UNSIGNED;

		jsonw_start_object(w);
		jsonw_uint_field(w, "pid", t->pid);
		jsonw_name(w, "name");
		jsonw_string_len(w, t->name, bounded_strlen(t->name, sizeof(t->name)));
		jsonw_hex_field(w, "addr", t->addr);
		jsonw_uint_field(w, "length", t->length);
		jsonw_string_field(w, "cond", print__cond(t->cond));
		jsonw_bool_field(w, "unsigned", uns);
		jsonw_name(w, "value");
		if (uns)
			jsonw_uint(w, (uint64_t)t->value);
		else
			jsonw_int(w, t->value);
		jsonw_name(w, "threshold");
		if (uns)
			jsonw_uint(w, (uint64_t)t->threshold);
		else
			jsonw_int(w, t->threshold);
		jsonw_name(w, "arg");
		if (uns)
			jsonw_uint(w, (uint64_t)t->arg);
		else
			jsonw_int(w, t->arg);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_end_object(w);
}

static void put_reason(struct jsonw *w, uint8_t reason)
{
	jsonw_name(w, "selected_as");
	jsonw_start_array(w);
	if (reason & VARMON_WHY_WATCHED)
		jsonw_string(w, "watched");
	if (reason & VARMON_WHY_RUNNING)
		jsonw_string(w, "running");
	if (reason & VARMON_WHY_BLOCKED)
		jsonw_string(w, "blocked");
	jsonw_end_array(w);
}

static void put_task(struct jsonw *w, const struct rdump *rd, const struct rtask *rt)
{
	const struct rec_task *r = rt->rt;
	const struct varmon_rec_task *t = r->t;
	double pct = print__cpu_percent(rd->d, t);
	char state[2] = { (char)t->state, '\0' };

	jsonw_start_object(w);
	jsonw_uint_field(w, "pid", t->pid);
	jsonw_uint_field(w, "tgid", t->tgid);
	jsonw_uint_field(w, "ns_pid", t->ns_pid);
	jsonw_uint_field(w, "ns_tgid", t->ns_tgid);
	jsonw_uint_field(w, "ppid", t->ppid);
	jsonw_name(w, "comm");
	jsonw_string_len(w, t->comm, bounded_strlen(t->comm, sizeof(t->comm)));
	jsonw_string_field(w, "state", state);
	jsonw_hex_field(w, "flags", t->task_flags);
	put_reason(w, t->reason);
	jsonw_hex_field(w, "avail", t->avail);
	if (r->cgroup)
		jsonw_string_field(w, "cgroup", r->cgroup);
	else
		put_unavailable(w, "cgroup", "not recorded");

	jsonw_name(w, "cpu");
	jsonw_start_object(w);
	jsonw_uint_field(w, "utime_ns", t->utime_ns);
	jsonw_uint_field(w, "stime_ns", t->stime_ns);
	jsonw_uint_field(w, "group_utime_ns", t->group_utime_ns);
	jsonw_uint_field(w, "group_stime_ns", t->group_stime_ns);
	jsonw_uint_field(w, "cutime_ns", t->cutime_ns);
	jsonw_uint_field(w, "cstime_ns", t->cstime_ns);
	jsonw_uint_field(w, "start_boottime_ns", t->start_boottime_ns);
	jsonw_uint_field(w, "sum_exec_runtime_ns", t->sum_exec_runtime_ns);
	jsonw_uint_field(w, "nvcsw", t->nvcsw);
	jsonw_uint_field(w, "nivcsw", t->nivcsw);
	jsonw_name(w, "percent");
	if (pct >= 0)
		jsonw_fixed(w, pct, 2);
	else
		jsonw_null(w);
	jsonw_end_object(w);

	if (t->avail & VARMON_AVAIL_MEM) {
		jsonw_name(w, "memory");
		jsonw_start_object(w);
		jsonw_uint_field(w, "rss_bytes", t->rss_bytes);
		jsonw_uint_field(w, "vm_bytes", t->vm_bytes);
		jsonw_end_object(w);
	} else {
		put_unavailable(w, "memory", "not recorded");
	}
	if (t->avail & VARMON_AVAIL_SYSCALL)
		jsonw_int_field(w, "syscall", t->syscall_nr);
	else
		put_unavailable(w, "syscall", "not recorded");
	if (!(t->avail & VARMON_AVAIL_WCHAN) && !rt->wchan_derived) {
		put_unavailable(w, "wchan", "not recorded");
	} else {
		jsonw_name(w, "wchan");
		put_frame(w, &rt->wchan, false);
		if (rt->wchan_derived)
			jsonw_bool_field(w, "wchan_from_kernel_stack", true);
	}

	if (rt->ustack_missing) {
		put_unavailable(w, "user_stack", rt->ustack_missing);
	} else {
		jsonw_name(w, "user_stack");
		jsonw_start_object(w);
		jsonw_hex_field(w, "sp", r->regs->reg[VARMON_REG_RSP]);
		jsonw_hex_field(w, "bp", r->regs->reg[VARMON_REG_RBP]);
		jsonw_hex_field(w, "ip", r->regs->reg[VARMON_REG_RIP]);
		jsonw_name(w, "bytes");
		if (r->has_ustack)
			jsonw_uint(w, r->ustack_len);
		else
			jsonw_null(w);
		jsonw_name(w, "frames");
		jsonw_start_array(w);
		for (size_t i = 0; i < rt->nr_u; i++)
			put_frame(w, &rt->uframes[i], true);
		jsonw_end_array(w);
		jsonw_name(w, "stopped");
		if (rt->ustop[0])
			jsonw_string(w, rt->ustop);
		else
			jsonw_null(w);
		jsonw_end_object(w);
	}
	if (r->kstack) {
		jsonw_name(w, "kernel_stack");
		jsonw_start_array(w);
		for (size_t i = 0; i < rt->nr_k; i++)
			put_frame(w, &rt->kframes[i], false);
		jsonw_end_array(w);
	} else {
		put_unavailable(w, "kernel_stack", "not recorded");
	}
	if (r->has_chain) {
		jsonw_name(w, "chain");
		jsonw_start_array(w);
		for (size_t i = 0; i < r->nr_chain; i++) {
			jsonw_start_object(w);
			jsonw_uint_field(w, "pid", r->chain[i].pid);
			jsonw_string_field(w, "cmdline", r->chain[i].cmdline);
			jsonw_end_object(w);
		}
		jsonw_end_array(w);
	} else {
		put_unavailable(w, "chain", "not recorded");
	}
	jsonw_end_object(w);
}

static void put_maps(struct jsonw *w, const struct rec_dump *d)
{
	jsonw_name(w, "address_spaces");
	jsonw_start_array(w);
	for (size_t i = 0; i < d->nr_mms; i++) {
		const struct rec_mm *mm = &d->mms[i];

		jsonw_start_object(w);
		jsonw_hex_field(w, "mm_id", mm->mm_id);
		jsonw_uint_field(w, "tgid", mm->tgid);
		jsonw_name(w, "mappings");
		jsonw_start_array(w);
		for (size_t j = 0; j < mm->nr_maps; j++) {
			const struct rec_map *m = &mm->maps[j];
			char id[2 * sizeof(m->build_id) + 1];

			jsonw_start_object(w);
			jsonw_hex_field(w, "start", m->start);
			jsonw_hex_field(w, "end", m->end);
			jsonw_hex_field(w, "pgoff", m->pgoff);
			jsonw_string_field(w, "path", m->path);
			jsonw_name(w, "build_id");
			if (m->build_id_len) {
				for (size_t k = 0; k < m->build_id_len; k++)
					snprintf(id + 2 * k, 3, "%02x", m->build_id[k]);
				jsonw_string(w, id);
			} else {
				jsonw_null(w);
			}
			jsonw_end_object(w);
		}
		jsonw_end_array(w);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}

static void json_dump(FILE *f, const struct rdump *rd)
{
	struct jsonw *w = jsonw_new(f);

	jsonw_start_object(w);
	jsonw_string_field(w, "type", "dump");
	jsonw_uint_field(w, "dump_id", rd->d->dump_id);
	put_header(w, rd->d);
	jsonw_name(w, "tasks");
	jsonw_start_array(w);
	for (size_t i = 0; i < rd->nr_tasks; i++)
		put_task(w, rd, &rd->tasks[i]);
	jsonw_end_array(w);
	put_maps(w, rd->d);
	jsonw_end_object(w);
	if (jsonw_misused(w))
		msg_error("internal error: malformed JSON for dump %llu",
			  (unsigned long long)rd->d->dump_id);
	jsonw_destroy(&w);
}

static void json_lost(FILE *f, const struct rec_lost *l)
{
	struct jsonw *w = jsonw_new(f);

	jsonw_start_object(w);
	jsonw_string_field(w, "type", "lost");
	jsonw_uint_field(w, "dump_id", l->dump_id);
	jsonw_uint_field(w, "dumps", l->dumps);
	jsonw_uint_field(w, "bytes", l->bytes);
	jsonw_end_object(w);
	jsonw_destroy(&w);
}

const struct printer printer_json = {
	.name = "json",
	.json_messages = true,
	.dump = json_dump,
	.lost = json_lost,
};
