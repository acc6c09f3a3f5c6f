/*
 * The emergency exception pool of a C++ runtime linked into the executable
 * (g++ -static-libstdc++). libstdc++.so's pool is allocated while the
 * loader initialises it, before the shim's constructor (startup.c); the
 * executable's own copy of the runtime allocates it from the executable's
 * initialisers, after. Its initialiser is told apart by name, from the
 * executable's symbol table, read only when the executable looks like it
 * carries a C++ runtime of its own.
 */
#include "config.h"
#include "cxxstatic.h"

#include <elf.h>
#include <link.h>
#include <stdatomic.h>
#include <string.h>

#include "guard.h"
#include "symtab.h"

/* Where the pool's malloc is called from: [lo, hi) of the executable. */
static _Atomic uintptr_t pool_lo, pool_hi;

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
 * The symbols @lm imports: with a GNU hash table they are the dynamic
 * symbols before its first hashed one; with a SysV table, every undefined
 * one of its nchain.
 */
static int imports(const struct link_map *lm, const char *name)
{
	const ElfW(Sym) *sym = fp_dyn_ptr(lm, DT_SYMTAB);
	const char *str = fp_dyn_ptr(lm, DT_STRTAB);
	const uint32_t *gnu = fp_dyn_ptr(lm, DT_GNU_HASH);
	const uint32_t *sysv = fp_dyn_ptr(lm, DT_HASH);
	uint32_t n;

	if (!sym || !str)
		return 0;
	n = gnu ? gnu[1] : sysv ? sysv[1] : 0;
	for (uint32_t i = 1; i < n; i++)
		if (sym[i].st_shndx == SHN_UNDEF && strcmp(str + sym[i].st_name, name) == 0)
			return 1;
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
	return needs(exe, "libgcc_s.so") || imports(exe, "_dl_find_object") ||
	       imports(exe, "dl_iterate_phdr");
}

int fp_cxxstatic_arm(void)
{
	const struct link_map *exe = _r_debug.r_map;
	uintptr_t start, size;
	int found = 0;

	if (!exe || !may_carry_cxx_runtime(exe))
		return 0;
	fp_guard_enter();	/* reading the table allocates: the shim's own */
	for (size_t i = 0; !found && i < sizeof(pool_functions) / sizeof(*pool_functions); i++)
		found = fp_symtab_find(exe, pool_functions[i], &start, &size) == 0;
	fp_guard_leave();
	if (!found)
		return 0;
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
	return atomic_exchange(&pool_hi, 0) != 0;	/* once */
}
