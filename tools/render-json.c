/* `failpool report --format json`: the merged report. */
#include "config.h"
#include "render.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonw.h"
#include "lines.h"

/* A parsed value written back as it was. */
static void copy(struct fp_jsonw *w, const struct fp_json *j)
{
	if (!j) {
		fp_jsonw_null(w);
		return;
	}
	switch (j->type) {
	case FP_JSON_NULL:
		fp_jsonw_null(w);
		break;
	case FP_JSON_BOOL:
		fp_jsonw_bool(w, j->boolean);
		break;
	case FP_JSON_NUM: {
		uint64_t v;

		if (!fp_json_u64(j, &v))
			fp_jsonw_u64(w, v);
		else {
			double d = 0;

			fp_json_double(j, &d);
			fp_jsonw_double(w, d);
		}
		break;
	}
	case FP_JSON_STR:
		fp_jsonw_strn(w, j->text, j->len);
		break;
	case FP_JSON_ARR:
		fp_jsonw_arr_begin(w);
		for (size_t i = 0; i < j->n; i++)
			copy(w, j->items[i]);
		fp_jsonw_arr_end(w);
		break;
	case FP_JSON_OBJ:
		fp_jsonw_obj_begin(w);
		for (size_t i = 0; i < j->n; i++) {
			fp_jsonw_key(w, j->items[i]->key);
			copy(w, j->items[i]);
		}
		fp_jsonw_obj_end(w);
		break;
	}
}

/* Frames named offline ("symbol" filled in), with "file" and "line" (or null). */
static void frames(struct fp_jsonw *w, const struct fp_json *f)
{
	fp_jsonw_arr_begin(w);
	for (size_t k = 0; f && f->type == FP_JSON_ARR && k < f->n; k++) {
		const struct fp_json *fr = f->items[k];
		struct fp_frame_name n;

		fp_lines_get(fr, &n);
		fp_jsonw_obj_begin(w);
		for (size_t i = 0; i < fr->n; i++) {
			const char *key = fr->items[i]->key;

			if (!strcmp(key, "file") || !strcmp(key, "line"))
				continue;
			fp_jsonw_key(w, key);
			if (!strcmp(key, "symbol") && n.symbol)
				fp_jsonw_str(w, n.symbol);
			else
				copy(w, fr->items[i]);
		}
		fp_jsonw_key(w, "file");
		if (n.file)
			fp_jsonw_str(w, n.file);
		else
			fp_jsonw_null(w);
		fp_jsonw_key(w, "line");
		if (n.file)
			fp_jsonw_u64(w, n.line);
		else
			fp_jsonw_null(w);
		fp_jsonw_obj_end(w);
	}
	fp_jsonw_arr_end(w);
}

static void u64(struct fp_jsonw *w, const char *key, uint64_t v)
{
	fp_jsonw_key(w, key);
	fp_jsonw_u64(w, v);
}

int fp_render_json(int fd, const struct fp_merged *m)
{
	struct fp_jsonw w;

	fp_jsonw_init(&w, fd);
	fp_jsonw_obj_begin(&w);
	fp_jsonw_key(&w, "schema");
	fp_jsonw_str(&w, "failpool-merged/1");
	fp_jsonw_key(&w, "processes");
	fp_jsonw_arr_begin(&w);
	for (size_t i = 0; i < m->ndocs; i++) {
		const struct fp_mproc *p = &m->procs[i];

		fp_jsonw_obj_begin(&w);
		fp_jsonw_key(&w, "report");
		fp_jsonw_str(&w, p->path);
		u64(&w, "pid", p->pid);
		u64(&w, "ppid", p->ppid);
		fp_jsonw_key(&w, "exe");
		fp_jsonw_str(&w, p->exe ? p->exe : "?");
		fp_jsonw_key(&w, "complete");
		fp_jsonw_bool(&w, p->complete);
		fp_jsonw_key(&w, "exit");
		copy(&w, fp_json_get(m->docs[i], "exit"));
		u64(&w, "injected", p->injected);
		fp_jsonw_key(&w, "crash");
		if (p->crash) {
			const struct fp_json *c = p->crash;

			fp_jsonw_obj_begin(&w);
			for (size_t k = 0; k < c->n; k++) {
				fp_jsonw_key(&w, c->items[k]->key);
				if (fp_lines_is_frames(c->items[k]))
					frames(&w, c->items[k]);
				else
					copy(&w, c->items[k]);
			}
			fp_jsonw_obj_end(&w);
		} else {
			fp_jsonw_null(&w);
		}
		fp_jsonw_obj_end(&w);
	}
	fp_jsonw_arr_end(&w);
	fp_jsonw_key(&w, "seed");
	if (m->seed)
		copy(&w, fp_json_get(m->docs[0], "seed"));
	else
		fp_jsonw_null(&w);
	fp_jsonw_key(&w, "totals");
	fp_jsonw_obj_begin(&w);
	fp_jsonw_key(&w, "calls");
	fp_jsonw_obj_begin(&w);
	for (unsigned c = 0; c < FP_CALL_COUNT; c++)
		u64(&w, fp_call_name(c), m->calls[c]);
	fp_jsonw_obj_end(&w);
	u64(&w, "bytes_allocated", m->bytes);
	u64(&w, "live_bytes", m->live);
	u64(&w, "peak_live_bytes", m->peak);
	u64(&w, "eligible", m->eligible);
	u64(&w, "injected", m->injected);
	u64(&w, "real_failures", m->real_failures);
	fp_jsonw_obj_end(&w);
	fp_jsonw_key(&w, "sites");
	fp_jsonw_arr_begin(&w);
	for (size_t i = 0; i < m->nsites; i++) {
		const struct fp_msite *s = &m->sites[i];

		fp_jsonw_obj_begin(&w);
		fp_jsonw_key(&w, "id");
		fp_jsonw_hex(&w, s->id);
		fp_jsonw_key(&w, "frames");
		frames(&w, s->frames);
		u64(&w, "calls", s->calls);
		u64(&w, "bytes", s->bytes);
		u64(&w, "injected", s->injected);
		fp_jsonw_key(&w, "pool");
		if (s->pool)
			fp_jsonw_str(&w, s->pool);
		else
			fp_jsonw_null(&w);
		fp_jsonw_obj_end(&w);
	}
	fp_jsonw_arr_end(&w);
	fp_jsonw_key(&w, "pools");
	fp_jsonw_arr_begin(&w);
	for (size_t i = 0; i < m->npools; i++) {
		const struct fp_mpool *p = &m->pools[i];
		int floor;
		uint64_t sug = fp_mpool_suggest(p, &floor);

		fp_jsonw_obj_begin(&w);
		fp_jsonw_key(&w, "name");
		fp_jsonw_str(&w, p->name);
		u64(&w, "min", p->min);
		u64(&w, "size", p->size);
		u64(&w, "curr", p->curr);
		u64(&w, "low", p->low);
		u64(&w, "allocs", p->allocs);
		u64(&w, "hits", p->hits);
		u64(&w, "refills", p->refills);
		u64(&w, "waits", p->waits);
		u64(&w, "wait_ns_total", p->wait_ns_total);
		u64(&w, "wait_ns_max", p->wait_ns_max);
		u64(&w, "exhausted", p->exhausted);
		u64(&w, "oversize", p->oversize);
		u64(&w, "processes", p->processes);
		u64(&w, "suggested_min", sug);
		fp_jsonw_key(&w, "suggested_min_is_floor");
		fp_jsonw_bool(&w, floor);
		fp_jsonw_obj_end(&w);
	}
	fp_jsonw_arr_end(&w);
	fp_jsonw_obj_end(&w);
	if (fp_jsonw_flush(&w))
		return -1;
	return write(fd, "\n", 1) == 1 ? 0 : -1;
}
