// SPDX-License-Identifier: GPL-2.0-only
/*
 * The text report keeps the original variable_monitor layout, in English:
 * a dump header, then per task a "##CGROUP" line, process information,
 * "#~" user frames, "#@" kernel frames, the "#*" task line, "#^" process
 * chain lines and "##" at the end.
 */
#include <inttypes.h>
#include <string.h>

#include "print.h"
#include "util.h"

#define NOT_RECORDED "unavailable (not recorded)"

static void put_str(FILE *f, const char *s)
{
	fput_sanitized(f, s, strlen(s));
}

static void put_comm(FILE *f, const char *comm)
{
	fput_sanitized(f, comm, bounded_strlen(comm, 16));
}

static void put_seconds(FILE *f, uint64_t ns)
{
	fprintf(f, "%" PRIu64 ".%03" PRIu64 " s", ns / UINT64_C(1000000000),
		ns % UINT64_C(1000000000) / UINT64_C(1000000));
}

static void put_bytes(FILE *f, uint64_t b)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int u = -1;

	while (v >= 1024.0 && u < 3) {
		v /= 1024.0;
		u++;
	}
	if (u < 0)
		fprintf(f, "%" PRIu64 " bytes", b);
	else
		fprintf(f, "%.1f %s (%" PRIu64 " bytes)", v, units[u], b);
}

/* " (file.c:123)": the source file's name, its directories left out. */
static void put_srcline(FILE *f, const struct rframe *fr)
{
	const char *base;

	if (!fr->src_file)
		return;
	base = strrchr(fr->src_file, '/');
	fputs(" (", f);
	put_str(f, base ? base + 1 : fr->src_file);
	if (fr->src_line)
		fprintf(f, ":%u", fr->src_line);
	fputc(')', f);
}

static void put_frame(FILE *f, const struct rframe *fr)
{
	fprintf(f, "0x%" PRIx64 " ", fr->addr);
	if (fr->sym) {
		put_str(f, fr->sym);
		if (!fr->inlined)
			fprintf(f, "+0x%" PRIx64, fr->off);
		put_srcline(f, fr);
		fputs(" (", f);
		put_str(f, fr->file);
		fputc(')', f);
	} else if (fr->file) {
		fputc('(', f);
		put_str(f, fr->file);
		fputc(')', f);
	} else {
		fputs("[unknown]", f);
	}
}

static void put_kframe(FILE *f, const struct rframe *fr)
{
	if (!fr->addr) {
		fputs("0x0 [unknown] (address hidden)", f);
		return;
	}
	fprintf(f, "0x%" PRIx64 " ", fr->addr);
	if (!fr->sym) {
		fputs("[unknown]", f);
		return;
	}
	put_str(f, fr->sym);
	fprintf(f, "+0x%" PRIx64 " ([", fr->off);
	put_str(f, fr->file);
	fputs("])", f);
}

static void print_header(FILE *f, const struct rec_dump *d)
{
	const struct varmon_rec_dump *h = d->hdr;
	char when[64];

	fprintf(f, "=== dump %" PRIu64 " ===\n", d->dump_id);
	if (!h) {
		fputs("trigger: unavailable (header record missing)\n", f);
		return;
	}
	for (size_t i = 0; i < d->nr_triggers; i++) {
		const struct varmon_trigger *t = &d->triggers[i];

		fputs("trigger: ", f);
		fput_sanitized(f, t->name, bounded_strlen(t->name, sizeof(t->name)));
		fprintf(f, " (pid %u, ", t->pid);
		/* Zeroed for readers without CAP_SYSLOG. */
		if (t->addr)
			fprintf(f, "addr 0x%" PRIx64 ", ", (uint64_t)t->addr);
		else
			fputs("addr hidden, ", f);
		fprintf(f, "%u bytes, %s): ", t->length,
			t->flags & VARMON_WATCH_UNSIGNED ? "unsigned" : "signed");
		print__condition(f, t);
		fputc('\n', f);
	}
	if (!d->nr_triggers)
		fputs("trigger: none recorded\n", f);
	fprintf(f, "time: %s (monotonic ", print__realtime(h->trip_real_ns, when,
							 sizeof(when)));
	put_seconds(f, h->trip_mono_ns);
	fputs(")\n", f);
	fprintf(f, "load average: %.2f %.2f %.2f\n", h->loadavg[0] / 2048.0,
		h->loadavg[1] / 2048.0, h->loadavg[2] / 2048.0);
	fprintf(f, "tasks: %u selected, %u skipped (over the per-dump cap), "
		"%u dumps dropped before this one\n",
		h->nr_selected, h->nr_skipped, h->nr_lost);
}

static void print_reason(FILE *f, uint8_t reason)
{
	const char *sep = "";

	if (reason & VARMON_WHY_WATCHED) {
		fputs("watched process", f);
		sep = ", ";
	}
	if (reason & VARMON_WHY_RUNNING) {
		fprintf(f, "%srunning", sep);
		sep = ", ";
	}
	if (reason & VARMON_WHY_BLOCKED) {
		fprintf(f, "%suninterruptible in load", sep);
		sep = ", ";
	}
	if (!*sep)
		fputs("unknown", f);
}

static void print_cpu(FILE *f, const struct rec_dump *d,
		      const struct varmon_rec_task *t)
{
	double pct = print__cpu_percent(d, t);

	fputs("cpu: thread user ", f);
	put_seconds(f, t->utime_ns);
	fputs(", system ", f);
	put_seconds(f, t->stime_ns);
	fputs(", runtime ", f);
	put_seconds(f, t->sum_exec_runtime_ns);
	fputs("; process user ", f);
	put_seconds(f, t->group_utime_ns);
	fputs(", system ", f);
	put_seconds(f, t->group_stime_ns);
	fputs("; children user ", f);
	put_seconds(f, t->cutime_ns);
	fputs(", system ", f);
	put_seconds(f, t->cstime_ns);
	fputc('\n', f);
	if (pct >= 0) {
		fprintf(f, "cpu%%: %.1f%% of one CPU, the thread's runtime over the ",
			pct);
		put_seconds(f, d->hdr->trip_mono_ns - t->start_boottime_ns);
		fputs(" it lived before the trip\n", f);
	} else {
		fputs("cpu%: unavailable (start time and trip time not comparable)\n", f);
	}
	fprintf(f, "switches: %" PRIu64 " voluntary, %" PRIu64 " involuntary\n",
		(uint64_t)t->nvcsw, (uint64_t)t->nivcsw);
}

static void print_task(FILE *f, const struct rdump *rd, const struct rtask *rt)
{
	const struct rec_task *r = rt->rt;
	const struct varmon_rec_task *t = r->t;
	const char *cg = r->cgroup ? r->cgroup : "unavailable";

	fputs("##CGROUP:[", f);
	put_str(f, cg);
	fprintf(f, "] %u [%c] hit\n", t->pid, t->state >= 0x20 && t->state < 0x7f ? t->state : '?');
	fputs("process: [", f);
	put_str(f, cg);
	fputs(" / ", f);
	put_comm(f, t->comm);
	fprintf(f, "], PID: %u / %u, in its namespace: %u / %u, parent: %u\n",
		t->pid, t->tgid, t->ns_pid, t->ns_tgid, t->ppid);
	fprintf(f, "state: %c (%s), flags 0x%08x, selected as: ",
		t->state >= 0x20 && t->state < 0x7f ? t->state : '?',
		print__state_name(t->state), t->task_flags);
	print_reason(f, t->reason);
	fputc('\n', f);

	fputs("syscall: ", f);
	if (!(t->avail & VARMON_AVAIL_SYSCALL))
		fputs(NOT_RECORDED, f);
	else if (t->syscall_nr < 0)
		fputs("none (not blocked in a system call)", f);
	else
		fprintf(f, "%d", t->syscall_nr);
	fputs(", wchan: ", f);
	if (rt->wchan_derived) {
		put_kframe(f, &rt->wchan);
		fputs(" (from the kernel stack)", f);
	} else if (!(t->avail & VARMON_AVAIL_WCHAN))
		fputs(NOT_RECORDED, f);
	else if (!t->wchan)
		fputs("none or hidden", f);
	else
		put_kframe(f, &rt->wchan);
	fputc('\n', f);

	print_cpu(f, rd->d, t);
	fputs("memory: ", f);
	if (t->avail & VARMON_AVAIL_MEM) {
		fputs("RSS ", f);
		put_bytes(f, t->rss_bytes);
		fputs(", VMS ", f);
		put_bytes(f, t->vm_bytes);
		fputc('\n', f);
	} else {
		fputs(NOT_RECORDED "\n", f);
	}

	if (rt->ustack_missing) {
		fprintf(f, "user stack: unavailable (%s)\n", rt->ustack_missing);
	} else {
		const __u64 *reg = r->regs->reg;

		fprintf(f, "user stack: SP 0x%" PRIx64 ", BP 0x%" PRIx64 ", IP 0x%" PRIx64,
			(uint64_t)reg[VARMON_REG_RSP], (uint64_t)reg[VARMON_REG_RBP],
			(uint64_t)reg[VARMON_REG_RIP]);
		if (r->has_ustack)
			fprintf(f, ", %zu bytes copied\n", r->ustack_len);
		else
			fputs(", stack copy unavailable (not recorded)\n", f);
		for (size_t i = 0; i < rt->nr_u; i++) {
			fputs("#~ ", f);
			put_frame(f, &rt->uframes[i]);
			fprintf(f, " [%s]\n", rt->uframes[i].inlined ? "inline" :
				print__method(rt->uframes[i].method));
		}
		if (rt->ustop[0]) {
			fputs("#~ [unwinding stopped: ", f);
			put_str(f, rt->ustop);
			fputs("]\n", f);
		}
	}

	if (r->kstack) {
		fputs("kernel stack:\n", f);
		for (size_t i = 0; i < rt->nr_k; i++) {
			fputs("#@ ", f);
			put_kframe(f, &rt->kframes[i]);
			fputc('\n', f);
		}
	} else {
		fputs("kernel stack: " NOT_RECORDED "\n", f);
	}

	fprintf(f, "#* %u ", t->pid);
	put_comm(f, t->comm);
	fprintf(f, " (%c)\n", t->state >= 0x20 && t->state < 0x7f ? t->state : '?');
	if (r->has_chain) {
		fputs("process chain:\n", f);
		for (size_t i = 0; i < r->nr_chain; i++) {
			fprintf(f, "#^ %u ", r->chain[i].pid);
			put_str(f, r->chain[i].cmdline);
			fputc('\n', f);
		}
	} else {
		fputs("process chain: " NOT_RECORDED "\n", f);
	}
	fputs("##\n", f);
}

static void text_dump(FILE *f, const struct rdump *rd)
{
	print_header(f, rd->d);
	for (size_t i = 0; i < rd->nr_tasks; i++)
		print_task(f, rd, &rd->tasks[i]);
	fputc('\n', f);
}

static void text_lost(FILE *f, const struct rec_lost *l)
{
	fprintf(f, "=== lost: %" PRIu64 " dumps (%" PRIu64 " bytes) dropped "
		"because the buffer was full, from dump %" PRIu64 " ===\n\n",
		l->dumps, l->bytes, l->dump_id);
}

const struct printer printer_text = {
	.name = "text",
	.dump = text_dump,
	.lost = text_lost,
};
