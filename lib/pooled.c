/*
 * Requests from pooled sites (lib/pool.c holds the reserves): which pool,
 * an element in mempool_alloc's order, and realloc across pool boundaries.
 */
#include "config.h"
#include "pooled.h"

#include <errno.h>
#include <string.h>

#include "je.h"
#include "pool.h"
#include "settings.h"

struct fp_pool *fp_pooled_pool(const struct fp_req *r)
{
	struct fp_pool *pool = r->site ? r->site->pool : NULL;

	if (!pool)
		return NULL;
	if (r->size <= pool->size && r->align <= GLIBC_MALLOC_ALIGNMENT)
		return pool;
	fp_pool_count(pool, FP_POOL_OVERSIZE);
	return NULL;
}

/*
 * An element for @r: the pool's arena first (unless failure @seq was
 * injected there), then the reserve, then the wait: mempool_alloc's order.
 * Context: inside malloc, under the reentrancy guard; fp_pool_take() may
 * take the pool's lock and sleep for its wait.
 */
static void *obtain_element(struct fp_req *r, uint64_t seq, struct fp_pool *pool)
{
	int zero = r->call == FP_CALL_CALLOC;
	void *p = NULL;

	fp_pool_count(pool, FP_POOL_ALLOCS);
	if (seq)
		fp_req_note_injection(r, seq);
	else
		p = fp_pool_arena_alloc(pool, 0);
	if (!p)
		p = fp_pool_take(pool);
	/* The bytes asked for, not the whole element as MALLOCX_ZERO would. */
	if (p && zero)
		memset(p, 0, r->size);
	return p;
}

void *fp_pooled_serve(struct fp_req *r, struct fp_shard *sh, uint64_t seq,
		      struct fp_pool *pool)
{
	void *p = obtain_element(r, seq, pool);

	if (!p) {
		if (!seq)
			return fp_req_failed(r, sh);
		errno = ENOMEM;		/* injected, and no element to stand in */
		return NULL;
	}
	if (fp_settings()->track_live)	/* an injected failure charged nothing */
		fp_req_settle(seq ? 0 : r->charged, (int64_t)fp_je.usable(p));
	fp_req_succeeded(r, sh);
	return p;
}

void fp_pooled_give_back(void *ptr)
{
	struct fp_pool *pool = fp_pool_of(ptr);

	if (pool)
		fp_pool_give(pool, ptr);
	else
		fp_je.free(ptr);
}

/*
 * realloc that crosses a pool boundary (into the site's pool @pool, or out
 * of pool memory): a new block, the bytes copied, the old block given back.
 * On failure the old block is untouched.
 */
void *fp_pooled_move(struct fp_req *r, struct fp_shard *sh, uint64_t seq,
		     void *ptr, struct fp_pool *pool, uint64_t old)
{
	size_t keep = fp_je.usable(ptr);
	void *q;

	if (pool) {
		q = obtain_element(r, seq, pool);
	} else {
		if (seq)
			return fp_req_inject(r, seq);
		q = fp_je.malloc(r->size);
	}
	if (!q) {
		if (!seq)
			return fp_req_failed(r, sh);
		errno = ENOMEM;
		return NULL;
	}
	memcpy(q, ptr, keep < r->size ? keep : r->size);
	fp_pooled_give_back(ptr);
	if (fp_settings()->track_live)
		fp_req_settle(seq ? 0 : r->charged, (int64_t)fp_je.usable(q) - (int64_t)old);
	fp_req_succeeded(r, sh);
	return q;
}

