/*
 * The emergency exception pool of a C++ runtime linked into the executable
 * (g++ -static-libstdc++). libstdc++.so's pool is allocated while the
 * loader initialises it, before the shim's constructor (startup.c); the
 * executable's own copy of the runtime allocates it from the executable's
 * initialisers, after. Its initialiser is told apart by name, from the
 * executable's symbol table, read only when the executable looks like it
 * carries a C++ runtime of its own. A stripped executable (as distributions
 * ship gcc, cc1plus, ld.gold) has no such name: there the pool is the first
 * malloc made straight from one of the functions DT_INIT_ARRAY lists, told
 * by the executable's unwind table (.eh_frame_hdr), which bounds functions.
 */
#include "config.h"
#include "cxxstatic.h"

#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <stdatomic.h>
#include <string.h>

#include "symtab.h"

/*
 * Where the pool's malloc is called from: (lo, hi] holds its return
 * address; with @by_init_array any of the initialisers in that span.
 */
static _Atomic uintptr_t pool_lo, pool_hi;
static int by_init_array;
static const uintptr_t *init_array;
static size_t ninit;

/* eh_alloc.cc's initialiser, and the pool's constructor when not inlined. */
static const char *const pool_functions[] = {
	"_GLOBAL__sub_I_eh_alloc.cc",
	"_ZN12_GLOBAL__N_14poolC2Ev",
	"_ZN12_GLOBAL__N_14poolC1Ev",
};

const void *fp_dyn_ptr(const struct link_map *lm, long tag)
{
	for (const ElfW(Dyn) *d = lm->l_ld; d && d->d_tag != DT_NULL; d++)
		if (d->d_tag == tag) {
			ElfW(Addr) a = d->d_un.d_ptr;

			return (const void *)(a < lm->l_addr ? a + lm->l_addr : a);
		}
	return NULL;
}

/*
 * Does @lm import a function that finds objects' unwind tables (as an
 * unwinder linked in does)? Its imports are, with a GNU hash table, the
 * dynamic symbols before its first hashed one; with a SysV table, every
 * undefined one of its nchain.
 */
static int imports_object_finder(const struct link_map *lm)
{
	const ElfW(Sym) *sym = fp_dyn_ptr(lm, DT_SYMTAB);
	const char *str = fp_dyn_ptr(lm, DT_STRTAB);
	const uint32_t *gnu = fp_dyn_ptr(lm, DT_GNU_HASH);
	const uint32_t *sysv = fp_dyn_ptr(lm, DT_HASH);
	uint32_t n;

	if (!sym || !str)
		return 0;
	n = gnu ? gnu[1] : sysv ? sysv[1] : 0;
	for (uint32_t i = 1; i < n; i++) {
		const char *name = str + sym[i].st_name;

		if (sym[i].st_shndx == SHN_UNDEF && (name[0] == '_' || name[0] == 'd') &&
		    (strcmp(name, "_dl_find_object") == 0 || strcmp(name, "dl_iterate_phdr") == 0))
			return 1;
	}
	return 0;
}

static int needs(const struct link_map *lm, const char *prefix)
{
	const char *str = fp_dyn_ptr(lm, DT_STRTAB);

	for (const ElfW(Dyn) *d = lm->l_ld; str && d && d->d_tag != DT_NULL; d++)
		if (d->d_tag == DT_NEEDED && strncmp(str + d->d_un.d_val, prefix, strlen(prefix)) == 0)
			return 1;
	return 0;
}

/*
 * A C++ runtime of its own throws through an unwinder: libgcc_s's
 * (needed, with no libstdc++.so to call it) or libgcc_eh's, linked in
 * too, which finds the objects' unwind tables through the loader.
 */
static int may_carry_cxx_runtime(const struct link_map *exe)
{
	if (needs(exe, "libstdc++.so"))
		return 0;
	return needs(exe, "libgcc_s.so") || imports_object_finder(exe);
}

/* .eh_frame_hdr's search table, in the encoding every GNU linker writes. */
struct fde_table {
	const uint8_t *hdr;
	const int32_t *pairs;	/* (function start, FDE), from @hdr, sorted */
	uint32_t count;
};

static struct fde_table fdes;	/* the executable's, with by_init_array */

#define PE_UDATA4	0x03
#define PE_SDATA4	0x0b
#define PE_PCREL	0x10
#define PE_DATAREL	0x30

static int fde_table_of(const void *pc, struct fde_table *t)
{
	struct dl_find_object r;
	const uint8_t *p;

	if (_dl_find_object((void *)pc, &r) || !r.dlfo_eh_frame)
		return -1;
	p = t->hdr = r.dlfo_eh_frame;
	if (p[0] != 1 || (p[1] & 0x0f) != PE_SDATA4 || (p[2] & 0x0f) != PE_UDATA4 ||
	    p[3] != (PE_DATAREL | PE_SDATA4))
		return -1;
	memcpy(&t->count, p + 8, sizeof(t->count));
	t->pairs = (const int32_t *)(p + 12);
	return 0;
}

/*
 * The function holding code address @pc, by its FDE, whose pc_begin and
 * pc_range must say so (a CIE with pcrel sdata4 addresses, as GCC's).
 * Return: its start, @end set past it; 0 when @pc is in no function the
 * table knows.
 */
static uintptr_t function_of(const struct fde_table *t, uintptr_t pc, uintptr_t *end)
{
	uint32_t lo = 0, hi = t->count, range;
	const uint8_t *fde;
	uintptr_t start;
	int32_t rel;

	while (lo < hi) {	/* the last entry starting at or before @pc */
		uint32_t mid = lo + (hi - lo) / 2;

		if ((uintptr_t)(t->hdr + t->pairs[2 * mid]) <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return 0;
	start = (uintptr_t)(t->hdr + t->pairs[2 * (lo - 1)]);
	fde = t->hdr + t->pairs[2 * (lo - 1) + 1];
	memcpy(&rel, fde + 8, sizeof(rel));
	memcpy(&range, fde + 12, sizeof(range));
	if ((uintptr_t)(fde + 8 + rel) != start || pc - start >= range)
		return 0;
	*end = start + range;
	return start;
}

/*
 * Does the executable's code name a personality routine (a CIE whose
 * augmentation has 'P')? A C++ runtime's code does; a C program's, built
 * without exceptions, does not. Every record is walked until one is found.
 */
static int has_personality(const struct fde_table *t)
{
	const uint8_t *p;
	int32_t rel;
	uint32_t len, id;

	if ((t->hdr[1] & 0x70) != PE_PCREL)
		return 0;
	memcpy(&rel, t->hdr + 4, sizeof(rel));
	for (p = t->hdr + 4 + rel;; p += 4 + len) {
		memcpy(&len, p, sizeof(len));
		if (!len || len == 0xffffffffu)
			return 0;	/* the end, or a 64-bit record no GNU linker writes here */
		memcpy(&id, p + 4, sizeof(id));
		if (!id && strchr((const char *)p + 9, 'P'))
			return 1;	/* a CIE: length, id 0, version, augmentation */
	}
}

static size_t init_array_size(const struct link_map *exe)
{
	for (const ElfW(Dyn) *d = exe->l_ld; d && d->d_tag != DT_NULL; d++)
		if (d->d_tag == DT_INIT_ARRAYSZ)
			return d->d_un.d_val / sizeof(uintptr_t);
	return 0;
}

/* The span of the executable's initialisers that its unwind table bounds. */
static int arm_by_init_array(const struct link_map *exe)
{
	const uintptr_t *array = fp_dyn_ptr(exe, DT_INIT_ARRAY);
	size_t n = init_array_size(exe);
	uintptr_t lo = UINTPTR_MAX, hi = 0, end;

	if (!array || !n || fde_table_of(exe->l_ld, &fdes) || !has_personality(&fdes))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (function_of(&fdes, array[i], &end) == array[i]) {
			lo = array[i] < lo ? array[i] : lo;
			hi = end > hi ? end : hi;
		}
	if (!hi)
		return 0;
	init_array = array;
	ninit = n;
	by_init_array = 1;
	atomic_store(&pool_lo, lo);
	atomic_store(&pool_hi, hi);
	return 1;
}

/* Is the function holding @pc one of the executable's initialisers? */
static int in_initialiser(uintptr_t pc)
{
	uintptr_t end, start = function_of(&fdes, pc, &end);

	for (size_t i = 0; start && i < ninit; i++)
		if (init_array[i] == start)
			return 1;
	return 0;
}

int fp_cxxstatic_arm(void)
{
	const struct link_map *exe = _r_debug.r_map;
	uintptr_t start, size;
	int found = 0;

	if (!exe || !may_carry_cxx_runtime(exe))
		return 0;
	found = fp_symtab_find(exe, pool_functions, sizeof(pool_functions) / sizeof(*pool_functions),
			       &start, &size) >= 0;
	if (!found)
		return arm_by_init_array(exe);
	atomic_store(&pool_lo, exe->l_addr + start);
	atomic_store(&pool_hi, exe->l_addr + start + size);
	return 1;
}

int fp_cxxstatic_claims(const void *caller)
{
	uintptr_t at = (uintptr_t)caller;

	if (at <= atomic_load_explicit(&pool_lo, memory_order_relaxed) ||
	    at > atomic_load_explicit(&pool_hi, memory_order_relaxed))
		return 0;
	if (by_init_array && !in_initialiser(at - 1))
		return 0;
	return atomic_exchange(&pool_hi, 0) != 0;	/* once */
}
