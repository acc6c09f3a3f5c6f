/* What explore learns, and how it is shown (tools/explore-out.c). */
#ifndef FP_EXPLORE_OUT_H
#define FP_EXPLORE_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "explore.h"
#include "json.h"

enum fp_xclass { FP_X_SURVIVED, FP_X_HANDLED, FP_X_CRASHED, FP_X_HUNG };

#define FP_X_CHAIN	8	/* sites failed together to reach an error path */

struct fp_xsite {
	uint64_t id;
	char *stack;			/* its frames, for people */
	unsigned found_by;		/* the run whose reports showed it first */
	/* the sites that run failed (its error path), then this one */
	uint64_t chain[FP_X_CHAIN];
	unsigned nchain;
};

struct fp_xrun {
	unsigned index;			/* 0: the baseline */
	pid_t pid;
	uint64_t site;			/* failed site (0: none known) */
	uint64_t chain[FP_X_CHAIN];	/* sites mode: the sites failed, site last */
	unsigned nchain;
	uint64_t nth;			/* nth mode: the failed index */
	char *site_stack;
	enum fp_xclass cls;
	int code, signal;		/* exit status or killing signal */
	uint64_t injected, eligible;
	size_t revealed;		/* new sites its reports showed */
	char *crash_key, *crash_stack;	/* from a crash record, if any */
	int crash_signal;
	double seconds;
};

/* "sym (obj) < ..." of a report's frames array, up to @max of them. */
char *fp_xstack(const struct fp_json *frames, unsigned max);

/* The progress line, on a terminal only. */
void fp_xprogress_start(const struct fp_explore *x);
void fp_xprogress(const struct fp_explore *x, const struct fp_xrun *runs, size_t nruns,
		  size_t known, int more);
void fp_xprogress_end(const struct fp_explore *x);

/**
 * fp_xreport() - the table on stdout, summary.json and repro-N.sh in x->out.
 * Return: 0 when nothing crashed or hung, 1 otherwise.
 */
int fp_xreport(const struct fp_explore *x, const struct fp_xrun *runs, size_t nruns,
	       const struct fp_xsite *sites, size_t nsites);

#endif
