/*
 * Per-thread jemalloc caches for pools. Without a thread cache every
 * pooled request is a locked trip into the pool's arena (for 4 KiB
 * elements jemalloc makes and unmakes a one-region slab each time). Each
 * (thread, pool) pair gets an explicit jemalloc cache instead, fed only
 * with that pool's elements, allocating only from that pool's arena: a
 * cache hands back whatever was freed into it, so sharing one between
 * pools, or with ordinary memory, would let an element cross over.
 *
 * The caches live in the thread's record (thread.h). jemalloc does not
 * flush explicit caches when a thread ends: the record's release at
 * thread exit destroys them (their elements go back to the pools'
 * arenas), and a fork child destroys those of the threads it did not
 * inherit. When no cache can be had (jemalloc allows 4096 per process),
 * the thread has no record, or the pool's size is above what caches hold,
 * the pair goes to the arena uncached.
 */
#ifndef FP_POOLCACHE_H
#define FP_POOLCACHE_H

#include <stdatomic.h>
#include <stddef.h>

#include "fp.h"
#include "thread.h"

/**
 * fp_pool_cache_init() - read the largest size jemalloc's caches hold.
 * Context: boot, under the reentrancy guard, maybe inside the first malloc.
 */
void fp_pool_cache_init(void);

/**
 * fp_pool_cache_open() - the calling thread's record, with its cache for
 * pool @index (elements of @size bytes) decided: a new jemalloc cache, or
 * none.
 * Context: inside malloc or free (a thread's first use of a pool).
 * Return: the record (a shared one whose caches are all none when the
 * thread has ended or no record can be had).
 */
struct fp_thread *fp_pool_cache_open(unsigned index, size_t size);

/**
 * fp_pool_cache_id() - the calling thread's cache for pool @index
 * (elements of @size bytes), and in @t the record to mark while it is
 * used (fp_pool_cache_use()).
 * Context: inside malloc or free.
 * Return: the jemalloc cache id, or -1 for none.
 */
static inline int fp_pool_cache_id(unsigned index, size_t size, struct fp_thread **t)
{
	struct fp_thread *me = fp_me;

	if (FP_UNLIKELY(!me || !me->pool_tc[index]))
		me = fp_pool_cache_open(index, size);
	*t = me;
	return me->pool_tc[index] - 2;
}

/**
 * fp_pool_cache_use() - the calling thread enters (@on 1) or leaves (0)
 * jemalloc with one of @t's caches: a fork that copies the record in
 * between leaves those caches alone in the child, since they may be half
 * updated. Plain stores: the child sees this thread's stores in program
 * order, up to the fork.
 * Context: inside malloc or free.
 */
static inline void fp_pool_cache_use(struct fp_thread *t, int on)
{
	atomic_signal_fence(memory_order_seq_cst);
	t->pool_in_jemalloc = on;
	atomic_signal_fence(memory_order_seq_cst);
}

/**
 * fp_pool_cache_close() - forget @t's caches, destroying them when
 * @destroy (their elements go back to the pools' arenas): its thread has
 * ended, or is not in this fork child.
 * Context: thread exit (the record's release), a fork child's handler.
 */
void fp_pool_cache_close(struct fp_thread *t, int destroy);

#endif
