/*
 * The interposed functions' logic, behind the thin preload/shim.c: glibc
 * 2.36 argument semantics, counting, the fault policy, then jemalloc.
 * Each returns exactly what the glibc function would, errno included.
 * @caller is the return address in the program (the allocation site).
 */
#ifndef FP_ALLOC_H
#define FP_ALLOC_H

#include <stddef.h>

#include "calls.h"

void *fp_alloc_malloc(size_t size, const void *caller);
void *fp_alloc_calloc(size_t n, size_t size, const void *caller);
/* realloc(3); @call is FP_CALL_REALLOC or FP_CALL_REALLOCARRAY. */
void *fp_alloc_realloc(void *ptr, size_t size, enum fp_call call,
		       const void *caller);
void *fp_alloc_reallocarray(void *ptr, size_t n, size_t size,
			    const void *caller);
/* free(3); @call is FP_CALL_FREE, FP_CALL_DELETE or FP_CALL_DELETE_ARRAY. */
void fp_alloc_free(void *ptr, enum fp_call call);
int fp_alloc_posix_memalign(void **out, size_t align, size_t size,
			    const void *caller);
/* memalign(3) semantics; @call: FP_CALL_MEMALIGN, _ALIGNED_ALLOC or _VALLOC. */
void *fp_alloc_memalign(size_t align, size_t size, enum fp_call call,
			const void *caller);
void *fp_alloc_pvalloc(size_t size, const void *caller);
size_t fp_alloc_usable_size(void *ptr);

/**
 * fp_alloc_new() - one attempt of a C++ operator new; the caller runs the
 * new-handler loop and throws.
 * @align: 0 for the unaligned forms
 * @call:  FP_CALL_NEW or FP_CALL_NEW_ARRAY
 * Return: the block, or NULL (injected or real failure).
 */
void *fp_alloc_new(size_t size, size_t align, enum fp_call call,
		   const void *caller);

#endif
