/*
 * Per-thread caches for pools. Without a thread cache every pooled
 * request is a locked trip into the pool's arena (for 4 KiB elements
 * jemalloc makes and unmakes a one-region slab each time). Each (thread,
 * pool) pair gets two caches instead, each fed only with that pool's
 * elements: a stash of the last few elements the thread freed (a push and
 * a pop), and behind it an explicit jemalloc thread cache that allocates
 * only from the pool's arena. A jemalloc cache hands back whatever was
 * freed into it, so sharing one between pools, or with ordinary memory,
 * would let an element cross over.
 *
 * The caches hang off the thread's record (thread.h). jemalloc does not
 * flush explicit caches when a thread ends: the record's release at
 * thread exit gives the stash back to the arenas and destroys the jemalloc
 * caches, and a fork child does the same for the threads it did not
 * inherit. A pool whose size is above what jemalloc's caches hold gets
 * neither (their elements would pile up); when no jemalloc cache can be
 * had (4096 per process), the stash sits in front of the arena alone; a
 * thread without a record has neither.
 */
#ifndef FP_POOLCACHE_H
#define FP_POOLCACHE_H

#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "fp.h"
#include "je.h"
#include "stats.h"
#include "thread.h"

#define FP_POOL_STASH	16	/* elements kept per (thread, pool) */

/* One thread's stashes, one per pool: a LIFO of freed elements each. */
struct fp_pool_stash {
	unsigned n[FP_POOLS_MAX];
	unsigned cap[FP_POOLS_MAX];	/* 0 above what jemalloc's caches hold */
	void *slot[FP_POOLS_MAX][FP_POOL_STASH];
	/* this thread's share of each pool's allocs and oversize (pool.h) */
	_Atomic uint64_t counts[FP_POOLS_MAX][2];
	struct fp_pool_stash *next;	/* every stash made; never freed */
};

/**
 * fp_pool_cache_init() - read the largest size jemalloc's caches hold.
 * Context: boot, under the reentrancy guard, maybe inside the first malloc.
 */
void fp_pool_cache_init(void);

/**
 * fp_pool_cache_count() - count one request of pool @index's sites in the
 * calling thread's share of counter @what (0 allocs, 1 oversize), or in
 * @shared when the thread has no stash yet: no line written by two threads.
 * Context: inside malloc, counted.
 */
static inline void fp_pool_cache_count(unsigned index, unsigned what, _Atomic uint64_t *shared)
{
	struct fp_thread *t = fp_me;
	struct fp_pool_stash *s;

	if (FP_LIKELY(t != NULL) && FP_LIKELY((s = t->pool_stash) != NULL))
		fp_stats_add_mine(&s->counts[index][what], 1);
	else
		fp_stats_add(shared, 1);
}

/**
 * fp_pool_cache_counted() - every thread's share of counter @what of pool
 * @index, ended threads' included.
 * Context: report writing, a signal handler (lock-free reads).
 */
uint64_t fp_pool_cache_counted(unsigned index, unsigned what);

/**
 * fp_pool_cache_forget_counts() - zero every thread's share of the pools'
 * allocs and oversize: a fork child's report counts only its own work.
 * Context: the fork child, one thread, before anything else runs.
 */
void fp_pool_cache_forget_counts(void);

/**
 * fp_pool_cache_alloc_slow() - fp_pool_cache_alloc() when the stash is
 * empty: through the thread's jemalloc cache for the pool, else from the
 * arena.
 * Context: inside malloc.
 * Return: the element, or NULL when jemalloc fails.
 */
void *fp_pool_cache_alloc_slow(unsigned index, size_t size, unsigned arena, int zero);

/**
 * fp_pool_cache_alloc() - an element of pool @index (@size bytes, arena
 * @arena) for the calling thread: from its stash, else through its jemalloc
 * cache for the pool, else from the arena; zeroed when @zero.
 * Context: inside malloc.
 * Return: the element, or NULL when jemalloc fails.
 */
static inline void *fp_pool_cache_alloc(unsigned index, size_t size, unsigned arena, int zero)
{
	struct fp_thread *t = fp_me;
	struct fp_pool_stash *s;

	/* A stash holds elements of a pool only once the pool is set up. */
	if (FP_LIKELY(t != NULL) && FP_LIKELY((s = t->pool_stash) != NULL) && s->n[index]) {
		unsigned n = s->n[index] - 1;
		void *p = s->slot[index][n];

		atomic_signal_fence(memory_order_seq_cst);
		s->n[index] = n;
		if (zero)
			memset(p, 0, size);
		return p;
	}
	return fp_pool_cache_alloc_slow(index, size, arena, zero);
}

/**
 * fp_pool_cache_free_slow() - fp_pool_cache_free() when the stash is full
 * or not set up yet: the thread's jemalloc cache for the pool, else the
 * arena.
 * Context: inside free.
 */
void fp_pool_cache_free_slow(unsigned index, size_t size, void *p);

/**
 * fp_pool_cache_free() - element @p of pool @index (@size bytes) back from
 * the calling thread: into its stash, else its jemalloc cache for the
 * pool, else the arena.
 * Context: inside free.
 */
static inline void fp_pool_cache_free(unsigned index, size_t size, void *p)
{
	struct fp_thread *t = fp_me;
	struct fp_pool_stash *s;

	/* cap is 0 until the pool is set up for the thread. */
	if (FP_LIKELY(t != NULL) && FP_LIKELY((s = t->pool_stash) != NULL) &&
	    s->n[index] < s->cap[index]) {
		unsigned n = s->n[index];

		s->slot[index][n] = p;
		atomic_signal_fence(memory_order_seq_cst);
		s->n[index] = n + 1;
		return;
	}
	fp_pool_cache_free_slow(index, size, p);
}

/**
 * fp_pool_cache_close() - empty @t's caches: when @destroy, the stashed
 * elements go back to their arenas and the jemalloc caches are destroyed
 * (theirs too); else both are forgotten (a fork child, for a thread
 * caught inside jemalloc). Its thread has ended, or is not in this child.
 * Context: thread exit (the record's release), a fork child's handler.
 */
void fp_pool_cache_close(struct fp_thread *t, int destroy);

#endif
