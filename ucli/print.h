/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Output formats: a table of printers, each turning a resolved dump (and
 * loss reports) into text, JSON Lines or folded stacks.
 */
#ifndef UCLI_PRINT_H
#define UCLI_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "record.h"
#include "variable_monitor.h"
#include "resolve.h"

struct printer {
	const char *name;
	/* JSON wants errors on stdout as JSON (see msg_json_mode()). */
	bool json_messages;
	void (*dump)(FILE *f, const struct rdump *rd);
	void (*lost)(FILE *f, const struct rec_lost *l);
};

extern const struct printer printer_text;
extern const struct printer printer_json;
extern const struct printer printer_folded;

/* NULL if @name is not a format. */
const struct printer *printer__find(const char *name);
/* "text|json|folded", for usage texts. */
const char *printer__names(void);

/* Helpers shared by the printers. */
const char *print__cond(uint8_t cond);
/* "2024-05-01 12:00:00.123456789 UTC"; @buf holds at least 48 bytes. */
char *print__realtime(uint64_t ns, char *buf, size_t len);
const char *print__state_name(uint8_t state);
const char *print__method(enum uframe_method m);
/*
 * Average CPU use of a thread since it started (its CFS runtime over its
 * age at the trip), in percent of one CPU, or a negative value when the
 * clocks do not allow it.
 */
double print__cpu_percent(const struct rec_dump *d, const struct varmon_rec_task *t);
/* The trigger's value or threshold, as signed or unsigned. */
void print__watch_value(FILE *f, uint16_t flags, int64_t v);
/* "value 151 > threshold 150" and the like, for each condition. */
void print__condition(FILE *f, const struct varmon_trigger *t);

#endif /* UCLI_PRINT_H */
