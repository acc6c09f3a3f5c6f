/*
 * Reading a report's values into the model (see model.h): each value is
 * checked for the type the shim writes (doc/failpool-report.schema.json)
 * as it is read, so a renderer never meets an object where a number
 * belongs, and the first wrong value is named by its path
 * ("sites[2].frames[0]").
 */
#include "config.h"
#include "model-read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_U64	0x01	/* a non-negative integer */
#define T_STR	0x02
#define T_BOOL	0x04
#define T_NULL	0x08
#define T_ARR	0x10
#define T_OBJ	0x20
#define T_NUM	0x40	/* any number */

#define REQ	1
#define OPT	0

/* A path inside the document: "sites[2].frames". */
#define AT_SIZE	192

static void *alloc_array(struct fp_model_rd *r, size_t n, size_t size)
{
	return n ? fp_model_alloc(r->m, n * size) : NULL;
}

static int is(const struct fp_json *v, unsigned types)
{
	uint64_t x;

	switch (v->type) {
	case FP_JSON_NULL:
		return !!(types & T_NULL);
	case FP_JSON_BOOL:
		return !!(types & T_BOOL);
	case FP_JSON_NUM:
		return (types & T_NUM) || ((types & T_U64) && fp_json_u64(v, &x) == 0);
	case FP_JSON_STR:
		return !!(types & T_STR);
	case FP_JSON_ARR:
		return !!(types & T_ARR);
	case FP_JSON_OBJ:
		return !!(types & T_OBJ);
	}
	return 0;
}

static const char *expected(unsigned types)
{
	switch (types & ~T_NULL) {
	case T_U64:
		return types & T_NULL ? "a non-negative integer or null" : "a non-negative integer";
	case T_STR:
		return types & T_NULL ? "a string or null" : "a string";
	case T_BOOL:
		return "true or false";
	case T_ARR:
		return "an array";
	case T_OBJ:
		return types & T_NULL ? "an object or null" : "an object";
	case T_NUM:
		return "a number";
	}
	return "of the right type";
}

/* Record the first failure: "@where.@key @what". */
static void fail(struct fp_model_rd *r, const char *where, const char *key, const char *what)
{
	if (r->failed)
		return;
	r->failed = 1;
	snprintf(r->why, r->size, "%s%s%s %s", where, *where && *key ? "." : "", key, what);
}

/*
 * @at = @a @b @c, cut to AT_SIZE - 1 characters as snprintf would: built
 * by hand because every site and frame of a report names its place, and
 * snprintf's format parsing was a large share of reading a big report.
 */
static void at_join(char *at, const char *a, const char *b, const char *c)
{
	const char *parts[] = { a, b, c };
	size_t n = 0;

	for (size_t k = 0; k < 3; k++)
		for (const char *p = parts[k]; *p && n < AT_SIZE - 1; p++)
			at[n++] = *p;
	at[n] = '\0';
}

static void at_key(char *at, const char *where, const char *key)
{
	at_join(at, where, *where ? "." : "", key);
}

static void at_index(char *at, const char *where, size_t i)
{
	char num[24], *d = num + sizeof(num);

	*--d = '\0';
	*--d = ']';
	do {
		*--d = (char)('0' + i % 10);
		i /= 10;
	} while (i);
	*--d = '[';
	at_join(at, where, d, "");
}

/*
 * @obj's member @key (@where: the path to @obj), when it is one of @types.
 * Return: the value; NULL when absent (a failure if @required), of
 * another type (a failure), written as null, or after a failure.
 */
static const struct fp_json *member(struct fp_model_rd *r, const struct fp_json *obj, const char *where,
				    const char *key, unsigned types, int required)
{
	const struct fp_json *v;
	char what[96];

	if (r->failed || !obj)
		return NULL;
	v = fp_json_get(obj, key);
	if (!v) {
		if (required)
			fail(r, where, key, "is missing");
		return NULL;
	}
	if (!is(v, types)) {
		snprintf(what, sizeof(what), "is not %s", expected(types));
		fail(r, where, key, what);
		return NULL;
	}
	return v->type == FP_JSON_NULL ? NULL : v;
}

static uint64_t count(struct fp_model_rd *r, const struct fp_json *obj, const char *where, const char *key,
		      int required)
{
	uint64_t v = 0;

	fp_json_u64(member(r, obj, where, key, T_U64, required), &v);
	return v;
}

/* A non-negative integer or null: @has set when it is a number. */
static uint64_t count_or_null(struct fp_model_rd *r, const struct fp_json *obj, const char *where,
			      const char *key, int *has)
{
	uint64_t v = 0;

	*has = !fp_json_u64(member(r, obj, where, key, T_U64 | T_NULL, OPT), &v);
	return v;
}

static const char *string(struct fp_model_rd *r, const struct fp_json *obj, const char *where,
			  const char *key, unsigned nullable, int required)
{
	return fp_json_str(member(r, obj, where, key, T_STR | nullable, required));
}

static double number(struct fp_model_rd *r, const struct fp_json *obj, const char *where, const char *key)
{
	double d = 0;

	fp_json_double(member(r, obj, where, key, T_NUM, OPT), &d);
	return d;
}

/* The elements of array @arr, each an object: their count, or 0 after a failure. */
static size_t objects_in(struct fp_model_rd *r, const struct fp_json *arr, const char *where)
{
	char at[AT_SIZE];

	for (size_t i = 0; arr && !r->failed && i < arr->n; i++)
		if (arr->items[i]->type != FP_JSON_OBJ) {
			at_index(at, where, i);
			fail(r, at, "", "is not an object");
		}
	return r->failed || !arr ? 0 : arr->n;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
}

/* strtoull(@s, NULL, 16), read by hand for what a report writes ("0x1f", "5a73380f4afa32ad"). */
static uint64_t hex(const char *s)
{
	const char *p = s;
	uint64_t v = 0;
	int n = 0, d;

	if (!s)
		return 0;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (; n <= 16 && (d = hex_digit(*p)) >= 0; n++, p++)
		v = v << 4 | (unsigned)d;
	/* No digit where one was due (a sign, a space, "0x" alone), or more than fit: the library's reading. */
	return n == 0 || n > 16 ? strtoull(s, NULL, 16) : v;
}

static void frame(struct fp_model_rd *r, const struct fp_json *f, const char *at, struct fp_model_frame *out)
{
	const struct fp_json *line;

	out->object = string(r, f, at, "object", T_NULL, REQ);
	out->offset = string(r, f, at, "offset", 0, REQ);
	out->off = hex(out->offset);
	out->symbol = string(r, f, at, "symbol", T_NULL, OPT);
	out->own_symbol = out->symbol != NULL;
	out->file = string(r, f, at, "file", T_NULL, OPT);
	line = member(r, f, at, "line", T_U64 | T_NULL, OPT);
	if (out->file) {
		uint64_t v = 0;

		fp_json_u64(line, &v);
		out->line = (unsigned)v;
		out->named = 1;
	}
}

static void frames(struct fp_model_rd *r, const struct fp_json *obj, const char *where, const char *key,
		   int required, struct fp_model_frames *out)
{
	const struct fp_json *arr = member(r, obj, where, key, T_ARR, required);
	char in[AT_SIZE], at[AT_SIZE];

	at_key(in, where, key);
	out->present = arr != NULL;
	out->src = arr;
	out->n = objects_in(r, arr, in);
	out->v = alloc_array(r, out->n, sizeof(*out->v));
	for (size_t i = 0; i < out->n && !r->failed; i++) {
		/* Its place named only to say what is wrong with it: a report has thousands. */
		frame(r, arr->items[i], in, &out->v[i]);
		if (r->failed) {
			r->failed = 0;
			at_index(at, in, i);
			frame(r, arr->items[i], at, &out->v[i]);
		}
	}
	if (r->failed)
		out->n = 0;
}

static void site(struct fp_model_rd *r, const struct fp_json *s, const char *at, struct fp_model_site *out)
{
	out->id = hex(string(r, s, at, "id", 0, REQ));
	frames(r, s, at, "frames", REQ, &out->frames);
	out->calls = count(r, s, at, "calls", OPT);
	out->bytes = count(r, s, at, "bytes", OPT);
	out->injected = count(r, s, at, "injected", OPT);
	out->pool = string(r, s, at, "pool", T_NULL, OPT);
}

static void pool(struct fp_model_rd *r, const struct fp_json *p, const char *at, struct fp_model_pool *out)
{
	out->name = string(r, p, at, "name", 0, REQ);
	out->min = count(r, p, at, "min", OPT);
	out->size = count(r, p, at, "size", OPT);
	out->curr = count(r, p, at, "curr", OPT);
	out->low = count(r, p, at, "low", OPT);
	out->allocs = count(r, p, at, "allocs", OPT);
	out->hits = count(r, p, at, "hits", OPT);
	out->refills = count(r, p, at, "refills", OPT);
	out->waits = count(r, p, at, "waits", OPT);
	out->wait_ns_total = count(r, p, at, "wait_ns_total", OPT);
	out->wait_ns_max = count(r, p, at, "wait_ns_max", OPT);
	out->exhausted = count(r, p, at, "exhausted", OPT);
	out->oversize = count(r, p, at, "oversize", OPT);
	/* A merged report says in how many processes; a report is one. */
	out->processes = fp_json_get(p, "processes") ? (unsigned)count(r, p, at, "processes", OPT) : 1;
}

static void injection(struct fp_model_rd *r, const struct fp_json *i, const char *at,
		      struct fp_model_injection *out)
{
	const char *s;

	out->seq = count(r, i, at, "seq", OPT);
	out->call = string(r, i, at, "call", 0, OPT);
	out->size = count(r, i, at, "size", OPT);
	s = string(r, i, at, "site", T_NULL, OPT);
	out->has_site = s != NULL;
	out->site = hex(s);
}

static void object(struct fp_model_rd *r, const struct fp_json *o, const char *at,
		   struct fp_model_object *out)
{
	out->name = string(r, o, at, "name", 0, OPT);
	out->path = string(r, o, at, "path", T_NULL, OPT);
}

static void sample(struct fp_model_rd *r, const struct fp_json *s, const char *at,
		   struct fp_model_sample *out)
{
	const struct fp_json *pools;
	char in[AT_SIZE];

	out->ms = number(r, s, at, "ms");
	out->live_bytes = number(r, s, at, "live_bytes");
	out->injected = number(r, s, at, "injected");
	pools = member(r, s, at, "pools", T_OBJ, OPT);
	at_key(in, at, "pools");
	out->npools = pools ? pools->n : 0;
	out->pools = alloc_array(r, out->npools, sizeof(*out->pools));
	for (size_t i = 0; i < out->npools && !r->failed; i++) {
		out->pools[i].name = pools->items[i]->key;
		out->pools[i].curr = number(r, pools, in, pools->items[i]->key);
	}
}

/* Array @key of @obj, each element an object read by @each into @out[]. */
#define READ_ARRAY(r, obj, where, key, required, out, nout, each)                           \
	do {                                                                                \
		const struct fp_json *arr_ = member(r, obj, where, key, T_ARR, required);   \
		char at_[AT_SIZE];                                                          \
                                                                                            \
		(nout) = objects_in(r, arr_, key);                                          \
		(out) = alloc_array(r, (nout), sizeof(*(out)));                             \
		for (size_t i_ = 0; i_ < (nout) && !(r)->failed; i_++) {                    \
			at_index(at_, key, i_);                                             \
			each(r, arr_->items[i_], at_, &(out)[i_]);                          \
		}                                                                           \
	} while (0)

static void exit_(struct fp_model_rd *r, const struct fp_json *e, const char *at, struct fp_model_exit *out)
{
	uint64_t v = 0;

	out->how = string(r, e, at, "how", 0, REQ);
	out->by_signal = out->how && !strcmp(out->how, "signal");
	out->has_code = !fp_json_u64(member(r, e, at, "code", T_U64 | T_NULL, OPT), &v);
	out->code = (int64_t)v;
	v = 0;
	fp_json_u64(member(r, e, at, "signal", T_U64 | T_NULL, OPT), &v);
	out->signal = (int)v;
	/* How it ended decides which one counts. */
	if (out->by_signal)
		out->has_code = 0;
	else
		out->signal = 0;
}

static struct fp_model_crash *crash(struct fp_model_rd *r, const struct fp_json *obj, const char *where)
{
	const struct fp_json *c = member(r, obj, where, "crash", T_OBJ | T_NULL, OPT);
	struct fp_model_crash *out;
	char at[AT_SIZE];

	if (!c)
		return NULL;
	at_key(at, where, "crash");
	out = fp_model_alloc(r->m, sizeof(*out));
	out->src = c;
	out->signal = count(r, c, at, "signal", OPT);
	out->name = string(r, c, at, "name", T_NULL, OPT);
	out->kind = string(r, c, at, "kind", 0, OPT);
	out->kindv = FP_CRASH_SIGNAL;
	for (int k = FP_CRASH_SIGNAL; out->kind && k < FP_CRASH_OTHER; k++)
		if (!strcmp(out->kind, fp_model_crash_kind_name((enum fp_model_crash_kind)k)))
			out->kindv = (enum fp_model_crash_kind)k;
	if (out->kind && strcmp(out->kind, fp_model_crash_kind_name(out->kindv)))
		out->kindv = FP_CRASH_OTHER;
	out->last_injection_seq = count_or_null(r, c, at, "last_injection_seq",
						&out->has_last_injection_seq);
	frames(r, c, at, "frames", OPT, &out->frames);
	frames(r, c, at, "alloc_frames", OPT, &out->alloc_frames);
	frames(r, c, at, "first_free_frames", OPT, &out->first_free_frames);
	return out;
}

static void totals(struct fp_model_rd *r, const struct fp_json *obj, const char *where,
		   struct fp_model_totals *out)
{
	const struct fp_json *t = member(r, obj, where, "totals", T_OBJ, REQ), *calls, *startup;
	char at[AT_SIZE];

	out->bytes_allocated = count(r, t, "totals", "bytes_allocated", OPT);
	out->live_bytes = count(r, t, "totals", "live_bytes", OPT);
	out->peak_live_bytes = count(r, t, "totals", "peak_live_bytes", OPT);
	out->eligible = count(r, t, "totals", "eligible", OPT);
	out->injected = count(r, t, "totals", "injected", OPT);
	out->real_failures = count(r, t, "totals", "real_failures", OPT);
	calls = member(r, t, "totals", "calls", T_OBJ, OPT);
	startup = member(r, t, "totals", "startup", T_OBJ, OPT);
	out->startup_calls = count(r, startup, "totals.startup", "calls", OPT);
	out->startup_bytes = count(r, startup, "totals.startup", "bytes", OPT);
	at_key(at, "totals", "calls");
	for (size_t i = 0; calls && i < calls->n; i++) {
		const char *key = calls->items[i]->key;
		uint64_t v = count(r, calls, at, key, REQ);

		/* An entry point this tool does not know is checked, not kept. */
		for (unsigned c = 0; c < FP_CALL_COUNT; c++)
			if (!strcmp(key, fp_call_name(c))) {
				out->calls[c] = v;
				out->calls_present |= FP_CALLBIT(c);
			}
	}
}

/* A report's seed is a number; a merged report's is null when the runs differ (@nullable). */
static void seed(struct fp_model_rd *r, const struct fp_json *obj, const char *where, unsigned nullable,
		 int *has, uint64_t *out, const char **text)
{
	const struct fp_json *s = member(r, obj, where, "seed", T_U64 | nullable, OPT);

	*has = !fp_json_u64(s, out);
	if (text)
		*text = *has ? s->text : NULL;
}

/* The run information of a report (@where "") or of a merged report's process. */
static void proc(struct fp_model_rd *r, const struct fp_json *j, const char *where,
		 struct fp_model_proc *p)
{
	const struct fp_json *argv;
	char at[AT_SIZE];

	p->pid = count(r, j, where, "pid", REQ);
	p->ppid = count(r, j, where, "ppid", OPT);
	p->exe = string(r, j, where, "exe", T_NULL, REQ);
	argv = member(r, j, where, "argv", T_ARR, OPT);
	p->argc = argv ? argv->n : 0;
	p->argv = alloc_array(r, p->argc, sizeof(*p->argv));
	at_key(at, where, "argv");
	for (size_t i = 0; i < p->argc && !r->failed; i++) {
		char ai[AT_SIZE];

		((const char **)p->argv)[i] = fp_json_str(argv->items[i]);
		if (!p->argv[i]) {
			at_index(ai, at, i);
			fail(r, ai, "", "is not a string");
		}
	}
	seed(r, j, where, 0, &p->has_seed, &p->seed, &p->seed_text);
	p->config = member(r, j, where, "config", T_OBJ, OPT);
	p->complete = member(r, j, where, "complete", T_BOOL, REQ) ?
		      fp_json_get(j, "complete")->boolean : 0;
	p->version = string(r, j, where, "version", 0, OPT);
	at_key(at, where, "exit");
	exit_(r, member(r, j, where, "exit", T_OBJ, REQ), at, &p->exit);
}

void fp_model_read_report(struct fp_model_rd *r, const struct fp_json *j)
{
	struct fp_model *m = r->m;
	struct fp_model_proc *p;

	m->kind = FP_MODEL_REPORT;
	m->nprocs = 1;
	m->procs = p = fp_model_alloc(m, sizeof(*p));
	p->report = m->path;
	proc(r, j, "", p);
	m->has_seed = p->has_seed;
	m->seed = p->seed;
	totals(r, j, "", &m->totals);
	p->injected = m->totals.injected;
	READ_ARRAY(r, j, "", "sites", REQ, m->sites, m->nsites, site);
	READ_ARRAY(r, j, "", "pools", REQ, m->pools, m->npools, pool);
	READ_ARRAY(r, j, "", "injections", REQ, m->injections, m->ninjections, injection);
	READ_ARRAY(r, j, "", "objects", OPT, m->objects, m->nobjects, object);
	m->has_series = fp_json_get(j, "series") != NULL;
	READ_ARRAY(r, j, "", "series", OPT, m->series, m->nseries, sample);
	p->crash = crash(r, j, "");
	p->injections = m->injections;
	p->ninjections = m->ninjections;
	p->series = m->series;
	p->nseries = m->nseries;
}

static void merged_proc(struct fp_model_rd *r, const struct fp_json *j, const char *at,
			struct fp_model_proc *p)
{
	p->report = string(r, j, at, "report", 0, REQ);
	proc(r, j, at, p);
	p->injected = count(r, j, at, "injected", OPT);
	p->crash = crash(r, j, at);
}

void fp_model_read_merged(struct fp_model_rd *r, const struct fp_json *j)
{
	struct fp_model *m = r->m;

	m->kind = FP_MODEL_MERGED;
	READ_ARRAY(r, j, "", "processes", REQ, m->procs, m->nprocs, merged_proc);
	seed(r, j, "", T_NULL, &m->has_seed, &m->seed, NULL);
	/* Its processes ran with it, so that merging this again keeps it. */
	for (size_t i = 0; i < m->nprocs && m->has_seed; i++) {
		m->procs[i].has_seed = 1;
		m->procs[i].seed = m->seed;
	}
	totals(r, j, "", &m->totals);
	READ_ARRAY(r, j, "", "sites", REQ, m->sites, m->nsites, site);
	READ_ARRAY(r, j, "", "pools", REQ, m->pools, m->npools, pool);
}
