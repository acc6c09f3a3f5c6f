/*
 * Exact process-wide counters without a locked instruction per call. Each
 * thread owns a shard (recycled when the thread exits) and adds to it with
 * plain single-instruction adds; a thread that cannot get one of its own
 * falls back to shared shards with atomic adds. Per-site counts go through
 * a small per-thread tally, folded into the site when its slot is taken.
 * Sums are read with relaxed loads: exact once the adding threads are done,
 * a snapshot while they run.
 */
#ifndef FP_STATS_H
#define FP_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "calls.h"
#include "fp.h"

struct fp_site;

#define FP_STATS_SHARED		64	/* fallback shards, shared by threads */
#define FP_STATS_OWNED_MAX	4096	/* threads with a shard of their own */
#define FP_TALLY_SLOTS		64	/* per-thread site counts; power of two */
#define FP_INJECTIONS_KEPT	1000

/* One site's counts not yet folded into it. */
struct fp_tally {
	struct fp_site *_Atomic site;
	_Atomic uint64_t calls;
	_Atomic uint64_t bytes;
};

struct fp_shard {
	_Atomic uint64_t calls[FP_CALL_COUNT];
	_Atomic uint64_t bytes;			/* requested bytes, successful allocations */
	_Atomic uint64_t real_failures;
	_Atomic uint64_t eligible;		/* when the policy cannot inject */
	int owned;				/* one thread adds here: plain adds */
	_Atomic int taken;			/* an owned shard held by a live thread */
	struct fp_shard *next;			/* every owned shard */
	struct fp_tally tally[FP_TALLY_SLOTS];	/* used by owned shards only */
} __attribute__((aligned(FP_CACHELINE)));

struct fp_totals {
	uint64_t calls[FP_CALL_COUNT];
	uint64_t bytes;
	uint64_t real_failures;
	uint64_t eligible;
};

/* One injected failure, as the report lists it. */
struct fp_injection {
	_Atomic uint64_t seq;			/* 0 while unwritten */
	enum fp_call call;
	uint64_t size;
	struct fp_site *site;
};

extern __thread struct fp_shard *fp_my_shard __attribute__((tls_model("initial-exec")));

/**
 * fp_stats_attach() - give the calling thread its shard.
 * Context: inside malloc: a thread's first counted call.
 */
struct fp_shard *fp_stats_attach(void);

/**
 * fp_stats_init() - arrange for a thread's shard to be handed back when the
 * thread exits. Called once at boot.
 * Context: boot, under the reentrancy guard, maybe inside the first malloc.
 */
void fp_stats_init(void);

/**
 * fp_stats_shard() - the calling thread's shard.
 * Context: inside malloc, counted.
 */
static inline struct fp_shard *fp_stats_shard(void)
{
	struct fp_shard *s = fp_my_shard;

	return FP_LIKELY(s != NULL) ? s : fp_stats_attach();
}

/**
 * fp_stats_add_mine() - add without a lock. One instruction on x86-64
 * (hand-written: x86-64 only), so a signal handler that allocates on the
 * same thread cannot split the read-modify-write; elsewhere an atomic add,
 * correct but dearer.
 * Context: inside malloc, counted; a handler on the same thread cannot split
 * it.
 */
static inline void fp_stats_add_mine(_Atomic uint64_t *ctr, uint64_t n)
{
#if defined(__x86_64__)
	__asm__("addq %1, %0" : "+m"(*(uint64_t *)ctr) : "er"(n));
#else
	atomic_fetch_add_explicit(ctr, n, memory_order_relaxed);
/**
 * fp_stats_fork_child() - in a child after fork(): forget the parent's
 * counts (calls, bytes, eligible, real failures, every site's tallies, the
 * kept injections), so that the child's report holds only its own work and
 * merged reports sum correctly. The failures go on being numbered from
 * @injected, the parent's count at the fork: the child's first failure,
 * @injected + 1, is the first it keeps (README, "The report").
 * Context: a fork child's handler (one thread, the counting ones frozen).
 */
void fp_stats_fork_child(uint64_t injected);

#endif
}

/**
 * fp_stats_add() - add @n to the shared counter @ctr.
 * Context: any (an atomic add).
 */
static inline void fp_stats_add(_Atomic uint64_t *ctr, uint64_t n)
{
	atomic_fetch_add_explicit(ctr, n, memory_order_relaxed);
}

/**
 * fp_stats_bump() - add @n to counter @ctr of shard @sh, which belongs to the
 * calling thread.
 * Context: inside malloc, counted; a handler on the same thread cannot split
 * it.
 */
static inline void fp_stats_bump(const struct fp_shard *sh, _Atomic uint64_t *ctr,
				 uint64_t n)
{
	if (FP_LIKELY(sh->owned))
		fp_stats_add_mine(ctr, n);
	else
		fp_stats_add(ctr, n);
}

/**
 * fp_stats_tally_claim() - claim a tally slot of this thread for @site.
 * Context: inside malloc, counted.
 */
struct fp_tally *fp_stats_tally_claim(struct fp_shard *sh, struct fp_site *site);

/**
 * fp_stats_tally() - where the calling thread counts calls and bytes of
 * @site: a slot of its own shard (plain adds), or NULL when the shard is
 * shared (add to the site's own atomic counters then).
 * Context: inside malloc, counted.
 */
static inline struct fp_tally *fp_stats_tally(struct fp_shard *sh,
					      struct fp_site *site)
{
	struct fp_tally *t;

	if (FP_UNLIKELY(!sh->owned))
		return NULL;
	t = &sh->tally[((uintptr_t)site >> 6) & (FP_TALLY_SLOTS - 1)];
	if (FP_LIKELY(atomic_load_explicit(&t->site, memory_order_relaxed) == site))
		return t;
	return fp_stats_tally_claim(sh, site);
}

/**
 * fp_stats_sum() - add up every shard into @t.
 * Context: report writing, the counting threads frozen; signal handlers
 * included.
 */
void fp_stats_sum(struct fp_totals *t);

/**
 * fp_stats_site_sum() - calls and bytes of @site: its own counters plus
 * what threads still hold in their tallies.
 * Context: report writing, the counting threads frozen; signal handlers
 * included.
 */
void fp_stats_site_sum(struct fp_site *site, uint64_t *calls, uint64_t *bytes);

/**
 * fp_stats_injection() - remember injected failure @seq (the first
 * FP_INJECTIONS_KEPT of them are kept, in order; in a fork child, the first
 * of its own).
 * Context: inside malloc, counted.
 */
void fp_stats_injection(uint64_t seq, enum fp_call call, uint64_t size,
			struct fp_site *site);

/**
 * fp_stats_injections() - the kept injections, in order (a fork
 * child's from its first own failure).
 * Context: report writing; signal handlers included.
 * Return: the array of FP_INJECTIONS_KEPT entries, of which the first *@n
 * may be written; seq 0 marks unused ones.
 */
const struct fp_injection *fp_stats_injections(unsigned *n);

/**
 * fp_stats_fork_child() - in a child after fork(): forget the parent's
 * counts (calls, bytes, eligible, real failures, every site's tallies, the
 * kept injections), so that the child's report holds only its own work and
 * merged reports sum correctly. The failures go on being numbered from
 * @injected, the parent's count at the fork: the child's first failure,
 * @injected + 1, is the first it keeps (README, "The report").
 * Context: a fork child's handler (one thread, the counting ones frozen).
 */
void fp_stats_fork_child(uint64_t injected);

#endif
