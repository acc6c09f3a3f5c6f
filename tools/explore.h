/* The explore engine behind `failpool explore` (tools/cmd-explore.c). */
#ifndef FP_EXPLORE_H
#define FP_EXPLORE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define FP_EXPLORE_JOBS_MAX	64

/* How a run ended, judged against the baseline (README, "`failpool explore`"). */
enum fp_xclass {
	FP_X_SURVIVED, FP_X_HANDLED, FP_X_SILENT, FP_X_ABORTED, FP_X_CRASHED, FP_X_HUNG,
	FP_X_NCLASS
};

#define FP_X_FAIL_ON_DEFAULT	((1u << FP_X_CRASHED) | (1u << FP_X_HUNG) | (1u << FP_X_SILENT))

struct fp_explore {
	char **cmd;			/* CMD [ARG...] */
	char out[PATH_MAX];		/* output directory, absolute */
	char cwd[PATH_MAX];		/* where CMD runs (explore's own) */
	char *preload;			/* LD_PRELOAD for the runs */
	const char *stdin_path;		/* absolute, or NULL: /dev/null */
	const char *junit;		/* --junit FILE, or NULL */
	unsigned max_runs;		/* 0: no limit */
	unsigned jobs, depth;
	unsigned fail_on;		/* bit per enum fp_xclass */
	unsigned shard, nshards;	/* --shard K/N (K from 1); nshards 0: whole */
	int persistent, nth_mode, aslr, force, resume;
	int no_server;			/* --no-server: every run exec'd */
	uint64_t timeout_ns;
};

/**
 * fp_explore() - the baseline runs, then the runs, then the table on stdout
 * and summary.json and repro-N.sh in x->out.
 * Return: 0 no run of a --fail-on class, 1 one at least, 2 when explore
 * could not explore (README, "`failpool explore`": exit statuses).
 */
int fp_explore(struct fp_explore *x);

/**
 * fp_explore_merge() - `failpool explore --merge`: the shard outputs @dirs
 * read back and reported as one exploration into x->out.
 * Return: as fp_explore().
 */
int fp_explore_merge(struct fp_explore *x, char **dirs);

/* "crashed" for FP_X_CRASHED; "baseline" for -1. */
const char *fp_xclass_name(int cls);

/* The class named @name, or -1. */
int fp_xclass_find(const char *name, size_t len);

#endif
