/*
 * Reading one run back: its reports (the sites it showed, the site it
 * failed, its crash record) and its standard output, and what that makes
 * of it: its class and where it ends (its group). Frames are kept as the
 * reports wrote them and named once, at the end, for the findings only.
 */
#include "config.h"
#include "explore-out.h"

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
#include <unistd.h>

#include "cmds.h"
#include "format.h"
#include "lines.h"
#include "model.h"

static void *grow(void *p, size_t n, size_t size)
{
	p = realloc(p, n * size);
	if (!p) {
		fputs("failpool: out of memory\n", stderr);
		exit(FP_EXIT_USAGE);
	}
	return p;
}

int fp_xseen_add(struct fp_xstate *s, uint64_t id, size_t at)
{
	size_t n = s->nsites;

	if (!id)
		id = 1;
	/* Sized by the table of sites, which grows as each site is added. */
	if (2 * (n + 1) > s->seen_cap) {
		size_t cap = s->seen_cap ? s->seen_cap * 2 : 1024;
		uint64_t *t = calloc(cap, sizeof(*t));
		size_t *ta = calloc(cap, sizeof(*ta));

		if (!t || !ta) {
			free(t);
			free(ta);
			return -1;
		}
		for (size_t i = 0; i < s->seen_cap; i++)
			for (size_t k = s->seen[i] % cap; s->seen[i]; k = (k + 1) % cap)
				if (!t[k]) {
					t[k] = s->seen[i];
					ta[k] = s->seen_at[i];
					break;
				}
		free(s->seen);
		free(s->seen_at);
		s->seen = t;
		s->seen_at = ta;
		s->seen_cap = cap;
	}
	for (size_t k = id % s->seen_cap;; k = (k + 1) % s->seen_cap) {
		if (s->seen[k] == id)
			return 0;
		if (!s->seen[k]) {
			s->seen[k] = id;
			s->seen_at[k] = at;
			return 1;
		}
	}
}

/* Where the table keeps the index of site @id, or NULL when it is not there. */
static size_t *seen_slot(const struct fp_xstate *s, uint64_t id)
{
	if (!id)
		id = 1;
	for (size_t k = s->seen_cap ? id % s->seen_cap : 0; s->seen_cap; k = (k + 1) % s->seen_cap) {
		if (s->seen[k] == id)
			return &s->seen_at[k];
		if (!s->seen[k])
			break;
	}
	return NULL;
}

struct fp_xsite *fp_xsite_find(const struct fp_xstate *s, uint64_t id)
{
	size_t *at = seen_slot(s, id);

	return at ? &s->sites[*at] : NULL;
}

char *fp_xstack(const struct fp_model_frames *frames, unsigned max, int lines)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; frames && i < frames->n && i < max; i++) {
		char name[1024];

		fprintf(f, "%s%s", i ? " < " : "", fp_format_frame(name, sizeof(name), &frames->v[i], lines));
	}
	fclose(f);
	return buf;
}

static const char *keep_str(const char *s)
{
	char *c = s ? strdup(s) : NULL;

	if (s && !c)
		exit(FP_EXIT_USAGE);
	return c;
}

/* A copy of @src that outlives its report: the frames of the sites and crashes kept. */
static struct fp_model_frames *keep_frames(const struct fp_model_frames *src)
{
	struct fp_model_frames *f;

	if (!src || !src->present)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f || !(f->v = calloc(src->n ? src->n : 1, sizeof(*f->v))))
		exit(FP_EXIT_USAGE);
	f->n = src->n;
	f->present = 1;
	for (size_t k = 0; k < src->n; k++) {
		f->v[k].object = keep_str(src->v[k].object);
		f->v[k].offset = keep_str(src->v[k].offset);
		f->v[k].off = src->v[k].off;
		f->v[k].own_symbol = src->v[k].own_symbol && src->v[k].symbol;
		f->v[k].symbol = f->v[k].own_symbol ? keep_str(src->v[k].symbol) : NULL;
	}
	return f;
}

void fp_xframes_free(struct fp_model_frames *f)
{
	if (!f)
		return;
	for (size_t k = 0; k < f->n; k++) {
		free((char *)f->v[k].object);
		free((char *)f->v[k].offset);
		/* Else a name fp_lines_fill() found, the naming's own. */
		if (f->v[k].own_symbol)
			free((char *)f->v[k].symbol);
	}
	free(f->v);
	free(f);
}

const char *fp_xplural(unsigned long n, const char *one, const char *many, char *buf, size_t size)
{
	snprintf(buf, size, "%lu %s", n, n == 1 ? one : many);
	return buf;
}

char *fp_xslurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	size_t got = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && (buf = malloc((size_t)st.st_size + 1))) {
		ssize_t n;

		while (got < (size_t)st.st_size &&
		       (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
			got += (size_t)n;
		buf[got] = '\0';
	}
	close(fd);
	*len = got;
	return buf;
}

/* One report of run @r: its counts, crash record and sites, new ones into @fresh. */
static void read_report(struct fp_xstate *s, struct fp_xrun *r, const struct fp_model *m,
			struct fp_xsite **fresh, size_t *nfresh, size_t *cap)
{
	const struct fp_model_proc *p = &m->procs[0];

	r->reports++;
	r->injected += p->injected;
	if (p->pid == (uint64_t)r->pid)
		r->eligible = m->totals.eligible;
	/* Where to find each object for naming frames later: the paths are kept, not the report. */
	fp_lines_model_objects(m);
	if (p->crash && !r->crash_frames) {
		snprintf(r->crash_kind, sizeof(r->crash_kind), "%s",
			 fp_model_crash_kind_name(p->crash->kindv));
		r->crash_frames = keep_frames(&p->crash->frames);
	}
	if (!r->site && m->ninjections && m->injections[0].has_site)
		r->site = m->injections[0].site;
	for (size_t i = 0; i < m->nsites; i++) {
		const struct fp_model_site *site = &m->sites[i];
		struct fp_xsite *n;
		int rc = fp_xseen_add(s, site->id, s->nsites + *nfresh);

		if (rc < 0) {
			fputs("failpool: out of memory\n", stderr);
			exit(FP_EXIT_USAGE);
		}
		if (!rc)
			continue;
		/* Counted now, so that the next new site's table slot is right. */
		s->nsites++;
		if (*nfresh == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*fresh = grow(*fresh, *cap, sizeof(**fresh));
		}
		n = &(*fresh)[(*nfresh)++];
		memset(n, 0, sizeof(*n));
		n->id = site->id;
		n->frames = keep_frames(&site->frames);
		/*
		 * Seen only because this run failed its sites: failing it
		 * needs them failed first, on the way to it.
		 */
		if (r->index && r->nchain < FP_X_CHAIN) {
			memcpy(n->chain, r->chain, r->nchain * sizeof(r->chain[0]));
			n->nchain = r->nchain;
		}
		n->chain[n->nchain++] = site->id;
	}
}

static int by_id(const void *a, const void *b)
{
	const struct fp_xsite *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * A site already in the table: its frames are not read again (most of a
 * report, and of reading it). Its id as the report writes it, hex.
 */
static int site_known(void *ctx, const char *id)
{
	const struct fp_xstate *s = ctx;
	char *end;
	uint64_t v = strtoull(id, &end, 16);

	return *id && !*end && seen_slot(s, v) != NULL;
}

void fp_xread_run(struct fp_xstate *s, struct fp_xrun *r)
{
	const struct fp_json_skip known = { "frames", "id", site_known, s };
	struct fp_xsite *fresh = NULL;
	size_t nfresh = 0, cap = 0, first = s->nsites;
	const char *dir = r->dir;
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		char path[PATH_MAX + 300], err[256];
		struct fp_model m;
		size_t n = strlen(e->d_name);

		if (n < 6 || strcmp(e->d_name + n - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		/* A report cut short (a process killed while writing) is no report. */
		if (!fp_model_load_skipping(path, &known, &m, err, sizeof(err)) &&
		    m.kind == FP_MODEL_REPORT && m.nprocs == 1)
			read_report(s, r, &m, &fresh, &nfresh, &cap);
		fp_model_free(&m);
	}
	if (d)
		closedir(d);
	/*
	 * The order of the directory is no order: the new sites join sorted by
	 * id. fresh is NULL while none is new, and qsort and memcpy must not
	 * be given NULL even for 0 elements.
	 */
	if (nfresh) {
		qsort(fresh, nfresh, sizeof(*fresh), by_id);
		if (first + nfresh > s->cap) {
			s->cap = (first + nfresh) * 2;
			s->sites = grow(s->sites, s->cap, sizeof(*s->sites));
		}
		memcpy(s->sites + first, fresh, nfresh * sizeof(*fresh));
	}
	for (size_t i = 0; i < nfresh; i++) {
		struct fp_xsite *n = &s->sites[first + i];

		*seen_slot(s, n->id) = first + i;	/* sorted: its slot moved */
		/* A shard runs the baseline's sites of its part and every site its own runs reveal. */
		n->ours = !s->x->nshards || r->index || n->id % s->x->nshards == s->x->shard - 1;
	}
	r->revealed = nfresh;
	free(fresh);
	if (r->site) {
		const struct fp_xsite *site = fp_xsite_find(s, r->site);

		r->site_frames = site ? site->frames : NULL;
	}
}

/* The C and C++ runtime, the loader, the allocator and failpool itself. */
static int runtime_object(const char *name)
{
	static const char *const runtime[] = {
		"libc.so", "libc-", "libm.so", "libm-", "libpthread", "libdl.", "libdl-", "ld-linux",
		"ld.so", "ld-", "libstdc++", "libgcc_s", "libjemalloc", "libfailpool",
	};
	const char *base = strrchr(name, '/');

	base = base ? base + 1 : name;
	for (size_t i = 0; i < sizeof(runtime) / sizeof(runtime[0]); i++)
		if (!strncmp(base, runtime[i], strlen(runtime[i])))
			return 1;
	return 0;
}

size_t fp_xown_frame(const struct fp_model_frames *frames)
{
	for (size_t i = 0; frames && i < frames->n; i++)
		if (!runtime_object(frames->v[i].object ? frames->v[i].object : ""))
			return i;
	return 0;
}

/* The innermost of @frames in the program's own code, else the innermost; NULL: none. */
static const struct fp_model_frame *own_frame(const struct fp_model_frames *frames)
{
	if (!frames || !frames->n)
		return NULL;
	return &frames->v[fp_xown_frame(frames)];
}

/* "object+offset" of @f, the way a key names a frame. */
static void put_frame(FILE *k, const struct fp_model_frame *f)
{
	fprintf(k, "%s+%s", f->object ? f->object : "?", f->offset ? f->offset : "?");
}

/*
 * Where run @r ends, as a key: runs with the same key are one finding. A
 * crash, an abort or a hang ends where its stack leaves the runtime (the
 * signal, or the heap check's kind, too). A silent run has no stack of its
 * own: the failure was swallowed somewhere on the failed site's stack, so
 * it ends at the site's innermost frame outside the runtime and that
 * frame's caller: each caller of a wrapper that returns NULL is its own
 * finding, one caller reached by several paths is one. A run with no stack
 * to tell is alone.
 */
static char *group_of(const struct fp_xrun *r)
{
	const struct fp_model_frames *frames = r->cls == FP_X_SILENT ? r->site_frames : r->crash_frames;
	const struct fp_model_frame *f = own_frame(frames);
	char *key = NULL;
	size_t len = 0;
	FILE *k;

	if (!f && r->cls == FP_X_HUNG)
		f = own_frame(frames = r->site_frames);
	if (!f)
		return asprintf(&key, "%s|run %u", fp_xclass_name(r->cls), r->index) < 0 ? NULL : key;
	k = open_memstream(&key, &len);
	if (!k)
		return NULL;
	fprintf(k, "%s|%s|%d|", fp_xclass_name(r->cls), r->cls == FP_X_SILENT ? "" : r->crash_kind,
		r->cls == FP_X_SILENT || r->cls == FP_X_HUNG ? 0 : r->signal);
	put_frame(k, f);
	if (r->cls == FP_X_SILENT && f + 1 < frames->v + frames->n) {
		fputs(" < ", k);
		put_frame(k, f + 1);
	}
	if (fclose(k)) {
		free(key);
		return NULL;
	}
	return key;
}

int fp_xsame_output(const struct fp_xstate *s, const char *dir)
{
	char path[PATH_MAX + 16];
	size_t len;
	char *out;
	int same;

	snprintf(path, sizeof(path), "%s/stdout", dir);
	out = fp_xslurp(path, &len);
	same = out && s->base_out && len == s->base_out_len && !memcmp(out, s->base_out, len);
	free(out);
	return same;
}

void fp_xclassify(struct fp_xstate *s, struct fp_xrun *r)
{
	r->same_output = 1;
	if (r->how == FP_X_TIMEOUT) {
		r->cls = FP_X_HUNG;
	} else if (r->how == FP_X_SIGNAL) {
		/* A heap check ends by SIGABRT too, but names what it found. */
		r->cls = r->signal == SIGABRT && (!r->crash_frames || !strcmp(r->crash_kind, "signal")) ?
			 FP_X_ABORTED : FP_X_CRASHED;
	} else if (r->code != s->base_code) {
		r->cls = FP_X_HANDLED;
	} else {
		r->same_output = !s->judge_output || fp_xsame_output(s, r->dir);
		r->cls = r->same_output ? FP_X_SURVIVED : FP_X_SILENT;
	}
	fp_xgroup(r);
}

void fp_xgroup(struct fp_xrun *r)
{
	free(r->group);
	r->group = NULL;
	if (r->index && r->cls != FP_X_SURVIVED && r->cls != FP_X_HANDLED)
		r->group = group_of(r);
}
