// SPDX-License-Identifier: GPL-2.0-only
/*
 * --format journal: each dump becomes one systemd journal entry, sent with
 * sd_journal_sendv(). The fields a query selects on are flat
 * (VARMON_WATCH, VARMON_PID, ... once per trigger), MESSAGE is a one-line
 * summary, and VARMON_JSON holds the whole report of --format json, so
 * nothing is lost by going through the journal.
 */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

#include "print.h"
#include "sink_journal.h"
#include "util.h"

/* `journalctl MESSAGE_ID=...` finds every dump, whatever the identifier. */
#define VARMON_MESSAGE_ID_DUMP "f2f2e24f429a4d4a89efe9e409232791"
#define VARMON_MESSAGE_ID_LOST "f2f2e24f429a4d4a89efe9e409232792"

struct fields {
	struct iovec *iov;
	size_t n, cap;
};

static void fields__add(struct fields *f, char *field)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 32;
		f->iov = xrealloc(f->iov, f->cap * sizeof(*f->iov));
	}
	f->iov[f->n].iov_base = field;
	f->iov[f->n].iov_len = strlen(field);
	f->n++;
}

static void fields__send(struct fields *f)
{
	int err = sd_journal_sendv(f->iov, (int)f->n);

	if (err < 0)
		msg_error("journal: cannot send a dump: %s", strerror(-err));
	for (size_t i = 0; i < f->n; i++)
		free(f->iov[i].iov_base);
	free(f->iov);
	f->iov = NULL;
	f->n = f->cap = 0;
}

static FILE *xmemstream(char **buf, size_t *len)
{
	FILE *m = open_memstream(buf, len);

	if (!m) {
		fputs("ucli: out of memory\n", stderr);
		exit(1);
	}
	return m;
}

/* What a memstream wrote, as a string; "" if it could not. */
static char *memstream_close(FILE *m, char **buf, size_t *len)
{
	if (fclose(m) || !*buf) {
		free(*buf);
		*buf = xstrdup("");
		*len = 0;
	}
	return *buf;
}

static void value_field(struct fields *f, const char *name, uint16_t flags,
			int64_t v)
{
	if (flags & VARMON_WATCH_UNSIGNED)
		fields__add(f, xasprintf("%s=%" PRIu64, name, (uint64_t)v));
	else
		fields__add(f, xasprintf("%s=%" PRId64, name, v));
}

/* The comm of the tripped process's first captured thread, or NULL. */
static const char *trigger_comm(const struct rdump *rd, uint32_t tgid, char *buf,
				size_t len)
{
	for (size_t i = 0; i < rd->nr_tasks; i++) {
		const struct varmon_rec_task *t = rd->tasks[i].rt->t;

		if (t->tgid == tgid) {
			snprintf(buf, len, "%.*s", (int)bounded_strlen(t->comm, sizeof(t->comm)),
				 t->comm);
			return buf;
		}
	}
	return NULL;
}

/* MESSAGE: which watch tripped, how, and how much was captured. */
static void summary(struct fields *f, const struct rdump *rd)
{
	const struct rec_dump *d = rd->d;
	char *buf = NULL, comm[17];
	size_t len = 0;
	FILE *m = xmemstream(&buf, &len);

	fputs("MESSAGE=", m);
	if (d->nr_triggers) {
		const struct varmon_trigger *t = &d->triggers[0];

		fprintf(m, "watch '%.*s' of pid %" PRIu32,
			(int)bounded_strlen(t->name, sizeof(t->name)), t->name, t->pid);
		if (trigger_comm(rd, t->pid, comm, sizeof(comm)))
			fprintf(m, " (%s)", comm);
		fputs(" tripped: ", m);
		print__condition(m, t);
		if (d->nr_triggers > 1)
			fprintf(m, " (and %zu more watches)", d->nr_triggers - 1);
	} else {
		fputs("dump without trigger", m);
	}
	fprintf(m, "; %zu tasks captured", rd->nr_tasks);
	if (d->hdr && d->hdr->nr_skipped)
		fprintf(m, ", %" PRIu32 " skipped", d->hdr->nr_skipped);
	memstream_close(m, &buf, &len);
	/* A name or comm may hold anything; MESSAGE stays one line. */
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fields__add(f, buf);
}

static void journal_dump(FILE *out, const struct rdump *rd)
{
	const struct rec_dump *d = rd->d;
	struct fields f = { 0 };
	char *json = NULL;
	size_t len = 0;
	FILE *m;

	(void)out;
	summary(&f, rd);
	fields__add(&f, xasprintf("PRIORITY=%d", LOG_WARNING));
	fields__add(&f, xstrdup("SYSLOG_IDENTIFIER=variable_monitor"));
	fields__add(&f, xasprintf("MESSAGE_ID=%s", VARMON_MESSAGE_ID_DUMP));
	fields__add(&f, xasprintf("VARMON_DUMP_ID=%" PRIu64, d->dump_id));
	fields__add(&f, xasprintf("VARMON_TASKS=%zu", rd->nr_tasks));
	if (d->hdr) {
		fields__add(&f, xasprintf("VARMON_SKIPPED=%" PRIu32, d->hdr->nr_skipped));
		fields__add(&f, xasprintf("VARMON_DROPPED_BEFORE=%" PRIu32, d->hdr->nr_lost));
		fields__add(&f, xasprintf("VARMON_TRIP_REALTIME_NS=%" PRIu64,
					  (uint64_t)d->hdr->trip_real_ns));
	}
	/* Journal fields may repeat: one set per trigger, in order. */
	for (size_t i = 0; i < d->nr_triggers; i++) {
		const struct varmon_trigger *t = &d->triggers[i];
		size_t nlen = bounded_strlen(t->name, sizeof(t->name));
		char comm[17];

		fields__add(&f, xasprintf("VARMON_WATCH=%.*s", (int)nlen, t->name));
		fields__add(&f, xasprintf("VARMON_PID=%" PRIu32, t->pid));
		if (trigger_comm(rd, t->pid, comm, sizeof(comm)))
			fields__add(&f, xasprintf("VARMON_COMM=%s", comm));
		fields__add(&f, xasprintf("VARMON_COND=%s", print__cond(t->cond)));
		value_field(&f, "VARMON_VALUE", t->flags, t->value);
		value_field(&f, "VARMON_THRESHOLD", t->flags, t->threshold);
	}

	m = xmemstream(&json, &len);
	printer_json.dump(m, rd);
	memstream_close(m, &json, &len);
	if (len && json[len - 1] == '\n')
		json[--len] = '\0';
	fields__add(&f, xasprintf("VARMON_JSON=%s", json));
	free(json);
	fields__send(&f);
}

static void journal_lost(FILE *out, const struct rec_lost *l)
{
	struct fields f = { 0 };

	(void)out;
	fields__add(&f, xasprintf("MESSAGE=%" PRIu64 " dumps (%" PRIu64
		     " bytes) lost: the buffer was full", l->dumps, l->bytes));
	fields__add(&f, xasprintf("PRIORITY=%d", LOG_WARNING));
	fields__add(&f, xstrdup("SYSLOG_IDENTIFIER=variable_monitor"));
	fields__add(&f, xasprintf("MESSAGE_ID=%s", VARMON_MESSAGE_ID_LOST));
	fields__add(&f, xasprintf("VARMON_LOST_DUMPS=%" PRIu64, l->dumps));
	fields__add(&f, xasprintf("VARMON_LOST_BYTES=%" PRIu64, l->bytes));
	fields__add(&f, xasprintf("VARMON_DUMP_ID=%" PRIu64, l->dump_id));
	fields__send(&f);
}

const struct printer printer_journal = {
	.name = "journal",
	.json_messages = false,
	.dump = journal_dump,
	.lost = journal_lost,
};
