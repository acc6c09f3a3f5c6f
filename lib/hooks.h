/*
 * The hot entry points' targets. preload/shim.c's malloc, free, calloc and
 * realloc are each one indirect tail jump through this table: with nothing
 * to count it holds jemalloc's own functions (bare jemalloc plus one jump),
 * otherwise the shim's slow hooks. Because the jump is a tail call, a slow
 * hook's return address is still the program's call site.
 * The table and the slow hooks are lib/hooks.c's; the slow hooks must be
 * reached by a tail jump (preload/ is built with -foptimize-sibling-calls).
 */
#ifndef FP_HOOKS_H
#define FP_HOOKS_H

#include <stddef.h>

#include "fp.h"

struct fp_hooks {
	void *(*malloc)(size_t size);
	void (*free)(void *ptr);
	void *(*calloc)(size_t n, size_t size);
	void *(*realloc)(void *ptr, size_t size);
	/* For the C++ operators, which are not table jumps: */
	int pass_alloc;		/* allocations go straight to jemalloc */
	int pass_free;		/* frees go straight to jemalloc */
};

/* Hidden: each entry point is one jump through it, with no GOT load first. */
extern struct fp_hooks fp_hooks FP_HIDDEN;

/**
 * fp_hooks_setup() - point the table at jemalloc (through fp_je) wherever
 * nothing needs counting: everything for a passthrough process, free when
 * neither statistics nor live bytes are kept. Called after boot and again
 * once jemalloc's own entry points are resolved.
 * Context: boot (maybe inside the first malloc) and the constructor.
 */
void fp_hooks_setup(void);

#endif
