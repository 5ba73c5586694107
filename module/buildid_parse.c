// SPDX-License-Identifier: GPL-2.0-only
/*
 * The GNU build-id note of an ELF file, from a buffer holding its first
 * bytes. Mirrors build_id_parse() of lib/buildid.c (not exported): ELF32
 * and ELF64, ET_EXEC and ET_DYN, program headers right after the ELF
 * header, and only PT_NOTE segments wholly inside the buffer. Unlike it,
 * notes must be 4-byte aligned, as the gABI requires.
 *
 * Every byte is hostile: any user can map a crafted file executable. So
 * each field is loaded once (the page cache page may change under us),
 * each sum is overflow-checked, and each access is bounded by @len, the
 * bytes actually read. The buffer must be 8-byte aligned.
 */
#include "buildid_parse.h"

/* Note type of a GNU build-id (ELF gABI, GNU extension). */
#define VARMON_NT_GNU_BUILD_ID	3

static u64 varmon_align4(u64 x)
{
	return (x + 3) & ~3ULL;
}

/* Look through the notes in [@off, @off + @size) of @buf. */
static int varmon_buildid_notes(const u8 *buf, size_t len, u64 off, u64 size,
				u8 *id, u8 *id_len)
{
	u64 end, name, desc, next;

	if (off % 4 || check_add_overflow(off, size, &end) || end > len)
		return -ENOENT;

	/* A note header is the same three words in ELF32 and ELF64. */
	while (end - off >= sizeof(struct elf64_note)) {
		const struct elf64_note *nh = (const void *)(buf + off);
		u32 namesz = READ_ONCE(nh->n_namesz);
		u32 descsz = READ_ONCE(nh->n_descsz);
		u32 type = READ_ONCE(nh->n_type);

		/* u32 sizes aligned in u64 cannot wrap; their sums can. */
		name = off + sizeof(*nh);
		if (check_add_overflow(name, varmon_align4(namesz), &desc) ||
		    check_add_overflow(desc, varmon_align4(descsz), &next) ||
		    next > end)
			return -ENOENT;
		if (type == VARMON_NT_GNU_BUILD_ID && namesz == 4 &&
		    !memcmp(buf + name, "GNU", 4) &&
		    descsz && descsz <= VARMON_BUILD_ID_MAX) {
			memcpy(id, buf + desc, descsz);
			*id_len = descsz;
			return 0;
		}
		off = next;
	}
	return -ENOENT;
}

/*
 * The program headers, right after the ELF header as build_id_parse()
 * wants them: their count, or -1 when they are elsewhere or past @len.
 */
static int varmon_buildid_phnum(const u8 *buf, size_t len, bool elf64)
{
	const struct elf64_hdr *eh64 = (const void *)buf;
	const struct elf32_hdr *eh32 = (const void *)buf;
	size_t ehsize = elf64 ? sizeof(*eh64) : sizeof(*eh32);
	size_t phsize = elf64 ? sizeof(struct elf64_phdr) :
				sizeof(struct elf32_phdr);
	u64 phoff;
	u16 phnum;

	if (len < ehsize)
		return -1;
	phoff = elf64 ? READ_ONCE(eh64->e_phoff) : READ_ONCE(eh32->e_phoff);
	phnum = elf64 ? READ_ONCE(eh64->e_phnum) : READ_ONCE(eh32->e_phnum);
	if (phoff != ehsize || phnum > (len - ehsize) / phsize)
		return -1;
	return phnum;
}

/* PT_NOTE program header @i: its file range, or false for another type. */
static bool varmon_buildid_note_phdr(const u8 *buf, bool elf64, unsigned int i,
				     u64 *off, u64 *size)
{
	const struct elf64_phdr *ph64;
	const struct elf32_phdr *ph32;

	if (elf64) {
		ph64 = (const void *)(buf + sizeof(struct elf64_hdr) +
				      i * sizeof(*ph64));
		*off = READ_ONCE(ph64->p_offset);
		*size = READ_ONCE(ph64->p_filesz);
		return READ_ONCE(ph64->p_type) == PT_NOTE;
	}
	ph32 = (const void *)(buf + sizeof(struct elf32_hdr) +
			      i * sizeof(*ph32));
	*off = READ_ONCE(ph32->p_offset);
	*size = READ_ONCE(ph32->p_filesz);
	return READ_ONCE(ph32->p_type) == PT_NOTE;
}

/**
 * varmon_buildid_parse() - GNU build-id from the first bytes of an ELF file
 * @buf:	the bytes, 8-byte aligned
 * @len:	how many bytes of the file @buf holds
 * @id:		out: the build-id, up to VARMON_BUILD_ID_MAX bytes
 * @id_len:	out: bytes of @id used
 *
 * Reads nothing outside [@buf, @buf + @len), whatever the bytes say.
 *
 * Context: any; never sleeps.
 * Return: 0, or -ENOENT when @buf is not an ELF executable or shared
 * object whose build-id note lies within @len bytes.
 */
int varmon_buildid_parse(const void *buf, size_t len, u8 *id, u8 *id_len)
{
	const u8 *ident = buf;
	int i, phnum;
	u64 off, size;
	bool elf64;
	u16 type;

	if (len < EI_NIDENT + sizeof(type) || memcmp(ident, ELFMAG, SELFMAG))
		return -ENOENT;
	/* e_type follows e_ident in both classes. */
	type = READ_ONCE(*(const u16 *)(ident + EI_NIDENT));
	if (type != ET_EXEC && type != ET_DYN)
		return -ENOENT;
	if (ident[EI_CLASS] != ELFCLASS64 && ident[EI_CLASS] != ELFCLASS32)
		return -ENOENT;
	elf64 = ident[EI_CLASS] == ELFCLASS64;

	phnum = varmon_buildid_phnum(buf, len, elf64);
	for (i = 0; i < phnum; i++)
		if (varmon_buildid_note_phdr(buf, elf64, i, &off, &size) &&
		    !varmon_buildid_notes(buf, len, off, size, id, id_len))
			return 0;
	return -ENOENT;
}
