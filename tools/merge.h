/*
 * Reports read back and merged (a process tree: a program and its
 * children, or stress-ng and its workers) into one model (model.h):
 * totals summed, sites merged by id, pools by name, every process listed
 * with how it ended.
 */
#ifndef FP_MERGE_H
#define FP_MERGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

/**
 * fp_merge_models() - merge @n models (reports, or merged reports) into
 * @out: processes in order; totals summed but peak_live_bytes, the
 * largest; sites by id, summed, frames and pool from the first model that
 * has the site, ordered by injected failures, then calls, then id; pools
 * by name in order of first appearance, counts summed, and per process:
 * min the largest, low and curr the lowest, wait_ns_max the largest; the
 * seed when every process has the same one.
 * @parts: from malloc; @out takes it and the models over (fp_model_free(@out)
 *         frees them)
 * @warn:  where to say that the seeds differ ("failpool: warning: ..."),
 *         or NULL
 * Return: 0.
 */
int fp_merge_models(struct fp_model *parts, size_t n, struct fp_model *out, FILE *warn);

/**
 * fp_merge_twins() - which of @parts to leave out of a merge because
 * another part holds every process of it (the same pid, parent, exe, end,
 * failures, and seed and argv where both have them; two reports: the same
 * totals too): a report and a merged report that holds it, or a copy of a
 * file. The larger part is kept, or the earlier of two alike. A process
 * that is in two parts kept is counted twice: said on @warn.
 * @drop: @nparts flags, set to 1 for each part to leave out
 * @warn: where to say so ("failpool: warning: ..."), or NULL
 */
void fp_merge_twins(const struct fp_model *parts, size_t nparts, unsigned char *drop, FILE *warn);

/**
 * fp_merge_files() - read the reports at @paths and merge them into @out.
 * A file given twice (the same file by any path) is read once, with a
 * warning on stderr.
 * Return: 0, or -1 after printing "failpool: FILE: what is wrong" (not
 * JSON, truncated, not a failpool report); fp_model_free(@out) either way.
 */
int fp_merge_files(char *const *paths, size_t n, struct fp_model *out);

/**
 * fp_model_pool_suggest() - the min to configure, from what the reserve
 * had to give: the most elements out at once plus a quarter, at least 1;
 * when it ran out, min plus the exhausted count as a floor.
 * @floor: set to 1 when the value is only a lower bound
 */
uint64_t fp_model_pool_suggest(const struct fp_model_pool *p, int *floor);

#endif
