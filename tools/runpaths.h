/* What `failpool run` checks before it starts anything (tools/runpaths.c). */
#ifndef FP_RUNPATHS_H
#define FP_RUNPATHS_H

/**
 * fp_run_check_report() - whether the shim could write FAILPOOL_REPORT:
 * its directory exists and is one (when the directory has no %p or %e),
 * and the path itself is not a directory (when it has none at all).
 * Return: 0, or -1 after printing "failpool: --report: ..." on stderr
 * ("failpool: FAILPOOL_REPORT: ..." when the path came from the
 * environment); the caller exits 125, nothing run.
 */
int fp_run_check_report(void);

/**
 * fp_run_is_directory() - whether @cmd, found at @real, is a directory;
 * prints "failpool: CMD: is a directory" when it is (the caller exits 126,
 * as a shell does).
 */
int fp_run_is_directory(const char *cmd, const char *real);

#endif
