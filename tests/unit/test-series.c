/*
 * lib/series.c: the report's series over a run of known length (its clock
 * given through fp_series_at()): at most 1000 samples, the first at 0 ms,
 * ms increasing, thinned by halves with the interval doubled, the last
 * sample the figures of the end.
 */
#include "config.h"

#include <stdatomic.h>

#include "policy.h"
#include "pool.h"
#include "series.h"
#include "../tap.h"

/* Stored sample @i. */
static struct fp_series_sample at(unsigned i)
{
	struct fp_series_sample s;

	fp_series_get(i, &s);
	return s;
}

int main(void)
{
	struct fp_series_sample last;
	unsigned n, increasing = 1;

	atomic_store(&fp_process_policy.live, 100);
	fp_series_start();
	/* Not due within the first millisecond: the first sample stands. */
	fp_series_at(0);
	n = fp_series_final_at(&last, 1);
	is_u64(n, 1, "0 ms: only the first sample is stored");
	is_u64(at(0).ms, 0, "the first sample is at 0 ms");
	is_u64(at(0).live_bytes, 100, "the first sample's live bytes");

	/* Every millisecond for 3 s: thinned at 999 samples (1 ms), then again (2 ms). */
	fp_npools = 1;
	for (uint64_t ms = 1; ms <= 3000; ms++) {
		atomic_store(&fp_pools[0].curr, (unsigned)(ms % 7));
		atomic_store(&fp_process_policy.live, 100 + ms);
		atomic_store(&fp_process_policy.injected, ms / 10);
		fp_series_at(ms);
	}
	atomic_store(&fp_process_policy.live, 7777);
	atomic_store(&fp_process_policy.injected, 321);
	atomic_store(&fp_pools[0].curr, 5);
	n = fp_series_final_at(&last, 3001);
	is_u64(n, 751, "3 s at one look per ms: 751 samples kept before the last");
	ok(n + 1 <= FP_SERIES_MAX, "at most 1000 samples with the last");
	is_u64(at(0).ms, 0, "the first sample survives thinning");
	is_u64(at(1).ms, 4, "thinned twice: 4 ms between samples");
	is_u64(at(n - 1).ms, 2997, "the last stored sample");
	is_u64(at(n - 1).live_bytes, 100 + 2997, "its live bytes, as they were then");
	is_u64(at(n - 1).injected, 299, "its injected count, as it was then");
	is_u64(at(n - 1).pool_curr[0], 2997 % 7, "its pool's level, as it was then");
	is_u64(at(1).pool_curr[0], 4 % 7, "a pool's level moves with its sample when thinned");
	for (unsigned i = 1; i < n; i++)
		increasing &= at(i).ms > at(i - 1).ms;
	ok(increasing, "ms increase");
	is_u64(last.ms, 3001, "the last sample: the end's time");
	is_u64(last.live_bytes, 7777, "the last sample: the end's live bytes");
	is_u64(last.injected, 321, "the last sample: the end's injected count");
	is_u64(last.pool_curr[0], 5, "the last sample: the end's pool level");

	/* The end in the same millisecond as the last stored sample replaces it. */
	n = fp_series_final_at(&last, 2997);
	is_u64(n, 750, "an end at the last sample's ms takes its place");
	return done_testing();
}
