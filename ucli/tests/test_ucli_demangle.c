// SPDX-License-Identifier: GPL-2.0-only
/* Demangling: C++, Rust legacy and v0; plain and bad names pass through. */
#include <stdio.h>
#include <string.h>

#include "demangle.h"
#include "utap.h"

static bool is(struct demangler *d, const char *sym, const char *want)
{
	const char *got = demangler__name(d, sym);

	if (!strcmp(got, want))
		return true;
	utap_diag("%s: got '%s', want '%s'", sym, got, want);
	return false;
}

int main(void)
{
	struct demangler *d = demangler__new();
	static const char cxx[] = "_ZN11varmon_test6WorkerIlE3runEi";
	const char *a, *b;

	utap_plan(6);
	utap_ok(is(d, cxx, "varmon_test::Worker<long>::run(int)") &&
		is(d, "_ZNSt6thread4joinEv", "std::thread::join()"),
		"C++ (Itanium) names are demangled, with their parameters");
	utap_ok(is(d, "_ZN3std2rt10lang_start17h0c1b5ab2f3cc1d9aE", "std::rt::lang_start"),
		"Rust legacy names lose their hash");
	utap_ok(is(d, "_RNvCs15kBYyAo9fc_7mycrate7example", "mycrate::example"),
		"Rust v0 names are demangled");
	utap_ok(is(d, "main", "main") && is(d, "_Zbogus", "_Zbogus") &&
		is(d, "_R", "_R"),
		"plain and malformed names are printed as they are");
	a = demangler__name(d, cxx);
	b = demangler__name(d, cxx);
	utap_ok(a == b, "a name is demangled once and then served from the cache");
	/* Enough names to grow the table several times. */
	{
		static char names[600][32];
		bool all = true;

		for (int i = 0; i < 600; i++) {
			snprintf(names[i], sizeof(names[i]), "_Z4f%03di", i);
			demangler__name(d, names[i]);
		}
		for (int i = 0; i < 600 && all; i++)
			all = strchr(demangler__name(d, names[i]), '(') != NULL;
		utap_ok(all && is(d, cxx, "varmon_test::Worker<long>::run(int)"),
			"the cache keeps every name as it grows");
	}
	demangler__free(d);
	return utap_exit();
}
