/*
 * Requests from pooled sites (lib/pooled.c; lib/pool.c holds the
 * reserves): which pool, an element in mempool_alloc's order, and realloc
 * across pool boundaries.
 */
#ifndef FP_POOLED_H
#define FP_POOLED_H

#include <stdint.h>

#include "request.h"

struct fp_pool;

/**
 * fp_pooled_pool() - the pool of @r's site when the request fits one of its
 * elements (counted oversize when it does not).
 * Context: inside malloc, counted.
 * Return: the pool, or NULL.
 */
struct fp_pool *fp_pooled_pool(const struct fp_req *r);

/**
 * fp_pooled_serve() - serve @r from @pool: its arena (unless failure @seq
 * was injected), then the reserve, then the wait.
 * Context: inside malloc, counted; may wait for an element.
 * Return: the block, or NULL with errno ENOMEM.
 */
void *fp_pooled_serve(struct fp_req *r, struct fp_shard *sh, uint64_t seq,
		      struct fp_pool *pool);

/**
 * fp_pooled_move() - realloc across a pool boundary (into @pool, or out of
 * pool memory when @pool is NULL): new block, bytes copied, old block given
 * back. @old: the usable bytes charged for @ptr.
 * Context: inside realloc, counted.
 * Return: the new block, or NULL with @ptr untouched.
 */
void *fp_pooled_move(struct fp_req *r, struct fp_shard *sh, uint64_t seq, void *ptr,
		     struct fp_pool *pool, uint64_t old);

/**
 * fp_pooled_give_back() - free @ptr: to its pool when it is pool memory.
 * Context: inside free, counted.
 */
void fp_pooled_give_back(void *ptr);

#endif
