/*
 * Mempool reserves, after the Linux kernel's mm/mempool.c: a pool holds
 * min pre-allocated elements of one size in its own jemalloc arena. An
 * allocation from one of its sites tries the arena first (where injected
 * and real failures happen), then takes an element from the reserve, then
 * waits up to the pool's wait for an element freed back to the pool, then
 * fails. A free of pool memory refills the reserve while it holds fewer
 * than min elements, waking one waiter; otherwise the memory goes back to
 * the pool's arena, through the freeing thread's cache for that pool
 * (lib/poolcache.h): a cache of one pool's memory only, so an element
 * never reaches another pool or the program's ordinary allocations.
 */
#ifndef FP_POOL_H
#define FP_POOL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "match.h"
#include "poolcache.h"
#include "poolmap.h"
#include "poolspec.h"

struct fp_pool {
	/* settings */
	char name[FP_POOL_NAME_MAX];
	size_t size;			/* element size: larger requests bypass */
	unsigned min;			/* the kernel's min_nr */
	uint64_t wait_ns;		/* 0, or FP_POOL_WAIT_FOREVER */
	unsigned arena;
	unsigned index;			/* in fp_pools */
	struct fp_rules rules;
	/* the reserve, under lock */
	pthread_mutex_t lock;
	pthread_cond_t freed;		/* an element came back */
	_Atomic unsigned curr;		/* elements held; read unlocked by free */
	void **elements;
	unsigned low;			/* lowest curr seen */
	uint64_t hits, refills, waits, wait_ns_total, wait_ns_max, exhausted;
	/* outside the lock; most counts are kept per thread (poolcache.h) */
	_Atomic uint64_t allocs;	/* requests that fit, from the pool's sites */
	_Atomic uint64_t oversize;	/* requests from its sites that do not fit */
};

extern struct fp_pool fp_pools[FP_POOLS_MAX];

/* A pool's figures at one moment, for the report. */
struct fp_pool_figures {
	const char *name;
	uint64_t min, size, curr, low, allocs, hits, refills, waits;
	uint64_t wait_ns_total, wait_ns_max, exhausted, oversize;
};

/**
 * fp_pool_snapshot() - the figures of pool @i (< fp_npools), taken under
 * its lock unless @unlocked: a signal handler reads them as they are,
 * since the thread it stopped may hold the lock.
 * Context: report writing; with @unlocked, a signal handler.
 */
void fp_pool_snapshot(unsigned i, int unlocked, struct fp_pool_figures *f);
extern unsigned fp_npools;

/**
 * fp_pool_init_all() - create every pool of FAILPOOL_POOLS value @spec:
 * its arena, then its min elements, outside fault injection.
 * Context: boot, under the reentrancy guard, maybe inside the first malloc.
 * Return: 0, or -ENOMEM with @err naming the pool that could not be made.
 */
int fp_pool_init_all(const char *spec, char *err, unsigned errlen);

/**
 * fp_pool_for_stack() - the first pool whose site rules match a stack.
 * Context: inside malloc, under the reentrancy guard (site creation).
 * Return: the pool, or NULL.
 */
struct fp_pool *fp_pool_for_stack(const struct fp_match_frame *frames, unsigned n,
				  uint64_t site_id);

/**
 * fp_pool_need_funcs() - does the pool need function names to decide (func:
 * rules)?
 * Context: boot.
 */
int fp_pool_need_funcs(void);

/**
 * fp_pool_arena_alloc() - one element from the pool's arena (zeroed when
 * @zero), through the calling thread's cache for the pool.
 * Context: inside malloc, counted.
 * Return: the element, or NULL when jemalloc fails.
 */
static inline void *fp_pool_arena_alloc(struct fp_pool *pool, int zero)
{
	return fp_pool_cache_alloc(pool->index, pool->size, pool->arena, zero);
}

/**
 * fp_pool_take() - an element from the reserve, waiting up to the pool's
 * wait for one to be freed when it is empty. Counts hits, waits, the wait
 * time, low, and exhausted when it gives up.
 * Context: inside malloc, counted; takes the pool's lock (never a signal
 * handler).
 * Return: the element, or NULL.
 */
void *fp_pool_take(struct fp_pool *pool);

/**
 * fp_pool_refill() - fp_pool_give() when the reserve looked short: into
 * the reserve if it is still below min under the lock (waking one
 * waiter), else to the thread's cache for the pool.
 * Context: inside free, counted; takes the pool's lock (never a signal
 * handler).
 */
void fp_pool_refill(struct fp_pool *pool, void *ptr);

/**
 * fp_pool_give() - free element @ptr of @pool: into the reserve when it is
 * below min (waking one waiter), else back to the pool's arena through the
 * calling thread's cache for the pool.
 * Context: inside free, counted; may take the pool's lock (never a signal
 * handler).
 */
static inline void fp_pool_give(struct fp_pool *pool, void *ptr)
{
	/*
	 * The cheap unlocked test mempool_free uses: a stale curr that still
	 * looks full sends this element back to the arena, and the reserve
	 * waits for a later free; a stale curr that looks short is checked
	 * again under the lock. A waiter only sleeps after seeing curr == 0
	 * under the lock, and the unlock publishes that, so a free that
	 * starts after a waiter went to sleep sees the reserve short.
	 */
	if (FP_UNLIKELY(atomic_load_explicit(&pool->curr, memory_order_relaxed) < pool->min))
		fp_pool_refill(pool, ptr);
	else
		fp_pool_cache_free(pool->index, pool->size, ptr);
}

/**
 * fp_pool_of() - the pool holding @ptr, or NULL.
 * Context: any, async-signal-safe.
 */
static inline struct fp_pool *fp_pool_of(const void *ptr)
{
	unsigned owner = fp_poolmap_owner(ptr);

	return owner ? &fp_pools[owner - 1] : NULL;
}

#define FP_POOL_ALLOCS		0
#define FP_POOL_OVERSIZE	1

/**
 * fp_pool_count() - count a request from @pool's sites: @what is
 * FP_POOL_ALLOCS (it fits an element) or FP_POOL_OVERSIZE.
 * Context: inside malloc, counted.
 */
static inline void fp_pool_count(struct fp_pool *pool, unsigned what)
{
	fp_pool_cache_count(pool->index, what,
			    what == FP_POOL_ALLOCS ? &pool->allocs : &pool->oversize);
}

/**
 * fp_pool_free_hook() - free() when nothing about a free is counted but
 * pools exist: pool memory to its pool, the rest straight to jemalloc.
 * Context: the hook table's free, maybe before constructors.
 */
void fp_pool_free_hook(void *ptr);

/**
 * fp_pool_fork_prepare() - pthread_atfork handlers: no pool lock is held across
 * fork().
 * Context: fork's handlers (registered by lib/fork.c's constructor).
 */
void fp_pool_fork_prepare(void);

/**
 * fp_pool_fork_parent() - release the pools' locks in the parent after fork.
 * Context: fork's handlers (registered by lib/fork.c's constructor).
 */
void fp_pool_fork_parent(void);

/**
 * fp_pool_fork_child() - renew the pools' locks in the child after fork.
 * Context: fork's handlers (registered by lib/fork.c's constructor).
 */
void fp_pool_fork_child(void);

/**
 * fp_pool_fork_forget_counts() - in a child after fork(): zero the counters
 * of what the parent did (allocs, hits, refills, waits, wait times,
 * exhausted, oversize), so merged reports sum correctly; the reserve itself
 * (curr, low) is inherited state and stays.
 * Context: a fork child's handler, after fp_pool_fork_child().
 */
void fp_pool_fork_forget_counts(void);

#endif
