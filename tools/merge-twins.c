/*
 * The same process given twice to a merge: through a merged report and
 * the report it holds, or a copied file (a file given twice by any path
 * is caught before, by its inode). Its counts must be summed once.
 */
#include "config.h"
#include "merge.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	const struct fp_model_proc *p;
	size_t part;
};

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/*
 * The same process: what a merged report keeps of each (pid, parent, exe,
 * how it ended, its failures), the seed and argv where both sides have
 * them. No one key tells a process from another run that had the same pid
 * and ended the same way; the seed, drawn anew for each run without
 * --seed, almost always does.
 */
static int same_proc(const struct fp_model_proc *a, const struct fp_model_proc *b)
{
	if (a->pid != b->pid || a->ppid != b->ppid || !same_str(a->exe, b->exe) ||
	    a->complete != b->complete || a->exit.by_signal != b->exit.by_signal ||
	    a->exit.has_code != b->exit.has_code || a->exit.code != b->exit.code ||
	    a->exit.signal != b->exit.signal || a->injected != b->injected)
		return 0;
	if (a->has_seed && b->has_seed && a->seed != b->seed)
		return 0;
	if (a->argc && b->argc) {
		if (a->argc != b->argc)
			return 0;
		for (size_t i = 0; i < a->argc; i++)
			if (!same_str(a->argv[i], b->argv[i]))
				return 0;
	}
	return 1;
}

static int by_pid(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;

	if (a->p->pid != b->p->pid)
		return a->p->pid < b->p->pid ? -1 : 1;
	return a->part < b->part ? -1 : a->part > b->part;
}

/* The first entry of @pid in @e (sorted by pid), or @n. */
static size_t first_of(const struct entry *e, size_t n, uint64_t pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e[mid].p->pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Whether part @j holds process @p. */
static int holds(const struct entry *e, size_t n, size_t j, const struct fp_model_proc *p)
{
	for (size_t k = first_of(e, n, p->pid); k < n && e[k].p->pid == p->pid; k++)
		if (e[k].part == j && same_proc(e[k].p, p))
			return 1;
	return 0;
}

static int same_totals(const struct fp_model_totals *a, const struct fp_model_totals *b)
{
	for (unsigned c = 0; c < FP_CALL_COUNT; c++)
		if (a->calls[c] != b->calls[c])
			return 0;
	return a->bytes_allocated == b->bytes_allocated && a->eligible == b->eligible &&
	       a->injected == b->injected && a->real_failures == b->real_failures;
}

/* Whether part @j holds every process of part @i (two reports: with the same totals too). */
static int covers(const struct fp_model *parts, const struct entry *e, size_t n, size_t j, size_t i)
{
	if (parts[i].kind == FP_MODEL_REPORT && parts[j].kind == FP_MODEL_REPORT &&
	    !same_totals(&parts[i].totals, &parts[j].totals))
		return 0;
	for (size_t k = 0; k < parts[i].nprocs; k++)
		if (!holds(e, n, j, &parts[i].procs[k]))
			return 0;
	return 1;
}

static void say_dropped(FILE *warn, const struct fp_model *i, const struct fp_model *j)
{
	if (!warn)
		return;
	if (i->nprocs == 1)
		fprintf(warn, "failpool: warning: %s: pid %" PRIu64 " (%s) is already in %s; counted once\n",
			i->path, i->procs[0].pid, i->procs[0].exe ? i->procs[0].exe : "?", j->path);
	else
		fprintf(warn, "failpool: warning: %s: its %zu processes are already in %s; counted once\n",
			i->path, i->nprocs, j->path);
}

/* Part @i, when a larger part (or an earlier one as large) holds all of it: which. */
static size_t covered_by(const struct fp_model *parts, size_t nparts, const struct entry *e,
			 size_t n, const unsigned char *drop, size_t i)
{
	const struct fp_model_proc *p0 = &parts[i].procs[0];

	for (size_t k = first_of(e, n, p0->pid); k < n && e[k].p->pid == p0->pid; k++) {
		size_t j = e[k].part;

		if (j == i || drop[j] || !same_proc(e[k].p, p0))
			continue;
		if ((parts[j].nprocs > parts[i].nprocs ||
		     (parts[j].nprocs == parts[i].nprocs && j < i)) &&
		    covers(parts, e, n, j, i))
			return j;
	}
	return nparts;
}

/* Processes still in two parts: each counted twice, said once. */
static void say_overlaps(const struct entry *e, size_t n, const unsigned char *drop,
			 const struct fp_model *parts, FILE *warn)
{
	for (size_t a = 0; a < n && warn; a++) {
		if (drop[e[a].part])
			continue;
		for (size_t b = a + 1; b < n && e[b].p->pid == e[a].p->pid; b++)
			if (!drop[e[b].part] && e[b].part != e[a].part && same_proc(e[a].p, e[b].p)) {
				fprintf(warn, "failpool: warning: pid %" PRIu64 " (%s) is in %s and in %s;"
					" counted twice (a merged report's totals cannot be taken apart)\n",
					e[a].p->pid, e[a].p->exe ? e[a].p->exe : "?",
					parts[e[a].part].path, parts[e[b].part].path);
				break;
			}
	}
}

void fp_merge_twins(const struct fp_model *parts, size_t nparts, unsigned char *drop, FILE *warn)
{
	size_t n = 0;
	struct entry *e;

	memset(drop, 0, nparts);
	for (size_t i = 0; i < nparts; i++)
		n += parts[i].nprocs;
	e = malloc((n ? n : 1) * sizeof(*e));
	if (!e) {
		fputs("failpool: out of memory\n", stderr);
		exit(2);
	}
	n = 0;
	for (size_t i = 0; i < nparts; i++)
		for (size_t k = 0; k < parts[i].nprocs; k++)
			e[n++] = (struct entry){ &parts[i].procs[k], i };
	qsort(e, n, sizeof(*e), by_pid);
	for (size_t i = 0; i < nparts; i++) {
		size_t j;

		if (!parts[i].nprocs)
			continue;
		j = covered_by(parts, nparts, e, n, drop, i);
		if (j < nparts) {
			drop[i] = 1;
			say_dropped(warn, &parts[i], &parts[j]);
		}
	}
	say_overlaps(e, n, drop, parts, warn);
	free(e);
}
