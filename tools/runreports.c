/* The reports of one `failpool run` (see runreports.h). */
#include "config.h"
#include "runreports.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "outfile.h"
#include "pathpat.h"

#define TMP_NAME_FMT	"failpool.%ld.json"

/* @dir's own '%' doubled, then @tail (a template): a path the shim expands. */
static void escaped(char *out, size_t size, const char *dir, const char *tail)
{
	fp_pathpat_literal(dir, out, size);
	strncat(out, tail, size - strlen(out) - 1);
}

int fp_runreports_setup(struct fp_runreports *r, int want)
{
	const char *tmpl = getenv("FAILPOOL_REPORT"), *tmp = getenv("TMPDIR");
	char pattern[PATH_MAX * 2 + 32];

	memset(r, 0, sizeof(*r));
	clock_gettime(CLOCK_REALTIME_COARSE, &r->start);
	snprintf(r->tmpl, sizeof(r->tmpl), "%s", tmpl ? tmpl : "");
	r->fixed = r->tmpl[0] && !strstr(r->tmpl, "%p");
	if (!(want && !r->tmpl[0]) && !r->fixed)
		return 0;
	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(r->tmpdir, sizeof(r->tmpdir), "%s/failpool.XXXXXX", tmp);
	if (!mkdtemp(r->tmpdir)) {
		/* A fixed --report is still written, as the shim writes it. */
		fprintf(stderr, "failpool: cannot create a temporary directory in %s: %s; %s\n",
			tmp, strerror(errno), r->fixed ? "other processes' reports may overwrite CMD's"
						       : "no summary");
		r->tmpdir[0] = '\0';
		r->fixed = 0;
		return 0;
	}
	escaped(pattern, sizeof(pattern), r->tmpdir, "/failpool.%p.json");
	return setenv("FAILPOOL_REPORT", pattern, 1);
}

static int add(struct fp_runreports *r, const char *path)
{
	char **p = realloc(r->paths, (r->n + 1) * sizeof(*p));

	if (!p || !(p[r->n] = strdup(path)))
		return -1;
	r->paths = p;
	r->n++;
	return 0;
}

static void from_tmpdir(struct fp_runreports *r)
{
	DIR *d = opendir(r->tmpdir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char name[64], path[PATH_MAX + 320];
		long pid;

		/* Only the shim's finished reports, not a temporary file of one. */
		if (sscanf(e->d_name, "failpool.%ld.json", &pid) != 1)
			continue;
		snprintf(name, sizeof(name), TMP_NAME_FMT, pid);
		if (strcmp(name, e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", r->tmpdir, e->d_name);
		add(r, path);
	}
	if (d)
		closedir(d);
}

/* Whether the report at @path was written by this run, under its own name. */
static int is_this_runs(const struct fp_runreports *r, const char *path)
{
	char err[256], own[PATH_MAX * 2];
	struct fp_model m;
	struct stat st;
	int ok = 0;

	if (stat(path, &st) || !S_ISREG(st.st_mode) ||
	    st.st_mtim.tv_sec < r->start.tv_sec ||
	    (st.st_mtim.tv_sec == r->start.tv_sec && st.st_mtim.tv_nsec < r->start.tv_nsec))
		return 0;
	if (fp_model_load(path, &m, err, sizeof(err)) == 0 && m.kind == FP_MODEL_REPORT &&
	    m.procs[0].exe) {
		fp_pathpat_expand(r->tmpl, (unsigned long)m.procs[0].pid, m.procs[0].exe, 0, own, sizeof(own));
		ok = !strcmp(own, path);
	}
	fp_model_free(&m);
	return ok;
}

static void from_pattern(struct fp_runreports *r)
{
	char pat[PATH_MAX * 2];
	glob_t g;

	fp_pathpat_expand(r->tmpl, 0, "*", FP_PATHPAT_GLOB | FP_PATHPAT_ANYPID, pat, sizeof(pat));
	if (glob(pat, GLOB_NOSORT, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc; i++)
		if (is_this_runs(r, g.gl_pathv[i]))
			add(r, g.gl_pathv[i]);
	globfree(&g);
}

/* The pid and executable of the report at @path (@exe: "" when unknown). */
static long pid_of(const char *path, char *exe, size_t size)
{
	char err[256];
	struct fp_model m;
	long pid = -1;

	if (exe)
		exe[0] = '\0';
	if (fp_model_load(path, &m, err, sizeof(err)) == 0 && m.kind == FP_MODEL_REPORT) {
		pid = (long)m.procs[0].pid;
		if (exe)
			snprintf(exe, size, "%s", m.procs[0].exe ? m.procs[0].exe : "");
	}
	fp_model_free(&m);
	return pid;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k <= 0)
			return 0;
		p += k;
		n -= (size_t)k;
	}
	return 1;
}

/*
 * "\"report\":" and @v as a JSON string, as the shim writes it: the one
 * member of a report the tool rewrites (keep_root()), as text.
 */
static void json_member(char *out, size_t size, const char *v)
{
	size_t n = (size_t)snprintf(out, size, "\"report\":\"");

	for (; *v && n + 8 < size; v++) {
		if (*v == '"' || *v == '\\')
			n += (size_t)snprintf(out + n, size - n, "\\%c", *v);
		else if ((unsigned char)*v < 0x20)
			n += (size_t)snprintf(out + n, size - n, "\\u%04x", (unsigned char)*v);
		else
			out[n++] = *v;
	}
	snprintf(out + n, size - n, "\"");
}

/*
 * CMD's report put at the fixed path (%e expanded as the shim would), its
 * "config"."report" saying the path asked for, not the tool's directory.
 */
static void keep_root(struct fp_runreports *r, const char *from)
{
	char was[PATH_MAX * 2 + 64], now[PATH_MAX * 4 + 64], pattern[PATH_MAX * 2 + 32];
	char exe[NAME_MAX + 1];
	struct fp_outfile o;
	char *text = NULL, *at;
	size_t len = 0;
	FILE *in;
	int fd, ok;

	pid_of(from, exe, sizeof(exe));
	fp_pathpat_expand(r->tmpl, 0, exe, 0, r->kept, sizeof(r->kept));
	in = fopen(from, "r");
	if (in) {
		ok = fseek(in, 0, SEEK_END) == 0 && (len = (size_t)ftell(in)) > 0 &&
		     fseek(in, 0, SEEK_SET) == 0 && (text = malloc(len + 1)) &&
		     fread(text, 1, len, in) == len;
		fclose(in);
		if (!ok)
			len = 0;
	}
	fd = len ? fp_outfile_open(&o, r->kept, 0644) : -EIO;
	if (fd < 0) {
		fprintf(stderr, "failpool: cannot write %s: %s\n", r->kept,
			fd == -ELOOP ? "a symbolic link; not writing through it" : strerror(-fd));
		r->kept[0] = '\0';
		free(text);
		return;
	}
	text[len] = '\0';
	escaped(pattern, sizeof(pattern), r->tmpdir, "/failpool.%p.json");
	json_member(was, sizeof(was), pattern);
	json_member(now, sizeof(now), r->tmpl);
	at = strstr(text, was);
	if (at) {
		size_t head = (size_t)(at - text), tail = len - head - strlen(was);

		ok = write_all(fd, text, head) && write_all(fd, now, strlen(now)) &&
		     write_all(fd, at + strlen(was), tail);
	} else {
		ok = write_all(fd, text, len);
	}
	free(text);
	if (fp_outfile_close(&o, fd, ok) || !ok) {
		fprintf(stderr, "failpool: cannot write %s: %s\n", r->kept, strerror(errno));
		r->kept[0] = '\0';
	}
}

size_t fp_runreports_collect(struct fp_runreports *r, pid_t root)
{
	const char *mine;

	if (r->tmpdir[0])
		from_tmpdir(r);
	else if (r->tmpl[0])
		from_pattern(r);
	mine = fp_runreports_root(r, root);
	/* CMD's first: the summary's seed is CMD's (each process may draw its own). */
	for (size_t i = 0; mine && i < r->n; i++) {
		if (r->paths[i] == mine) {
			r->paths[i] = r->paths[0];
			r->paths[0] = (char *)mine;
		}
	}
	if (r->fixed && mine)
		keep_root(r, mine);
	return r->n;
}

const char *fp_runreports_root(const struct fp_runreports *r, pid_t root)
{
	char own[PATH_MAX * 2];

	for (size_t i = 0; i < r->n; i++) {
		if (r->tmpdir[0]) {
			snprintf(own, sizeof(own), "%s/" TMP_NAME_FMT, r->tmpdir, (long)root);
			if (!strcmp(own, r->paths[i]))
				return r->paths[i];
		} else if (pid_of(r->paths[i], NULL, 0) == (long)root) {
			return r->paths[i];
		}
	}
	return NULL;
}

void fp_runreports_kept(const struct fp_runreports *r, char *buf, size_t size)
{
	if (r->fixed && r->kept[0] && r->n > 1)
		snprintf(buf, size, "report %s (CMD's own; not kept: the reports of %zu other "
			 "process%s, put %%p in --report to keep one per process)", r->kept, r->n - 1,
			 r->n == 2 ? "" : "es");
	else if (r->fixed && r->kept[0])
		snprintf(buf, size, "report %s", r->kept);
	else if (r->fixed)
		snprintf(buf, size, "%s not written: CMD wrote no report", r->tmpl);
	else if (r->tmpdir[0])
		snprintf(buf, size, r->n > 1 ? "reports not kept (use --report 'PATH.%%p.json' to keep them)"
					     : "report not kept (use --report PATH to keep it)");
	else if (r->n == 1)
		snprintf(buf, size, "report %s", r->paths[0]);
	else
		snprintf(buf, size, "reports %s, one per process (%zu)", r->tmpl, r->n);
}

void fp_runreports_done(struct fp_runreports *r)
{
	DIR *d = r->tmpdir[0] ? opendir(r->tmpdir) : NULL;
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	if (d) {
		closedir(d);
		rmdir(r->tmpdir);
	}
	for (size_t i = 0; i < r->n; i++)
		free(r->paths[i]);
	free(r->paths);
	r->paths = NULL;
	r->n = 0;
}
