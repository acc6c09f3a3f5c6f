/*
 * summary.json (doc/failpool-explore.schema.json): written at the end, or
 * when a signal stops the exploration, and read back by --resume and
 * --merge.
 */
#include "config.h"
#include "explore-out.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonw.h"
#include "parse.h"

static void json_stack(struct fp_jsonw *w, const struct fp_model_frames *frames, unsigned max)
{
	char *stack = frames ? fp_xstack(frames, max, 0) : NULL;

	if (stack)
		fp_jsonw_str(w, stack);
	else
		fp_jsonw_null(w);
	free(stack);
}

static void json_run(struct fp_jsonw *w, const struct fp_explore *x, const struct fp_xrun *r)
{
	fp_jsonw_obj_begin(w);
	fp_jsonw_key(w, "run");
	fp_jsonw_u64(w, r->index);
	fp_jsonw_key(w, "site");
	if (r->site)
		fp_jsonw_hex(w, r->site);
	else
		fp_jsonw_null(w);
	fp_jsonw_key(w, "nth");
	if (x->nth_mode && r->index)
		fp_jsonw_u64(w, r->nth);
	else
		fp_jsonw_null(w);
	fp_jsonw_key(w, "class");
	fp_jsonw_str(w, fp_xclass_name(r->index ? (int)r->cls : -1));
	fp_jsonw_key(w, "exit");
	fp_jsonw_obj_begin(w);
	fp_jsonw_key(w, "how");
	fp_jsonw_str(w, r->how == FP_X_TIMEOUT ? "timeout" : r->how == FP_X_SIGNAL ? "signal" : "exit");
	fp_jsonw_key(w, "code");
	if (r->how == FP_X_EXIT)
		fp_jsonw_i64(w, r->code);
	else
		fp_jsonw_null(w);
	fp_jsonw_key(w, "signal");
	if (r->how == FP_X_SIGNAL)
		fp_jsonw_i64(w, r->signal);
	else
		fp_jsonw_null(w);
	fp_jsonw_obj_end(w);
	fp_jsonw_key(w, "chain");
	fp_jsonw_arr_begin(w);
	for (unsigned i = 0; i + 1 < r->nchain; i++)
		fp_jsonw_hex(w, r->chain[i]);
	fp_jsonw_arr_end(w);
	fp_jsonw_key(w, "injected");
	fp_jsonw_u64(w, r->injected);
	fp_jsonw_key(w, "eligible");
	fp_jsonw_u64(w, r->eligible);
	fp_jsonw_key(w, "revealed");
	fp_jsonw_u64(w, r->revealed);
	fp_jsonw_key(w, "same_output");
	fp_jsonw_bool(w, r->same_output || !r->index);
	fp_jsonw_key(w, "seconds");
	fp_jsonw_double(w, r->seconds);
	fp_jsonw_key(w, "served");
	fp_jsonw_bool(w, r->served);
	fp_jsonw_obj_end(w);
}

static void json_finding(struct fp_jsonw *w, const struct fp_xfinding *f)
{
	const struct fp_xrun *r = f->first;

	fp_jsonw_obj_begin(w);
	fp_jsonw_key(w, "class");
	fp_jsonw_str(w, fp_xclass_name((int)r->cls));
	fp_jsonw_key(w, "fails");
	fp_jsonw_bool(w, f->fails);
	fp_jsonw_key(w, "signal");
	if (r->how == FP_X_SIGNAL)
		fp_jsonw_i64(w, r->signal);
	else
		fp_jsonw_null(w);
	fp_jsonw_key(w, "kind");
	if (r->crash_frames)
		fp_jsonw_str(w, r->crash_kind);
	else
		fp_jsonw_null(w);
	fp_jsonw_key(w, "site");
	if (r->site)
		fp_jsonw_hex(w, r->site);
	else
		fp_jsonw_null(w);
	fp_jsonw_key(w, "site_stack");
	json_stack(w, r->site_frames, 4);
	fp_jsonw_key(w, "crash_stack");
	json_stack(w, r->crash_frames, 8);
	fp_jsonw_key(w, "sites");
	fp_jsonw_arr_begin(w);
	for (unsigned i = 0; i < f->nruns; i++)
		if (f->runs[i]->site)
			fp_jsonw_hex(w, f->runs[i]->site);
	fp_jsonw_arr_end(w);
	fp_jsonw_key(w, "runs");
	fp_jsonw_arr_begin(w);
	for (unsigned i = 0; i < f->nruns; i++)
		fp_jsonw_u64(w, f->runs[i]->index);
	fp_jsonw_arr_end(w);
	fp_jsonw_key(w, "repro");
	fp_jsonw_str(w, f->repro);
	fp_jsonw_obj_end(w);
}

static void json_settings(struct fp_jsonw *w, const struct fp_xstate *s)
{
	const struct fp_explore *x = s->x;
	char shard[32];

	fp_jsonw_key(w, "mode");
	fp_jsonw_str(w, x->nth_mode ? "nth" : "sites");
	fp_jsonw_key(w, "persistent");
	fp_jsonw_bool(w, x->persistent);
	fp_jsonw_key(w, "depth");
	fp_jsonw_u64(w, x->depth);
	fp_jsonw_key(w, "cwd");
	fp_jsonw_str(w, x->cwd);
	fp_jsonw_key(w, "stdin");
	fp_jsonw_str(w, x->stdin_path ? x->stdin_path : "/dev/null");
	fp_jsonw_key(w, "aslr");
	fp_jsonw_bool(w, x->aslr);
	fp_jsonw_key(w, "timeout");
	fp_jsonw_double(w, (double)x->timeout_ns / 1e9);
	fp_jsonw_key(w, "fail_on");
	fp_jsonw_arr_begin(w);
	for (int c = 0; c < FP_X_NCLASS; c++)
		if (x->fail_on & (1u << c))
			fp_jsonw_str(w, fp_xclass_name(c));
	fp_jsonw_arr_end(w);
	fp_jsonw_key(w, "shard");
	snprintf(shard, sizeof(shard), "%u/%u", x->shard, x->nshards);
	if (x->nshards)
		fp_jsonw_str(w, shard);
	else
		fp_jsonw_null(w);
}

int fp_xsummary(struct fp_xstate *s, const struct fp_xfinding *f, unsigned nf, int fd)
{
	unsigned count[FP_X_NCLASS] = { 0 };
	struct fp_jsonw w;

	for (size_t i = 1; i < s->nruns; i++)
		count[s->runs[i].cls]++;
	fp_jsonw_init(&w, fd);
	fp_jsonw_obj_begin(&w);
	fp_jsonw_key(&w, "schema");
	fp_jsonw_str(&w, "failpool-explore/1");
	fp_jsonw_key(&w, "command");
	fp_jsonw_arr_begin(&w);
	for (char **a = s->x->cmd; *a; a++)
		fp_jsonw_str(&w, *a);
	fp_jsonw_arr_end(&w);
	json_settings(&w, s);
	fp_jsonw_key(&w, "sites");
	fp_jsonw_u64(&w, s->nsites);
	fp_jsonw_key(&w, "complete");
	fp_jsonw_bool(&w, !s->untried && !s->stopped_by);
	fp_jsonw_key(&w, "untried");
	fp_jsonw_u64(&w, s->untried);
	fp_jsonw_key(&w, "stopped_by");
	if (s->stopped_by)
		fp_jsonw_str(&w, fp_signal_name(s->stopped_by) ?: "signal");
	else
		fp_jsonw_null(&w);
	fp_jsonw_key(&w, "output_judged");
	fp_jsonw_bool(&w, s->judge_output);
	fp_jsonw_key(&w, "totals");
	fp_jsonw_obj_begin(&w);
	for (int c = 0; c < FP_X_NCLASS; c++) {
		fp_jsonw_key(&w, fp_xclass_name(c));
		fp_jsonw_u64(&w, count[c]);
	}
	fp_jsonw_obj_end(&w);
	fp_jsonw_key(&w, "runs");
	fp_jsonw_arr_begin(&w);
	for (size_t i = 0; i < s->nruns; i++)
		json_run(&w, s->x, &s->runs[i]);
	fp_jsonw_arr_end(&w);
	fp_jsonw_key(&w, "findings");
	fp_jsonw_arr_begin(&w);
	for (unsigned i = 0; i < nf; i++)
		json_finding(&w, &f[i]);
	fp_jsonw_arr_end(&w);
	fp_jsonw_obj_end(&w);
	return fp_jsonw_flush(&w) == 0 && write(fd, "\n", 1) == 1 ? 0 : -1;
}

struct fp_json *fp_xload_summary(const char *dir)
{
	char path[PATH_MAX + 32], err[256];
	struct fp_json *j;

	snprintf(path, sizeof(path), "%s/summary.json", dir);
	j = fp_json_load(path, err, sizeof(err));
	if (!j) {
		fprintf(stderr, "failpool: %s: %s\n", path, err);
		return NULL;
	}
	if (strcmp(fp_json_str(fp_json_get(j, "schema")) ?: "", "failpool-explore/1") ||
	    !fp_json_get(j, "runs") || fp_json_get(j, "runs")->type != FP_JSON_ARR) {
		fprintf(stderr, "failpool: %s: not a summary of failpool explore\n", path);
		fp_json_free(j);
		return NULL;
	}
	return j;
}
