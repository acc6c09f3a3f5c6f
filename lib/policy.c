/*
 * The fault policy. Every decision is a function of the process-wide
 * eligible index k (EVERY, AFTER, NTH), the thread's own stream and
 * eligible count (RATE) and the live byte count, so a rerun with the same
 * seed injects the same failures in every thread whose own allocations are
 * the same, and counters stay exact under threads.
 */
#include "config.h"
#include "policy.h"

#include "conf.h"
#include "fp.h"
#include "prng.h"

struct fp_policy fp_process_policy;
__thread struct fp_policy_stream fp_my_stream __attribute__((tls_model("initial-exec")));
__thread _Atomic uint64_t *fp_live_held __attribute__((tls_model("initial-exec")));

void fp_policy_init(struct fp_policy *p, const struct fp_conf *c,
		    uint64_t seed)
{
	p->stream = fp_prng_stream(seed);
	p->rate_on = c->rate > 0;
	p->rate_always = c->rate >= 1.0;
	/*
	 * 2^64 * rate in long double, to keep the low bits: a product by a
	 * power of two is exact (as ldexpl() is, without libm, which the shim
	 * would otherwise load into every process).
	 */
	p->rate_threshold = p->rate_always ? UINT64_MAX :
		(uint64_t)((long double)c->rate * 0x1p64L);
	p->every = c->every;
	p->after = c->after;
	p->nth = c->nth;
	p->burst = c->burst;
	p->times = c->times;
	p->limit = c->limit;
	p->limit_on = c->limit_set;
	p->decides = p->rate_on || p->every || p->nth || p->limit_on;
	p->numbered = p->decides && (p->every || p->after || p->nth);
	p->rate_only = p->rate_on && !p->rate_always && !p->numbered && !p->limit_on;
	atomic_store(&p->eligible, 0);
	atomic_store(&p->injected, 0);
	atomic_store(&p->live, 0);
	atomic_store(&p->peak, 0);
}

static void raise_peak(struct fp_policy *p, uint64_t live)
{
	uint64_t peak = atomic_load_explicit(&p->peak, memory_order_relaxed);

	while (live > peak &&
	       !atomic_compare_exchange_weak_explicit(&p->peak, &peak, live,
						      memory_order_relaxed,
						      memory_order_relaxed))
		;
}

void fp_policy_stream_init(const struct fp_policy *p, struct fp_policy_stream *s,
			   uint64_t order)
{
	s->stream = fp_prng_thread(p->stream, order);
	s->ready = 1;
}

void fp_policy_raise_peak(struct fp_policy *p, uint64_t live)
{
	raise_peak(p, live);
}

void fp_policy_publish(struct fp_policy *p, _Atomic uint64_t *held)
{
	uint64_t h = atomic_load_explicit(held, memory_order_relaxed);

	/* Two's complement: a negative holding (frees) subtracts. */
	atomic_fetch_add_explicit(&p->live, h, memory_order_relaxed);
	fp_stats_add_mine(held, -h);	/* what a handler added meanwhile stays */
}

/*
 * LIMIT needs the shared figure exact at every call; a thread without a
 * record of its own, or past its exit, has nowhere else to hold bytes.
 */
void fp_policy_charge_shared(struct fp_policy *p, uint64_t bytes)
{
	raise_peak(p, atomic_fetch_add_explicit(&p->live, bytes, memory_order_relaxed) + bytes);
}

void fp_policy_charge_batch(struct fp_policy *p, _Atomic uint64_t *held)
{
	fp_policy_publish(p, held);
	raise_peak(p, atomic_load_explicit(&p->live, memory_order_relaxed) +
		      atomic_load_explicit(held, memory_order_relaxed));
}

uint64_t fp_policy_live(const struct fp_policy *p, uint64_t held)
{
	return atomic_load_explicit(&p->live, memory_order_relaxed) + held;
}

uint64_t fp_policy_peak(const struct fp_policy *p, uint64_t held)
{
	uint64_t peak = atomic_load_explicit(&p->peak, memory_order_relaxed);
	uint64_t live = fp_policy_live(p, held);

	return live > peak ? live : peak;
}

/* Claim one of the TIMES failures: its sequence number, 0 once used up. */
static uint64_t claim_failure(struct fp_policy *p)
{
	uint64_t n = atomic_load_explicit(&p->injected, memory_order_relaxed);

	do {
		if (n >= p->times)
			return 0;
	} while (!atomic_compare_exchange_weak_explicit(&p->injected, &n, n + 1,
							memory_order_relaxed,
							memory_order_relaxed));
	return n + 1;
}

static int in_burst(const struct fp_policy *p, uint64_t k)
{
	if (!p->nth || k < p->nth)
		return 0;
	return p->burst == FP_UNLIMITED || k - p->nth < p->burst;
}

/*
 * Charge @bytes unless that takes the live count over the limit. A CAS loop
 * rather than add-then-undo: a transient overshoot would make a concurrent
 * allocation fail that fits.
 * Return: 1 with the new live count in *@out, or 0 when over the limit.
 */
static int charge_within_limit(struct fp_policy *p, uint64_t bytes,
			       uint64_t *out)
{
	uint64_t live = atomic_load_explicit(&p->live, memory_order_relaxed);

	do {
		if (live + bytes > p->limit || live + bytes < live)
			return 0;
	} while (!atomic_compare_exchange_weak_explicit(&p->live, &live,
							live + bytes,
							memory_order_relaxed,
							memory_order_relaxed));
	*out = live + bytes;
	return 1;
}

/*
 * RATE's say on the thread's next eligible allocation. Every eligible
 * allocation takes its draw, even one AFTER protects, so that a thread's
 * k-th allocation always gets draw k.
 */
static int rate_wants(const struct fp_policy *p, struct fp_policy_stream *s)
{
	if (!p->rate_on)
		return 0;
	return fp_policy_take_draw(s) < p->rate_threshold || p->rate_always;
}

uint64_t fp_policy_rate_wants(struct fp_policy *p, uint64_t bytes)
{
	uint64_t seq = claim_failure(p);

	if (!seq)
		fp_policy_charge(p, bytes);
	return seq;
}

uint64_t fp_policy_decide_all(struct fp_policy *p, struct fp_policy_stream *s,
			      uint64_t k, uint64_t bytes)
{
	uint64_t live, seq;
	int rate = rate_wants(p, s);

	if (!p->numbered || k > p->after) {
		int want = rate || (p->every && k % p->every == 0) || in_burst(p, k);

		if (want && (seq = claim_failure(p)))
			return seq;
		if (!want && p->limit_on) {
			if (charge_within_limit(p, bytes, &live)) {
				raise_peak(p, live);
				return 0;
			}
			if ((seq = claim_failure(p)))
				return seq;
		}
	}
	fp_policy_charge(p, bytes);
	return 0;
}

void fp_policy_fork_child(struct fp_policy *p, uint64_t order)
{
	p->stream = fp_prng_child(p->stream, order);
	fp_my_stream.ready = 0;
}
