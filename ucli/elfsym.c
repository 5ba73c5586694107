// SPDX-License-Identifier: GPL-2.0-only
#include <dwarf.h>
#include <elfutils/debuginfod.h>
#include <elfutils/libdw.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfsym.h"
#include "util.h"

struct elf_seg {
	uint64_t vaddr, memsz, offset, filesz;
	uint32_t flags;
};

struct elf_obj {
	struct elf_obj *next;		/* cache list */
	struct elf_cache *cache;
	char *path;
	int fd;				/* -1 for an image in memory */
	Elf *elf;
	const uint8_t *raw;
	size_t rawsize;
	bool has_stat;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;

	uint8_t build_id[ELF_BUILD_ID_MAX];
	size_t build_id_len;
	struct elf_seg *segs;
	size_t nr_segs;
	bool has_eh;
	struct elf_eh_hdr eh;

	bool syms_loaded;
	struct elf_sym *syms;
	size_t nr_syms;
	const char *sym_source;
	char **names;			/* names cut at '@', owned */
	size_t nr_names, cap_names;

	bool debug_tried;
	struct elf_obj *debug;		/* separate debug file, owned */

	bool dwarf_tried;
	Dwarf *dwarf;			/* of this file or of debug */

	/* MiniDebugInfo: the ELF image xz-packed in .gnu_debugdata. */
	Elf *mini;
	char *mini_buf;

	bool dframe_tried;
	bool has_dframe;
	struct elf_dframe dframe;

	bool ehidx_tried;
	bool has_ehidx;
	struct elf_eh_index ehidx;
};

/* A path that could not be used, so it is tried and reported once. */
struct elf_neg {
	struct elf_neg *next;
	char *path;
	enum elf_status status;
	int err;
};

struct elf_cache {
	char *debug_dir;
	/*
	 * Set up on first need, only when DEBUGINFOD_URLS is set: the
	 * library is loaded then (as elfutils does), since it brings libcurl
	 * and TLS libraries whose loading would slow every run down.
	 */
	bool dbginfod_tried;
	void *dbginfod_lib;
	debuginfod_client *dbginfod;
	debuginfod_client *(*dbginfod_begin)(void);
	int (*dbginfod_find)(debuginfod_client *, const unsigned char *, int,
			     char **);
	void (*dbginfod_end)(debuginfod_client *);
	struct elf_obj *objs;
	struct elf_neg *negs;
	size_t opened;
};

struct elf_cache *elf_cache__new(const char *debug_dir)
{
	struct elf_cache *c = xcalloc(1, sizeof(*c));

	elf_version(EV_CURRENT);
	if (debug_dir && *debug_dir)
		c->debug_dir = xstrdup(debug_dir);
	return c;
}

static void obj_free(struct elf_obj *o)
{
	if (!o)
		return;
	if (o->dwarf)
		dwarf_end(o->dwarf);
	if (o->mini)
		elf_end(o->mini);
	free(o->mini_buf);
	obj_free(o->debug);
	for (size_t i = 0; i < o->nr_names; i++)
		free(o->names[i]);
	free(o->names);
	free(o->dframe.index);
	free(o->ehidx.index);
	free(o->syms);
	free(o->segs);
	if (o->elf)
		elf_end(o->elf);
	if (o->fd >= 0)
		close(o->fd);
	free(o->path);
	free(o);
}

void elf_cache__free(struct elf_cache *c)
{
	if (!c)
		return;
	while (c->objs) {
		struct elf_obj *o = c->objs;

		c->objs = o->next;
		obj_free(o);
	}
	while (c->negs) {
		struct elf_neg *n = c->negs;

		c->negs = n->next;
		free(n->path);
		free(n);
	}
	if (c->dbginfod)
		c->dbginfod_end(c->dbginfod);
	if (c->dbginfod_lib)
		dlclose(c->dbginfod_lib);
	free(c->debug_dir);
	free(c);
}

size_t elf_cache__opened(const struct elf_cache *c)
{
	return c->opened;
}

/* Bytes taken by a DW_EH_PE-encoded value of fixed size, or 0. */
static size_t enc_size(uint8_t enc)
{
	switch (enc & 0x0f) {
	case DW_EH_PE_absptr:
		return 8;
	case DW_EH_PE_udata2:
	case DW_EH_PE_sdata2:
		return 2;
	case DW_EH_PE_udata4:
	case DW_EH_PE_sdata4:
		return 4;
	case DW_EH_PE_udata8:
	case DW_EH_PE_sdata8:
		return 8;
	default:
		return 0;
	}
}

static uint64_t read_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/*
 * .eh_frame_hdr: version, three encodings, the encoded .eh_frame pointer
 * and FDE count, then the table. libunwind's remote search needs the
 * table as datarel sdata4 pairs, which is what linkers write.
 */
static void parse_eh_hdr(struct elf_obj *o, const GElf_Phdr *ph)
{
	const uint8_t *h;
	size_t len, pos = 4, ptr_len, cnt_len;
	uint64_t count;

	if (ph->p_offset > o->rawsize || ph->p_filesz > o->rawsize - ph->p_offset ||
	    ph->p_filesz < 4)
		return;
	h = o->raw + ph->p_offset;
	len = ph->p_filesz;
	if (h[0] != 1 || h[3] != (DW_EH_PE_datarel | DW_EH_PE_sdata4))
		return;
	ptr_len = h[1] == DW_EH_PE_omit ? 0 : enc_size(h[1]);
	cnt_len = enc_size(h[2]);
	if ((h[1] != DW_EH_PE_omit && !ptr_len) || !cnt_len || (h[2] & 0x70) ||
	    h[2] == DW_EH_PE_omit)
		return;
	if (len - pos < ptr_len + cnt_len)
		return;
	pos += ptr_len;
	count = read_le(h + pos, cnt_len);
	pos += cnt_len;
	if (count == 0 || count > (len - pos) / 8)
		return;
	o->has_eh = true;
	o->eh.hdr_vaddr = ph->p_vaddr;
	o->eh.table_vaddr = ph->p_vaddr + pos;
	o->eh.fde_count = count;
}

static bool read_build_id_notes(struct elf_obj *o, Elf_Data *d)
{
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	while (off < d->d_size &&
	       (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    !memcmp((const char *)d->d_buf + name_off, "GNU", 4) &&
		    nh.n_descsz > 0 && nh.n_descsz <= ELF_BUILD_ID_MAX) {
			memcpy(o->build_id, (const char *)d->d_buf + desc_off,
			       nh.n_descsz);
			o->build_id_len = nh.n_descsz;
			return true;
		}
	}
	return false;
}

static void read_build_id(struct elf_obj *o)
{
	Elf_Scn *scn = NULL;
	size_t nph;

	while ((scn = elf_nextscn(o->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		if (d && d->d_buf && read_build_id_notes(o, d))
			return;
	}
	/* Section headers can be stripped; program headers cannot. */
	if (elf_getphdrnum(o->elf, &nph))
		return;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		Elf_Data *d;

		if (!gelf_getphdr(o->elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		d = elf_getdata_rawchunk(o->elf, (int64_t)ph.p_offset,
					 ph.p_filesz, ELF_T_NHDR);
		if (d && d->d_buf && read_build_id_notes(o, d))
			return;
	}
}

/* Fill @o from its Elf handle; false if it is not usable x86-64 ELF. */
static bool obj_init(struct elf_obj *o)
{
	GElf_Ehdr eh;
	size_t nph;

	if (elf_kind(o->elf) != ELF_K_ELF || !gelf_getehdr(o->elf, &eh) ||
	    gelf_getclass(o->elf) != ELFCLASS64 || eh.e_machine != EM_X86_64 ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN))
		return false;
	o->raw = (const uint8_t *)elf_rawfile(o->elf, &o->rawsize);
	if (!o->raw || elf_getphdrnum(o->elf, &nph))
		return false;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(o->elf, (int)i, &ph))
			continue;
		if (ph.p_type == PT_LOAD) {
			o->segs = xreallocarray(o->segs, o->nr_segs + 1,
						sizeof(*o->segs));
			o->segs[o->nr_segs++] = (struct elf_seg){
				.vaddr = ph.p_vaddr,
				.memsz = ph.p_memsz,
				.offset = ph.p_offset,
				.filesz = ph.p_filesz,
				.flags = ph.p_flags,
			};
		} else if (ph.p_type == PT_GNU_EH_FRAME && !o->has_eh) {
			parse_eh_hdr(o, &ph);
		}
	}
	read_build_id(o);
	return true;
}

static struct elf_obj *obj_open(struct elf_cache *c, const char *path,
				enum elf_status *status, int *err)
{
	struct elf_obj *o;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*status = ELF_MISSING;
		*err = -errno;
		return NULL;
	}
	o = xcalloc(1, sizeof(*o));
	o->cache = c;
	o->fd = fd;
	o->path = xstrdup(path);
	if (!fstat(fd, &st)) {
		o->has_stat = true;
		o->dev = st.st_dev;
		o->ino = st.st_ino;
		o->size = st.st_size;
		o->mtime = st.st_mtim;
	}
	o->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!o->elf || !obj_init(o)) {
		obj_free(o);
		*status = ELF_NOT_ELF;
		return NULL;
	}
	c->opened++;
	return o;
}

struct elf_obj *elf_obj__from_memory(struct elf_cache *c, const void *buf,
				     size_t len)
{
	struct elf_obj *o = xcalloc(1, sizeof(*o));

	o->cache = c;
	o->fd = -1;
	o->path = xstrdup("[memory]");
	/* libelf takes a non-const pointer but only reads in this mode. */
	o->elf = elf_memory((char *)(uintptr_t)buf, len);
	if (!o->elf || !obj_init(o)) {
		obj_free(o);
		return NULL;
	}
	o->next = c->objs;
	c->objs = o;
	return o;
}

static bool id_matches(const struct elf_obj *o, const uint8_t *id, size_t len)
{
	/* Records hold at most 20 bytes: compare the recorded prefix. */
	return o->build_id_len >= len && len && !memcmp(o->build_id, id, len);
}

static struct elf_obj *checked(struct elf_obj *o, const uint8_t *want_id,
			       size_t want_len, enum elf_status *status)
{
	if (want_id && want_len && !id_matches(o, want_id, want_len)) {
		*status = ELF_BUILD_ID_MISMATCH;
		return NULL;
	}
	*status = ELF_OK;
	return o;
}

struct elf_obj *elf_cache__get(struct elf_cache *c, const char *path,
			       const uint8_t *want_id, size_t want_len,
			       enum elf_status *status, int *err)
{
	struct elf_obj *o;
	struct elf_neg *n;
	struct stat st;

	*err = 0;
	if (want_id && want_len)
		for (o = c->objs; o; o = o->next)
			if (o->fd >= 0 && id_matches(o, want_id, want_len)) {
				*status = ELF_OK;
				return o;
			}
	for (o = c->objs; o; o = o->next)
		if (!strcmp(o->path, path))
			return checked(o, want_id, want_len, status);
	for (n = c->negs; n; n = n->next)
		if (!strcmp(n->path, path)) {
			*status = n->status;
			*err = n->err;
			return NULL;
		}
	/* The same file under another name (another /proc/PID/root). */
	if (!stat(path, &st))
		for (o = c->objs; o; o = o->next)
			if (o->has_stat && o->dev == st.st_dev &&
			    o->ino == st.st_ino && o->size == st.st_size &&
			    o->mtime.tv_sec == st.st_mtim.tv_sec &&
			    o->mtime.tv_nsec == st.st_mtim.tv_nsec)
				return checked(o, want_id, want_len, status);
	o = obj_open(c, path, status, err);
	if (!o) {
		n = xcalloc(1, sizeof(*n));
		n->path = xstrdup(path);
		n->status = *status;
		n->err = *err;
		n->next = c->negs;
		c->negs = n;
		return NULL;
	}
	o->next = c->objs;
	c->objs = o;
	return checked(o, want_id, want_len, status);
}

bool elf_obj__build_id(const struct elf_obj *o, const uint8_t **id, size_t *len)
{
	if (!o->build_id_len)
		return false;
	*id = o->build_id;
	*len = o->build_id_len;
	return true;
}

#define PAGE_MASK_4K (~(uint64_t)0xfff)

int elf_obj__bias(const struct elf_obj *o, uint64_t start, uint64_t pgoff,
		  bool exec, uint64_t *bias)
{
	const struct elf_seg *best = NULL;

	for (size_t i = 0; i < o->nr_segs; i++) {
		const struct elf_seg *s = &o->segs[i];

		if (pgoff < (s->offset & PAGE_MASK_4K) ||
		    pgoff >= s->offset + (s->filesz ? s->filesz : 1))
			continue;
		if (!best || (exec && (s->flags & PF_X) && !(best->flags & PF_X)))
			best = s;
	}
	if (!best)
		return -ENOENT;
	/* start maps pgoff, whose vaddr is p_vaddr + (pgoff - p_offset). */
	*bias = start - best->vaddr - pgoff + best->offset;
	return 0;
}

void elf_obj__image_range(const struct elf_obj *o, uint64_t *lo, uint64_t *hi)
{
	*lo = UINT64_MAX;
	*hi = 0;
	for (size_t i = 0; i < o->nr_segs; i++) {
		const struct elf_seg *s = &o->segs[i];

		if (s->vaddr < *lo)
			*lo = s->vaddr;
		if (s->vaddr + s->memsz > *hi)
			*hi = s->vaddr + s->memsz;
	}
	if (*lo > *hi)
		*lo = *hi = 0;
}

static size_t read_segs(const struct elf_obj *o, uint64_t vaddr, void *buf,
			size_t len, bool writable)
{
	for (size_t i = 0; i < o->nr_segs; i++) {
		const struct elf_seg *s = &o->segs[i];
		uint64_t off, n;

		if ((s->flags & PF_W) && !writable)
			continue;
		if (vaddr < s->vaddr || vaddr - s->vaddr >= s->filesz)
			continue;
		off = s->offset + (vaddr - s->vaddr);
		if (off >= o->rawsize)
			return 0;
		n = s->filesz - (vaddr - s->vaddr);
		if (n > o->rawsize - off)
			n = o->rawsize - off;
		if (n > len)
			n = len;
		memcpy(buf, o->raw + off, n);
		return n;
	}
	return 0;
}

size_t elf_obj__read(const struct elf_obj *o, uint64_t vaddr, void *buf,
		     size_t len)
{
	return read_segs(o, vaddr, buf, len, false);
}

size_t elf_obj__read_file(const struct elf_obj *o, uint64_t vaddr, void *buf,
			  size_t len)
{
	return read_segs(o, vaddr, buf, len, true);
}

static Elf_Scn *find_section(Elf *elf, const char *name, GElf_Shdr *out)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, out))
			continue;
		n = elf_strptr(elf, shstrndx, out->sh_name);
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

static Elf_Scn *find_section_type(Elf *elf, uint32_t type, GElf_Shdr *out)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, out) && out->sh_type == type)
			return scn;
	return NULL;
}

/* Data of a section, decompressed when it was stored compressed. */
static Elf_Data *section_data(Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *d;

	if (sh->sh_type == SHT_NOBITS)
		return NULL;
	if ((sh->sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
		return NULL;
	d = elf_getdata(scn, NULL);
	if (!d || !d->d_buf || !d->d_size)
		return NULL;
	return d;
}

/* The debug file at @path if its build-id is @o's. */
static struct elf_obj *open_debug(struct elf_obj *o, const char *path)
{
	enum elf_status st;
	struct elf_obj *d;
	int err;

	d = obj_open(o->cache, path, &st, &err);
	if (d && !(d->build_id_len == o->build_id_len &&
		   !memcmp(d->build_id, o->build_id, o->build_id_len))) {
		obj_free(d);
		d = NULL;
	}
	return d;
}

static void debuginfod_setup(struct elf_cache *c)
{
	c->dbginfod_lib = dlopen("libdebuginfod.so.1", RTLD_LAZY | RTLD_LOCAL);
	if (!c->dbginfod_lib) {
		msg_warn("DEBUGINFOD_URLS is set, but %s", dlerror());
		return;
	}
	*(void **)&c->dbginfod_begin = dlsym(c->dbginfod_lib, "debuginfod_begin");
	*(void **)&c->dbginfod_find = dlsym(c->dbginfod_lib,
					    "debuginfod_find_debuginfo");
	*(void **)&c->dbginfod_end = dlsym(c->dbginfod_lib, "debuginfod_end");
	if (c->dbginfod_begin && c->dbginfod_find && c->dbginfod_end)
		c->dbginfod = c->dbginfod_begin();
}

/*
 * Ask the debuginfod servers of DEBUGINFOD_URLS; libdebuginfod keeps its
 * cache and timeouts (DEBUGINFOD_CACHE_PATH, DEBUGINFOD_TIMEOUT).
 */
static struct elf_obj *debuginfod_debug(struct elf_obj *o)
{
	struct elf_cache *c = o->cache;
	const char *urls = getenv("DEBUGINFOD_URLS");
	struct elf_obj *d;
	char *path = NULL;
	int fd;

	if (!urls || !*urls)
		return NULL;
	if (!c->dbginfod_tried) {
		c->dbginfod_tried = true;
		debuginfod_setup(c);
	}
	if (!c->dbginfod)
		return NULL;
	fd = c->dbginfod_find(c->dbginfod, o->build_id, (int)o->build_id_len,
			      &path);
	if (fd < 0)
		return NULL;
	close(fd);
	d = open_debug(o, path);
	free(path);
	return d;
}

static void find_debug(struct elf_obj *o)
{
	char *path, *p;

	if (o->debug_tried)
		return;
	o->debug_tried = true;
	if (o->build_id_len < 2 || o->fd < 0)
		return;
	if (o->cache->debug_dir) {
		path = xmalloc(strlen(o->cache->debug_dir) + 2 * o->build_id_len + 32);
		p = path + sprintf(path, "%s/.build-id/%02x/", o->cache->debug_dir,
				   o->build_id[0]);
		for (size_t i = 1; i < o->build_id_len; i++)
			p += sprintf(p, "%02x", o->build_id[i]);
		strcpy(p, ".debug");
		o->debug = open_debug(o, path);
		free(path);
	}
	if (!o->debug)
		o->debug = debuginfod_debug(o);
}

static bool has_debug_info(Elf *elf)
{
	GElf_Shdr sh;

	return find_section(elf, ".debug_info", &sh) && sh.sh_type != SHT_NOBITS &&
	       sh.sh_size;
}

Dwarf *elf_obj__dwarf(struct elf_obj *o)
{
	if (o->dwarf_tried)
		return o->dwarf;
	o->dwarf_tried = true;
	if (has_debug_info(o->elf)) {
		o->dwarf = dwarf_begin_elf(o->elf, DWARF_C_READ, NULL);
	} else {
		find_debug(o);
		if (o->debug && has_debug_info(o->debug->elf))
			o->dwarf = dwarf_begin_elf(o->debug->elf, DWARF_C_READ, NULL);
	}
	return o->dwarf;
}

static int bind_rank(uint8_t bind)
{
	switch (bind) {
	case STB_GLOBAL:
		return 0;
	case STB_WEAK:
		return 1;
	case STB_LOCAL:
		return 2;
	default:
		return 3;
	}
}

static int cmp_sym(const void *a, const void *b)
{
	const struct elf_sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (bind_rank(x->bind) != bind_rank(y->bind))
		return bind_rank(x->bind) - bind_rank(y->bind);
	/* glibc's hidden internal aliases: the public name reads better. */
	if (!strncmp(x->name, "__GI_", 5) != !strncmp(y->name, "__GI_", 5))
		return strncmp(x->name, "__GI_", 5) ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * A sizeless symbol reaches to the next symbol's start, at most
 * SIZELESS_MAX bytes; the last one, which nothing bounds, to nothing.
 */
#define SIZELESS_MAX 4096

static void size_sizeless(struct elf_obj *o)
{
	for (size_t i = 0; i < o->nr_syms; i++) {
		struct elf_sym *sy = &o->syms[i];
		size_t j = i + 1;

		if (!sy->sizeless)
			continue;
		while (j < o->nr_syms && o->syms[j].addr == sy->addr)
			j++;
		sy->size = j < o->nr_syms ? o->syms[j].addr - sy->addr : 0;
		if (sy->size > SIZELESS_MAX)
			sy->size = SIZELESS_MAX;
	}
}

/* Function symbols of the table @type in @elf; false if there is none. */
static bool load_table(struct elf_obj *o, Elf *elf, uint32_t type)
{
	size_t cap = 0;
	GElf_Shdr sh;
	Elf_Scn *scn = find_section_type(elf, type, &sh);
	Elf_Data *d;

	if (!scn || !sh.sh_entsize || !(d = section_data(scn, &sh)))
		return false;
	for (size_t i = 0; i < d->d_size / sh.sh_entsize; i++) {
		GElf_Sym s;
		const char *name;
		int t;

		if (!gelf_getsym(d, (int)i, &s))
			break;
		t = GELF_ST_TYPE(s.st_info);
		if ((t != STT_FUNC && t != STT_GNU_IFUNC) ||
		    s.st_shndx == SHN_UNDEF || !s.st_value)
			continue;
		name = elf_strptr(elf, sh.sh_link, s.st_name);
		if (!name || !*name)
			continue;
		/* "name@@VERSION" names a versioned definition: show the name. */
		if (strchr(name, '@')) {
			char *cut = xstrdup(name);

			*strchr(cut, '@') = '\0';
			o->names = grow_array(o->names, &o->cap_names, o->nr_names + 1,
					      sizeof(*o->names));
			o->names[o->nr_names++] = cut;
			name = cut;
		}
		o->syms = grow_array(o->syms, &cap, o->nr_syms + 1, sizeof(*o->syms));
		o->syms[o->nr_syms++] = (struct elf_sym){
			.addr = s.st_value,
			.size = s.st_size,
			.name = name,
			.bind = GELF_ST_BIND(s.st_info),
			.sizeless = !s.st_size,
		};
	}
	if (!o->nr_syms)
		return false;
	qsort(o->syms, o->nr_syms, sizeof(*o->syms), cmp_sym);
	size_sizeless(o);
	return true;
}

/* An unpacked .gnu_debugdata larger than this is not MiniDebugInfo. */
#define MINI_MAX (64u << 20)

/*
 * MiniDebugInfo (Fedora's): .gnu_debugdata holds an xz-compressed ELF
 * file whose .symtab has the local functions .dynsym lacks.
 */
static Elf *mini_debuginfo(struct elf_obj *o)
{
	lzma_stream xz = LZMA_STREAM_INIT;
	size_t cap = 1 << 16, len = 0;
	lzma_ret ret;
	GElf_Shdr sh;
	Elf_Scn *scn = find_section(o->elf, ".gnu_debugdata", &sh);
	Elf_Data *d;
	char *buf;

	if (!scn || !(d = section_data(scn, &sh)) ||
	    lzma_stream_decoder(&xz, MINI_MAX, 0) != LZMA_OK)
		return NULL;
	buf = xmalloc(cap);
	xz.next_in = d->d_buf;
	xz.avail_in = d->d_size;
	do {
		if (len == cap) {
			if (cap >= MINI_MAX)
				break;
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		xz.next_out = (uint8_t *)buf + len;
		xz.avail_out = cap - len;
		ret = lzma_code(&xz, LZMA_FINISH);
		len = cap - xz.avail_out;
	} while (ret == LZMA_OK);
	lzma_end(&xz);
	if (ret != LZMA_STREAM_END ||
	    !(o->mini = elf_memory(buf, len)) || elf_kind(o->mini) != ELF_K_ELF) {
		if (o->mini)
			elf_end(o->mini);
		o->mini = NULL;
		free(buf);
		return NULL;
	}
	o->mini_buf = buf;
	return o->mini;
}

static void load_syms(struct elf_obj *o)
{
	Elf *mini;

	if (o->syms_loaded)
		return;
	o->syms_loaded = true;
	if (load_table(o, o->elf, SHT_SYMTAB)) {
		o->sym_source = "symtab";
		return;
	}
	find_debug(o);
	if (o->debug && load_table(o, o->debug->elf, SHT_SYMTAB)) {
		o->sym_source = "debug symtab";
		return;
	}
	/* Both tables: MiniDebugInfo leaves out what .dynsym has. */
	mini = mini_debuginfo(o);
	if (mini && load_table(o, mini, SHT_SYMTAB)) {
		load_table(o, o->elf, SHT_DYNSYM);
		o->sym_source = "minidebuginfo";
		return;
	}
	if (load_table(o, o->elf, SHT_DYNSYM))
		o->sym_source = "dynsym";
}

const char *elf_obj__sym_source(struct elf_obj *o)
{
	load_syms(o);
	return o->sym_source;
}

/* How many symbols before a match we still check for one that covers it. */
#define SYM_LOOKBACK 8

const struct elf_sym *elf_obj__find_sym(struct elf_obj *o, uint64_t vaddr)
{
	size_t lo = 0, hi;

	load_syms(o);
	hi = o->nr_syms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (o->syms[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/*
	 * syms[0..lo) start at or below vaddr. Check the groups of equal
	 * start addresses from the nearest down; within a group the sort put
	 * the preferred alias first.
	 */
	for (int sizeless = 0; sizeless < 2; sizeless++) {
		for (size_t end = lo, tries = 0; end > 0 && tries < SYM_LOOKBACK;
		     tries++) {
			size_t first = end - 1;

			while (first > 0 &&
			       o->syms[first - 1].addr == o->syms[end - 1].addr)
				first--;
			for (size_t k = first; k < end; k++)
				if (o->syms[k].sizeless == sizeless &&
				    vaddr - o->syms[k].addr < o->syms[k].size)
					return &o->syms[k];
			end = first;
		}
	}
	return NULL;
}

static bool name_matches(const char *sym, const char *want)
{
	size_t n = strlen(want);

	/* Versioned names read "name@VER" or "name@@VER". */
	return !strncmp(sym, want, n) && (sym[n] == '\0' || sym[n] == '@');
}

static int find_object_in(Elf *elf, uint32_t type, const char *name,
			  uint64_t *vaddr, uint64_t *size)
{
	GElf_Shdr sh;
	Elf_Scn *scn = find_section_type(elf, type, &sh);
	Elf_Data *d;

	if (!scn || !sh.sh_entsize || !(d = section_data(scn, &sh)))
		return -ENOENT;
	for (size_t i = 0; i < d->d_size / sh.sh_entsize; i++) {
		GElf_Sym s;
		const char *n;
		int t;

		if (!gelf_getsym(d, (int)i, &s))
			break;
		if (s.st_shndx == SHN_UNDEF)
			continue;
		n = elf_strptr(elf, sh.sh_link, s.st_name);
		if (!n || !name_matches(n, name))
			continue;
		t = GELF_ST_TYPE(s.st_info);
		if (t == STT_TLS)
			return -EINVAL;
		if (t != STT_OBJECT && t != STT_COMMON && t != STT_NOTYPE)
			continue;
		*vaddr = s.st_value;
		*size = s.st_size;
		return 0;
	}
	return -ENOENT;
}

int elf_obj__find_object(struct elf_obj *o, const char *name, uint64_t *vaddr,
			 uint64_t *size)
{
	int ret = find_object_in(o->elf, SHT_SYMTAB, name, vaddr, size);

	if (ret != -ENOENT)
		return ret;
	ret = find_object_in(o->elf, SHT_DYNSYM, name, vaddr, size);
	if (ret != -ENOENT)
		return ret;
	find_debug(o);
	if (o->debug)
		return find_object_in(o->debug->elf, SHT_SYMTAB, name, vaddr, size);
	return -ENOENT;
}

const struct elf_eh_hdr *elf_obj__eh_frame_hdr(const struct elf_obj *o)
{
	return o->has_eh ? &o->eh : NULL;
}

/*
 * libunwind 1.6 parses .debug_frame CIEs of version 1 and 3 without
 * augmentation; FDE locations are then plain 8-byte addresses.
 */
static bool cie_usable(const unsigned char *ident, Elf_Data *d, Dwarf_Off off)
{
	const uint8_t *p = d->d_buf;
	Dwarf_CFI_Entry e;
	Dwarf_Off next;
	size_t vpos;

	if (dwarf_next_cfi(ident, d, false, off, &next, &e) != 0 ||
	    !dwarf_cfi_cie_p(&e) || e.cie.augmentation[0] != '\0')
		return false;
	vpos = read_le(p + off, 4) == 0xffffffffu ? off + 20 : off + 8;
	if (vpos >= d->d_size)
		return false;
	return p[vpos] == 1 || p[vpos] == 3;
}

static int cmp_dframe(const void *a, const void *b)
{
	const struct elf_dframe_entry *x = a, *y = b;

	if (x->start_ip_offset != y->start_ip_offset)
		return x->start_ip_offset < y->start_ip_offset ? -1 : 1;
	return x->fde_offset < y->fde_offset ? -1 : x->fde_offset > y->fde_offset;
}

static bool index_debug_frame(struct elf_obj *o, Elf *elf)
{
	const unsigned char *ident;
	Dwarf_Off off = 0, next, last_cie = (Dwarf_Off)-1;
	bool last_ok = false;
	struct elf_dframe *df = &o->dframe;
	size_t cap = 0;
	GElf_Shdr sh;
	Elf_Scn *scn = find_section(elf, ".debug_frame", &sh);
	Elf_Data *d;

	if (!scn || !(d = section_data(scn, &sh)))
		return false;
	ident = (const unsigned char *)elf_getident(elf, NULL);
	if (!ident)
		return false;
	df->lo = UINT64_MAX;
	df->hi = 0;
	while (off < d->d_size) {
		Dwarf_CFI_Entry e;
		uint64_t loc, range;

		if (dwarf_next_cfi(ident, d, false, off, &next, &e) != 0 ||
		    next <= off)
			break;
		if (!dwarf_cfi_cie_p(&e) && e.fde.end - e.fde.start >= 16) {
			if (e.fde.CIE_pointer != last_cie) {
				last_cie = e.fde.CIE_pointer;
				last_ok = cie_usable(ident, d, last_cie);
			}
			loc = read_le(e.fde.start, 8);
			range = read_le(e.fde.start + 8, 8);
			/* libunwind's table holds 32-bit signed offsets. */
			if (last_ok && range && loc <= INT32_MAX &&
			    range <= INT32_MAX - loc && off <= INT32_MAX) {
				df->index = grow_array(df->index, &cap, df->nr + 1,
						       sizeof(*df->index));
				df->index[df->nr++] = (struct elf_dframe_entry){
					.start_ip_offset = (int32_t)loc,
					.fde_offset = (int32_t)off,
				};
				if (loc < df->lo)
					df->lo = loc;
				if (loc + range > df->hi)
					df->hi = loc + range;
			}
		}
		off = next;
	}
	if (!df->nr) {
		free(df->index);
		df->index = NULL;
		return false;
	}
	qsort(df->index, df->nr, sizeof(*df->index), cmp_dframe);
	df->data = d->d_buf;
	df->size = d->d_size;
	return true;
}

const struct elf_dframe *elf_obj__debug_frame(struct elf_obj *o)
{
	if (!o->dframe_tried) {
		o->dframe_tried = true;
		o->has_dframe = index_debug_frame(o, o->elf);
		if (!o->has_dframe) {
			find_debug(o);
			if (o->debug)
				o->has_dframe = index_debug_frame(o, o->debug->elf);
		}
	}
	return o->has_dframe ? &o->dframe : NULL;
}

/*
 * The FDE pointer encoding of an .eh_frame CIE: the 'R' entry of its
 * augmentation data, absptr when there is none. Returns false for what
 * we cannot skip over.
 */
static bool cie_fde_encoding(const Dwarf_CIE *cie, uint8_t *enc)
{
	const char *aug = cie->augmentation;
	size_t pos = 0;

	*enc = DW_EH_PE_absptr;
	if (aug[0] != 'z')
		return aug[0] == '\0';
	for (const char *a = aug + 1; *a; a++) {
		switch (*a) {
		case 'R':
			if (pos >= cie->augmentation_data_size)
				return false;
			*enc = cie->augmentation_data[pos];
			return true;
		case 'P': {
			size_t n;

			if (pos >= cie->augmentation_data_size)
				return false;
			n = enc_size(cie->augmentation_data[pos]);
			if (!n)
				return false;
			pos += 1 + n;
			break;
		}
		case 'L':
			pos++;
			break;
		case 'S':
		case 'B':
		case 'G':
			break;
		default:
			return false;
		}
	}
	return true;
}

/* Decode an FDE location stored at @vaddr (for pcrel). */
static bool read_encoded(const uint8_t *p, const uint8_t *end, uint8_t enc,
			 uint64_t vaddr, uint64_t *out)
{
	size_t n = enc_size(enc);
	uint64_t v;

	if (!n || (size_t)(end - p) < n || (enc & 0x80))
		return false;
	v = read_le(p, n);
	/* Sign-extend the sdata forms. */
	if ((enc & 0x08) && n < 8 && (v >> (8 * n - 1)))
		v |= ~UINT64_C(0) << (8 * n);
	switch (enc & 0x70) {
	case DW_EH_PE_absptr:
		break;
	case DW_EH_PE_pcrel:
		v += vaddr;
		break;
	default:
		return false;
	}
	*out = v;
	return true;
}

static bool index_eh_frame(struct elf_obj *o)
{
	struct elf_eh_index *ix = &o->ehidx;
	Dwarf_Off off = 0, next, last_cie = (Dwarf_Off)-1;
	const unsigned char *ident;
	uint8_t enc = 0;
	bool enc_ok = false;
	size_t cap = 0;
	GElf_Shdr sh;
	Elf_Scn *scn = find_section(o->elf, ".eh_frame", &sh);
	Elf_Data *d;

	if (!scn || !sh.sh_addr || !(d = section_data(scn, &sh)))
		return false;
	ident = (const unsigned char *)elf_getident(o->elf, NULL);
	if (!ident)
		return false;
	ix->eh_vaddr = sh.sh_addr;
	while (off < d->d_size) {
		Dwarf_CFI_Entry e;
		uint64_t loc, rel;

		if (dwarf_next_cfi(ident, d, true, off, &next, &e) != 0 || next <= off)
			break;
		if (!dwarf_cfi_cie_p(&e)) {
			if (e.fde.CIE_pointer != last_cie) {
				Dwarf_CFI_Entry ce;
				Dwarf_Off cn;

				last_cie = e.fde.CIE_pointer;
				enc_ok = dwarf_next_cfi(ident, d, true, last_cie, &cn, &ce) == 0 &&
					 dwarf_cfi_cie_p(&ce) && cie_fde_encoding(&ce.cie, &enc);
			}
			rel = (uint64_t)(e.fde.start - (const uint8_t *)d->d_buf);
			if (enc_ok && read_encoded(e.fde.start, e.fde.end, enc,
						   sh.sh_addr + rel, &loc)) {
				int64_t l = (int64_t)(loc - sh.sh_addr);

				/* The table holds 32-bit offsets from .eh_frame. */
				if (l >= INT32_MIN && l <= INT32_MAX && off <= INT32_MAX) {
					ix->index = grow_array(ix->index, &cap, ix->nr + 1,
							       sizeof(*ix->index));
					ix->index[ix->nr++] = (struct elf_dframe_entry){
						.start_ip_offset = (int32_t)l,
						.fde_offset = (int32_t)off,
					};
				}
			}
		}
		off = next;
	}
	if (!ix->nr)
		return false;
	qsort(ix->index, ix->nr, sizeof(*ix->index), cmp_dframe);
	return true;
}

const struct elf_eh_index *elf_obj__eh_frame_index(struct elf_obj *o)
{
	if (!o->ehidx_tried) {
		o->ehidx_tried = true;
		o->has_ehidx = !o->has_eh && index_eh_frame(o);
	}
	return o->has_ehidx ? &o->ehidx : NULL;
}
