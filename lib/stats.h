/*
 * Exact process-wide counters, sharded per thread so that threads do not
 * bounce one cache line (redis' zmalloc idea). Summed when reported.
 */
#ifndef FP_STATS_H
#define FP_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "calls.h"
#include "fp.h"

struct fp_site;

#define FP_STATS_SHARDS		64
#define FP_INJECTIONS_KEPT	1000

struct fp_shard {
	_Atomic uint64_t calls[FP_CALL_COUNT];
	_Atomic uint64_t bytes;			/* requested bytes, successful allocations */
	_Atomic uint64_t real_failures;
} __attribute__((aligned(FP_CACHELINE)));

struct fp_totals {
	uint64_t calls[FP_CALL_COUNT];
	uint64_t bytes;
	uint64_t real_failures;
};

/* One injected failure, as the report lists it. */
struct fp_injection {
	_Atomic uint64_t seq;			/* 0 while unwritten */
	enum fp_call call;
	uint64_t size;
	struct fp_site *site;
};

extern struct fp_shard fp_shards[FP_STATS_SHARDS];
extern __thread struct fp_shard *fp_my_shard __attribute__((tls_model("initial-exec")));

struct fp_shard *fp_stats_attach(void);

/* The calling thread's shard. */
static inline struct fp_shard *fp_stats_shard(void)
{
	struct fp_shard *s = fp_my_shard;

	return FP_LIKELY(s != NULL) ? s : fp_stats_attach();
}

static inline void fp_stats_add(_Atomic uint64_t *ctr, uint64_t n)
{
	atomic_fetch_add_explicit(ctr, n, memory_order_relaxed);
}

/**
 * fp_stats_sum() - add up every shard into @t.
 */
void fp_stats_sum(struct fp_totals *t);

/**
 * fp_stats_injection() - remember injected failure @seq (the first
 * FP_INJECTIONS_KEPT of them are kept, in order).
 */
void fp_stats_injection(uint64_t seq, enum fp_call call, uint64_t size,
			struct fp_site *site);

/**
 * fp_stats_injections() - the kept injections, indexed by seq - 1.
 * Return: the array of FP_INJECTIONS_KEPT entries; seq 0 marks unused ones.
 */
const struct fp_injection *fp_stats_injections(void);

#endif
