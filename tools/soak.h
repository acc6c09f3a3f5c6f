/*
 * The parts of `failpool soak` (cmd-soak.c): its --out directory, which
 * it owns and never empties of anything it did not write (soak-out.c);
 * stress-ng's stressors, asked of stress-ng itself, and each process
 * named by its stressor (soak-stressors.c); the verdict (soak-verdict.c).
 */
#ifndef FP_SOAK_H
#define FP_SOAK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"
#include "runner.h"

/* What soak writes in --out besides the reports (PID.json). */
#define FP_SOAK_MARKER	".failpool-soak"	/* the list of what it wrote */
#define FP_SOAK_LOG	"stress-ng.log"		/* stress-ng's output */
#define FP_SOAK_TMP	"stress-ng-tmp"		/* stress-ng's --temp-path */

/**
 * fp_soak_out_claim() - make @dir soak's for this run: create it, or take
 * an empty one, or one an earlier soak wrote (it has FP_SOAK_MARKER), whose
 * files listed there are removed; anything else in it is left alone, and
 * a file this soak could overwrite (PID.json) that the list does not name
 * is refused. Then FP_SOAK_MARKER lists what this run will write.
 *
 * Return: 0, or -1 after a "failpool: --out: ..." line on stderr.
 */
int fp_soak_out_claim(const char *dir);

/**
 * fp_soak_out_reports() - the reports this run wrote in @dir (PID.json),
 * added to FP_SOAK_MARKER's list.
 * @paths: set to a malloc'd array of malloc'd "DIR/PID.json"
 * @n:     set to its length
 *
 * Return: 0, or -1 (out of memory) with nothing to free.
 */
int fp_soak_out_reports(const char *dir, char ***paths, size_t *n);

/* Free what fp_soak_out_reports() returned. */
void fp_soak_out_free(char **paths, size_t n);

/**
 * fp_soak_stressors_check() - whether stress-ng at @stress knows every
 * stressor of @cmd ("--NAME" "N" pairs from @cmd[1] up to @n), asking
 * `stress-ng --stressors`.
 *
 * Return: 0, or -1 after a "failpool: ..." line on stderr (an unknown
 * stressor, or a stress-ng that could not be asked).
 */
int fp_soak_stressors_check(const char *stress, char *const *cmd, size_t n);

/**
 * fp_soak_stressor_of() - the stressor a stress-ng process ran, from the
 * argv its report kept: stress-ng renames each worker "stress-ng-NAME
 * [state]"; the parent keeps "stress-ng".
 * @argv0: the report's argv[0], or NULL
 *
 * Return: @buf holding "malloc", or "stress-ng" for the parent and
 * anything not renamed.
 */
const char *fp_soak_stressor_of(const char *argv0, char *buf, size_t size);

/**
 * fp_soak_name_processes() - name each worker of @m by its stressor, as
 * the Stressors table does: its exe becomes "stress-ng (malloc)" (held by
 * @m), so that the report rendered from @m says which stressor each
 * process, crash and injected failure was; stress-ng itself keeps its name.
 */
void fp_soak_name_processes(struct fp_model *m);

/* How a soak went, for the verdict. */
struct fp_soak_result {
	const struct fp_model *m;	/* every process's report, merged */
	const struct fp_run *run;
	uint64_t duration_ns;
	int injects;			/* a failure criterion was configured */
	int interrupted;		/* the user stopped it (SIGINT, SIGTERM) */
	const char *out;		/* --out, where stress-ng's output is */
};

/**
 * fp_soak_verdict() - print the verdict on @out: one line, then the
 * processes that did not end well, each named by its stressor, and each
 * pool that ran out with its suggested min.
 *
 * Return: the exit status: 0 survived, 1 a finding (a process that did not
 * end well, a pool that ran out), 2 it tested nothing (no failure
 * configured, or none injected).
 */
int fp_soak_verdict(FILE *out, const struct fp_soak_result *r);

/**
 * fp_soak_stressor_table() - per stressor: processes, failures injected,
 * and how they ended.
 */
void fp_soak_stressor_table(FILE *out, const struct fp_model *m);

#endif
