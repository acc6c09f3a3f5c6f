/*
 * The exported entry points. Each is a branch on fp_passthrough and a call:
 * with nothing to count it goes straight to jemalloc's own function (as fast
 * as bare jemalloc); otherwise to lib/alloc.c. glibc and jemalloc agree on
 * malloc, calloc, free and realloc(p != NULL, n != 0), so only those take
 * the short cut.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "alloc.h"
#include "fp.h"
#include "je.h"
#include "runtime.h"

#define CALLER	__builtin_return_address(0)

FP_EXPORT void *malloc(size_t size)
{
	if (FP_LIKELY(fp_passthrough))
		return fp_je.malloc(size);
	return fp_alloc_malloc(size, CALLER);
}

FP_EXPORT void free(void *ptr)
{
	if (FP_LIKELY(fp_passthrough)) {
		fp_je.free(ptr);
		return;
	}
	fp_alloc_free(ptr, FP_CALL_FREE);
}

FP_EXPORT void *calloc(size_t n, size_t size)
{
	if (FP_LIKELY(fp_passthrough))
		return fp_je.calloc(n, size);
	return fp_alloc_calloc(n, size, CALLER);
}

FP_EXPORT void *realloc(void *ptr, size_t size)
{
	if (FP_LIKELY(fp_passthrough && ptr && size)) {
		void *p = fp_je.realloc(ptr, size);

		if (FP_UNLIKELY(!p))
			errno = ENOMEM;	/* glibc sets it; jemalloc may not */
		return p;
	}
	return fp_alloc_realloc(ptr, size, FP_CALL_REALLOC, CALLER);
}

FP_EXPORT void *reallocarray(void *ptr, size_t n, size_t size)
{
	return fp_alloc_reallocarray(ptr, n, size, CALLER);
}

FP_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	return fp_alloc_posix_memalign(out, align, size, CALLER);
}

FP_EXPORT void *aligned_alloc(size_t align, size_t size)
{
	return fp_alloc_memalign(align, size, FP_CALL_ALIGNED_ALLOC, CALLER);
}

FP_EXPORT void *memalign(size_t align, size_t size)
{
	return fp_alloc_memalign(align, size, FP_CALL_MEMALIGN, CALLER);
}

FP_EXPORT void *valloc(size_t size)
{
	return fp_alloc_memalign((size_t)sysconf(_SC_PAGESIZE), size,
				 FP_CALL_VALLOC, CALLER);
}

FP_EXPORT void *pvalloc(size_t size)
{
	return fp_alloc_pvalloc(size, CALLER);
}

FP_EXPORT size_t malloc_usable_size(void *ptr)
{
	return fp_alloc_usable_size(ptr);
}

/*
 * _exit and _Exit end a process without running exit handlers; stress-ng's
 * workers end that way. The report is written first, then the process ends
 * exactly as glibc's _exit would end it.
 */
FP_EXPORT __attribute__((noreturn)) void _exit(int status)
{
	fp_rt_exit(status);
	for (;;)
		syscall(SYS_exit_group, status);
}

FP_EXPORT __attribute__((noreturn)) void _Exit(int status)
{
	fp_rt_exit(status);
	for (;;)
		syscall(SYS_exit_group, status);
}
