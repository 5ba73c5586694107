/* SPDX-License-Identifier: GPL-2.0-only */
/* Subcommands of ucli and the options they share. */
#ifndef UCLI_CMD_H
#define UCLI_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "print.h"
#include "resolve.h"

/* Every option of every subcommand, parsed into one place. */
struct env {
	const struct printer *pr;
	const char *output;
	struct sym_opts so;
	/* watch */
	uint32_t pid;
	bool have_pid;
	const char *symbol;
	uint64_t addr;
	bool have_addr;
	const char *type;
	int cond;
	const char *threshold;	/* also the low end, the mask, the samples */
	const char *arg;	/* high end of --in/--out */
	const char *rearm;
	bool hw;
	bool hw_fallback;
	uint64_t interval_ns;
	const char *name;
	bool dry_run;
};

extern struct env env;

enum {
	OPT_SYMFS = 256,
	OPT_DEBUG_DIR,
	OPT_KALLSYMS,
	OPT_MAX_FRAMES,
	OPT_GT,
	OPT_LT,
	OPT_GE,
	OPT_LE,
	OPT_EQ,
	OPT_NE,
	OPT_IN,
	OPT_OUT,
	OPT_ANY_BITS,
	OPT_ALL_BITS,
	OPT_CHANGED,
	OPT_STALLED,
	OPT_REARM,
	OPT_HW,
	OPT_HW_FALLBACK,
	OPT_INTERVAL,
	OPT_DRY_RUN,
	OPT_QUIET,
	OPT_NO_DEMANGLE,
	OPT_NO_SRCLINE,
};

/* Long options of the report-printing subcommands; end with a zero entry. */
#define REPORT_LONG_OPTIONS \
	{ "format", required_argument, NULL, 'f' }, \
	{ "symfs", required_argument, NULL, OPT_SYMFS }, \
	{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR }, \
	{ "kallsyms", required_argument, NULL, OPT_KALLSYMS }, \
	{ "max-frames", required_argument, NULL, OPT_MAX_FRAMES }, \
	{ "no-demangle", no_argument, NULL, OPT_NO_DEMANGLE }, \
	{ "no-srcline", no_argument, NULL, OPT_NO_SRCLINE }, \
	{ "quiet", no_argument, NULL, OPT_QUIET }

#define REPORT_OPTIONS_HELP \
	"  -f, --format FMT     text (default), json (JSON Lines), folded, or\n" \
	"                       journal (one systemd journal entry per dump)\n" \
	"      --symfs DIR      look up the mapped files under DIR\n" \
	"      --debug-dir DIR  separate debug files (default /usr/lib/debug)\n" \
	"      --kallsyms FILE  kernel symbols (default: /proc/kallsyms, for dumps\n" \
	"                       taken since this boot only)\n" \
	"      --max-frames N   user frames per task (default 256)\n" \
	"      --no-demangle    print C++ and Rust symbols as the files hold them\n" \
	"      --no-srcline     no source lines or inlined frames (faster)\n" \
	"      --quiet          no warnings about bad records or unusable files\n"

/*
 * Handle one of REPORT_LONG_OPTIONS. Returns 1 if @c was one, 0 if not,
 * -1 after printing an error about its argument.
 */
int report_option(int c, const char *arg);

/* Open -o FILE (or stdout); NULL after printing an error. */
FILE *open_output(const char *path);

/* SIGINT and SIGTERM end follow_device() and interrupt a drain. */
void setup_signals(void);

/*
 * Drain the device into @r until empty, then wait with poll() and report
 * each dump as it arrives, until SIGINT/SIGTERM or, when @pidfd >= 0,
 * until that process exits. Returns 0 or 1.
 */
struct report;
int follow_device(int fd, struct report *r, int pidfd);

int cmd_dump(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_follow(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_unwatch(int argc, char **argv);

#endif /* UCLI_CMD_H */
