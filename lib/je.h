/*
 * The only door to jemalloc (linked into the shim: lib/jeapi.h). Default
 * traffic goes through jemalloc's own malloc/free entry points, called
 * directly (as fast as bare jemalloc); arenas use the x-API
 * (mallocx/sdallocx).
 */
#ifndef FP_JE_H
#define FP_JE_H

#include <stddef.h>
#include <stdint.h>

struct fp_je {
	void *(*malloc)(size_t size);
	void *(*calloc)(size_t n, size_t size);
	void *(*realloc)(void *ptr, size_t size);
	void (*free)(void *ptr);
	int (*posix_memalign)(void **out, size_t align, size_t size);
	size_t (*usable)(void *ptr);
};

/*
 * jemalloc in glibc's shape (README, "Compatibility and limits"): every
 * block is at least FP_JE_MIN_BLOCK bytes, so 16-byte aligned as glibc's
 * on x86-64 (jemalloc's 8-byte class is never used), and a request larger
 * than glibc could get on this machine (fp_je_limit) fails with ENOMEM
 * instead of succeeding on MAP_NORESERVE. malloc, calloc and realloc pay
 * one compare on the size, then jump to jemalloc's own entry points
 * (linked in: lib/jeapi.h); free and usable are jemalloc's.
 */
#define FP_JE_MIN_BLOCK	16
extern struct fp_je fp_je;

/* The largest request glibc's malloc could get here (SIZE_MAX: no limit). */
extern size_t fp_je_limit;

/**
 * fp_je_limit_init() - read /proc/sys/vm/overcommit_memory once: in mode 0
 * (heuristic) the kernel refuses a single mapping larger than RAM plus
 * swap, in mode 2 one beyond CommitLimit, in mode 1 nothing. Plain system
 * calls, no allocation.
 * Context: boot, under the guard.
 */
void fp_je_limit_init(void);

/**
 * fp_je_limit_for() - the largest malloc request glibc 2.36 gets from the
 * kernel: its chunk of the request rounded up to 16 plus 8, plus 8 of
 * header, mapped in pages, must fit in @ram_swap bytes (mode 0) or
 * @commit_limit (mode 2).
 * Context: inside malloc.
 * Return: the limit in bytes; SIZE_MAX for mode 1 or an unknown mode.
 */
size_t fp_je_limit_for(int overcommit, uint64_t ram_swap, uint64_t commit_limit);

/**
 * fp_je_limit_set() - for tests.
 * Context: inside malloc.
 */
void fp_je_limit_set(size_t limit);

/*
 * jemalloc's count of the bytes (usable sizes) this thread has freed
 * (thread.deallocatedp), NULL until fp_je_freed_init() has run in the
 * thread: read before and after a free, it gives the block's usable size
 * without a second lookup of the block (malloc_usable_size walks jemalloc's
 * radix tree, about 40 instructions, a sixth of a counted free).
 */
extern __thread uint64_t *fp_je_freed __attribute__((tls_model("initial-exec")));

/**
 * fp_je_freed_init() - set fp_je_freed for the calling thread (a mallctl:
 * its lock; never from a free, which a signal handler may make).
 * Context: boot, a new thread's start.
 */
void fp_je_freed_init(void);

/**
 * fp_je_init() - have jemalloc initialise now, if no allocation has yet:
 * among other things it registers its fork handlers then, and the shim's
 * stdio handler must come after them (lib/fork.c).
 * Context: the constructor.
 */
void fp_je_init(void);

/**
 * fp_je_nalloc() - the usable size jemalloc would give @size bytes aligned
 * to @align (0: default), without allocating.
 * Context: inside malloc.
 * Return: the size class, 0 when the request cannot be satisfied.
 */
size_t fp_je_nalloc(size_t size, size_t align);

/**
 * fp_je_arena_init() - create the shim's private arena (arenas.create):
 * the shim's own bookkeeping never mixes with the program's heap, is never
 * counted and never injected. Made once; later calls keep it.
 * Context: boot, under the reentrancy guard, maybe inside the first malloc.
 * Return: 0, or -ENOMEM (fp_je_own_alloc then uses arena 0).
 */
int fp_je_arena_init(void);

/**
 * fp_je_own_alloc() - zeroed memory for the shim's own bookkeeping, from its
 * arena, bypassing thread caches (so it never leaks into the program's).
 * Context: under the reentrancy guard (the shim's own arena), inside malloc or
 * not; a fatal-signal handler once fp_je_own_emergency() has run.
 * Return: the block, or NULL.
 */
void *fp_je_own_alloc(size_t size);

/**
 * fp_je_own_try_alloc() - like fp_je_own_alloc(), not zeroed and never from
 * the static reserve: for memory the shim can do without (a log line),
 * which must not use up what sites and shards need when memory runs out.
 * Context: under the reentrancy guard (the shim's own arena), inside malloc or
 * not.
 * Return: the block, or NULL (also after fp_je_own_emergency()).
 */
void *fp_je_own_try_alloc(size_t size);

/**
 * fp_je_own_emergency() - from now on fp_je_own_alloc() takes only from
 * its static reserve: after a fatal signal, which may have hit inside
 * jemalloc with its locks held.
 * Context: a fatal-signal handler.
 */
void fp_je_own_emergency(void);

/**
 * fp_je_own_free() - give back a block from fp_je_own_alloc().
 * Context: under the reentrancy guard (the shim's own arena), inside malloc or
 * not.
 */
void fp_je_own_free(void *ptr);

/**
 * fp_je_arena_alloc() - @size bytes from arena @arena (zeroed when @zero),
 * bypassing thread caches: a pool's memory never lands in a cache from
 * which another arena's callers would be served.
 * Context: inside malloc, maybe under the reentrancy guard.
 * Return: the block, or NULL.
 */
void *fp_je_arena_alloc(size_t size, unsigned arena, int zero);

/**
 * fp_je_arena_free() - give back a block of fp_je_arena_alloc() to its arena.
 * Context: inside free, maybe under the reentrancy guard.
 */
void fp_je_arena_free(void *ptr);

/**
 * fp_je_tcache_create() - a new explicit jemalloc thread cache
 * (tcache.create). jemalloc allows 4096 of them per process; a cache hands
 * back whatever was freed into it whatever arena a request names, so its
 * user must feed it one arena's memory only.
 * Context: inside malloc or free, under the reentrancy guard.
 * Return: its id, or -1 when none can be had.
 */
int fp_je_tcache_create(void);

/**
 * fp_je_tcache_destroy() - flush cache @tc (every block to its own arena)
 * and give its id back.
 * Context: thread exit, a fork child; under the reentrancy guard.
 */
void fp_je_tcache_destroy(int tc);

/**
 * fp_je_tcache_max() - the largest size a thread cache holds
 * (arenas.tcache_max): larger requests bypass any cache.
 * Context: boot.
 * Return: the size, 0 when jemalloc does not say.
 */
size_t fp_je_tcache_max(void);

/**
 * fp_je_tcache_alloc() - @size bytes from arena @arena through thread
 * cache @tc (-1: none, as fp_je_arena_alloc()), zeroed when @zero.
 * Context: inside malloc; @tc used by the calling thread only.
 * Return: the block, or NULL.
 */
void *fp_je_tcache_alloc(size_t size, unsigned arena, int zero, int tc);

/**
 * fp_je_tcache_free() - give back a block of @size bytes (as asked of
 * fp_je_tcache_alloc()) into thread cache @tc (-1: to its arena).
 * Context: inside free; @tc used by the calling thread only.
 */
void fp_je_tcache_free(void *ptr, size_t size, int tc);

/**
 * fp_je_thread_prepare() - before a thread is created: every automatic
 * arena exists (made once), and a spare block is held in arena 0 for the
 * new thread's cache (see fp_je_thread_start()).
 * Context: the program's pthread_create, outside malloc.
 * Return: 0, or -EAGAIN when no spare can be had: memory is exhausted and
 * the new thread's first allocation would crash inside jemalloc.
 */
int fp_je_thread_prepare(void);

/**
 * fp_je_thread_start() - first thing in a new thread: give the spare back,
 * then set up the thread's jemalloc state (its cache's stacks fit where the
 * spare was), then take a new spare if memory allows.
 * Context: a new thread's start, before the program's function.
 */
void fp_je_thread_start(void);

#endif
