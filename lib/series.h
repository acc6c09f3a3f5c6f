/*
 * The report's "series": how the run went over time (live bytes, injected
 * failures, each pool's reserve), at most FP_SERIES_MAX samples from start
 * to exit. The allocation path only counts its calls down in a thread-local
 * word; one call in FP_SERIES_EVERY reads the coarse clock (vDSO, no
 * system call) and, when a sample is due, one thread claims the writing
 * and takes it. When the table fills, every other sample is dropped and
 * the interval doubles, so the samples always span the whole run.
 */
#ifndef FP_SERIES_H
#define FP_SERIES_H

#include <stdint.h>

#include "fp.h"
#include "poolspec.h"

#define FP_SERIES_MAX	1000		/* samples in the report, the last included */
#define FP_SERIES_EVERY	256		/* counted calls between two looks at the clock */

struct fp_series_sample {
	uint64_t ms;			/* since the first sample */
	uint64_t live_bytes;
	uint64_t injected;
	uint32_t pool_curr[FP_POOLS_MAX];
};

/* Counted calls left before this thread looks at the clock again. */
extern __thread int fp_series_countdown __attribute__((tls_model("initial-exec")));

/**
 * fp_series_start() - take the first sample (ms 0) and start sampling.
 * Context: boot, under the reentrancy guard, maybe inside the first malloc.
 */
void fp_series_start(void);

/**
 * fp_series_look() - take a sample if one is due (fp_series_tick()'s
 * cold half), and wind the calling thread's countdown up again.
 * Context: inside malloc, counted: no allocation, no lock (a claim that
 * another thread holds means that thread is taking the sample).
 */
FP_COLD void fp_series_look(void);

/**
 * fp_series_fork_child() - a fork child's series starts again at the fork
 * (ms 0), its injected failures counted from there: the parent's @injected
 * are the parent's, as in the child's totals.
 * Context: the fork child, one thread, before anything else runs.
 */
void fp_series_fork_child(uint64_t injected);

/**
 * fp_series_at() - take a sample @ms after the first one if one is due
 * (fp_series_look() with the clock read; a test's seam).
 * Context: inside malloc, counted.
 */
void fp_series_at(uint64_t ms);

/**
 * fp_series_tick() - count one counted call; now and then see whether a
 * sample is due. A thread-local subtraction and a sign test on the
 * allocation path.
 * Context: inside malloc, counted.
 */
static inline __attribute__((always_inline)) void fp_series_tick(void)
{
	/* One subtraction in memory and a branch on its sign. */
	if (FP_UNLIKELY(--fp_series_countdown < 0))
		fp_series_look();
}

/**
 * fp_series_final() - the last sample, as of now: the report's totals.
 * @last: filled with the current figures and the time since the first sample
 * Context: report writing, the counting threads frozen; signal handlers
 * included.
 * Return: how many stored samples come before @last (those after index
 * Return - 1 are dropped so that ms stays increasing).
 */
unsigned fp_series_final(struct fp_series_sample *last);

/**
 * fp_series_final_at() - fp_series_final() @ms after the first sample (a
 * test's seam).
 * Context: as fp_series_final().
 */
unsigned fp_series_final_at(struct fp_series_sample *last, uint64_t ms);

/**
 * fp_series_get() - stored sample @i, below fp_series_final()'s count,
 * into @out.
 * Context: report writing; signal handlers included.
 */
void fp_series_get(unsigned i, struct fp_series_sample *out);

#endif
