/*
 * The fault policy: RATE EVERY AFTER NTH BURST TIMES LIMIT. Settings are
 * fixed at init; the counters are shared by all threads and exact. RATE
 * draws from a stream of the calling thread's own (struct fp_policy_stream),
 * so it writes nothing shared; the process-wide eligible index is paid for
 * only when EVERY, AFTER or NTH needs it.
 *
 * Live bytes: with LIMIT, one shared figure, exact at every call. Without
 * it, each thread holds what it charges in its record (fp_live_held) and adds
 * it to the shared figure in batches of FP_LIVE_BATCH bytes either way:
 * live bytes stay exact (fp_policy_live() adds what threads hold), the
 * peak is exact with one thread and otherwise within FP_LIVE_BATCH per
 * other thread (README, "The report").
 */
#ifndef FP_POLICY_H
#define FP_POLICY_H

#include <stdatomic.h>
#include <stdint.h>

#include "fp.h"
#include "prng.h"
#include "stats.h"

struct fp_conf;

struct fp_policy {
	/* settings, fixed after fp_policy_init() */
	uint64_t stream;		/* random stream (prng.h) */
	uint64_t rate_threshold;	/* draw < threshold fails */
	int rate_on, rate_always;
	uint64_t every, after, nth, burst, times, limit;
	int limit_on;
	int decides;			/* some setting can inject a failure */
	int numbered;			/* decides, and EVERY, AFTER or NTH needs the process-wide index */
	int rate_only;			/* RATE < 1 is the only setting that can inject */
	/* shared state, on lines apart from the settings every call reads */
	_Alignas(FP_CACHELINE)
	_Atomic uint64_t eligible;	/* eligible allocations so far (when numbered) */
	_Alignas(FP_CACHELINE)
	_Atomic uint64_t injected;	/* failures injected so far */
	_Atomic uint64_t live;		/* live heap bytes (usable sizes), but what threads hold */
	_Atomic uint64_t peak;		/* highest value of live seen */
};

/* Live bytes a thread holds before it adds them to the shared figure. */
#define FP_LIVE_BATCH		(64 * 1024)

/* A thread's RATE stream: its own draws, indexed by its own eligible count. */
struct fp_policy_stream {
	uint64_t stream;		/* fp_prng_thread() of the policy's stream */
	_Atomic uint64_t k;		/* the thread's eligible allocations drawn for */
	int ready;			/* stream derived (0: at the next draw) */
};

/* The process's policy: made by the boot, its counters shared by all threads. */
extern struct fp_policy fp_process_policy FP_HIDDEN;

/*
 * Where the calling thread holds its live bytes (its record, thread.h), or
 * NULL: straight into the shared figure (always under LIMIT, which needs it
 * exact at every call).
 */
extern __thread _Atomic uint64_t *fp_live_held
	__attribute__((tls_model("initial-exec")));

/* The calling thread's stream for fp_process_policy. */
extern __thread struct fp_policy_stream fp_my_stream
	__attribute__((tls_model("initial-exec")));

/**
 * fp_policy_init() - settings from @c, random stream from @seed, counters 0.
 * Context: boot, maybe inside the first malloc.
 */
void fp_policy_init(struct fp_policy *p, const struct fp_conf *c,
		    uint64_t seed);

/**
 * fp_policy_stream_init() - derive @s from @p's stream and the thread's
 * creation @order (0: the process's first thread); its eligible count goes on.
 * Context: inside malloc, a thread's first draw; a fork child's handler.
 */
void fp_policy_stream_init(const struct fp_policy *p, struct fp_policy_stream *s,
			   uint64_t order);

/**
 * fp_policy_next() - count one eligible allocation. Only needed when
 * p->numbered: otherwise no index is ever looked at, and callers count
 * eligible allocations per thread instead.
 * Context: inside malloc; lock-free.
 * Return: its 1-based index among all eligible allocations of the process.
 */
static inline uint64_t fp_policy_next(struct fp_policy *p)
{
	return atomic_fetch_add_explicit(&p->eligible, 1,
					 memory_order_relaxed) + 1;
}

/* fp_policy_charge()'s paths out of line: the shared figure, a batch, a new peak. */
void fp_policy_charge_shared(struct fp_policy *p, uint64_t bytes);
void fp_policy_charge_batch(struct fp_policy *p, _Atomic uint64_t *held);
void fp_policy_raise_peak(struct fp_policy *p, uint64_t live);

/**
 * fp_policy_charge() - add @bytes to the live count without a decision
 * (ineligible allocations still occupy the heap). Updates the peak.
 * Context: inside malloc; lock-free, and nothing shared written unless a
 * batch is full or the peak rises (or under LIMIT).
 */
static inline void fp_policy_charge(struct fp_policy *p, uint64_t bytes)
{
	_Atomic uint64_t *held = fp_live_held;
	uint64_t live;

	if (!bytes)
		return;
	if (FP_UNLIKELY(!held)) {
		fp_policy_charge_shared(p, bytes);
		return;
	}
	fp_stats_add_mine(held, bytes);
	live = atomic_load_explicit(held, memory_order_relaxed);
	if (FP_UNLIKELY((int64_t)live >= FP_LIVE_BATCH)) {
		fp_policy_charge_batch(p, held);
		return;
	}
	/* With one thread this is the live count itself: an exact peak. */
	live += atomic_load_explicit(&p->live, memory_order_relaxed);
	if (FP_UNLIKELY(live > atomic_load_explicit(&p->peak, memory_order_relaxed)))
		fp_policy_raise_peak(p, live);
}

/**
 * fp_policy_decide() - should eligible allocation @k fail?
 * @s:     the calling thread's stream, ready (RATE draws its next number)
 * @k:     from fp_policy_next() when p->numbered, else ignored
 * @bytes: bytes the allocation would add to the live heap
 *
 * Applies AFTER, then RATE, EVERY, NTH/BURST and LIMIT, then TIMES. When it
 * says no, @bytes are already charged to the live count (so LIMIT is exact
 * under threads): the caller must fp_policy_uncharge() them if the
 * allocation then fails for real. When it says yes the failure is counted.
 *
 * Context: inside malloc; lock-free.
 * Return: 0 to go ahead, or the 1-based sequence number of the injected
 * failure (1 for the first failure of the process, 2 for the next...).
 */
uint64_t fp_policy_decide_all(struct fp_policy *p, struct fp_policy_stream *s,
			      uint64_t k, uint64_t bytes);

/**
 * fp_policy_take_draw() - the calling thread's next RATE draw: its eligible
 * count goes up by one, with one instruction a handler cannot split.
 * Context: inside malloc; writes only the thread's own stream.
 */
static inline uint64_t fp_policy_take_draw(struct fp_policy_stream *s)
{
	fp_stats_add_mine(&s->k, 1);
	return fp_prng_draw(s->stream, atomic_load_explicit(&s->k, memory_order_relaxed));
}

/* Failure @seq wanted by RATE alone: claim it under TIMES, or charge. */
uint64_t fp_policy_rate_wants(struct fp_policy *p, uint64_t bytes);

/* fp_policy_decide_all(), with RATE alone decided inline (no call, nothing shared). */
static inline uint64_t fp_policy_decide(struct fp_policy *p, struct fp_policy_stream *s,
					uint64_t k, uint64_t bytes)
{
	if (FP_LIKELY(p->rate_only)) {
		if (FP_UNLIKELY(fp_policy_take_draw(s) < p->rate_threshold))
			return fp_policy_rate_wants(p, bytes);
		if (bytes)
			fp_policy_charge(p, bytes);
		return 0;
	}
	return fp_policy_decide_all(p, s, k, bytes);
}


/**
 * fp_policy_publish() - add the live bytes held in @held to @p's shared
 * figure. Called by the thread that holds them, or for a thread that is gone.
 * Context: inside malloc; a thread's exit; a fork child's handler.
 */
void fp_policy_publish(struct fp_policy *p, _Atomic uint64_t *held);

/**
 * fp_policy_uncharge() - remove @bytes from the live count (a free, or a
 * charged allocation that failed).
 * Context: inside free; lock-free.
 */
static inline void fp_policy_uncharge(struct fp_policy *p, uint64_t bytes)
{
	_Atomic uint64_t *held = fp_live_held;

	if (FP_UNLIKELY(!held)) {
		atomic_fetch_sub_explicit(&p->live, bytes, memory_order_relaxed);
		return;
	}
	fp_stats_add_mine(held, -bytes);
	if (FP_UNLIKELY((int64_t)atomic_load_explicit(held, memory_order_relaxed) <=
			-FP_LIVE_BATCH))
		fp_policy_publish(p, held);
}

/**
 * fp_policy_live() - live bytes now: the shared figure plus @held, what
 * every thread holds (fp_thread_live_held()). Exact when the counting
 * threads are frozen.
 * Context: report writing; signal handlers included.
 */
uint64_t fp_policy_live(const struct fp_policy *p, uint64_t held);

/**
 * fp_policy_peak() - the highest live bytes seen (README, "The report": exact
 * with one thread or under LIMIT, else within FP_LIVE_BATCH per other
 * thread), @held as for fp_policy_live().
 * Context: report writing; signal handlers included.
 */
uint64_t fp_policy_peak(const struct fp_policy *p, uint64_t held);

/**
 * fp_policy_fork_child() - in a child after fork(): derive its own random
 * stream from the parent's and the fork order (README, "What fails, exactly");
 * counts continue. The forking thread's stream is derived again at its next
 * draw, from the child's stream and the thread's creation order.
 * @order: the parent's fork count including this fork
 * Context: a fork child's handler.
 */
void fp_policy_fork_child(struct fp_policy *p, uint64_t order);

#endif
