/* Per-object function indexes (see symtab.h). */
#include "config.h"
#include "symtab.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "je.h"

#define OBJECTS_MAX	512

struct sym {
	uintptr_t start;	/* offset from the load bias */
	uintptr_t size;
	const char *name;	/* in the mapped file */
};

struct index {
	const struct link_map *_Atomic map;
	uintptr_t bias;
	struct sym *syms;	/* sorted by start; NULL: none usable */
	size_t n;
	_Atomic int ready;	/* syms and n are final */
};

/*
 * Slots are claimed, built by their claimer and published: no lock, so a
 * fork or a signal that stops a builder leaves nothing to wait for.
 */
static struct index objects[OBJECTS_MAX];
static _Atomic unsigned nobjects;

static int by_start(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The file's function symbols from @want (SHT_SYMTAB or SHT_DYNSYM). */
static size_t collect(const char *file, size_t size, const ElfW(Ehdr) *eh,
		      unsigned want, struct sym **out)
{
	const ElfW(Shdr) *sh = (const void *)(file + eh->e_shoff);
	size_t n = 0;

	for (unsigned i = 0; i < eh->e_shnum; i++) {
		const ElfW(Sym) *s;
		const char *strtab;
		size_t count;

		if (sh[i].sh_type != want || sh[i].sh_link >= eh->e_shnum ||
		    sh[i].sh_offset + sh[i].sh_size > size ||
		    sh[sh[i].sh_link].sh_offset + sh[sh[i].sh_link].sh_size > size ||
		    !sh[i].sh_entsize)
			continue;
		s = (const void *)(file + sh[i].sh_offset);
		strtab = file + sh[sh[i].sh_link].sh_offset;
		count = sh[i].sh_size / sh[i].sh_entsize;
		*out = fp_je_own_alloc(count * sizeof(**out));
		if (!*out)
			return 0;
		for (size_t k = 0; k < count; k++) {
			unsigned type = ELF64_ST_TYPE(s[k].st_info);

			if ((type != STT_FUNC && type != STT_GNU_IFUNC) || !s[k].st_value ||
			    !s[k].st_size || s[k].st_name >= sh[sh[i].sh_link].sh_size)
				continue;
			(*out)[n].start = s[k].st_value;
			(*out)[n].size = s[k].st_size;
			(*out)[n].name = strtab + s[k].st_name;
			n++;
		}
		return n;
	}
	return 0;
}

/* @path mapped whole, if it is a 64-bit ELF file whose section headers it holds. */
static const ElfW(Ehdr) *map_elf(const char *path, size_t *size)
{
	struct stat st;
	char *file;
	const ElfW(Ehdr) *eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || (size_t)st.st_size < sizeof(*eh)) {
		close(fd);
		return NULL;
	}
	file = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (file == MAP_FAILED)
		return NULL;
	eh = (const void *)file;
	*size = (size_t)st.st_size;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(ElfW(Shdr)) > *size) {
		munmap(file, *size);
		return NULL;
	}
	return eh;
}

/* The file of @map: its name, or for the executable what /proc/self/exe names. */
static const char *path_of(const struct link_map *map, char *exe, size_t len)
{
	ssize_t n;

	if (map->l_name && *map->l_name)
		return map->l_name;
	n = readlink("/proc/self/exe", exe, len - 1);
	exe[n > 0 ? n : 0] = '\0';
	return exe;
}

static void build(struct index *x, const char *path)
{
	size_t size;
	const ElfW(Ehdr) *eh = map_elf(path, &size);
	const char *file = (const char *)eh;

	if (!eh)
		return;
	x->n = collect(file, size, eh, SHT_SYMTAB, &x->syms);
	if (!x->n) {
		fp_je_own_free(x->syms);
		x->syms = NULL;
		x->n = collect(file, size, eh, SHT_DYNSYM, &x->syms);
	}
	if (!x->n) {
		munmap((void *)eh, size);	/* nothing points into it */
		return;
	}
	qsort(x->syms, x->n, sizeof(*x->syms), by_start);
}

/* The index of @map: NULL while another thread builds it, or when full. */
static const struct index *index_of(const struct link_map *map)
{
	unsigned n = atomic_load_explicit(&nobjects, memory_order_acquire);
	struct index *x;
	char exe[4096];
	const char *path;

	for (unsigned i = 0; i < n && i < OBJECTS_MAX; i++) {
		x = &objects[i];
		if (atomic_load_explicit(&x->map, memory_order_acquire) == map &&
		    x->bias == map->l_addr)
			return atomic_load_explicit(&x->ready, memory_order_acquire) ? x : NULL;
	}
	n = atomic_fetch_add_explicit(&nobjects, 1, memory_order_acq_rel);
	if (n >= OBJECTS_MAX)
		return NULL;
	x = &objects[n];
	x->bias = map->l_addr;
	atomic_store_explicit(&x->map, map, memory_order_release);
	path = path_of(map, exe, sizeof(exe));
	build(x, path);
	atomic_store_explicit(&x->ready, 1, memory_order_release);
	return x;
}

int fp_symtab_lookup(const void *ip, const char **name, uintptr_t *offset)
{
	struct dl_find_object r;
	const struct index *x;
	uintptr_t at;
	size_t lo = 0, hi;

	if (_dl_find_object((void *)ip, &r) || !r.dlfo_link_map)
		return -1;
	x = index_of(r.dlfo_link_map);
	if (!x || !x->n)
		return -1;	/* no table of ours: dladdr may know better */
	at = (uintptr_t)ip - x->bias;
	hi = x->n;
	while (lo < hi) {	/* the last symbol starting at or before @at */
		size_t mid = lo + (hi - lo) / 2;

		if (x->syms[mid].start <= at)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Nested or aliased symbols: the nearest start that still covers @at. */
	while (lo > 0) {
		const struct sym *s = &x->syms[--lo];

		if (at - s->start < s->size) {
			*name = s->name;
			*offset = at - s->start;
			return 0;
		}
		if (at - s->start > (1u << 24))
			break;	/* far past any plausible function */
	}
	return -2;
}

int fp_symtab_find(const struct link_map *map, const char *const *names, size_t count,
		   uintptr_t *start, uintptr_t *size)
{
	char exe[4096];
	size_t len;
	const ElfW(Ehdr) *eh = map_elf(path_of(map, exe, sizeof(exe)), &len);
	const char *file = (const char *)eh;
	const ElfW(Shdr) *sh;
	int found = -1;

	if (!eh)
		return -1;
	sh = (const void *)(file + eh->e_shoff);
	for (unsigned i = 0; found < 0 && i < eh->e_shnum; i++) {
		const ElfW(Shdr) *str = &sh[sh[i].sh_link];
		const ElfW(Sym) *s;

		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum ||
		    sh[i].sh_offset + sh[i].sh_size > len || str->sh_offset + str->sh_size > len ||
		    sh[i].sh_entsize != sizeof(*s))
			continue;
		s = (const void *)(file + sh[i].sh_offset);
		for (size_t k = 0; found < 0 && k < sh[i].sh_size / sizeof(*s); k++) {
			const char *name = file + str->sh_offset + s[k].st_name;

			if (ELF64_ST_TYPE(s[k].st_info) != STT_FUNC || s[k].st_name >= str->sh_size ||
			    name[0] != names[0][0])
				continue;
			for (size_t n = 0; n < count; n++)
				if (name[1] == names[n][1] && name[1] && name[2] == names[n][2] &&
				    name[2] && name[3] == names[n][3] &&
				    strncmp(name, names[n], str->sh_size - s[k].st_name) == 0) {
					*start = s[k].st_value;
					*size = s[k].st_size;
					found = (int)n;
					break;
				}
		}
	}
	munmap((void *)eh, len);
	return found;
}
