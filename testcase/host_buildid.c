// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit test of the module's build-id parser (module/buildid_parse.c,
 * compiled here unchanged), under ASan and UBSan. Every input is handed
 * over in a heap block of exactly its length, so a read past the bytes
 * the parser was given is an ASan report, and the test fails.
 *
 *	host_buildid [TEST...]		run the tests (TAP)
 *	host_buildid --seeds DIR	write the crafted inputs as a fuzz corpus
 *
 * The real files come from the host: /bin/ls, libc.so.6, this test
 * itself, and the static binary named by $BUILDID_STATIC; readelf -n
 * says what their build-ids are.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buildid_parse.h"
#include "tap.h"

#define PAGE	4096

/* Parse @len bytes from a heap block of exactly that size. */
static int parse_exact(const void *bytes, size_t len, u8 *id, u8 *id_len)
{
	void *copy = malloc(len ? len : 1);
	int ret;

	if (!copy)
		abort();
	memcpy(copy, bytes, len);
	*id_len = 0;
	ret = varmon_buildid_parse(copy, len, id, id_len);
	free(copy);
	return ret;
}

/* ---- crafted ELF headers ------------------------------------------- */

#define NOTES_AT	0x200

struct crafted {
	const char *name;
	void (*make)(u8 *page);
	size_t len;		/* bytes given to the parser; PAGE if 0 */
	int ret;		/* expected result */
	u8 id_len;		/* expected id length when ret == 0 */
};

static Elf64_Phdr *elf64_init(u8 *page, unsigned int phnum)
{
	Elf64_Ehdr *eh = (void *)page;

	memset(page, 0, PAGE);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_DYN;
	eh->e_machine = EM_X86_64;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = phnum;
	return (void *)(eh + 1);
}

/* A note at @off with @namesz/@descsz as given; returns its end. */
static size_t put_note(u8 *page, size_t off, u32 type, const char *name,
		       u32 namesz, u32 descsz, u8 fill)
{
	Elf64_Nhdr nh = { .n_namesz = namesz, .n_descsz = descsz,
			  .n_type = type };
	size_t p = off + sizeof(nh);

	/* @off may be misaligned on purpose. */
	memcpy(page + off, &nh, sizeof(nh));
	memcpy(page + p, name, strlen(name) + 1);
	p += (namesz + 3) & ~3u;
	memset(page + p, fill, descsz);
	return p + ((descsz + 3) & ~3u);
}

static void note_phdr(Elf64_Phdr *ph, u64 off, u64 size)
{
	ph->p_type = PT_NOTE;
	ph->p_offset = off;
	ph->p_filesz = size;
	ph->p_align = 4;
}

static void mk_good(u8 *page)
{
	Elf64_Phdr *ph = elf64_init(page, 1);
	size_t end = put_note(page, NOTES_AT, 3, "GNU", 4, 20, 0xab);

	note_phdr(ph, NOTES_AT, end - NOTES_AT);
}

/* The build-id is the second note, after a GNU property note. */
static void mk_second(u8 *page)
{
	Elf64_Phdr *ph = elf64_init(page, 1);
	size_t end = put_note(page, NOTES_AT, 5, "GNU", 4, 16, 0x11);

	end = put_note(page, end, 3, "GNU", 4, 8, 0xcd);
	note_phdr(ph, NOTES_AT, end - NOTES_AT);
}

/* The first PT_NOTE holds no build-id; the third one does. */
static void mk_third_phdr(u8 *page)
{
	Elf64_Phdr *ph = elf64_init(page, 3);
	size_t end = put_note(page, NOTES_AT, 1, "ABI", 4, 16, 0);

	note_phdr(&ph[0], NOTES_AT, end - NOTES_AT);
	ph[1].p_type = PT_LOAD;
	note_phdr(&ph[2], end, put_note(page, end, 3, "GNU", 4, 20, 7) - end);
}

/* The case of issue 12: p_offset + p_filesz wraps around. */
static void mk_wrap_ff0(u8 *page)
{
	Elf64_Phdr *ph = elf64_init(page, 1);

	note_phdr(ph, 0xff0, ~0ULL);
	put_note(page, 0xff0, 1, "X", 0, 0, 0);
}

static void mk_wrap_zero(u8 *page)
{
	Elf64_Phdr *ph = elf64_init(page, 1);

	/* The sum is exactly 2^64, i.e. 0. */
	note_phdr(ph, NOTES_AT, 0ULL - NOTES_AT);
	put_note(page, NOTES_AT, 1, "X", 0, 0, 0);
}

static void mk_past_page(u8 *page)
{
	Elf64_Phdr *ph = elf64_init(page, 1);

	/* A note header in the last 12 bytes, its segment beyond them. */
	note_phdr(ph, PAGE - 12, 24);
	((Elf64_Nhdr *)(page + PAGE - 12))->n_type = 3;
}

/* The segment ends exactly at the last byte given: still found. */
static void mk_at_end(u8 *page)
{
	Elf64_Phdr *ph = elf64_init(page, 1);
	size_t off = PAGE - (12 + 4 + 20);

	note_phdr(ph, off, put_note(page, off, 3, "GNU", 4, 20, 0x5a) - off);
}

static void mk_namesz_huge(u8 *page)
{
	Elf64_Phdr *ph = elf64_init(page, 1);

	note_phdr(ph, NOTES_AT, 64);
	put_note(page, NOTES_AT, 3, "GNU", 4, 20, 1);
	((Elf64_Nhdr *)(page + NOTES_AT))->n_namesz = 0xffffffff;
}

static void mk_descsz_huge(u8 *page)
{
	Elf64_Phdr *ph = elf64_init(page, 1);

	note_phdr(ph, NOTES_AT, 64);
	put_note(page, NOTES_AT, 3, "GNU", 4, 20, 1);
	((Elf64_Nhdr *)(page + NOTES_AT))->n_descsz = 0xfffffffd;
}

static void mk_desc_21(u8 *page)
{
	Elf64_Phdr *ph = elf64_init(page, 1);
	size_t end = put_note(page, NOTES_AT, 3, "GNU", 4, 21, 3);

	note_phdr(ph, NOTES_AT, end - NOTES_AT);
}

static void mk_desc_0(u8 *page)
{
	Elf64_Phdr *ph = elf64_init(page, 1);
	size_t end = put_note(page, NOTES_AT, 3, "GNU", 4, 0, 0);

	note_phdr(ph, NOTES_AT, end - NOTES_AT);
}

static void mk_phnum_huge(u8 *page)
{
	mk_good(page);
	((Elf64_Ehdr *)page)->e_phnum = 0xffff;
}

static void mk_phoff_far(u8 *page)
{
	mk_good(page);
	((Elf64_Ehdr *)page)->e_phoff = 0xfffffffffffff000ULL;
}

static void mk_unaligned_note(u8 *page)
{
	Elf64_Phdr *ph = elf64_init(page, 1);
	size_t end = put_note(page, NOTES_AT + 2, 3, "GNU", 4, 20, 9);

	note_phdr(ph, NOTES_AT + 2, end - NOTES_AT - 2);
}

static void mk_et_rel(u8 *page)
{
	mk_good(page);
	((Elf64_Ehdr *)page)->e_type = ET_REL;
}

static void mk_elf32(u8 *page)
{
	Elf32_Ehdr *eh = (void *)page;
	Elf32_Phdr *ph = (void *)(eh + 1);
	size_t end;

	memset(page, 0, PAGE);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_386;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	end = put_note(page, NOTES_AT, 3, "GNU", 4, 20, 0x32);
	ph->p_type = PT_NOTE;
	ph->p_offset = NOTES_AT;
	ph->p_filesz = end - NOTES_AT;
}

static void mk_elf32_wrap(u8 *page)
{
	mk_elf32(page);
	((Elf32_Phdr *)(page + sizeof(Elf32_Ehdr)))->p_offset = 0xff0;
	((Elf32_Phdr *)(page + sizeof(Elf32_Ehdr)))->p_filesz = 0xffffffff;
}

static const struct crafted crafted[] = {
	{ "good", mk_good, 0, 0, 20 },
	{ "second_note", mk_second, 0, 0, 8 },
	{ "third_phdr", mk_third_phdr, 0, 0, 20 },
	{ "note_ends_at_len", mk_at_end, 0, 0, 20 },
	{ "elf32", mk_elf32, 0, 0, 20 },
	{ "wrap_ff0", mk_wrap_ff0, 0, -ENOENT, 0 },
	{ "wrap_to_zero", mk_wrap_zero, 0, -ENOENT, 0 },
	{ "segment_past_page", mk_past_page, 0, -ENOENT, 0 },
	{ "namesz_huge", mk_namesz_huge, 0, -ENOENT, 0 },
	{ "descsz_huge", mk_descsz_huge, 0, -ENOENT, 0 },
	{ "desc_21_bytes", mk_desc_21, 0, -ENOENT, 0 },
	{ "desc_empty", mk_desc_0, 0, -ENOENT, 0 },
	{ "phnum_huge", mk_phnum_huge, 0, -ENOENT, 0 },
	{ "phoff_far", mk_phoff_far, 0, -ENOENT, 0 },
	{ "note_unaligned", mk_unaligned_note, 0, -ENOENT, 0 },
	{ "et_rel", mk_et_rel, 0, -ENOENT, 0 },
	{ "elf32_wrap", mk_elf32_wrap, 0, -ENOENT, 0 },
	/* Cut short: the note's segment ends past the bytes read. */
	{ "good_cut_in_note", mk_good, NOTES_AT + 20, -ENOENT, 0 },
	{ "good_cut_in_phdrs", mk_good, 80, -ENOENT, 0 },
	{ "good_cut_in_ehdr", mk_good, 17, -ENOENT, 0 },
};

/* The crafted headers whose name contains @only, or all for NULL. */
static int check_crafted(const char *only)
{
	static u8 page[PAGE] __attribute__((aligned(8)));
	u8 id[VARMON_BUILD_ID_MAX], id_len;
	size_t i;

	for (i = 0; i < TAP_COUNT(crafted); i++) {
		const struct crafted *c = &crafted[i];
		int ret;

		if (only && !strstr(c->name, only))
			continue;
		c->make(page);
		ret = parse_exact(page, c->len ? c->len : PAGE, id, &id_len);
		TAP_EXPECT(ret == c->ret, "%s: returned %d, expected %d",
			   c->name, ret, c->ret);
		TAP_EXPECT(ret || id_len == c->id_len,
			   "%s: id of %u bytes, expected %u", c->name, id_len,
			   c->id_len);
	}
	return TAP_PASS;
}

/* Issue 12: p_offset 0xff0 with p_filesz ~0 wrapped, and the walk read on. */
static int test_wrapped(void)
{
	return check_crafted("wrap");
}

static int test_crafted(void)
{
	return check_crafted(NULL);
}

/* Every prefix of every crafted header: no read past it, ever. */
static int test_crafted_prefixes(void)
{
	static u8 page[PAGE] __attribute__((aligned(8)));
	u8 id[VARMON_BUILD_ID_MAX], id_len;
	size_t i, len;

	for (i = 0; i < TAP_COUNT(crafted); i++) {
		crafted[i].make(page);
		for (len = 0; len <= PAGE; len++)
			parse_exact(page, len, id, &id_len);
	}
	return TAP_PASS;
}

/* ---- real files --------------------------------------------------- */

/* What readelf -n says the build-id of @path is, as hex. */
static int readelf_build_id(const char *path, char *hex, size_t size)
{
	char cmd[512], line[512];
	int found = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "readelf -n '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char *at = strstr(line, "Build ID: ");

		if (at && !found) {
			snprintf(hex, size, "%s", at + strlen("Build ID: "));
			hex[strcspn(hex, " \n")] = '\0';
			found = 1;
		}
	}
	pclose(p);
	return found ? 0 : -1;
}

static int check_file(const char *path)
{
	u8 page[PAGE] __attribute__((aligned(8)));
	u8 id[VARMON_BUILD_ID_MAX], id_len;
	char want[128], got[2 * VARMON_BUILD_ID_MAX + 1];
	size_t len, first_ok = 0;
	ssize_t n;
	int fd, ret;
	u8 i;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return tap_skip("%s: %s", path, strerror(errno));
	n = pread(fd, page, sizeof(page), 0);
	close(fd);
	TAP_EXPECT(n > 0, "%s: cannot read", path);
	if (readelf_build_id(path, want, sizeof(want)))
		return tap_skip("readelf -n %s gave no build-id", path);

	ret = parse_exact(page, (size_t)n, id, &id_len);
	TAP_EXPECT(!ret, "%s: returned %d for its first %zd bytes", path, ret, n);
	for (i = 0; i < id_len; i++)
		sprintf(got + 2 * i, "%02x", id[i]);
	got[2 * id_len] = '\0';
	TAP_EXPECT(!strcmp(got, want), "%s: build-id %s, readelf says %s",
		   path, got, want);

	/* Truncated: found from some length on, and never before it. */
	for (len = 0; len <= (size_t)n; len++) {
		ret = parse_exact(page, len, id, &id_len);
		if (!ret && !first_ok)
			first_ok = len;
		TAP_EXPECT(!first_ok || !ret,
			   "%s: found in %zu bytes but not in %zu", path,
			   first_ok, len);
	}
	tap_diag("%s: build-id %s, found from %zu bytes on", path, got, first_ok);
	return TAP_PASS;
}

static int test_bin_ls(void)
{
	return check_file("/bin/ls");
}

static int test_libc(void)
{
	return check_file("/lib/x86_64-linux-gnu/libc.so.6");
}

static int test_self(void)
{
	char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	TAP_EXPECT(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
	path[n] = '\0';
	return check_file(path);
}

static int test_static(void)
{
	const char *path = getenv("BUILDID_STATIC");

	if (!path)
		return tap_skip("BUILDID_STATIC names no static binary");
	return check_file(path);
}

/* ---- seeds -------------------------------------------------------- */

static int write_seeds(const char *dir)
{
	static u8 page[PAGE] __attribute__((aligned(8)));
	char path[4096];
	size_t i;
	FILE *f;

	for (i = 0; i < TAP_COUNT(crafted); i++) {
		crafted[i].make(page);
		snprintf(path, sizeof(path), "%s/crafted-%s", dir,
			 crafted[i].name);
		f = fopen(path, "w");
		if (!f || fwrite(page, 1, crafted[i].len ? crafted[i].len : PAGE,
				 f) == 0 || fclose(f)) {
			perror(path);
			return 1;
		}
	}
	return 0;
}

static const struct tap_test tests[] = {
	{ "a segment whose offset + size wraps is refused, not walked", test_wrapped },
	{ "crafted headers give the expected build-id or none", test_crafted },
	{ "no read past any prefix of a crafted header", test_crafted_prefixes },
	{ "/bin/ls: readelf's build-id, and no read past any prefix", test_bin_ls },
	{ "libc.so.6: readelf's build-id, and no read past any prefix", test_libc },
	{ "this test: readelf's build-id, and no read past any prefix", test_self },
	{ "a static binary: readelf's build-id, and no read past any prefix", test_static },
};

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--seeds"))
		return write_seeds(argv[2]);
	return tap_main(tests, TAP_COUNT(tests), argc, argv, NULL);
}
