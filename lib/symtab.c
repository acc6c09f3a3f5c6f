/* Per-object function indexes (see symtab.h). */
#include "config.h"
#include "symtab.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
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
	const struct link_map *map;
	uintptr_t bias;
	struct sym *syms;	/* sorted by start; NULL: none usable */
	size_t n;
};

static struct index objects[OBJECTS_MAX];
static unsigned nobjects;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

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

static void build(struct index *x, const char *path)
{
	struct stat st;
	char *file;
	const ElfW(Ehdr) *eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (fstat(fd, &st) || (size_t)st.st_size < sizeof(*eh)) {
		close(fd);
		return;
	}
	file = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (file == MAP_FAILED)
		return;
	eh = (const void *)file;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(ElfW(Shdr)) > (size_t)st.st_size) {
		munmap(file, (size_t)st.st_size);
		return;
	}
	x->n = collect(file, (size_t)st.st_size, eh, SHT_SYMTAB, &x->syms);
	if (!x->n) {
		fp_je_own_free(x->syms);
		x->syms = NULL;
		x->n = collect(file, (size_t)st.st_size, eh, SHT_DYNSYM, &x->syms);
	}
	if (!x->n) {
		munmap(file, (size_t)st.st_size);	/* nothing points into it */
		return;
	}
	qsort(x->syms, x->n, sizeof(*x->syms), by_start);
}

/* A fork while another thread builds an index must not leave the child locked out. */
static void reset_in_child(void)
{
	pthread_mutex_init(&lock, NULL);
}

static void register_reset(void)
{
	pthread_atfork(NULL, NULL, reset_in_child);
}

static const struct index *index_of(const struct link_map *map)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct index *x = NULL;
	char exe[4096];
	const char *path;

	pthread_once(&once, register_reset);
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < nobjects; i++)
		if (objects[i].map == map && objects[i].bias == map->l_addr) {
			x = &objects[i];
			break;
		}
	if (!x && nobjects < OBJECTS_MAX) {
		x = &objects[nobjects++];
		x->map = map;
		x->bias = map->l_addr;
		path = map->l_name;
		if (!path || !*path) {
			ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

			exe[n > 0 ? n : 0] = '\0';
			path = exe;
		}
		build(x, path);
	}
	pthread_mutex_unlock(&lock);
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
