/*
 * The report's "config" object, derived from lib/vars.def: each row's key
 * is written with the put_<key>() below; a row without one does not build.
 */
#include "config.h"
#include "report-config.h"

#include "fp.h"
#include "parse.h"

struct config_src {
	const struct fp_conf *c;
	uint64_t seed;
};

static void u64_or_null(struct fp_jsonw *w, uint64_t v, int present)
{
	if (present)
		fp_jsonw_u64(w, v);
	else
		fp_jsonw_null(w);
}

/* "" (unset) is written as null. */
static void str_or_null(struct fp_jsonw *w, const char *v)
{
	if (v && *v)
		fp_jsonw_str(w, v);
	else
		fp_jsonw_null(w);
}

/*
 * One writer per key of lib/vars.def. Context (all of them): any, signal
 * handlers included (no allocation, no locks).
 */
static void put_rate(struct fp_jsonw *w, const struct config_src *s)
{
	fp_jsonw_double(w, s->c->rate);
}

static void put_seed(struct fp_jsonw *w, const struct config_src *s)
{
	fp_jsonw_u64(w, s->seed);
}

static void put_every(struct fp_jsonw *w, const struct config_src *s)
{
	u64_or_null(w, s->c->every, s->c->every != 0);
}

static void put_after(struct fp_jsonw *w, const struct config_src *s)
{
	fp_jsonw_u64(w, s->c->after);
}

static void put_nth(struct fp_jsonw *w, const struct config_src *s)
{
	u64_or_null(w, s->c->nth, s->c->nth != 0);
}

static void put_burst(struct fp_jsonw *w, const struct config_src *s)
{
	if (s->c->burst == FP_UNLIMITED)
		fp_jsonw_str(w, "inf");
	else
		fp_jsonw_u64(w, s->c->burst);
}

static void put_times(struct fp_jsonw *w, const struct config_src *s)
{
	u64_or_null(w, s->c->times, s->c->times != FP_UNLIMITED);
}

static void put_limit(struct fp_jsonw *w, const struct config_src *s)
{
	u64_or_null(w, s->c->limit, s->c->limit_set);
}

static void put_calls(struct fp_jsonw *w, const struct config_src *s)
{
	fp_jsonw_arr_begin(w);
	for (unsigned i = 0; i < FP_CALL_COUNT; i++)
		if (s->c->calls & FP_CALLBIT(i))
			fp_jsonw_str(w, fp_call_name(i));
	fp_jsonw_arr_end(w);
}

static void put_sites(struct fp_jsonw *w, const struct config_src *s)
{
	str_or_null(w, s->c->sites);
}

static void put_pools(struct fp_jsonw *w, const struct config_src *s)
{
	str_or_null(w, s->c->pools);
}

static void put_depth(struct fp_jsonw *w, const struct config_src *s)
{
	fp_jsonw_u64(w, s->c->depth);
}

static void put_report(struct fp_jsonw *w, const struct config_src *s)
{
	str_or_null(w, s->c->report);
}

static void put_log(struct fp_jsonw *w, const struct config_src *s)
{
	str_or_null(w, s->c->log);
}

static void put_exe(struct fp_jsonw *w, const struct config_src *s)
{
	str_or_null(w, s->c->exe);
}

static void put_enable(struct fp_jsonw *w, const struct config_src *s)
{
	fp_jsonw_u64(w, (uint64_t)s->c->enable);
}

static void put_toggle_signal(struct fp_jsonw *w, const struct config_src *s)
{
	str_or_null(w, s->c->toggle_signal ? fp_signal_name(s->c->toggle_signal) : NULL);
}

static void put_verbose(struct fp_jsonw *w, const struct config_src *s)
{
	fp_jsonw_u64(w, (uint64_t)s->c->verbose);
}

static void put_check(struct fp_jsonw *w, const struct config_src *s)
{
	fp_jsonw_str(w, s->c->check == FP_CHECK_FREES ? "frees" : "none");
}

void fp_report_config(struct fp_jsonw *w, const struct fp_conf *c, uint64_t seed)
{
	const struct config_src s = { .c = c, .seed = seed };

	fp_jsonw_obj_begin(w);
#define FP_VAR(NAME, key, load, flag, metavar, use, help)	\
	fp_jsonw_key(w, #key);					\
	put_##key(w, &s);
#include "vars.def"
#undef FP_VAR
	fp_jsonw_obj_end(w);
}
