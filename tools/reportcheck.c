/* Types of a report's values (see reportcheck.h). */
#include "config.h"
#include "reportcheck.h"

#include <stdint.h>
#include <stdio.h>
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

struct ctx {
	char *why;
	size_t size;
};

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

static int fail(struct ctx *c, const char *where, const char *key, const char *what)
{
	snprintf(c->why, c->size, "%s%s%s %s", where, *where && *key ? "." : "", key, what);
	return -1;
}

/* @obj's member @key (@where: the path to @obj) is one of @types. */
static int member(struct ctx *c, const struct fp_json *obj, const char *where, const char *key,
		  unsigned types, int required, const struct fp_json **out)
{
	const struct fp_json *v = fp_json_get(obj, key);
	char what[96];

	if (out)
		*out = v;
	if (!v)
		return required ? fail(c, where, key, "is missing") : 0;
	if (!is(v, types)) {
		snprintf(what, sizeof(what), "is not %s", expected(types));
		return fail(c, where, key, what);
	}
	return 0;
}

/* Every listed member of @obj that is there is a non-negative integer. */
static int counts(struct ctx *c, const struct fp_json *obj, const char *where,
		  const char *const *keys, int required)
{
	for (unsigned i = 0; keys[i]; i++)
		if (member(c, obj, where, keys[i], T_U64, required, NULL))
			return -1;
	return 0;
}

/* Each element of @arr is an object; @each checks it. */
static int elements(struct ctx *c, const struct fp_json *arr, const char *where,
		    int (*each)(struct ctx *, const struct fp_json *, const char *))
{
	char at[160];

	for (size_t i = 0; arr && i < arr->n; i++) {
		if (snprintf(at, sizeof(at), "%s[%zu]", where, i) >= (int)sizeof(at))
			at[sizeof(at) - 1] = '\0';
		if (arr->items[i]->type != FP_JSON_OBJ) {
			snprintf(c->why, c->size, "%s is not an object", at);
			return -1;
		}
		if (each && each(c, arr->items[i], at))
			return -1;
	}
	return 0;
}

static int frame(struct ctx *c, const struct fp_json *f, const char *at)
{
	return member(c, f, at, "object", T_STR, REQ, NULL) ||
	       member(c, f, at, "offset", T_STR, REQ, NULL) ||
	       member(c, f, at, "symbol", T_STR | T_NULL, OPT, NULL) ||
	       member(c, f, at, "file", T_STR | T_NULL, OPT, NULL) ||
	       member(c, f, at, "line", T_U64 | T_NULL, OPT, NULL) ? -1 : 0;
}

static int frames(struct ctx *c, const struct fp_json *obj, const char *where, const char *key,
		  int required)
{
	const struct fp_json *f;
	char at[160];

	if (member(c, obj, where, key, T_ARR, required, &f))
		return -1;
	if (snprintf(at, sizeof(at), "%s%s%s", where, *where ? "." : "", key) >= (int)sizeof(at))
		at[sizeof(at) - 1] = '\0';
	return elements(c, f, at, frame);
}

static int site(struct ctx *c, const struct fp_json *s, const char *at)
{
	static const char *const keys[] = { "calls", "bytes", "injected", NULL };

	return member(c, s, at, "id", T_STR, REQ, NULL) || frames(c, s, at, "frames", REQ) ||
	       counts(c, s, at, keys, OPT) ||
	       member(c, s, at, "pool", T_STR | T_NULL, OPT, NULL) ? -1 : 0;
}

static int pool(struct ctx *c, const struct fp_json *p, const char *at)
{
	static const char *const keys[] = { "min", "size", "curr", "low", "allocs", "hits",
					    "refills", "waits", "wait_ns_total", "wait_ns_max",
					    "exhausted", "oversize", NULL };

	return member(c, p, at, "name", T_STR, REQ, NULL) || counts(c, p, at, keys, OPT);
}

static int injection(struct ctx *c, const struct fp_json *i, const char *at)
{
	return member(c, i, at, "seq", T_U64, OPT, NULL) ||
	       member(c, i, at, "call", T_STR, OPT, NULL) ||
	       member(c, i, at, "size", T_U64, OPT, NULL) ||
	       member(c, i, at, "site", T_STR | T_NULL, OPT, NULL) ? -1 : 0;
}

static int object(struct ctx *c, const struct fp_json *o, const char *at)
{
	return member(c, o, at, "name", T_STR, OPT, NULL) ||
	       member(c, o, at, "path", T_STR | T_NULL, OPT, NULL) ? -1 : 0;
}

/* A sample of the run over time: numbers, not necessarily integers. */
static int sample(struct ctx *c, const struct fp_json *s, const char *at)
{
	static const char *const keys[] = { "ms", "live_bytes", "injected", NULL };
	const struct fp_json *pools;
	char in[192];

	for (unsigned i = 0; keys[i]; i++)
		if (member(c, s, at, keys[i], T_NUM, OPT, NULL))
			return -1;
	if (member(c, s, at, "pools", T_OBJ, OPT, &pools))
		return -1;
	if (snprintf(in, sizeof(in), "%s.pools", at) >= (int)sizeof(in))
		in[sizeof(in) - 1] = '\0';
	for (size_t i = 0; pools && i < pools->n; i++)
		if (member(c, pools, in, pools->items[i]->key, T_NUM, REQ, NULL))
			return -1;
	return 0;
}

static int string_array(struct ctx *c, const struct fp_json *arr, const char *where)
{
	for (size_t i = 0; arr && i < arr->n; i++)
		if (arr->items[i]->type != FP_JSON_STR) {
			snprintf(c->why, c->size, "%s[%zu] is not a string", where, i);
			return -1;
		}
	return 0;
}

int fp_report_check(const struct fp_json *j, char *why, size_t size)
{
	static const char *const totals_keys[] = { "bytes_allocated", "live_bytes",
						   "peak_live_bytes", "eligible", "injected",
						   "real_failures", NULL };
	static const char *const startup_keys[] = { "calls", "bytes", NULL };
	static const char *const crash_keys[] = { "signal", NULL };
	struct ctx c = { why, size };
	const struct fp_json *t, *calls, *argv, *sites, *pools, *inj, *crash, *exit_, *series,
		*objects, *startup;

	if (member(&c, j, "", "pid", T_U64, REQ, NULL) ||
	    member(&c, j, "", "ppid", T_U64, OPT, NULL) ||
	    member(&c, j, "", "exe", T_STR, REQ, NULL) ||
	    member(&c, j, "", "argv", T_ARR, OPT, &argv) || string_array(&c, argv, "argv") ||
	    member(&c, j, "", "seed", T_U64, OPT, NULL) ||
	    member(&c, j, "", "config", T_OBJ, OPT, NULL) ||
	    member(&c, j, "", "complete", T_BOOL, REQ, NULL) ||
	    member(&c, j, "", "version", T_STR, OPT, NULL))
		return -1;
	if (member(&c, j, "", "exit", T_OBJ, REQ, &exit_) ||
	    member(&c, exit_, "exit", "how", T_STR, REQ, NULL) ||
	    member(&c, exit_, "exit", "code", T_U64 | T_NULL, OPT, NULL) ||
	    member(&c, exit_, "exit", "signal", T_U64 | T_NULL, OPT, NULL))
		return -1;
	if (member(&c, j, "", "totals", T_OBJ, REQ, &t) ||
	    counts(&c, t, "totals", totals_keys, OPT) ||
	    member(&c, t, "totals", "calls", T_OBJ, OPT, &calls) ||
	    member(&c, t, "totals", "startup", T_OBJ, OPT, &startup) ||
	    (startup && counts(&c, startup, "totals.startup", startup_keys, OPT)))
		return -1;
	for (size_t i = 0; calls && i < calls->n; i++)
		if (member(&c, calls, "totals.calls", calls->items[i]->key, T_U64, REQ, NULL))
			return -1;
	if (member(&c, j, "", "sites", T_ARR, REQ, &sites) || elements(&c, sites, "sites", site) ||
	    member(&c, j, "", "pools", T_ARR, REQ, &pools) || elements(&c, pools, "pools", pool) ||
	    member(&c, j, "", "injections", T_ARR, REQ, &inj) ||
	    elements(&c, inj, "injections", injection) ||
	    member(&c, j, "", "objects", T_ARR, OPT, &objects) ||
	    elements(&c, objects, "objects", object) ||
	    member(&c, j, "", "series", T_ARR, OPT, &series) || elements(&c, series, "series", sample))
		return -1;
	if (member(&c, j, "", "crash", T_OBJ | T_NULL, OPT, &crash))
		return -1;
	if (crash && crash->type == FP_JSON_OBJ &&
	    (counts(&c, crash, "crash", crash_keys, OPT) ||
	     member(&c, crash, "crash", "name", T_STR, OPT, NULL) ||
	     member(&c, crash, "crash", "kind", T_STR, OPT, NULL) ||
	     member(&c, crash, "crash", "last_injection_seq", T_U64 | T_NULL, OPT, NULL) ||
	     frames(&c, crash, "crash", "frames", OPT) ||
	     frames(&c, crash, "crash", "alloc_frames", OPT) ||
	     frames(&c, crash, "crash", "first_free_frames", OPT)))
		return -1;
	return 0;
}
