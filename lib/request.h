/*
 * One call of an interposed allocation function as lib/alloc.c handles it,
 * and the outcomes shared with lib/pooled.c (requests served by pools).
 */
#ifndef FP_REQUEST_H
#define FP_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "calls.h"
#include "fp.h"
#include "site.h"
#include "stats.h"

struct fp_pool;

/* glibc's MALLOC_ALIGNMENT on 64-bit targets. */
#define GLIBC_MALLOC_ALIGNMENT	16

struct fp_req {
	enum fp_call call;
	size_t size;			/* bytes requested */
	size_t n, elem;			/* calloc's arguments */
	size_t align;			/* 0: malloc's alignment */
	const void *caller;
	const void *cfa;		/* the entry function's CFA (chain.h) */
	struct fp_site *site;
	struct fp_tally *tally;		/* where this thread counts the site */
	uint64_t charged;		/* bytes charged to the live count */
};

/* Bring the live count from @charged to @want bytes for one block. */
void fp_req_settle(uint64_t charged, int64_t want);

/* Count and log injected failure @seq (the caller decides what follows). */
void fp_req_note_injection(struct fp_req *r, uint64_t seq);

/* An injected failure: counted, logged, ENOMEM. Return: NULL. */
void *fp_req_inject(struct fp_req *r, uint64_t seq);

/* A real failure: the charge undone, counted, ENOMEM. Return: NULL. */
void *fp_req_failed(struct fp_req *r, struct fp_shard *sh);

/* A successful allocation of r->size bytes, counted for its site. */
static inline void fp_req_succeeded(struct fp_req *r, struct fp_shard *sh)
{
	if (!sh || !r->site)
		return;
	fp_stats_bump(sh, &sh->bytes, r->size);
	/* The tally slot is still this site's: nothing ran in between. */
	if (FP_LIKELY(r->tally != NULL))
		fp_stats_add_mine(&r->tally->bytes, r->size);
	else
		fp_stats_add(&r->site->bytes, r->size);
}

/**
 * fp_req_pool() - the pool of @r's site when the request fits one of its
 * elements (counted oversize when it does not).
 * Return: the pool, or NULL.
 */
struct fp_pool *fp_req_pool(const struct fp_req *r);

/**
 * fp_req_pooled() - serve @r from @pool: its arena (unless failure @seq
 * was injected), then the reserve, then the wait.
 * Return: the block, or NULL with errno ENOMEM.
 */
void *fp_req_pooled(struct fp_req *r, struct fp_shard *sh, uint64_t seq,
		    struct fp_pool *pool);

/**
 * fp_req_move() - realloc across a pool boundary (into @pool, or out of
 * pool memory when @pool is NULL): new block, bytes copied, old block given
 * back. @old: the usable bytes charged for @ptr.
 * Return: the new block, or NULL with @ptr untouched.
 */
void *fp_req_move(struct fp_req *r, struct fp_shard *sh, uint64_t seq, void *ptr,
		  struct fp_pool *pool, uint64_t old);

/* fp_req_give_back() - free @ptr: to its pool when it is pool memory. */
void fp_req_give_back(void *ptr);

#endif
