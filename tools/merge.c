/* Merging reports (see merge.h). */
#include "config.h"
#include "merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reportcheck.h"

static uint64_t u(const struct fp_json *j, const char *path)
{
	return fp_json_path_u64(j, path, 0);
}

static int bad(const char *path, const char *what)
{
	fprintf(stderr, "failpool: %s: %s\n", path, what);
	return -1;
}

/* The keys every report has (doc/failpool-report.schema.json); a file without them is not one. */
static const char *check(const struct fp_json *j)
{
	static char why[256];
	char what[192];
	static const char *const keys[] = { "pid", "exe", "complete", "exit", "totals",
					     "sites", "pools", "injections" };
	const char *schema = fp_json_str(fp_json_get(j, "schema"));

	if (!j || j->type != FP_JSON_OBJ)
		return "not a failpool report (not a JSON object)";
	if (!schema || strcmp(schema, "failpool-report/1"))
		return "not a failpool report (no \"schema\": \"failpool-report/1\")";
	for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!fp_json_get(j, keys[i]))
			return "not a whole failpool report (a key is missing)";
	if (fp_json_get(j, "sites")->type != FP_JSON_ARR || fp_json_get(j, "pools")->type != FP_JSON_ARR)
		return "not a failpool report (sites or pools not an array)";
	/* A value of the wrong type is not read as 0, nor followed into. */
	if (fp_report_check(j, what, sizeof(what))) {
		snprintf(why, sizeof(why), "not a failpool report (%s)", what);
		return why;
	}
	return NULL;
}

static struct fp_msite *site_of(struct fp_merged *m, uint64_t id, size_t *cap)
{
	for (size_t i = 0; i < m->nsites; i++)
		if (m->sites[i].id == id)
			return &m->sites[i];
	if (m->nsites == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		m->sites = realloc(m->sites, *cap * sizeof(*m->sites));
		if (!m->sites)
			exit(2);
	}
	memset(&m->sites[m->nsites], 0, sizeof(m->sites[0]));
	m->sites[m->nsites].id = id;
	return &m->sites[m->nsites++];
}

static void add_pool(struct fp_merged *m, const struct fp_json *p)
{
	const char *name = fp_json_str(fp_json_get(p, "name"));
	struct fp_mpool *t = NULL;

	if (!name)
		return;
	for (size_t i = 0; i < m->npools; i++)
		if (!strcmp(m->pools[i].name, name))
			t = &m->pools[i];
	if (!t) {
		m->pools = realloc(m->pools, (m->npools + 1) * sizeof(*m->pools));
		if (!m->pools)
			exit(2);
		t = &m->pools[m->npools++];
		memset(t, 0, sizeof(*t));
		t->name = name;
		t->min = u(p, "min");
		t->size = u(p, "size");
		t->low = u(p, "low");
	}
	t->processes++;
	t->curr += u(p, "curr");
	if (u(p, "low") < t->low)
		t->low = u(p, "low");
	t->allocs += u(p, "allocs");
	t->hits += u(p, "hits");
	t->refills += u(p, "refills");
	t->waits += u(p, "waits");
	t->wait_ns_total += u(p, "wait_ns_total");
	if (u(p, "wait_ns_max") > t->wait_ns_max)
		t->wait_ns_max = u(p, "wait_ns_max");
	t->exhausted += u(p, "exhausted");
	t->oversize += u(p, "oversize");
}

static void add_doc(struct fp_merged *m, const struct fp_json *j, struct fp_mproc *p,
		    size_t *cap)
{
	const struct fp_json *sites = fp_json_get(j, "sites"), *pools = fp_json_get(j, "pools");
	const struct fp_json *crash = fp_json_get(j, "crash");
	const char *how = fp_json_str(fp_json_path(j, "exit.how"));
	uint64_t v;

	p->pid = u(j, "pid");
	p->ppid = u(j, "ppid");
	p->exe = fp_json_str(fp_json_get(j, "exe"));
	p->complete = fp_json_get(j, "complete")->boolean;
	p->crash = crash && crash->type == FP_JSON_OBJ ? crash : NULL;
	p->injected = u(j, "totals.injected");
	if (how && !strcmp(how, "signal"))
		p->signal = (int)u(j, "exit.signal");
	else if (!fp_json_u64(fp_json_path(j, "exit.code"), &v))
		p->has_code = 1, p->code = (int64_t)v;
	for (unsigned c = 0; c < FP_CALL_COUNT; c++) {
		char path[64];

		snprintf(path, sizeof(path), "totals.calls.%s", fp_call_name(c));
		m->calls[c] += u(j, path);
	}
	m->bytes += u(j, "totals.bytes_allocated");
	m->live += u(j, "totals.live_bytes");
	if (u(j, "totals.peak_live_bytes") > m->peak)
		m->peak = u(j, "totals.peak_live_bytes");
	m->eligible += u(j, "totals.eligible");
	m->injected += u(j, "totals.injected");
	m->real_failures += u(j, "totals.real_failures");
	if (!m->seed && fp_json_get(j, "seed"))
		m->seed = fp_json_get(j, "seed")->text;
	for (size_t i = 0; i < sites->n; i++) {
		const struct fp_json *s = sites->items[i];
		struct fp_msite *t = site_of(m, strtoull(fp_json_str(fp_json_get(s, "id")) ?: "0", NULL, 16), cap);

		if (!t->frames)
			t->frames = fp_json_get(s, "frames");
		t->calls += u(s, "calls");
		t->bytes += u(s, "bytes");
		t->injected += u(s, "injected");
		if (!t->pool)
			t->pool = fp_json_str(fp_json_get(s, "pool"));
	}
	for (size_t i = 0; i < pools->n; i++)
		add_pool(m, pools->items[i]);
}

static int by_weight(const void *a, const void *b)
{
	const struct fp_msite *x = a, *y = b;

	if (x->injected != y->injected)
		return x->injected > y->injected ? -1 : 1;
	if (x->calls != y->calls)
		return x->calls > y->calls ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int fp_merge_load(char *const *paths, size_t n, struct fp_merged *m)
{
	size_t cap = 0;

	memset(m, 0, sizeof(*m));
	m->docs = calloc(n, sizeof(*m->docs));
	m->procs = calloc(n, sizeof(*m->procs));
	if (!m->docs || !m->procs)
		return bad("failpool", "out of memory");
	for (size_t i = 0; i < n; i++) {
		char err[256];
		const char *why;

		m->docs[i] = fp_json_load(paths[i], err, sizeof(err));
		if (!m->docs[i])
			return bad(paths[i], err);
		m->ndocs = i + 1;
		if ((why = check(m->docs[i])))
			return bad(paths[i], why);
		m->procs[i].path = paths[i];
		add_doc(m, m->docs[i], &m->procs[i], &cap);
		if (i < 64)
			m->objects[i] = fp_json_get(m->docs[i], "objects");
	}
	qsort(m->sites, m->nsites, sizeof(*m->sites), by_weight);
	return 0;
}

void fp_merge_free(struct fp_merged *m)
{
	for (size_t i = 0; i < m->ndocs; i++)
		fp_json_free(m->docs[i]);
	free(m->docs);
	free(m->procs);
	free(m->sites);
	free(m->pools);
}

uint64_t fp_mpool_suggest(const struct fp_mpool *p, int *floor)
{
	uint64_t used = p->min >= p->low ? p->min - p->low : 0;

	*floor = p->exhausted > 0;
	if (*floor)
		return p->min + p->exhausted;
	used += (used + 3) / 4;
	return used ? used : 1;
}
