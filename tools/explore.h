/* The explore engine behind `failpool explore` (tools/cmd-explore.c). */
#ifndef FP_EXPLORE_H
#define FP_EXPLORE_H

#include <stdint.h>

#define FP_EXPLORE_JOBS_MAX	64

struct fp_explore {
	char **cmd;			/* CMD [ARG...] */
	const char *out;		/* output directory */
	char *preload;			/* LD_PRELOAD for the runs */
	unsigned max_runs, jobs, depth;
	int persistent, nth_mode;
	uint64_t timeout_ns;
};

/**
 * fp_explore() - the baseline run, then the runs, then the table on stdout
 * and summary.json and repro-N.sh in x->out.
 * Return: 0 nothing crashed or hung, 1 something did, 2 when the baseline
 * itself crashed or hung or the output directory cannot be made.
 */
int fp_explore(const struct fp_explore *x);

#endif
