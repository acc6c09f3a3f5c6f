/*
 * The exported entry points, forwarding to lib/. The hot four (malloc,
 * free, calloc, realloc) are one indirect tail jump each through fp_hooks
 * (lib/hooks.h): jemalloc's own functions when there is nothing to count,
 * lib's slow hooks otherwise. The rest always go through lib/alloc.c.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "alloc.h"
#include "crash.h"
#include "fp.h"
#include "hooks.h"
#include "je.h"
#include "exit.h"
#include "thread.h"
#include "unload.h"
#include "unwind.h"

#define CALLER	__builtin_return_address(0)

FP_EXPORT void *malloc(size_t size)
{
	return fp_hooks.malloc(size);
}

FP_EXPORT void free(void *ptr)
{
	fp_hooks.free(ptr);
}

FP_EXPORT void *calloc(size_t n, size_t size)
{
	return fp_hooks.calloc(n, size);
}

FP_EXPORT void *realloc(void *ptr, size_t size)
{
	return fp_hooks.realloc(ptr, size);
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

FP_EXPORT int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
			     void *(*start)(void *), void *arg)
{
	return fp_thread_create(thread, attr, start, arg);
}

/* Dispositions as the program would see them without the shim (crash.h). */
FP_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return fp_crash_sigaction(sig, act, old);
}

/* glibc's, but libunwind's masks inside the shim's unwinding cost no system call (unwind.h). */
FP_EXPORT __attribute__((noinline)) int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	return fp_unwind_sigprocmask(how, set, old, __builtin_return_address(0));
}

FP_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	return fp_crash_signal(sig, handler, SA_RESTART);
}

sighandler_t bsd_signal(int sig, sighandler_t handler);	/* not declared with _GNU_SOURCE */

FP_EXPORT sighandler_t bsd_signal(int sig, sighandler_t handler)
{
	return fp_crash_signal(sig, handler, SA_RESTART);
}

FP_EXPORT sighandler_t sysv_signal(int sig, sighandler_t handler)
{
	return fp_crash_signal(sig, handler, SA_RESETHAND | SA_NODEFER);
}

FP_EXPORT int dlclose(void *handle)
{
	return fp_unload_dlclose(handle);
}

/*
 * _exit and _Exit end a process without running exit handlers; stress-ng's
 * workers end that way. The report is written first, then the process ends
 * exactly as glibc's _exit would end it.
 */
FP_EXPORT __attribute__((noreturn)) void _exit(int status)
{
	fp_exit(status);
	for (;;)
		syscall(SYS_exit_group, status);
}

FP_EXPORT __attribute__((noreturn)) void quick_exit(int status)
{
	fp_exit_quick(status);
}

FP_EXPORT __attribute__((noreturn)) void _Exit(int status)
{
	fp_exit(status);
	for (;;)
		syscall(SYS_exit_group, status);
}
