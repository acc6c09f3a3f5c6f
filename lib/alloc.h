/*
 * The interposed functions' logic, behind the thin preload/shim.c: glibc
 * 2.36 argument semantics, counting, the fault policy, then jemalloc.
 * Each returns exactly what the glibc function would, errno included.
 * @caller is the return address in the program (the allocation site).
 */
#ifndef FP_ALLOC_H
#define FP_ALLOC_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "calls.h"
#include "fp.h"
#include "hooks.h"
#include "je.h"

/**
 * fp_alloc_boot() - boot the process at its first allocation.
 * Declared here, defined by what assembles the shim: preload/init.c (it
 * calls lib/boot.c's fp_boot()), or a unit test's fake. The first
 * allocation may come before any constructor, so the allocation path can
 * neither have the boot registered at run time nor call the layer above
 * it (doc/ARCHITECTURE.md); the linker ties the two.
 * Context: inside the first malloc, maybe before constructors, any thread.
 * Return: 1 when the process is ready, 0 when the call must go raw.
 */
int fp_alloc_boot(void);

/**
 * fp_alloc_malloc() - malloc(3) for the program's call from @caller.
 * Context: the program's allocation call, maybe before constructors (the first
 * one boots the process).
 */
void *fp_alloc_malloc(size_t size, const void *caller);

/**
 * fp_alloc_calloc() - calloc(3) for the program's call from @caller.
 * Context: the program's allocation call, maybe before constructors (the first
 * one boots the process).
 */
void *fp_alloc_calloc(size_t n, size_t size, const void *caller);

/**
 * fp_alloc_realloc() - realloc(3); @call is FP_CALL_REALLOC or
 * FP_CALL_REALLOCARRAY.
 * Context: the program's allocation call, maybe before constructors (the first
 * one boots the process).
 */
void *fp_alloc_realloc(void *ptr, size_t size, enum fp_call call,
		       const void *caller);

/**
 * fp_alloc_reallocarray() - reallocarray(3) for the program's call from
 * @caller.
 * Context: the program's allocation call, maybe before constructors (the first
 * one boots the process).
 */
void *fp_alloc_reallocarray(void *ptr, size_t n, size_t size,
			    const void *caller);

/**
 * fp_alloc_free() - free(3); @call is FP_CALL_FREE, FP_CALL_DELETE or
 * FP_CALL_DELETE_ARRAY;
 * @caller and @cfa as for fp_alloc_new() (the free's site, FAILPOOL_CHECK).
 * Context: the program's allocation call, maybe before constructors (the first
 * one boots the process).
 */
void fp_alloc_free(void *ptr, enum fp_call call, const void *caller,
		   const void *cfa);

/**
 * fp_alloc_posix_memalign() - posix_memalign(3) for the program's call from
 * @caller.
 * Context: the program's allocation call, maybe before constructors (the first
 * one boots the process).
 */
int fp_alloc_posix_memalign(void **out, size_t align, size_t size,
			    const void *caller);

/**
 * fp_alloc_memalign() - memalign(3) semantics; @call: FP_CALL_MEMALIGN,
 * _ALIGNED_ALLOC or _VALLOC.
 * Context: the program's allocation call, maybe before constructors (the first
 * one boots the process).
 */
void *fp_alloc_memalign(size_t align, size_t size, enum fp_call call,
			const void *caller);

/**
 * fp_alloc_pvalloc() - pvalloc(3) for the program's call from @caller.
 * Context: the program's allocation call, maybe before constructors (the first
 * one boots the process).
 */
void *fp_alloc_pvalloc(size_t size, const void *caller);

/**
 * fp_alloc_usable_size() - malloc_usable_size(3), counted.
 * Context: the program's allocation call, maybe before constructors (the first
 * one boots the process).
 */
size_t fp_alloc_usable_size(void *ptr);

/**
 * fp_alloc_new() - one attempt of a C++ operator new; the caller runs the
 * new-handler loop and throws.
 * @align: 0 for the unaligned forms
 * @call:  FP_CALL_NEW or FP_CALL_NEW_ARRAY
 * @cfa:   the operator's CFA (where @caller is stored, plus one slot)
 * Context: the program's allocation call, maybe before constructors (the first
 * one boots the process).
 * Return: the block, or NULL (injected or real failure).
 */
void *fp_alloc_new(size_t size, size_t align, enum fp_call call,
		   const void *caller, const void *cfa);

/**
 * fp_alloc_new_refused() - count an aligned operator new whose alignment is
 * not a power of two: libstdc++ throws std::bad_alloc (nothrow: nullptr) at
 * once, without the new-handler and without allocating; counted as a call,
 * never eligible, never a real failure (an argument error, like EINVAL).
 * Context: the program's allocation call, maybe before constructors (the first
 * one boots the process).
 */
void fp_alloc_new_refused(enum fp_call call);

/*
 * Immediate callers (FAILPOOL_DEPTH=1) whose site can neither fail (no rule
 * matches it, or nothing can inject) nor be pooled, per thread, filled only
 * while nothing is counted (no report, no limit): a call from one of them
 * can only go to jemalloc, so the hooks below send it there after one
 * compare. Direct-mapped by return address.
 */
#define FP_UNMATCHED_SLOTS	16
extern __thread const void *fp_unmatched[FP_UNMATCHED_SLOTS]
	__attribute__((tls_model("initial-exec")));

/**
 * fp_alloc_unmatched() - whether @caller is remembered as a caller no rule or
 * pool can concern.
 * Context: inside malloc; async-signal-safe (one TLS load).
 */
static inline int fp_alloc_unmatched(const void *caller)
{
	return fp_unmatched[((uintptr_t)caller >> 4) & (FP_UNMATCHED_SLOTS - 1)] == caller;
}

/**
 * fp_alloc_malloc_hook() - the slow hooks of malloc, calloc and realloc
 * (preload/shim.c).
 * Context: inside malloc (a slow hook), maybe before constructors.
 */
static inline void *fp_alloc_malloc_hook(size_t size, const void *caller)
{
	if (FP_LIKELY(fp_alloc_unmatched(caller)))
		return fp_je.malloc(size);
	return fp_alloc_malloc(size, caller);
}

/**
 * fp_alloc_calloc_hook() - the slow hook of calloc.
 * Context: inside calloc (a slow hook), maybe before constructors.
 */
static inline void *fp_alloc_calloc_hook(size_t n, size_t size, const void *caller)
{
	if (FP_LIKELY(fp_alloc_unmatched(caller)))
		return fp_je.calloc(n, size);
	return fp_alloc_calloc(n, size, caller);
}

/**
 * fp_alloc_realloc_hook() - the slow hook of realloc.
 * Context: inside realloc (a slow hook), maybe before constructors.
 */
static inline void *fp_alloc_realloc_hook(void *ptr, size_t size, const void *caller)
{
	if (FP_LIKELY(fp_alloc_unmatched(caller) && ptr && size)) {
		void *q = fp_je.realloc(ptr, size);

		if (!q)
			errno = ENOMEM;	/* glibc sets it; jemalloc may not */
		return q;
	}
	return fp_alloc_realloc(ptr, size, FP_CALL_REALLOC, caller);
}

/**
 * fp_alloc_delete() - delete: straight to jemalloc when nothing about a free is
 * counted.
 * Context: the program's operator delete, maybe before constructors.
 */
static inline void fp_alloc_delete(void *ptr, enum fp_call call,
				   const void *caller, const void *cfa)
{
	if (FP_LIKELY(fp_hooks.pass_free))
		fp_je.free(ptr);
	else
		fp_alloc_free(ptr, call, caller, cfa);
}

#endif
