// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the record parser and every printer, fed in two
 * pieces (so records are also cut across feeds). Stacks are unwound with
 * no ELF file reachable, which exercises the accessors on fuzzed stack
 * copies and registers and the frame pointer fallback.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "report.h"
#include "util.h"

static FILE *devnull;
static char kallsyms_path[] = "/tmp/ucli-fuzz-kallsyms-XXXXXX";

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void remove_kallsyms(void)
{
	unlink(kallsyms_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char syms[] =
		"ffffffff81000000 T _text\n"
		"ffffffff81100000 T hrtimer_nanosleep\n"
		"ffffffffc0100000 t varmon_poll\t[variable_monitor]\n";
	int fd = mkstemp(kallsyms_path);

	(void)argc;
	(void)argv;
	if (fd < 0 || write(fd, syms, sizeof(syms) - 1) < 0)
		abort();
	close(fd);
	atexit(remove_kallsyms);
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	msg_quiet(true);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct printer *const printers[] = {
		&printer_text, &printer_json, &printer_folded,
	};
	const struct sym_opts so = {
		.symfs = "/nonexistent/ucli-fuzz",
		.kallsyms = kallsyms_path,
		.kallsyms_given = true,
		.max_frames = 64,
	};
	size_t cut = size ? data[0] % (size + 1) : 0;

	for (size_t i = 0; i < sizeof(printers) / sizeof(printers[0]); i++) {
		struct report *r = report__new(printers[i], devnull, &so);

		report__feed(r, data, cut);
		report__feed(r, data + cut, size - cut);
		report__finish(r);
		report__free(r);
	}
	msg_json_mode(false);
	return 0;
}
