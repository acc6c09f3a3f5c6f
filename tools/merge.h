/*
 * Reports read back and merged (a process tree: a program and its
 * children, or stress-ng and its workers): totals summed, sites merged by
 * id, pools by name, every process listed with how it ended.
 */
#ifndef FP_MERGE_H
#define FP_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "calls.h"
#include "json.h"

struct fp_msite {
	uint64_t id;
	const struct fp_json *frames;	/* from the first report that has it */
	uint64_t calls, bytes, injected;
	const char *pool;		/* NULL: none */
};

struct fp_mpool {
	const char *name;
	uint64_t min, size, curr, low, allocs, hits, refills, waits;
	uint64_t wait_ns_total, wait_ns_max, exhausted, oversize;
	unsigned processes;		/* reports that have it */
};

struct fp_mproc {
	const char *path;		/* the report file */
	uint64_t pid, ppid;
	const char *exe;
	int complete;
	int signal;			/* killed by it; 0: exited */
	int has_code;
	int64_t code;
	const struct fp_json *crash;	/* NULL when none */
	uint64_t injected;
};

struct fp_merged {
	struct fp_json **docs;
	size_t ndocs;
	struct fp_mproc *procs;		/* in the order given */
	uint64_t calls[FP_CALL_COUNT];
	uint64_t bytes, live, peak, eligible, injected, real_failures;
	const char *seed;		/* of the first report, as written */
	struct fp_msite *sites;		/* by injected, then calls, then id */
	size_t nsites;
	struct fp_mpool *pools;		/* in order of first appearance */
	size_t npools;
	const struct fp_json *objects[64];	/* each report's "objects" */
};

/**
 * fp_merge_load() - read and merge the reports at @paths.
 * Return: 0, or -1 after printing "failpool: FILE: what is wrong" (not
 * JSON, truncated, not a failpool report).
 */
int fp_merge_load(char *const *paths, size_t n, struct fp_merged *m);

void fp_merge_free(struct fp_merged *m);

/**
 * fp_mpool_suggest() - the min to configure, from what the reserve had to
 * give: the most elements out at once plus a quarter, at least 1; when it
 * ran out, min plus the exhausted count as a floor.
 * @floor: set to 1 when the value is only a lower bound
 */
uint64_t fp_mpool_suggest(const struct fp_mpool *p, int *floor);

#endif
