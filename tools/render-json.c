/* `failpool report --format json`: the merged report (doc/failpool-merged.schema.json). */
#include "config.h"
#include "render.h"

#include <unistd.h>

#include "jsonw.h"

static void u64(struct fp_jsonw *w, const char *key, uint64_t v)
{
	fp_jsonw_key(w, key);
	fp_jsonw_u64(w, v);
}

static void str_or_null(struct fp_jsonw *w, const char *key, const char *s)
{
	fp_jsonw_key(w, key);
	if (s)
		fp_jsonw_str(w, s);
	else
		fp_jsonw_null(w);
}

/* Frames named offline: "symbol" filled in, with "file" and "line" (or null). */
static void frames(struct fp_jsonw *w, const char *key, const struct fp_model_frames *f)
{
	fp_jsonw_key(w, key);
	fp_jsonw_arr_begin(w);
	for (size_t k = 0; k < f->n; k++) {
		const struct fp_model_frame *fr = &f->v[k];

		fp_jsonw_obj_begin(w);
		str_or_null(w, "object", fr->object);
		str_or_null(w, "offset", fr->offset);
		str_or_null(w, "symbol", fr->symbol);
		str_or_null(w, "file", fr->file);
		fp_jsonw_key(w, "line");
		if (fr->file)
			fp_jsonw_u64(w, fr->line);
		else
			fp_jsonw_null(w);
		fp_jsonw_obj_end(w);
	}
	fp_jsonw_arr_end(w);
}

static void crash(struct fp_jsonw *w, const struct fp_model_crash *c)
{
	fp_jsonw_key(w, "crash");
	if (!c) {
		fp_jsonw_null(w);
		return;
	}
	fp_jsonw_obj_begin(w);
	u64(w, "signal", c->signal);
	str_or_null(w, "name", c->name);
	str_or_null(w, "kind", c->kind ? c->kind : fp_model_crash_kind_name(c->kindv));
	fp_jsonw_key(w, "last_injection_seq");
	if (c->has_last_injection_seq)
		fp_jsonw_u64(w, c->last_injection_seq);
	else
		fp_jsonw_null(w);
	frames(w, "frames", &c->frames);
	if (c->alloc_frames.present)
		frames(w, "alloc_frames", &c->alloc_frames);
	if (c->first_free_frames.present)
		frames(w, "first_free_frames", &c->first_free_frames);
	fp_jsonw_obj_end(w);
}

static void process(struct fp_jsonw *w, const struct fp_model_proc *p)
{
	fp_jsonw_obj_begin(w);
	str_or_null(w, "report", p->report);
	u64(w, "pid", p->pid);
	u64(w, "ppid", p->ppid);
	str_or_null(w, "exe", p->exe ? p->exe : "?");
	fp_jsonw_key(w, "complete");
	fp_jsonw_bool(w, p->complete);
	fp_jsonw_key(w, "exit");
	fp_jsonw_obj_begin(w);
	str_or_null(w, "how", p->exit.how);
	fp_jsonw_key(w, "code");
	if (p->exit.has_code)
		fp_jsonw_i64(w, p->exit.code);
	else
		fp_jsonw_null(w);
	fp_jsonw_key(w, "signal");
	if (p->exit.signal)
		fp_jsonw_i64(w, p->exit.signal);
	else
		fp_jsonw_null(w);
	fp_jsonw_obj_end(w);
	u64(w, "injected", p->injected);
	crash(w, p->crash);
	fp_jsonw_obj_end(w);
}

static void totals(struct fp_jsonw *w, const struct fp_model_totals *t)
{
	fp_jsonw_key(w, "totals");
	fp_jsonw_obj_begin(w);
	fp_jsonw_key(w, "calls");
	fp_jsonw_obj_begin(w);
	for (unsigned c = 0; c < FP_CALL_COUNT; c++)
		u64(w, fp_call_name(c), t->calls[c]);
	fp_jsonw_obj_end(w);
	u64(w, "bytes_allocated", t->bytes_allocated);
	u64(w, "live_bytes", t->live_bytes);
	u64(w, "peak_live_bytes", t->peak_live_bytes);
	u64(w, "eligible", t->eligible);
	u64(w, "injected", t->injected);
	u64(w, "real_failures", t->real_failures);
	fp_jsonw_obj_end(w);
}

static void site(struct fp_jsonw *w, const struct fp_model_site *s)
{
	fp_jsonw_obj_begin(w);
	fp_jsonw_key(w, "id");
	fp_jsonw_hex(w, s->id);
	frames(w, "frames", &s->frames);
	u64(w, "calls", s->calls);
	u64(w, "bytes", s->bytes);
	u64(w, "injected", s->injected);
	str_or_null(w, "pool", s->pool);
	fp_jsonw_obj_end(w);
}

static void pool(struct fp_jsonw *w, const struct fp_model_pool *p)
{
	int floor;
	uint64_t sug = fp_model_pool_suggest(p, &floor);

	fp_jsonw_obj_begin(w);
	str_or_null(w, "name", p->name);
	u64(w, "min", p->min);
	u64(w, "size", p->size);
	u64(w, "curr", p->curr);
	u64(w, "low", p->low);
	u64(w, "allocs", p->allocs);
	u64(w, "hits", p->hits);
	u64(w, "refills", p->refills);
	u64(w, "waits", p->waits);
	u64(w, "wait_ns_total", p->wait_ns_total);
	u64(w, "wait_ns_max", p->wait_ns_max);
	u64(w, "exhausted", p->exhausted);
	u64(w, "oversize", p->oversize);
	u64(w, "processes", p->processes);
	u64(w, "suggested_min", sug);
	fp_jsonw_key(w, "suggested_min_is_floor");
	fp_jsonw_bool(w, floor);
	fp_jsonw_obj_end(w);
}

int fp_render_model_json(int fd, const struct fp_model *m)
{
	struct fp_jsonw w;

	fp_jsonw_init(&w, fd);
	fp_jsonw_obj_begin(&w);
	fp_jsonw_key(&w, "schema");
	fp_jsonw_str(&w, "failpool-merged/1");
	fp_jsonw_key(&w, "processes");
	fp_jsonw_arr_begin(&w);
	for (size_t i = 0; i < m->nprocs; i++)
		process(&w, &m->procs[i]);
	fp_jsonw_arr_end(&w);
	fp_jsonw_key(&w, "seed");
	if (m->has_seed)
		fp_jsonw_u64(&w, m->seed);
	else
		fp_jsonw_null(&w);
	totals(&w, &m->totals);
	fp_jsonw_key(&w, "sites");
	fp_jsonw_arr_begin(&w);
	for (size_t i = 0; i < m->nsites; i++)
		site(&w, &m->sites[i]);
	fp_jsonw_arr_end(&w);
	fp_jsonw_key(&w, "pools");
	fp_jsonw_arr_begin(&w);
	for (size_t i = 0; i < m->npools; i++)
		pool(&w, &m->pools[i]);
	fp_jsonw_arr_end(&w);
	fp_jsonw_obj_end(&w);
	if (fp_jsonw_flush(&w))
		return -1;
	return write(fd, "\n", 1) == 1 ? 0 : -1;
}
