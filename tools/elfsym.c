/* Function symbols from an ELF file's .symtab and .dynsym (see elfsym.h). */
#include "config.h"
#include "elfsym.h"

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct sym {
	uint64_t value, size;
	const char *name;
	int rank;			/* among symbols at one address: higher wins */
};

struct file {
	const unsigned char *map;	/* names point into it */
	size_t len;
};

struct fp_elfsym {
	struct file f[2];		/* the object, and its debug file if read */
	struct sym *syms;		/* by value, one per address */
	size_t n, cap;
};

/* Where separate debug files are found by build-id (as gdb and addr2line do). */
#define DEBUG_DIR "/usr/lib/debug/.build-id/"

/* A section header or a symbol, whichever the file's class. */
struct shdr {
	uint32_t type, link;
	uint64_t offset, size, entsize;
};

static int in_file(const struct file *f, uint64_t off, uint64_t size)
{
	return off <= f->len && size <= f->len - off;
}

static void get_shdr(const unsigned char *p, int is64, struct shdr *s)
{
	if (is64) {
		const Elf64_Shdr *h = (const void *)p;

		*s = (struct shdr){ h->sh_type, h->sh_link, h->sh_offset, h->sh_size, h->sh_entsize };
	} else {
		const Elf32_Shdr *h = (const void *)p;

		*s = (struct shdr){ h->sh_type, h->sh_link, h->sh_offset, h->sh_size, h->sh_entsize };
	}
}

/* Add the functions of symbol table @tab, whose names are in @str. */
static int add_table(struct fp_elfsym *e, const struct file *f, int is64, const struct shdr *tab,
		     const struct shdr *str)
{
	const unsigned char *base = f->map;
	size_t esz = is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);

	if (tab->entsize < esz || !in_file(f, tab->offset, tab->size) ||
	    !in_file(f, str->offset, str->size))
		return 0;
	for (uint64_t i = 1; i < tab->size / tab->entsize; i++) {
		const unsigned char *p = base + tab->offset + i * tab->entsize;
		unsigned type, bind, shndx;
		uint64_t name;
		struct sym s;

		if (is64) {
			const Elf64_Sym *y = (const void *)p;

			type = ELF64_ST_TYPE(y->st_info), bind = ELF64_ST_BIND(y->st_info);
			shndx = y->st_shndx, name = y->st_name, s.value = y->st_value, s.size = y->st_size;
		} else {
			const Elf32_Sym *y = (const void *)p;

			type = ELF32_ST_TYPE(y->st_info), bind = ELF32_ST_BIND(y->st_info);
			shndx = y->st_shndx, name = y->st_name, s.value = y->st_value, s.size = y->st_size;
		}
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || shndx == SHN_UNDEF || !s.value ||
		    name >= str->size || !memchr(base + str->offset + name, '\0', str->size - name))
			continue;
		s.name = (const char *)base + str->offset + name;
		/* Sized first, then global, then weak: the name people called. */
		s.rank = (s.size ? 4 : 0) + (bind == STB_GLOBAL ? 2 : bind == STB_WEAK);
		if (e->n == e->cap) {
			size_t cap = e->cap ? e->cap * 2 : 1024;
			struct sym *t = realloc(e->syms, cap * sizeof(*t));

			if (!t)
				return -1;
			e->syms = t;
			e->cap = cap;	/* only once it is true */
		}
		e->syms[e->n++] = s;
	}
	return 0;
}

static int by_value(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return y->rank - x->rank;
}

/* The debug file named by a GNU build-id note at @off, in @debug. */
static void build_id(const struct file *f, uint64_t off, uint64_t size, char *debug, size_t dsize)
{
	while (size >= 12 && in_file(f, off, size)) {
		const uint32_t *h = (const void *)(f->map + off);
		uint64_t name = (h[0] + 3ULL) & ~3ULL, desc = (h[1] + 3ULL) & ~3ULL;
		const unsigned char *id = f->map + off + 12 + name;

		if (12 + name + desc > size)
			return;
		if (h[2] == NT_GNU_BUILD_ID && h[0] == 4 && !memcmp(f->map + off + 12, "GNU", 4) &&
		    h[1] >= 2 && h[1] <= 64 && dsize > sizeof(DEBUG_DIR) + 2 * h[1] + 7) {
			size_t n = (size_t)snprintf(debug, dsize, DEBUG_DIR "%02x/", id[0]);

			for (uint32_t i = 1; i < h[1]; i++)
				n += (size_t)snprintf(debug + n, dsize - n, "%02x", id[i]);
			snprintf(debug + n, dsize - n, ".debug");
			return;
		}
		off += 12 + name + desc;
		size -= 12 + name + desc;
	}
}

/*
 * Add the functions of @f's symbol tables; @debug gets the path of its
 * separate debug file when it has no .symtab but a build-id.
 */
static int load(struct fp_elfsym *e, const struct file *f, char *debug, size_t dsize)
{
	const unsigned char *id = f->map;
	const uint16_t one = 1;
	int is64, symtab = 0, native = *(const unsigned char *)&one ? ELFDATA2LSB : ELFDATA2MSB;
	uint64_t shoff;
	unsigned shentsize, shnum;

	if (f->len < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG) || id[EI_DATA] != native ||
	    (id[EI_CLASS] != ELFCLASS64 && id[EI_CLASS] != ELFCLASS32))
		return -1;
	is64 = id[EI_CLASS] == ELFCLASS64;
	if (f->len < (is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return -1;
	if (is64) {
		const Elf64_Ehdr *h = (const void *)id;

		shoff = h->e_shoff, shentsize = h->e_shentsize, shnum = h->e_shnum;
	} else {
		const Elf32_Ehdr *h = (const void *)id;

		shoff = h->e_shoff, shentsize = h->e_shentsize, shnum = h->e_shnum;
	}
	if (shentsize < (is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr)) ||
	    !in_file(f, shoff, (uint64_t)shentsize * shnum))
		return -1;
	for (unsigned i = 0; i < shnum; i++) {
		struct shdr tab, str;

		get_shdr(id + shoff + (uint64_t)i * shentsize, is64, &tab);
		if (tab.type == SHT_NOTE && debug && !debug[0])
			build_id(f, tab.offset, tab.size, debug, dsize);
		if ((tab.type != SHT_SYMTAB && tab.type != SHT_DYNSYM) || tab.link >= shnum)
			continue;
		symtab |= tab.type == SHT_SYMTAB;
		get_shdr(id + shoff + (uint64_t)tab.link * shentsize, is64, &str);
		if (add_table(e, f, is64, &tab, &str))
			return -1;
	}
	if (debug && symtab)
		debug[0] = '\0';	/* it has its own */
	return 0;
}

static int map_file(const char *path, struct file *f)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *p = MAP_FAILED;

	if (fd >= 0 && !fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size)
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (fd >= 0)
		close(fd);
	if (p == MAP_FAILED)
		return -1;
	f->map = p;
	f->len = (size_t)st.st_size;
	return 0;
}

struct fp_elfsym *fp_elfsym_open(const char *path)
{
	struct fp_elfsym *e = calloc(1, sizeof(*e));
	char debug[256] = "";
	size_t kept = 0;

	if (!e || map_file(path, &e->f[0]) || load(e, &e->f[0], debug, sizeof(debug))) {
		fp_elfsym_close(e);
		return NULL;
	}
	/* A stripped object: its static functions are in the debug file. */
	if (debug[0] && !map_file(debug, &e->f[1]))
		(void)load(e, &e->f[1], NULL, 0);
	if (e->n)	/* syms is NULL for an object without functions */
		qsort(e->syms, e->n, sizeof(*e->syms), by_value);
	for (size_t i = 0; i < e->n; i++)	/* the best name of each address */
		if (!kept || e->syms[kept - 1].value != e->syms[i].value)
			e->syms[kept++] = e->syms[i];
	e->n = kept;
	return e;
}

const char *fp_elfsym_lookup(const struct fp_elfsym *e, uint64_t addr, uint64_t *start)
{
	size_t lo = 0, hi = e ? e->n : 0;
	const struct sym *s;

	while (lo < hi) {		/* the last symbol at or below addr */
		size_t mid = lo + (hi - lo) / 2;

		if (e->syms[mid].value <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	s = &e->syms[lo - 1];
	/* An unsized symbol (assembly) is taken as reaching the next one. */
	if (s->size && addr - s->value >= s->size)
		return NULL;
	*start = s->value;
	return s->name;
}

void fp_elfsym_close(struct fp_elfsym *e)
{
	if (!e)
		return;
	for (int i = 0; i < 2; i++)
		if (e->f[i].map)
			munmap((void *)e->f[i].map, e->f[i].len);
	free(e->syms);
	free(e);
}
