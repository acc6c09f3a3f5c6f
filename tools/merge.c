/* Merging reports (see merge.h). */
#include "config.h"
#include "merge.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q) {
		free(p);
		fputs("failpool: out of memory\n", stderr);
		exit(2);
	}
	return q;
}

/* The merged site @s goes to: found through @out's index, else a new one. */
static struct fp_model_site *site_of(struct fp_model *out, size_t *cap,
				     const struct fp_model_site *s)
{
	const struct fp_model_site *t = fp_model_site(out, s->id);

	if (t)
		return &out->sites[t - out->sites];
	if (out->nsites == *cap)
		out->sites = xrealloc(out->sites, (*cap = *cap ? *cap * 2 : 256) * sizeof(*out->sites));
	out->sites[out->nsites] = (struct fp_model_site){ .id = s->id, .frames = s->frames };
	fp_model_index_add(out, out->nsites);
	return &out->sites[out->nsites++];
}

static void add_pool(struct fp_model *out, const struct fp_model_pool *p)
{
	struct fp_model_pool *t = NULL;

	for (size_t i = 0; i < out->npools && !t; i++)
		if (!strcmp(out->pools[i].name, p->name))
			t = &out->pools[i];
	if (!t) {
		out->pools = xrealloc(out->pools, (out->npools + 1) * sizeof(*out->pools));
		t = &out->pools[out->npools++];
		*t = *p;
		return;
	}
	/* min, low and curr describe one process's reserve: never summed. */
	t->processes += p->processes;
	if (p->min > t->min)
		t->min = p->min;
	if (p->size > t->size)
		t->size = p->size;
	if (p->low < t->low)
		t->low = p->low;
	if (p->curr < t->curr)
		t->curr = p->curr;
	t->allocs += p->allocs;
	t->hits += p->hits;
	t->refills += p->refills;
	t->waits += p->waits;
	t->wait_ns_total += p->wait_ns_total;
	if (p->wait_ns_max > t->wait_ns_max)
		t->wait_ns_max = p->wait_ns_max;
	t->exhausted += p->exhausted;
	t->oversize += p->oversize;
}

static void add_totals(struct fp_model_totals *t, const struct fp_model_totals *p)
{
	for (unsigned c = 0; c < FP_CALL_COUNT; c++)
		t->calls[c] += p->calls[c];
	t->calls_present |= p->calls_present;
	t->bytes_allocated += p->bytes_allocated;
	t->live_bytes += p->live_bytes;
	if (p->peak_live_bytes > t->peak_live_bytes)
		t->peak_live_bytes = p->peak_live_bytes;
	t->eligible += p->eligible;
	t->injected += p->injected;
	t->real_failures += p->real_failures;
	t->startup_calls += p->startup_calls;
	t->startup_bytes += p->startup_bytes;
}

static int by_weight(const void *a, const void *b)
{
	const struct fp_model_site *x = a, *y = b;

	if (x->injected != y->injected)
		return x->injected > y->injected ? -1 : 1;
	if (x->calls != y->calls)
		return x->calls > y->calls ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * The seed when every process has the same one; a warning the first time two
 * differ. A merged report whose seed is null merged runs of different seeds
 * already: nothing merged with it has one seed either.
 */
static void merge_seed(struct fp_model *out, const struct fp_model *unseeded, FILE *warn)
{
	const struct fp_model_proc *first = NULL;

	out->has_seed = 0;
	if (unseeded) {
		if (warn)
			fprintf(warn, "failpool: warning: %s has no one seed (it merged runs of different"
				" seeds): no one seed repeats the runs\n", unseeded->path);
		return;
	}
	for (size_t i = 0; i < out->nprocs; i++) {
		const struct fp_model_proc *p = &out->procs[i];

		if (!p->has_seed)
			continue;
		if (!first) {
			first = p;
			out->has_seed = 1;
			out->seed = p->seed;
		} else if (p->seed != first->seed) {
			out->has_seed = 0;
			if (warn)
				fprintf(warn,
					"failpool: warning: %s has seed %" PRIu64 ", %s has seed %" PRIu64
					": runs merged from different seeds, no one seed repeats them\n",
					first->report, first->seed, p->report, p->seed);
			return;
		}
	}
}

int fp_merge_models(struct fp_model *parts, size_t n, struct fp_model *out, FILE *warn)
{
	const struct fp_model *unseeded = NULL;
	unsigned char *drop = xrealloc(NULL, n);
	size_t cap = 0, np = 0;

	fp_merge_twins(parts, n, drop, warn);
	memset(out, 0, sizeof(*out));
	out->kind = FP_MODEL_MERGED;
	out->parts = parts;
	out->nparts = n;
	out->path = n ? parts[0].path : NULL;
	for (size_t i = 0; i < n; i++)
		np += parts[i].nprocs;
	out->procs = fp_model_alloc(out, np * sizeof(*out->procs));
	for (size_t i = 0; i < n; i++) {
		const struct fp_model *p = &parts[i];

		if (drop[i])
			continue;
		if (p->kind == FP_MODEL_MERGED && p->nprocs && !p->has_seed && !unseeded)
			unseeded = p;
		if (p->nprocs)
			memcpy(&out->procs[out->nprocs], p->procs, p->nprocs * sizeof(*p->procs));
		out->nprocs += p->nprocs;
		add_totals(&out->totals, &p->totals);
		for (size_t k = 0; k < p->nsites; k++) {
			const struct fp_model_site *s = &p->sites[k];
			struct fp_model_site *t = site_of(out, &cap, s);

			t->calls += s->calls;
			t->bytes += s->bytes;
			t->injected += s->injected;
			if (!t->pool)
				t->pool = s->pool;
		}
		for (size_t k = 0; k < p->npools; k++)
			add_pool(out, &p->pools[k]);
	}
	if (out->nsites)
		qsort(out->sites, out->nsites, sizeof(*out->sites), by_weight);
	fp_model_index_sites(out);	/* the sort moved them */
	fp_model_adopt(out, out->sites);
	fp_model_adopt(out, out->pools);
	merge_seed(out, unseeded, warn);
	free(drop);
	return 0;
}

/* Whether @st is the file of an earlier path; a warning, once per file, when it is. */
static int seen(const char *path, const struct stat *st, const struct stat *earlier, size_t n,
		unsigned char *warned)
{
	for (size_t k = 0; k < n; k++)
		if (earlier[k].st_dev == st->st_dev && earlier[k].st_ino == st->st_ino) {
			if (!warned[k])
				fprintf(stderr, "failpool: warning: %s: given twice; read once\n", path);
			warned[k] = 1;
			return 1;
		}
	return 0;
}

int fp_merge_files(char *const *paths, size_t n, struct fp_model *out)
{
	struct fp_model *parts = xrealloc(NULL, n * sizeof(*parts));
	struct stat *st = xrealloc(NULL, n * sizeof(*st));
	unsigned char *warned = xrealloc(NULL, n);
	size_t nparts = 0;
	int rc = 0;

	memset(warned, 0, n);
	for (size_t i = 0; i < n && !rc; i++) {
		char err[256];

		if (stat(paths[i], &st[nparts]))
			memset(&st[nparts], 0, sizeof(st[nparts]));
		else if (seen(paths[i], &st[nparts], st, nparts, warned))
			continue;
		if (fp_model_load(paths[i], &parts[nparts], err, sizeof(err))) {
			fprintf(stderr, "failpool: %s: %s\n", paths[i], err);
			rc = -1;
		}
		nparts++;
	}
	free(st);
	free(warned);
	fp_merge_models(parts, nparts, out, rc ? NULL : stderr);
	return rc;
}

uint64_t fp_model_pool_suggest(const struct fp_model_pool *p, int *floor)
{
	uint64_t used = p->min >= p->low ? p->min - p->low : 0;

	*floor = p->exhausted > 0;
	if (*floor)
		return p->min + p->exhausted;
	used += (used + 3) / 4;
	return used ? used : 1;
}
