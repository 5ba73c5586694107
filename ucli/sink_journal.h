/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --format journal: one systemd journal entry per dump (sink_journal.c).
 * Kept out of the printer table of print.c so that the report core, which
 * host tests and fuzzers link, does not need libsystemd.
 */
#ifndef UCLI_SINK_JOURNAL_H
#define UCLI_SINK_JOURNAL_H

#include "print.h"

extern const struct printer printer_journal;

#endif /* UCLI_SINK_JOURNAL_H */
