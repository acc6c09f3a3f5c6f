/*
 * The report's series (series.h). One writer at a time, chosen by a claim
 * that is never waited for: a thread that finds the claim taken leaves the
 * sample to its holder. Readers (the report) run with the counting threads
 * frozen, or from a signal handler that reads what is there.
 */
#include "config.h"
#include "series.h"

#include <stdatomic.h>
#include "clock.h"
#include "policy.h"
#include "pool.h"
#include "thread.h"

#define FIRST_INTERVAL_MS	1

__thread int fp_series_countdown __attribute__((tls_model("initial-exec")));

/* Apart, so that a process without pools never touches the pages of their levels. */
static struct {
	uint64_t ms, live_bytes, injected;
} samples[FP_SERIES_MAX];
static uint32_t pool_curr[FP_SERIES_MAX][FP_POOLS_MAX];
static _Atomic unsigned nsamples;
static _Atomic uint64_t due_ms = UINT64_MAX;	/* nothing due before the start */
static uint64_t interval_ms = FIRST_INTERVAL_MS;
static uint64_t start_ms;
static _Atomic int writing;
static int started;
static uint64_t inherited_injected;	/* a fork child's: the parent's failures */

/* The figures of now, @ms after the first sample; the report's totals read the same counters. */
static void measure(struct fp_series_sample *s, uint64_t ms)
{
	s->ms = ms;
	/* Exact at the report (threads frozen); within the batches while running. */
	s->live_bytes = fp_policy_live(&fp_process_policy, fp_thread_live_held());
	s->injected = atomic_load_explicit(&fp_process_policy.injected, memory_order_relaxed) -
		      inherited_injected;
	for (unsigned i = 0; i < fp_npools && i < FP_POOLS_MAX; i++)
		s->pool_curr[i] = atomic_load_explicit(&fp_pools[i].curr, memory_order_relaxed);
}

static void store(unsigned i, const struct fp_series_sample *s)
{
	samples[i].ms = s->ms;
	samples[i].live_bytes = s->live_bytes;
	samples[i].injected = s->injected;
	for (unsigned j = 0; j < fp_npools && j < FP_POOLS_MAX; j++)
		pool_curr[i][j] = s->pool_curr[j];
}

/* Keep samples 0, 2, 4...: the run's span at half the density. */
static unsigned thin(unsigned n)
{
	unsigned kept = 0;

	for (unsigned i = 0; i < n; i += 2, kept++) {
		samples[kept] = samples[i];
		for (unsigned j = 0; j < fp_npools && j < FP_POOLS_MAX; j++)
			pool_curr[kept][j] = pool_curr[i][j];
	}
	interval_ms *= 2;
	return kept;
}

/* Called with the claim held. One slot stays free for the report's last sample. */
static void append(uint64_t ms)
{
	unsigned n = atomic_load_explicit(&nsamples, memory_order_relaxed);
	struct fp_series_sample now;

	if (n >= FP_SERIES_MAX - 1)
		n = thin(n);
	measure(&now, ms);
	store(n, &now);
	atomic_store_explicit(&nsamples, n + 1, memory_order_release);
	atomic_store_explicit(&due_ms, ms + interval_ms, memory_order_relaxed);
}

void fp_series_start(void)
{
	started = 1;
	start_ms = fp_clock_coarse_ms();
	interval_ms = FIRST_INTERVAL_MS;
	atomic_store(&nsamples, 0);
	atomic_store(&writing, 1);
	append(0);
	atomic_store_explicit(&writing, 0, memory_order_release);
}

void fp_series_fork_child(uint64_t injected)
{
	if (!started)
		return;
	inherited_injected = injected;
	fp_series_start();
}

void fp_series_at(uint64_t ms)
{
	if (ms < atomic_load_explicit(&due_ms, memory_order_relaxed))
		return;
	if (atomic_exchange_explicit(&writing, 1, memory_order_acquire))
		return;
	/* Another thread may have taken it between the test and the claim. */
	if (ms >= atomic_load_explicit(&due_ms, memory_order_relaxed))
		append(ms);
	atomic_store_explicit(&writing, 0, memory_order_release);
}

void fp_series_look(void)
{
	fp_series_countdown = FP_SERIES_EVERY - 1;
	fp_series_at(fp_clock_coarse_ms() - start_ms);
}

unsigned fp_series_final(struct fp_series_sample *last)
{
	return fp_series_final_at(last, fp_clock_coarse_ms() - start_ms);
}

unsigned fp_series_final_at(struct fp_series_sample *last, uint64_t ms)
{
	unsigned n = atomic_load_explicit(&nsamples, memory_order_acquire);

	measure(last, ms);
	/* Same jiffy as the last stored sample: the final one stands for both. */
	while (n > 0 && samples[n - 1].ms >= last->ms)
		n--;
	return n;
}

void fp_series_get(unsigned i, struct fp_series_sample *out)
{
	out->ms = samples[i].ms;
	out->live_bytes = samples[i].live_bytes;
	out->injected = samples[i].injected;
	for (unsigned j = 0; j < fp_npools && j < FP_POOLS_MAX; j++)
		out->pool_curr[j] = pool_curr[i][j];
}
