// SPDX-License-Identifier: GPL-2.0-only
/*
 * ucli - drain variable_monitor dumps, unwind and symbolize their stacks,
 * and manage watches and tunables.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "sink_journal.h"
#include "util.h"

struct env env;

struct subcmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct subcmd subcmds[] = {
	{ "dump", cmd_dump, "drain the buffer and print the report" },
	{ "record", cmd_record, "drain the buffer into a file of raw records" },
	{ "report", cmd_report, "print the report of a file saved by 'record'" },
	{ "follow", cmd_follow, "print each dump as it arrives, until Ctrl-C" },
	{ "list", cmd_list, "print the current watches" },
	{ "stats", cmd_stats, "print the module's counters" },
	{ "config", cmd_config, "read or set tunables" },
	{ "watch", cmd_watch, "watch a variable of a running process" },
	{ "unwatch", cmd_unwatch, "remove the watches of a process" },
};

static void usage(FILE *f)
{
	fputs("Usage: ucli [COMMAND] [OPTIONS]\n"
	      "Report the dumps variable_monitor took when a watched variable crossed\n"
	      "its threshold: user stacks unwound from DWARF CFI, kernel stacks,\n"
	      "process chains and CPU and memory figures of every selected task.\n"
	      "\n"
	      "Without a command, ucli drains the buffer and prints the text report\n"
	      "to stdout, like the original tool: ucli > output\n"
	      "\n"
	      "Commands:\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(subcmds); i++)
		fprintf(f, "  %-8s %s\n", subcmds[i].name, subcmds[i].summary);
	fputs("\n"
	      "Run 'ucli COMMAND --help' for its options.\n"
	      "\n"
	      "Environment: UCLI_DEVICE, UCLI_PROC_DIR, UCLI_KALLSYMS and\n"
	      "UCLI_DEBUG_DIR replace /dev/variable_monitor, /proc/variable_monitor,\n"
	      "/proc/kallsyms and /usr/lib/debug.\n"
	      "\n"
	      "EXAMPLES:\n"
	      "  ucli > output                 # drain and save the text report\n"
	      "  ucli dump --format json       # one JSON object per dump\n"
	      "  ucli record -o trip.rec       # keep the raw records ...\n"
	      "  ucli report trip.rec          # ... and report them later, elsewhere\n"
	      "  ucli follow --format folded   # stream folded stacks\n"
	      "  ucli follow --format journal  # one journal entry per dump\n"
	      "  ucli watch --pid 1234 --symbol temp --type int --gt 150\n"
	      "  ucli config dump_reset_sec 1\n", f);
}

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

int main(int argc, char **argv)
{
	const char *name;

	env.pr = &printer_text;
	env.so.debug_dir = env_or("UCLI_DEBUG_DIR", "/usr/lib/debug");
	env.so.kallsyms = env_or("UCLI_KALLSYMS", "/proc/kallsyms");
	env.so.kallsyms_given = getenv("UCLI_KALLSYMS") && *getenv("UCLI_KALLSYMS");
	env.so.max_frames = 256;

	/* No command, or options only: the original "ucli > output". */
	if (argc < 2)
		return cmd_dump(argc, argv);
	name = argv[1];
	if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
		usage(stdout);
		return 0;
	}
	if (name[0] == '-')
		return cmd_dump(argc, argv);
	for (size_t i = 0; i < ARRAY_SIZE(subcmds); i++)
		if (!strcmp(subcmds[i].name, name))
			return subcmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "ucli: unknown command '%s'\n\n", name);
	usage(stderr);
	return 2;
}

int report_option(int c, const char *arg)
{
	uint64_t v;

	switch (c) {
	case 'f':
		env.pr = strcmp(arg, printer_journal.name) ?
			 printer__find(arg) : &printer_journal;
		if (!env.pr) {
			msg_error("unknown format '%s' (expected %s|%s)", arg,
				  printer__names(), printer_journal.name);
			return -1;
		}
		return 1;
	case OPT_SYMFS:
		env.so.symfs = arg;
		return 1;
	case OPT_DEBUG_DIR:
		env.so.debug_dir = arg;
		return 1;
	case OPT_KALLSYMS:
		env.so.kallsyms = arg;
		env.so.kallsyms_given = true;
		return 1;
	case OPT_MAX_FRAMES:
		if (parse_u64(arg, 10, &v) || v == 0 || v > 65536) {
			msg_error("--max-frames: expected 1 to 65536, got '%s'", arg);
			return -1;
		}
		env.so.max_frames = (size_t)v;
		return 1;
	case OPT_NO_DEMANGLE:
		env.so.no_demangle = true;
		return 1;
	case OPT_NO_SRCLINE:
		env.so.no_srcline = true;
		return 1;
	case OPT_QUIET:
		msg_quiet(true);
		return 1;
	default:
		return 0;
	}
}

FILE *open_output(const char *path)
{
	FILE *f;

	if (!path || !strcmp(path, "-"))
		return stdout;
	f = fopen(path, "we");
	if (!f)
		msg_error("cannot create %s: %s", path, strerror(errno));
	return f;
}
