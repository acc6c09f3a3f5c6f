/* The hook table's targets for each configuration (see hooks.h). */
#include "config.h"
#include "hooks.h"

#include <errno.h>

#include "heapcheck.h"
#include "je.h"
#include "pool.h"
#include "runtime.h"

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
	} else if (!fp_rt.stats && !fp_rt.track_live && fp_npools) {
		/* Nothing about a free is counted, but pool memory goes home. */
		fp_hooks.free = fp_pool_free_hook;
	} else if (!fp_rt.stats && !fp_rt.track_live) {
		/* Nothing about a free is counted: skip the slow path. */
		fp_hooks.free = fp_je.free;
		fp_hooks.pass_free = 1;
	}
}

