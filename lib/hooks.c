/* The hook table, its slow hooks and its targets for each configuration (see hooks.h). */
#include "config.h"
#include "hooks.h"

#include <errno.h>

#include "alloc.h"
#include "heapcheck.h"
#include "je.h"
#include "pool.h"
#include "settings.h"

#define CALLER	__builtin_return_address(0)

/*
 * Slow hooks: reached by a tail jump from preload/shim.c's entry points, so
 * their return address is the program's call site (Makefile.am builds
 * preload/ with -foptimize-sibling-calls; tests check that no site is in
 * the shim).
 * Context: inside malloc, possibly before constructors.
 */
static FP_NOINLINE void *slow_malloc(size_t size)
{
	return fp_alloc_malloc_hook(size, CALLER);
}

static FP_NOINLINE void slow_free(void *ptr)
{
	fp_alloc_free(ptr, FP_CALL_FREE, CALLER, __builtin_dwarf_cfa());
}

static FP_NOINLINE void *slow_calloc(size_t n, size_t size)
{
	return fp_alloc_calloc_hook(n, size, CALLER);
}

static FP_NOINLINE void *slow_realloc(void *ptr, size_t size)
{
	return fp_alloc_realloc_hook(ptr, size, CALLER);
}

struct fp_hooks fp_hooks = {
	.malloc = slow_malloc,
	.free = slow_free,
	.calloc = slow_calloc,
	.realloc = slow_realloc,
};

/* realloc with glibc's edge cases, for the passthrough table. */
static void *pass_realloc(void *ptr, size_t size)
{
	void *q;

	if (!ptr)
		return fp_je.malloc(size);
	if (!size) {
		fp_je.free(ptr);
		return NULL;
	}
	q = fp_je.realloc(ptr, size);
	if (!q)
		errno = ENOMEM;		/* glibc sets it; jemalloc may not */
	return q;
}

void fp_hooks_setup(void)
{
	if (fp_passthrough) {
		fp_hooks.calloc = fp_je.calloc;
		fp_hooks.realloc = pass_realloc;
		fp_hooks.free = fp_je.free;
		fp_hooks.malloc = fp_je.malloc;
		fp_hooks.pass_alloc = 1;
		fp_hooks.pass_free = 1;
	} else if (fp_heapcheck_on) {
		/* Every free is checked: the slow path. */
	} else if (!fp_settings()->stats && !fp_settings()->track_live && fp_npools) {
		/* Nothing about a free is counted, but pool memory goes home. */
		fp_hooks.free = fp_pool_free_hook;
	} else if (!fp_settings()->stats && !fp_settings()->track_live) {
		/* Nothing about a free is counted: skip the slow path. */
		fp_hooks.free = fp_je.free;
		fp_hooks.pass_free = 1;
	}
}

