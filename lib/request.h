/*
 * One call of an interposed allocation function as lib/alloc.c handles it,
 * and its outcomes (lib/request.c), shared with lib/pooled.c.
 */
#ifndef FP_REQUEST_H
#define FP_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "calls.h"
#include "fp.h"
#include "site.h"
#include "stats.h"

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

/**
 * fp_req_settle() - bring the live count from @charged to @want bytes for one
 * block.
 * Context: inside malloc, counted.
 */
void fp_req_settle(uint64_t charged, int64_t want);

/**
 * fp_req_on_injection - told of every injected failure that has a site
 * (the log and FAILPOOL_VERBOSE, registered by the boot); NULL: nobody.
 * Context: called inside malloc, under the reentrancy guard.
 */
extern void (*fp_req_on_injection)(uint64_t seq, enum fp_call call, uint64_t size,
				   struct fp_site *site);

/**
 * fp_req_note_injection() - count and report injected failure @seq (the caller
 * decides what follows).
 * Context: inside malloc, counted.
 */
void fp_req_note_injection(struct fp_req *r, uint64_t seq);

/**
 * fp_req_inject() - an injected failure: counted, logged, ENOMEM. Return: NULL.
 * Context: inside malloc, counted.
 */
void *fp_req_inject(struct fp_req *r, uint64_t seq);

/**
 * fp_req_failed() - A real failure: the charge undone, counted, ENOMEM. Return:
 * NULL.
 * Context: inside malloc, counted.
 */
void *fp_req_failed(struct fp_req *r, struct fp_shard *sh);

/**
 * fp_req_succeeded() - A successful allocation of r->size bytes, counted for
 * its site.
 * Context: inside malloc, counted.
 */
static inline void fp_req_succeeded(struct fp_req *r, struct fp_shard *sh)
{
	if (!sh || !r->site)
		return;
	/* The tally slot is still this site's: nothing ran in between. A tally
	 * means a shard of the thread's own (stats.h): plain adds. */
	if (FP_LIKELY(r->tally != NULL)) {
		fp_stats_add_mine(&sh->bytes, r->size);
		fp_stats_add_mine(&r->tally->bytes, r->size);
	} else {
		fp_stats_add(&sh->bytes, r->size);
		fp_stats_add(&r->site->bytes, r->size);
	}
}

#endif
