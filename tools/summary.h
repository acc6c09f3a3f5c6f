/* The summary printed by `failpool run`: every process of CMD's tree. */
#ifndef FP_SUMMARY_H
#define FP_SUMMARY_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define FP_SUMMARY_TOP_SITES	5
/* More processes than this: those that exited 0 with nothing injected are only counted. */
#define FP_SUMMARY_MAX_PROCS	30

/* What the tool knows of the run besides the reports. */
struct fp_summary_run {
	pid_t root;		/* CMD's pid: the first process */
	int status;		/* the tool's status for CMD: its exit status, or 128+N */
	int signal;		/* the signal that ended CMD, or 0 */
	const char *cmd;	/* CMD as given */
	const char *kept;	/* the last line: where the reports are */
};

/**
 * fp_summary_print() - read the reports at @paths (this run's, one per
 * process) and print on @out: each process as a tree by parent (how it
 * ended), the seed, eligible/injected/real failures and calls over all
 * processes, the peak live bytes, each crash with the injected failure
 * before it and that failure's site, the sites with the most injected
 * failures, the pools, and where the reports are. Frames are named offline
 * (function, file:line where DWARF has them). Every line starts with
 * "failpool: ".
 *
 * Return: 0, or -1 when a report cannot be read or parsed (one line
 * saying so has been printed).
 */
int fp_summary_print(FILE *out, char *const *paths, size_t n, const struct fp_summary_run *run);

#endif
