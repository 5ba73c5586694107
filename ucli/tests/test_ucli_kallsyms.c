// SPDX-License-Identifier: GPL-2.0-only
/* Kernel symbols: kernel and module text, gaps, hidden addresses, bad lines. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kallsyms.h"
#include "utap.h"

static const char kallsyms_text[] =
	"ffffffff81000000 T _text\n"
	"ffffffff81000000 T startup_64\n"
	"ffffffff81000100 t helper_one\n"
	"ffffffff81000180 D some_data\n"
	"ffffffff81000200 T do_work\n"
	"ffffffff81000300 W weak_fn\n"
	"this line is not a symbol\n"
	"ffffffff8100zz00 T bad_address\n"
	"ffffffff81000400 TT bad_type\n"
	"ffffffffc0001000 t mod_init\t[fixmod]\n"
	"ffffffffc0001080 T mod_read\t[fixmod]\n"
	"ffffffffc0002000 t other_fn\t[othermod]\n"
	"ffffffffc0003000 b mod_bss\t[othermod]";	/* no final newline */

static bool maps_to(const struct ksyms *k, uint64_t addr, const char *name,
		    const char *module, uint64_t off)
{
	const struct ksym *s;
	uint64_t got = 0;

	s = ksyms__map_addr(k, addr, &got);
	if (!name) {
		if (s)
			utap_diag("0x%llx: expected no symbol, got %s", (unsigned long long)addr,
				  s->name);
		return !s;
	}
	if (!s || strcmp(s->name, name) || got != off ||
	    (module ? !s->module || strcmp(s->module, module) : s->module != NULL)) {
		utap_diag("0x%llx: expected %s+0x%llx [%s], got %s+0x%llx [%s]",
			  (unsigned long long)addr, name, (unsigned long long)off,
			  module ? module : "kernel", s ? s->name : "nothing",
			  (unsigned long long)got, s && s->module ? s->module : "kernel");
		return false;
	}
	return true;
}

int main(void)
{
	struct ksyms *k = ksyms__parse(kallsyms_text, sizeof(kallsyms_text) - 1);
	char path[] = "/tmp/ucli-kallsyms-XXXXXX";
	static const char hidden[] =
		"0000000000000000 T _text\n0000000000000000 t helper_one\n";
	struct ksyms *h;
	int fd, err = 0;

	utap_plan(11);

	utap_ok(ksyms__count(k) == 8 && !ksyms__hidden(k),
		"text symbols are kept, data symbols and malformed lines are not");
	utap_ok(maps_to(k, 0xffffffff81000010, "_text", NULL, 0x10),
		"an alias at one address resolves to one name");
	utap_ok(maps_to(k, 0xffffffff810001f0, "helper_one", NULL, 0xf0),
		"a symbol extends over data symbols up to the next text symbol");
	utap_ok(maps_to(k, 0xffffffff81000305, "weak_fn", NULL, 0x5),
		"weak text symbols count");
	utap_ok(maps_to(k, 0xffffffffc0001090, "mod_read", "fixmod", 0x10),
		"module symbols name their module");
	utap_ok(maps_to(k, 0xffffffff80ffffff, NULL, NULL, 0),
		"an address below every symbol has none");
	utap_ok(maps_to(k, 0xffffffff81100000, NULL, NULL, 0) &&
		maps_to(k, 0xffffffffc0020000, NULL, NULL, 0),
		"far past the last symbol of the kernel or a module: no name");
	utap_ok(maps_to(k, 0, NULL, NULL, 0), "a zeroed address has no symbol");
	ksyms__free(k);

	h = ksyms__parse(hidden, sizeof(hidden) - 1);
	utap_ok(ksyms__hidden(h) && ksyms__count(h) == 0 &&
		maps_to(h, 0xffffffff81000010, NULL, NULL, 0),
		"kptr_restrict (all addresses zero) is noticed, nothing resolves");
	ksyms__free(h);

	fd = mkstemp(path);
	if (fd < 0 || write(fd, kallsyms_text, sizeof(kallsyms_text) - 1) < 0)
		return 1;
	close(fd);
	k = ksyms__load(path, &err);
	utap_ok(k && maps_to(k, 0xffffffffc0002004, "other_fn", "othermod", 4),
		"a kallsyms file loads from a path");
	ksyms__free(k);
	unlink(path);
	k = ksyms__load(path, &err);
	utap_ok(!k && err < 0, "a missing file is an error, not an empty table");

	return utap_exit();
}
