// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "print.h"
#include "variable_monitor.h"

static const struct printer *const printers[] = {
	&printer_text,
	&printer_json,
	&printer_folded,
};

const struct printer *printer__find(const char *name)
{
	for (size_t i = 0; i < sizeof(printers) / sizeof(printers[0]); i++)
		if (!strcmp(printers[i]->name, name))
			return printers[i];
	return NULL;
}

const char *printer__names(void)
{
	return "text|json|folded";
}

static const char *const cond_names[VARMON_COND_MAX + 1] =
	VARMON_COND_NAMES_INIT;

const char *print__cond(uint8_t cond)
{
	if (cond < sizeof(cond_names) / sizeof(cond_names[0]) && cond_names[cond])
		return cond_names[cond];
	return "unknown";
}

char *print__realtime(uint64_t ns, char *buf, size_t len)
{
	time_t sec = (time_t)(ns / UINT64_C(1000000000));
	struct tm tm;

	/* UTC, so that a saved dump reads the same everywhere. */
	if (!gmtime_r(&sec, &tm)) {
		snprintf(buf, len, "%" PRIu64 " ns", ns);
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d.%09" PRIu64 " UTC",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ns % UINT64_C(1000000000));
	return buf;
}

const char *print__state_name(uint8_t state)
{
	switch (state) {
	case 'R':
		return "running";
	case 'S':
		return "sleeping";
	case 'D':
		return "uninterruptible";
	case 'T':
		return "stopped";
	case 't':
		return "traced";
	case 'X':
		return "dead";
	case 'Z':
		return "zombie";
	case 'P':
		return "parked";
	case 'I':
		return "idle";
	default:
		return "unknown";
	}
}

const char *print__method(enum uframe_method m)
{
	switch (m) {
	case UFRAME_REGS:
		return "regs";
	case UFRAME_DWARF:
		return "dwarf";
	case UFRAME_FP:
		return "fp";
	}
	return "unknown";
}

double print__cpu_percent(const struct rec_dump *d, const struct varmon_rec_task *t)
{
	uint64_t elapsed;

	/*
	 * start_boottime_ns counts CLOCK_BOOTTIME, the trip CLOCK_MONOTONIC;
	 * they differ by the time spent suspended, so only use them when the
	 * difference is positive. The CFS runtime is exact where utime and
	 * stime are sampled at ticks.
	 */
	if (!d->hdr || d->hdr->trip_mono_ns <= t->start_boottime_ns)
		return -1;
	elapsed = d->hdr->trip_mono_ns - t->start_boottime_ns;
	return 100.0 * (double)t->sum_exec_runtime_ns / (double)elapsed;
}

void print__watch_value(FILE *f, uint16_t flags, int64_t v)
{
	if (flags & VARMON_WATCH_UNSIGNED)
		fprintf(f, "%" PRIu64, (uint64_t)v);
	else
		fprintf(f, "%" PRId64, v);
}

void print__condition(FILE *f, const struct varmon_trigger *t)
{
	static const char *const ops[] = {
		[VARMON_COND_GT] = ">", [VARMON_COND_LT] = "<",
		[VARMON_COND_GE] = ">=", [VARMON_COND_LE] = "<=",
		[VARMON_COND_EQ] = "==", [VARMON_COND_NE] = "!=",
	};

	fputs("value ", f);
	print__watch_value(f, t->flags, t->value);
	switch (t->cond) {
	case VARMON_COND_GT:
	case VARMON_COND_LT:
	case VARMON_COND_GE:
	case VARMON_COND_LE:
	case VARMON_COND_EQ:
	case VARMON_COND_NE:
		fprintf(f, " %s threshold ", ops[t->cond]);
		print__watch_value(f, t->flags, t->threshold);
		break;
	case VARMON_COND_IN:
	case VARMON_COND_OUT:
		fputs(t->cond == VARMON_COND_IN ? " in [" : " outside [", f);
		print__watch_value(f, t->flags, t->threshold);
		fputs(", ", f);
		print__watch_value(f, t->flags, t->arg);
		fputc(']', f);
		break;
	case VARMON_COND_ANY_BITS:
	case VARMON_COND_ALL_BITS:
		fprintf(f, " has %s bits of mask 0x%" PRIx64,
			t->cond == VARMON_COND_ANY_BITS ? "some" : "all",
			(uint64_t)t->threshold);
		break;
	case VARMON_COND_CHANGED:
		fputs(" changed", f);
		break;
	case VARMON_COND_STALLED:
		fprintf(f, " stayed the same for %" PRId64 " samples",
			(int64_t)t->threshold);
		break;
	default:
		fprintf(f, " (condition %u, threshold ", t->cond);
		print__watch_value(f, t->flags, t->threshold);
		fputc(')', f);
	}
}
