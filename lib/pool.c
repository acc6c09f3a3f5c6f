/*
 * The reserve side of pools (lib/poolmap.c gives them their memory).
 * Names and order follow mm/mempool.c: allocator first, reserve second,
 * wait last; a free refills below min, checked first without the lock.
 */
#include "config.h"
#include "pool.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "je.h"
#include "poolcache.h"
#include "sigctx.h"
#include "thread.h"

struct fp_pool fp_pools[FP_POOLS_MAX];
unsigned fp_npools;
static int need_funcs;

static void add_element(struct fp_pool *pool, void *element)
{
	unsigned curr = atomic_load_explicit(&pool->curr, memory_order_relaxed);

	pool->elements[curr] = element;
	atomic_store_explicit(&pool->curr, curr + 1, memory_order_relaxed);
}

static void *remove_element(struct fp_pool *pool)
{
	unsigned curr = atomic_load_explicit(&pool->curr, memory_order_relaxed) - 1;

	atomic_store_explicit(&pool->curr, curr, memory_order_relaxed);
	if (curr < pool->low)
		pool->low = curr;
	return pool->elements[curr];
}

static int pool_init(struct fp_pool *pool, unsigned index,
		     const struct fp_pool_spec *spec, char *err, unsigned errlen)
{
	pthread_condattr_t ca;
	char why[200];
	int arena;

	memcpy(pool->name, spec->name, sizeof(pool->name));
	pool->size = spec->size;
	pool->min = (unsigned)spec->min;
	pool->wait_ns = spec->wait_ns;
	pool->index = index;
	if (fp_rules_parse(spec->site, '|', &pool->rules, why, sizeof(why)))
		return snprintf(err, errlen, "pool '%s': site: %s", pool->name, why), -EINVAL;
	need_funcs |= pool->rules.need_funcs != 0;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&pool->freed, &ca);
	pthread_condattr_destroy(&ca);
	arena = fp_poolmap_arena(index);
	if (arena < 0)
		return snprintf(err, errlen, "pool '%s': cannot create its jemalloc arena",
				pool->name), -ENOMEM;
	pool->arena = (unsigned)arena;
	pool->elements = fp_je_own_alloc(pool->min * sizeof(void *));
	if (!pool->elements)
		goto nomem;
	/* Pre-allocated outside fault injection, as mempool_init does. */
	while (atomic_load(&pool->curr) < pool->min) {
		/* Straight from the arena: no thread's cache is made at boot. */
		void *e = fp_je_arena_alloc(pool->size, pool->arena, 0);

		if (!e)
			goto nomem;
		add_element(pool, e);
	}
	pool->low = pool->min;
	return 0;
nomem:
	snprintf(err, errlen, "pool '%s': cannot pre-allocate %u elements of %zu bytes: %s",
		 pool->name, pool->min, pool->size, strerror(ENOMEM));
	return -ENOMEM;
}

int fp_pool_init_all(const char *spec_text, char *err, unsigned errlen)
{
	static struct fp_pool_spec spec;
	const char *cursor = spec_text;
	int rc;

	fp_pool_cache_init();
	while ((rc = fp_pools_next(&cursor, fp_npools + 1, &spec, err, errlen)) == 1) {
		if (fp_npools == FP_POOLS_MAX)
			return snprintf(err, errlen, "more than %d pools", FP_POOLS_MAX), -EINVAL;
		if ((rc = pool_init(&fp_pools[fp_npools], fp_npools, &spec, err, errlen)))
			return rc;
		fp_npools++;
	}
	return rc;
}

struct fp_pool *fp_pool_for_stack(const struct fp_match_frame *frames, unsigned n,
				  uint64_t site_id)
{
	for (unsigned i = 0; i < fp_npools; i++)
		if (n && fp_rules_match(&fp_pools[i].rules, frames, n, site_id))
			return &fp_pools[i];
	return NULL;
}

int fp_pool_need_funcs(void)
{
	return need_funcs;
}

/* Wait for an element until @deadline (0: forever); under the lock. */
static void wait_for_element(struct fp_pool *pool, uint64_t deadline)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline / 1000000000u),
		.tv_nsec = (long)(deadline % 1000000000u),
	};

	while (!atomic_load_explicit(&pool->curr, memory_order_relaxed)) {
		if (!deadline) {
			pthread_cond_wait(&pool->freed, &pool->lock);
		} else if (pthread_cond_timedwait(&pool->freed, &pool->lock, &ts) == ETIMEDOUT) {
			return;
		}
	}
}

void *fp_pool_take(struct fp_pool *pool)
{
	void *element = NULL;

	fp_lock(&pool->lock);
	if (!atomic_load_explicit(&pool->curr, memory_order_relaxed) && pool->wait_ns) {
		uint64_t t0 = fp_clock_monotonic_ns(), waited;
		uint64_t deadline = pool->wait_ns == FP_POOL_WAIT_FOREVER ? 0 :
				    t0 + pool->wait_ns;

		pool->waits++;
		/* Asleep, this thread is no snapshot's business (thread.h). */
		fp_thread_idle(1);
		wait_for_element(pool, deadline);
		fp_thread_idle(0);
		waited = fp_clock_monotonic_ns() - t0;
		pool->wait_ns_total += waited;
		if (waited > pool->wait_ns_max)
			pool->wait_ns_max = waited;
	}
	if (atomic_load_explicit(&pool->curr, memory_order_relaxed)) {
		element = remove_element(pool);
		pool->hits++;
	} else {
		pool->exhausted++;
	}
	pthread_mutex_unlock(&pool->lock);
	return element;
}

void fp_pool_refill(struct fp_pool *pool, void *element)
{
	fp_lock(&pool->lock);
	if (atomic_load_explicit(&pool->curr, memory_order_relaxed) >= pool->min) {
		pthread_mutex_unlock(&pool->lock);
		fp_pool_cache_free(pool->index, pool->size, element);
		return;
	}
	add_element(pool, element);
	pool->refills++;
	pthread_mutex_unlock(&pool->lock);
	pthread_cond_signal(&pool->freed);
}

void fp_pool_free_hook(void *ptr)
{
	struct fp_pool *pool = fp_pool_of(ptr);

	if (FP_UNLIKELY(pool != NULL))
		fp_pool_give(pool, ptr);
	else
		fp_je.free(ptr);
}

void fp_pool_fork_prepare(void)
{
	for (unsigned i = 0; i < fp_npools; i++)
		fp_lock(&fp_pools[i].lock);
	fp_poolmap_fork_prepare();
}

void fp_pool_fork_parent(void)
{
	fp_poolmap_fork_parent();
	for (unsigned i = 0; i < fp_npools; i++)
		pthread_mutex_unlock(&fp_pools[i].lock);
}

void fp_pool_fork_child(void)
{
	pthread_condattr_t ca;

	fp_poolmap_fork_child();
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	for (unsigned i = 0; i < fp_npools; i++) {
		/* Only this thread exists now: fresh lock and condition. */
		pthread_mutex_init(&fp_pools[i].lock, NULL);
		pthread_cond_init(&fp_pools[i].freed, &ca);
	}
	pthread_condattr_destroy(&ca);
}

void fp_pool_fork_forget_counts(void)
{
	for (unsigned i = 0; i < fp_npools; i++) {
		struct fp_pool *pool = &fp_pools[i];

		/* The reserve (curr, low) is the child's state; what the parent did is not. */
		pool->hits = pool->refills = pool->waits = 0;
		pool->wait_ns_total = pool->wait_ns_max = pool->exhausted = 0;
		atomic_store_explicit(&pool->allocs, 0, memory_order_relaxed);
		atomic_store_explicit(&pool->oversize, 0, memory_order_relaxed);
	}
	fp_pool_cache_forget_counts();
}

void fp_pool_snapshot(unsigned i, int unlocked, struct fp_pool_figures *f)
{
	struct fp_pool *p = &fp_pools[i];

	if (!unlocked)
		fp_lock(&p->lock);
	f->name = p->name;
	f->min = p->min;
	f->size = p->size;
	f->curr = atomic_load(&p->curr);
	f->low = p->low;
	f->allocs = atomic_load(&p->allocs) + fp_pool_cache_counted(i, FP_POOL_ALLOCS);
	f->hits = p->hits;
	f->refills = p->refills;
	f->waits = p->waits;
	f->wait_ns_total = p->wait_ns_total;
	f->wait_ns_max = p->wait_ns_max;
	f->exhausted = p->exhausted;
	f->oversize = atomic_load(&p->oversize) + fp_pool_cache_counted(i, FP_POOL_OVERSIZE);
	if (!unlocked)
		pthread_mutex_unlock(&p->lock);
}
