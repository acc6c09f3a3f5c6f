/*
 * The explore engine. Order is deterministic whatever --jobs says: runs go
 * out in batches taken from the queue in order, their results are read in
 * run order, and the sites a run reveals join the queue sorted by id.
 */
#include "config.h"
#include "explore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmds.h"
#include "explore-out.h"
#include "json.h"
#include "lines.h"
#include "options.h"
#include "runner.h"

struct state {
	const struct fp_explore *x;
	struct fp_xsite *sites;		/* in discovery order (the queue) */
	size_t nsites, cap;
	uint64_t *seen;			/* open addressing over ids, 0 = empty */
	size_t seen_cap, seen_n;
	struct fp_xrun *runs;
	size_t nruns;
	int base_code;
	uint64_t base_eligible;
};

static int seen_add(struct state *s, uint64_t id)
{
	if (!id)
		id = 1;
	/* Its own count: a run's new sites join the queue only after the whole run is read. */
	if (2 * (s->seen_n + 1) > s->seen_cap) {
		size_t cap = s->seen_cap ? s->seen_cap * 2 : 1024;
		uint64_t *t = calloc(cap, sizeof(*t));

		if (!t)
			return -1;
		for (size_t i = 0; i < s->seen_cap; i++)
			for (size_t k = s->seen[i] % cap; s->seen[i]; k = (k + 1) % cap)
				if (!t[k]) {
					t[k] = s->seen[i];
					break;
				}
		free(s->seen);
		s->seen = t;
		s->seen_cap = cap;
	}
	for (size_t k = id % s->seen_cap;; k = (k + 1) % s->seen_cap) {
		if (s->seen[k] == id)
			return 0;
		if (!s->seen[k]) {
			s->seen[k] = id;
			s->seen_n++;
			return 1;
		}
	}
}

/* "sym (obj) < sym (obj) < ..." for up to @max frames. */
char *fp_xstack(const struct fp_json *frames, unsigned max)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; frames && frames->type == FP_JSON_ARR && i < frames->n && i < max; i++) {
		char name[1024];

		fp_lines_frame(name, sizeof(name), frames->items[i], 0);
		fprintf(f, "%s%s", i ? " < " : "", name);
	}
	fclose(f);
	return buf;
}

/* The crash record's identity: signal and the frames' (object, offset). */
static char *crash_key(const struct fp_json *crash)
{
	const struct fp_json *frames = fp_json_get(crash, "frames");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "%" PRIu64, fp_json_path_u64(crash, "signal", 0));
	for (size_t i = 0; frames && frames->type == FP_JSON_ARR && i < frames->n && i < 8; i++)
		fprintf(f, "|%s+%s", fp_json_str(fp_json_get(frames->items[i], "object")) ?: "?",
			fp_json_str(fp_json_get(frames->items[i], "offset")) ?: "?");
	fclose(f);
	return buf;
}

static int by_id(const void *a, const void *b)
{
	const struct fp_xsite *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Name offline the frames of report @j that fp_xstack() shows and it left unnamed. */
static void name_frames(const struct fp_json *j)
{
	const struct fp_json *sites = fp_json_get(j, "sites");

	fp_lines_objects(fp_json_get(j, "objects"));
	fp_lines_want(fp_json_path(j, "crash.frames"), 6, 0);
	for (size_t i = 0; sites && sites->type == FP_JSON_ARR && i < sites->n; i++)
		fp_lines_want(fp_json_get(sites->items[i], "frames"), 4, 0);
	fp_lines_run();
}

/* Read every report of run @r (its directory); new sites join the queue. */
static void read_run(struct state *s, struct fp_xrun *r, const char *dir)
{
	struct fp_xsite *fresh = NULL;
	size_t nfresh = 0, cap = 0;
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		char path[PATH_MAX + 300], err[256];
		const struct fp_json *sites, *crash;
		struct fp_json *j;
		size_t n = strlen(e->d_name);

		if (n < 6 || strcmp(e->d_name + n - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!(j = fp_json_load(path, err, sizeof(err))))
			continue;
		r->injected += fp_json_path_u64(j, "totals.injected", 0);
		if (fp_json_path_u64(j, "pid", 0) == (uint64_t)r->pid)
			r->eligible = fp_json_path_u64(j, "totals.eligible", 0);
		crash = fp_json_get(j, "crash");
		name_frames(j);
		if (crash && crash->type == FP_JSON_OBJ && !r->crash_key) {
			r->crash_key = crash_key(crash);
			r->crash_stack = fp_xstack(fp_json_get(crash, "frames"), 6);
			r->crash_signal = (int)fp_json_path_u64(crash, "signal", 0);
		}
		if (!r->site && fp_json_path(j, "injections.0.site"))
			r->site = strtoull(fp_json_str(fp_json_path(j, "injections.0.site")) ?: "0", NULL, 16);
		sites = fp_json_get(j, "sites");
		for (size_t i = 0; sites && sites->type == FP_JSON_ARR && i < sites->n; i++) {
			const struct fp_json *site = sites->items[i];
			uint64_t id = strtoull(fp_json_str(fp_json_get(site, "id")) ?: "0", NULL, 16);

			if (r->site == id && !r->site_stack)
				r->site_stack = fp_xstack(fp_json_get(site, "frames"), 4);
			if (seen_add(s, id) != 1)
				continue;
			if (nfresh == cap) {
				cap = cap ? cap * 2 : 64;
				fresh = realloc(fresh, cap * sizeof(*fresh));
				if (!fresh)
					exit(FP_EXIT_USAGE);
			}
			fresh[nfresh].id = id;
			fresh[nfresh].stack = fp_xstack(fp_json_get(site, "frames"), 4);
			fresh[nfresh].found_by = r->index;
			/*
			 * Seen only because this run failed its sites: failing it
			 * needs them failed first, on the way to it.
			 */
			fresh[nfresh].nchain = 0;
			if (r->index && r->nchain < FP_X_CHAIN) {
				memcpy(fresh[nfresh].chain, r->chain, r->nchain * sizeof(r->chain[0]));
				fresh[nfresh].nchain = r->nchain;
			}
			fresh[nfresh].chain[fresh[nfresh].nchain++] = id;
			nfresh++;
		}
		fp_json_free(j);
	}
	if (d)
		closedir(d);
	qsort(fresh, nfresh, sizeof(*fresh), by_id);
	if (s->nsites + nfresh > s->cap) {
		s->cap = (s->nsites + nfresh) * 2;
		s->sites = realloc(s->sites, s->cap * sizeof(*s->sites));
		if (!s->sites)
			exit(FP_EXIT_USAGE);
	}
	memcpy(s->sites + s->nsites, fresh, nfresh * sizeof(*fresh));
	s->nsites += nfresh;
	r->revealed = nfresh;
	free(fresh);
}

static void classify(const struct state *s, struct fp_xrun *r, const struct fp_run *p)
{
	if (p->timed_out) {
		r->cls = FP_X_HUNG;
	} else if (WIFSIGNALED(p->status)) {
		r->cls = FP_X_CRASHED;
		r->signal = WTERMSIG(p->status);
	} else {
		r->code = WEXITSTATUS(p->status);
		r->cls = r->code == s->base_code ? FP_X_SURVIVED : FP_X_HANDLED;
	}
	r->seconds = p->seconds;
}

static int run_dir(const struct fp_explore *x, unsigned index, char *dir, size_t size)
{
	snprintf(dir, size, "%s/runs/%04u", x->out, index);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	return 0;
}

/* Start run @r in @p: its site or index, its report directory. */
static int start(struct state *s, struct fp_xrun *r, struct fp_run *p)
{
	const struct fp_explore *x = s->x;
	char dir[PATH_MAX], out[PATH_MAX + 16];
	char *vars[6] = { NULL };
	unsigned n = 0;
	int rc;

	if (run_dir(x, r->index, dir, sizeof(dir)))
		return -1;
	snprintf(out, sizeof(out), "%s/output", dir);
	if (asprintf(&vars[n++], "FAILPOOL_REPORT=%s/%%p.json", dir) < 0)
		return -1;
	if (r->index) {
		if (x->nth_mode) {
			rc = asprintf(&vars[n++], "FAILPOOL_NTH=%" PRIu64, r->nth);
		} else {
			char rules[FP_X_CHAIN * 24] = "";

			for (unsigned i = 0; i < r->nchain; i++)
				snprintf(rules + strlen(rules), sizeof(rules) - strlen(rules),
					 "%ssite:%016" PRIx64, i ? ";" : "", r->chain[i]);
			/* The first allocation at each site of the chain, in turn. */
			if ((rc = asprintf(&vars[n++], "FAILPOOL_SITES=%s", rules)) >= 0)
				rc = asprintf(&vars[n++], "FAILPOOL_NTH=1");
			if (rc >= 0 && r->nchain > 1 && !x->persistent)
				rc = asprintf(&vars[n++], "FAILPOOL_BURST=%u", r->nchain);
		}
		if (rc < 0)
			return -1;
		if (x->persistent)
			vars[n++] = strdup("FAILPOOL_BURST=inf");
	}
	rc = fp_run_start(p, x->cmd, x->preload, vars, fp_opts_passed(FP_VAR_EXPLORE), out);
	r->pid = p->pid;
	/* putenv() kept the strings in the child only: ours can go. */
	for (unsigned i = 0; i < n; i++)
		free(vars[i]);
	return rc;
}

static int batch(struct state *s, size_t first, size_t count)
{
	struct fp_run procs[FP_EXPLORE_JOBS_MAX];
	char dir[PATH_MAX];

	for (size_t i = 0; i < count; i++)
		if (start(s, &s->runs[first + i], &procs[i])) {
			fprintf(stderr, "failpool: cannot start run %zu: %s\n", first + i, strerror(errno));
			return -1;
		}
	fp_run_wait(procs, (unsigned)count, s->x->timeout_ns);
	for (size_t i = 0; i < count; i++) {
		struct fp_xrun *r = &s->runs[first + i];

		classify(s, r, &procs[i]);
		run_dir(s->x, r->index, dir, sizeof(dir));
		read_run(s, r, dir);
	}
	return 0;
}

static struct fp_xrun *new_run(struct state *s)
{
	struct fp_xrun *r;

	s->runs = realloc(s->runs, (s->nruns + 1) * sizeof(*s->runs));
	if (!s->runs)
		exit(FP_EXIT_USAGE);
	r = &s->runs[s->nruns];
	memset(r, 0, sizeof(*r));
	r->index = (unsigned)s->nruns++;
	return r;
}

int fp_explore(const struct fp_explore *x)
{
	struct state s = { .x = x };
	char dir[PATH_MAX + 16];
	size_t next = 0;	/* the next queued site (sites mode) */
	uint64_t k = 1;		/* the next index (nth mode) */
	const struct fp_xrun *base;
	int rc;

	snprintf(dir, sizeof(dir), "%s/runs", x->out);
	if ((mkdir(x->out, 0755) && errno != EEXIST) || (mkdir(dir, 0755) && errno != EEXIST)) {
		fprintf(stderr, "failpool: --out: cannot create %s: %s\n", dir, strerror(errno));
		return FP_EXIT_USAGE;
	}
	new_run(&s);
	if (batch(&s, 0, 1))
		return FP_EXIT_USAGE;
	base = &s.runs[0];
	if (base->cls == FP_X_HUNG || base->cls == FP_X_CRASHED) {
		fprintf(stderr, "failpool: the baseline run %s: nothing to compare with (see %s/runs/0000/output)\n",
			base->cls == FP_X_HUNG ? "hung" : "was killed by a signal", x->out);
		return FP_EXIT_USAGE;
	}
	s.base_code = base->code;
	s.base_eligible = base->eligible;
	/* The baseline's own sites, like those of any run, joined sorted by id. */
	fp_xprogress_start(x);
	for (;;) {
		size_t todo = 0, first = s.nruns;

		while (todo < x->jobs && s.nruns - 1 < x->max_runs) {
			struct fp_xrun *r;

			if (x->nth_mode) {
				if (k > s.base_eligible)
					break;
				r = new_run(&s);
				r->nth = k++;
			} else {
				if (next >= s.nsites)
					break;
				r = new_run(&s);
				r->site = s.sites[next].id;
				r->site_stack = s.sites[next].stack ? strdup(s.sites[next].stack) : NULL;
				memcpy(r->chain, s.sites[next].chain, sizeof(r->chain));
				r->nchain = s.sites[next].nchain;
				next++;
			}
			todo++;
		}
		if (!todo)
			break;
		if (batch(&s, first, todo))
			return FP_EXIT_USAGE;
		fp_xprogress(x, s.runs, s.nruns, x->nth_mode ? s.base_eligible + 1 :
			     s.nsites + 1, s.nruns - 1 < x->max_runs);
	}
	fp_xprogress_end(x);
	rc = fp_xreport(x, s.runs, s.nruns, s.sites, s.nsites);
	return rc;
}
