/* Function symbols from an ELF file's .symtab and .dynsym (see elfsym.h). */
#include "config.h"
#include "elfsym.h"

#include <elf.h>
#include <fcntl.h>
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

struct fp_elfsym {
	void *map;			/* the file; names point into it */
	size_t len;
	struct sym *syms;		/* by value, one per address */
	size_t n;
};

/* A section header or a symbol, whichever the file's class. */
struct shdr {
	uint32_t type, link;
	uint64_t offset, size, entsize;
};

static int in_file(const struct fp_elfsym *e, uint64_t off, uint64_t size)
{
	return off <= e->len && size <= e->len - off;
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
static int add_table(struct fp_elfsym *e, int is64, const struct shdr *tab, const struct shdr *str,
		     size_t *cap)
{
	const unsigned char *base = e->map;
	size_t esz = is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);

	if (tab->entsize < esz || !in_file(e, tab->offset, tab->size) ||
	    !in_file(e, str->offset, str->size))
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
		if (e->n == *cap) {
			struct sym *t = realloc(e->syms, (*cap = *cap ? *cap * 2 : 1024) * sizeof(*t));

			if (!t)
				return -1;
			e->syms = t;
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

static int load(struct fp_elfsym *e)
{
	const unsigned char *id = e->map;
	const uint16_t one = 1;
	int is64, native = *(const unsigned char *)&one ? ELFDATA2LSB : ELFDATA2MSB;
	uint64_t shoff;
	unsigned shentsize, shnum;
	size_t cap = 0, kept = 0;

	if (e->len < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG) || id[EI_DATA] != native ||
	    (id[EI_CLASS] != ELFCLASS64 && id[EI_CLASS] != ELFCLASS32))
		return -1;
	is64 = id[EI_CLASS] == ELFCLASS64;
	if (e->len < (is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return -1;
	if (is64) {
		const Elf64_Ehdr *h = e->map;

		shoff = h->e_shoff, shentsize = h->e_shentsize, shnum = h->e_shnum;
	} else {
		const Elf32_Ehdr *h = e->map;

		shoff = h->e_shoff, shentsize = h->e_shentsize, shnum = h->e_shnum;
	}
	if (shentsize < (is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr)) ||
	    !in_file(e, shoff, (uint64_t)shentsize * shnum))
		return -1;
	for (unsigned i = 0; i < shnum; i++) {
		struct shdr tab, str;

		get_shdr(id + shoff + (uint64_t)i * shentsize, is64, &tab);
		if ((tab.type != SHT_SYMTAB && tab.type != SHT_DYNSYM) || tab.link >= shnum)
			continue;
		get_shdr(id + shoff + (uint64_t)tab.link * shentsize, is64, &str);
		if (add_table(e, is64, &tab, &str, &cap))
			return -1;
	}
	qsort(e->syms, e->n, sizeof(*e->syms), by_value);
	for (size_t i = 0; i < e->n; i++)	/* the best name of each address */
		if (!kept || e->syms[kept - 1].value != e->syms[i].value)
			e->syms[kept++] = e->syms[i];
	e->n = kept;
	return 0;
}

struct fp_elfsym *fp_elfsym_open(const char *path)
{
	struct fp_elfsym *e = calloc(1, sizeof(*e));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (!e || fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || !st.st_size)
		goto fail;
	e->len = (size_t)st.st_size;
	e->map = mmap(NULL, e->len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (e->map == MAP_FAILED) {
		e->map = NULL;
		goto fail;
	}
	if (load(e))
		goto fail;
	close(fd);
	return e;
fail:
	if (fd >= 0)
		close(fd);
	fp_elfsym_close(e);
	return NULL;
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
	if (e->map)
		munmap(e->map, e->len);
	free(e->syms);
	free(e);
}
