/*
 * The reports of one `failpool run`: every process of CMD's tree writes
 * one (README "failpool run"). Where they go, which of them belong to this
 * run, and what is kept afterwards:
 *
 *   no --report       DIR/failpool.%p.json in a directory of the tool's
 *                     own (mkdtemp), removed after the summary
 *   a pattern (%p)    where it says, one per process; only files written
 *                     since the run began, whose name is their own
 *                     process's expansion, are this run's
 *   a fixed path      every process writes into the tool's directory, and
 *                     CMD's own report (the first process) is put at the
 *                     path: with several processes they would overwrite
 *                     each other, the last to end winning
 */
#ifndef FP_RUNREPORTS_H
#define FP_RUNREPORTS_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

struct fp_runreports {
	char tmpdir[PATH_MAX];		/* the tool's own directory, or "" */
	char tmpl[PATH_MAX * 2];	/* the user's template, absolute, or "" */
	int fixed;			/* tmpl has no %p: only CMD's report kept */
	struct timespec start;		/* reports older than this are not this run's */
	char **paths;			/* this run's reports, once collected */
	size_t n;
	char kept[PATH_MAX * 2];	/* fixed: where CMD's report was put, or "" */
};

/**
 * fp_runreports_setup() - decide where the reports go, from FAILPOOL_REPORT
 * (--report sets it, made absolute), and set FAILPOOL_REPORT for CMD.
 * @want: 0 when no report is wanted (--quiet and no --report)
 *
 * Return: 0, or -1 when FAILPOOL_REPORT cannot be set. A temporary
 * directory that cannot be made is said on stderr and the run goes on.
 */
int fp_runreports_setup(struct fp_runreports *r, int want);

/**
 * fp_runreports_collect() - find this run's reports, once CMD has ended;
 * with a fixed path, put CMD's (@root's) at it.
 * Return: the number found.
 */
size_t fp_runreports_collect(struct fp_runreports *r, pid_t root);

/**
 * fp_runreports_root() - the report of @root among those collected, or NULL.
 */
const char *fp_runreports_root(const struct fp_runreports *r, pid_t root);

/**
 * fp_runreports_kept() - one line (without "failpool: ") saying where the
 * reports are, or that they were not kept.
 */
void fp_runreports_kept(const struct fp_runreports *r, char *buf, size_t size);

/**
 * fp_runreports_done() - remove the tool's directory, and what it holds.
 */
void fp_runreports_done(struct fp_runreports *r);

#endif
