/* Per-thread caches for pools (see poolcache.h). */
#include "config.h"
#include "poolcache.h"

#include <errno.h>

#include "guard.h"

static size_t cache_max;
static struct fp_pool_stash *_Atomic stashes;

/* A stash for a record, listed for fp_pool_cache_counted(). */
static struct fp_pool_stash *new_stash(void)
{
	struct fp_pool_stash *s = fp_je_own_alloc(sizeof(*s));

	if (!s)
		return NULL;
	s->next = atomic_load_explicit(&stashes, memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(&stashes, &s->next, s,
						      memory_order_release,
						      memory_order_relaxed))
		;
	return s;
}

uint64_t fp_pool_cache_counted(unsigned index, unsigned what)
{
	uint64_t n = 0;

	for (struct fp_pool_stash *s = atomic_load_explicit(&stashes, memory_order_acquire);
	     s; s = s->next)
		n += atomic_load_explicit(&s->counts[index][what], memory_order_relaxed);
	return n;
}

void fp_pool_cache_forget_counts(void)
{
	for (struct fp_pool_stash *s = atomic_load_explicit(&stashes, memory_order_acquire);
	     s; s = s->next)
		for (unsigned i = 0; i < FP_POOLS_MAX; i++)
			for (unsigned w = 0; w < 2; w++)
				atomic_store_explicit(&s->counts[i][w], 0, memory_order_relaxed);
}

void fp_pool_cache_init(void)
{
	cache_max = fp_je_tcache_max();
}

/*
 * The calling thread's record, with its caches for pool @index (elements
 * of @size bytes) set up: a stash, and a new jemalloc cache or none. A
 * shared record without caches when the thread has ended or no record can
 * be had.
 */
static FP_NOINLINE struct fp_thread *open_caches(unsigned index, size_t size)
{
	/* A thread that only frees pool memory gets a record for its caches. */
	struct fp_thread *t = fp_me ? fp_me : fp_thread_attach();
	int saved = errno;

	if (!t->pool_tc[index]) {
		fp_guard_enter();
		int cached = size <= cache_max;

		if (!t->pool_stash)
			t->pool_stash = new_stash();
		if (t->pool_stash)
			t->pool_stash->cap[index] = cached ? FP_POOL_STASH : 0;
		t->pool_tc[index] = (cached ? fp_je_tcache_create() : -1) + 2;
		fp_guard_leave();
	}
	errno = saved;
	return t;
}

/* The calling thread's record, its caches for pool @index set up. */
static struct fp_thread *record_for(unsigned index, size_t size)
{
	struct fp_thread *t = fp_me;

	if (FP_UNLIKELY(!t || !t->pool_tc[index]))
		t = open_caches(index, size);
	return t;
}

/*
 * Around the use of a jemalloc cache: a fork that copies the record in
 * between leaves @t's caches alone in the child, since they may be half
 * updated. Plain stores: the child sees this thread's stores in program
 * order, up to the fork. The stash needs no mark: pushes and pops are
 * ordered so that a copy at any point holds only elements free for the
 * child (at worst one it never gets back).
 */
static inline void mark_in_jemalloc(struct fp_thread *t, int on)
{
	atomic_signal_fence(memory_order_seq_cst);
	t->pool_in_jemalloc = on;
	atomic_signal_fence(memory_order_seq_cst);
}

void fp_pool_cache_close(struct fp_thread *t, int destroy)
{
	struct fp_pool_stash *s = t->pool_stash;
	int saved = errno;

	fp_guard_enter();
	/* A fork meanwhile must not destroy a cache a second time: jemalloc would loop. */
	mark_in_jemalloc(t, 1);
	for (unsigned i = 0; i < FP_POOLS_MAX; i++) {
		if (s) {
			while (destroy && s->n[i])
				fp_je_arena_free(s->slot[i][--s->n[i]]);
			s->n[i] = 0;
		}
		if (destroy && t->pool_tc[i] >= 2)
			fp_je_tcache_destroy(t->pool_tc[i] - 2);
		t->pool_tc[i] = 0;
	}
	mark_in_jemalloc(t, 0);
	fp_guard_leave();
	errno = saved;
}

void *fp_pool_cache_alloc_slow(unsigned index, size_t size, unsigned arena, int zero)
{
	struct fp_thread *t = record_for(index, size);
	void *p;

	mark_in_jemalloc(t, 1);
	p = fp_je_tcache_alloc(size, arena, zero, t->pool_tc[index] - 2);
	mark_in_jemalloc(t, 0);
	return p;
}

void fp_pool_cache_free_slow(unsigned index, size_t size, void *p)
{
	struct fp_thread *t = record_for(index, size);
	struct fp_pool_stash *s = t->pool_stash;

	if (s && s->n[index] < s->cap[index]) {	/* set up just now */
		fp_pool_cache_free(index, size, p);
		return;
	}
	mark_in_jemalloc(t, 1);
	fp_je_tcache_free(p, size, t->pool_tc[index] - 2);
	mark_in_jemalloc(t, 0);
}
