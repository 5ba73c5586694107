// SPDX-License-Identifier: GPL-2.0-only
/*
 * ELF symbol cache, on this test program itself (a PIE): load bias, symbol
 * lookups, build-id checks, read-only segment reads, one open per file.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfsym.h"
#include "procfs.h"
#include "util.h"
#include "utap.h"

/* Something to find, with sizes the symbol table records. */
int probe_var = 42;

__attribute__((noinline)) int probe_fn(int x)
{
	return x * 3 + probe_var;
}

/* Load bias of the mapping of @path that maps file offset 0. */
static int self_bias(struct elf_obj *o, const char *path, uint64_t *bias)
{
	struct proc_map *maps;
	size_t n, len;
	char *text;
	int ret = -1;

	if (read_file_all("/proc/self/maps", &text, &len))
		return -1;
	n = procfs__parse_maps(text, len, &maps);
	for (size_t i = 0; i < n && ret; i++)
		if (maps[i].path && !strcmp(maps[i].path, path) && maps[i].pgoff == 0)
			ret = elf_obj__bias(o, maps[i].start, 0, false, bias);
	free(maps);
	free(text);
	return ret;
}

int main(void)
{
	struct elf_cache *c = elf_cache__new(NULL);
	char exe[PATH_MAX], other[] = "/tmp/ucli-notelf-XXXXXX";
	const struct elf_sym *sym;
	const struct elf_eh_hdr *eh;
	enum elf_status st;
	struct elf_obj *o, *o2;
	const uint8_t *id;
	uint8_t wrong[20];
	size_t idlen = 0;
	uint64_t bias = 0, vaddr = 0, size = 0;
	uint8_t head[4] = { 0 };
	int err, fd;
	ssize_t n;

	utap_plan(11);

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return 1;
	exe[n] = '\0';
	o = elf_cache__get(c, exe, NULL, 0, &st, &err);
	utap_ok(o && st == ELF_OK && elf_obj__build_id(o, &id, &idlen) && idlen == 20,
		"this program opens, with a 20-byte build-id");
	if (!o)
		return utap_exit();

	/* vaddr 0 of a PIE is its ELF header, mapped at the bias. */
	utap_ok(!self_bias(o, exe, &bias) && bias && !(bias & 0xfff) &&
		!memcmp((const void *)(uintptr_t)bias, "\177ELF", 4),
		"the load bias from the mapping of offset 0 points at the ELF header");
	sym = elf_obj__find_sym(o, (uint64_t)(uintptr_t)probe_fn - bias + 3);
	utap_ok(sym && !strcmp(sym->name, "probe_fn") &&
		sym->addr + bias == (uint64_t)(uintptr_t)probe_fn,
		"an address inside a function names it, with its start (%s)",
		elf_obj__sym_source(o) ? elf_obj__sym_source(o) : "no table");
	utap_ok(!elf_obj__find_object(o, "probe_var", &vaddr, &size) &&
		vaddr + bias == (uint64_t)(uintptr_t)&probe_var && size == sizeof(int),
		"a global variable resolves to its runtime address and size");

	utap_ok(elf_obj__read(o, 0, head, sizeof(head)) == 4 &&
		!memcmp(head, "\177ELF", 4),
		"the read-only first segment reads from the file");
	utap_ok(elf_obj__read(o, vaddr, head, sizeof(head)) == 0,
		"a writable segment is refused (the file has stale values)");
	eh = elf_obj__eh_frame_hdr(o);
	utap_ok(eh && eh->fde_count > 0 && eh->table_vaddr > eh->hdr_vaddr,
		".eh_frame_hdr search table is found");

	o2 = elf_cache__get(c, exe, id, idlen, &st, &err);
	utap_ok(o2 == o && elf_cache__get(c, "/proc/self/exe", NULL, 0, &st, &err) == o &&
		elf_cache__opened(c) == 1,
		"the same file, by name or through another path, is opened once");

	memcpy(wrong, id, sizeof(wrong));
	wrong[0] ^= 0xff;
	utap_ok(!elf_cache__get(c, exe, wrong, sizeof(wrong), &st, &err) &&
		st == ELF_BUILD_ID_MISMATCH, "a different build-id is refused");

	utap_ok(!elf_cache__get(c, "/nonexistent/ucli-test", NULL, 0, &st, &err) &&
		st == ELF_MISSING && err == -ENOENT, "a missing file says so with its errno");

	fd = mkstemp(other);
	if (fd < 0 || write(fd, "not an ELF file\n", 16) != 16)
		return 1;
	close(fd);
	utap_ok(!elf_cache__get(c, other, NULL, 0, &st, &err) && st == ELF_NOT_ELF,
		"a file that is not ELF is refused");
	unlink(other);

	elf_cache__free(c);
	return utap_exit();
}
