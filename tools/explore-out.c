/* Progress, the findings table, summary.json and the repro scripts. */
#include "config.h"
#include "explore-out.h"
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmds.h"
#include "fp.h"
#include "jsonw.h"
#include "options.h"
#include "parse.h"
#include "runner.h"

static const char *const class_name[] = { "survived", "handled", "crashed", "hung" };
static uint64_t started;
static int tty;

void fp_xprogress_start(const struct fp_explore *x)
{
	(void)x;
	started = fp_now_ns();
	tty = isatty(STDERR_FILENO);
}

void fp_xprogress(const struct fp_explore *x, const struct fp_xrun *runs, size_t nruns,
		  size_t known, int more)
{
	unsigned findings = 0;
	double per, eta;
	size_t done = nruns - 1, left;

	if (!tty)
		return;
	for (size_t i = 1; i < nruns; i++)
		findings += runs[i].cls == FP_X_CRASHED || runs[i].cls == FP_X_HUNG;
	left = known > nruns && more ? known - nruns : 0;
	if (left > x->max_runs - done)
		left = x->max_runs - done;
	per = done ? (double)(fp_now_ns() - started) / 1e9 / (double)done : 0;
	eta = per * (double)left;
	{
		size_t total = known > 0 ? known - 1 : 0;

		if (total > x->max_runs)
			total = x->max_runs;
		if (total < done)
			total = done;
		fprintf(stderr, "\rfailpool explore: %zu/%zu runs, %u finding%s, ETA %u:%02u   ",
			done, total, findings, findings == 1 ? "" : "s",
			(unsigned)eta / 60, (unsigned)eta % 60);
	}
}

void fp_xprogress_end(const struct fp_explore *x)
{
	(void)x;
	if (tty)
		fputs("\r\033[K", stderr);
}

/* @s single-quoted for sh. */
static void quote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	fputc('\'', f);
}

static void repro_line(FILE *f, const struct fp_explore *x, const struct fp_xrun *r)
{
	char tool[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", tool, sizeof(tool) - 1);

	tool[n > 0 ? n : 0] = '\0';
	quote(f, n > 0 ? tool : "failpool");
	fprintf(f, " run --depth %u", x->depth);
	/* What explore passed on to the run; the depth in force is given above. */
	for (unsigned i = 0; i < fp_nopts; i++) {
		const char *v = getenv(fp_opts[i].var);

		if ((fp_opts[i].use & FP_VAR_EXPLORE) && strcmp(fp_opts[i].var, "FAILPOOL_DEPTH") &&
		    v && *v) {
			fprintf(f, " --%s ", fp_opts[i].flag);
			quote(f, v);
		}
	}
	if (x->nth_mode) {
		fprintf(f, " --nth %" PRIu64, r->nth);
	} else {
		for (unsigned i = 0; i < r->nchain; i++)
			fprintf(f, " --site site:%016" PRIx64, r->chain[i]);
		fputs(" --nth 1", f);
		if (r->nchain > 1 && !x->persistent)
			fprintf(f, " --burst %u", r->nchain);
	}
	if (x->persistent)
		fputs(" --burst inf", f);
	fputs(" --", f);
	for (char **a = x->cmd; *a; a++) {
		fputc(' ', f);
		quote(f, *a);
	}
}

static void write_repro(const struct fp_explore *x, unsigned n, const struct fp_xrun *r,
			char *path, size_t size)
{
	struct fp_outfile of;
	FILE *f;
	int fd;

	snprintf(path, size, "%s/repro-%u.sh", x->out, n);
	fd = fp_outfile_open(&of, path, 0755);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		fprintf(stderr, "failpool: cannot write %s: %s\n", path,
			fd == -ELOOP ? "a symbolic link; not writing through it" :
			strerror(fd < 0 ? -fd : errno));
		if (fd >= 0)
			fp_outfile_close(&of, fd, 0);
		return;
	}
	fprintf(f, "#!/bin/sh\n# failpool explore, run %u: %s", r->index, class_name[r->cls]);
	if (r->cls == FP_X_CRASHED)
		fprintf(f, " (%s)", fp_signal_name(r->signal) ?: "signal");
	fprintf(f, "\n# failing %s: %s\nexec ", x->nth_mode ? "allocation" : "site",
		r->site_stack ? r->site_stack : "?");
	repro_line(f, x, r);
	fputc('\n', f);
	FP_IGNORE(fchmod(fileno(f), 0755));	/* executable whatever the umask, as before */
	if (fp_outfile_close(&of, -1, fclose(f) == 0))
		fprintf(stderr, "failpool: cannot write %s\n", path);
}

struct finding {
	const struct fp_xrun *first;
	unsigned count;
	char repro[PATH_MAX + 32];
};

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
	fp_jsonw_str(w, r->index ? class_name[r->cls] : "baseline");
	fp_jsonw_key(w, "exit");
	fp_jsonw_obj_begin(w);
	fp_jsonw_key(w, "how");
	fp_jsonw_str(w, r->cls == FP_X_HUNG ? "timeout" : r->cls == FP_X_CRASHED ? "signal" : "exit");
	fp_jsonw_key(w, "code");
	if (r->cls == FP_X_SURVIVED || r->cls == FP_X_HANDLED)
		fp_jsonw_i64(w, r->code);
	else
		fp_jsonw_null(w);
	fp_jsonw_key(w, "signal");
	if (r->cls == FP_X_CRASHED)
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
	fp_jsonw_key(w, "seconds");
	fp_jsonw_double(w, r->seconds);
	fp_jsonw_obj_end(w);
}

static void json_finding(struct fp_jsonw *w, const struct finding *f, const struct fp_xrun *runs,
			 size_t nruns)
{
	const struct fp_xrun *r = f->first;

	fp_jsonw_obj_begin(w);
	fp_jsonw_key(w, "class");
	fp_jsonw_str(w, class_name[r->cls]);
	fp_jsonw_key(w, "signal");
	if (r->cls == FP_X_CRASHED)
		fp_jsonw_i64(w, r->signal);
	else
		fp_jsonw_null(w);
	fp_jsonw_key(w, "site");
	if (r->site)
		fp_jsonw_hex(w, r->site);
	else
		fp_jsonw_null(w);
	fp_jsonw_key(w, "site_stack");
	fp_jsonw_str(w, r->site_stack ? r->site_stack : "");
	fp_jsonw_key(w, "crash_stack");
	if (r->crash_stack)
		fp_jsonw_str(w, r->crash_stack);
	else
		fp_jsonw_null(w);
	fp_jsonw_key(w, "runs");
	fp_jsonw_arr_begin(w);
	for (size_t i = 1; i < nruns; i++)
		if (&runs[i] == r || (r->cls == FP_X_CRASHED && runs[i].cls == FP_X_CRASHED &&
				      r->crash_key && runs[i].crash_key &&
				      !strcmp(r->crash_key, runs[i].crash_key)))
			fp_jsonw_u64(w, runs[i].index);
	fp_jsonw_arr_end(w);
	fp_jsonw_key(w, "repro");
	fp_jsonw_str(w, f->repro);
	fp_jsonw_obj_end(w);
}

static void write_summary(const struct fp_explore *x, const struct fp_xrun *runs, size_t nruns,
			  size_t nsites, const struct finding *finds, unsigned nfinds,
			  const unsigned *count)
{
	char path[PATH_MAX + 32];
	struct fp_jsonw w;
	struct fp_outfile of;
	int fd, ok;

	snprintf(path, sizeof(path), "%s/summary.json", x->out);
	fd = fp_outfile_open(&of, path, 0644);
	if (fd < 0) {
		fprintf(stderr, "failpool: cannot write %s: %s\n", path,
			fd == -ELOOP ? "a symbolic link; not writing through it" : strerror(-fd));
		return;
	}
	fp_jsonw_init(&w, fd);
	fp_jsonw_obj_begin(&w);
	fp_jsonw_key(&w, "schema");
	fp_jsonw_str(&w, "failpool-explore/1");
	fp_jsonw_key(&w, "command");
	fp_jsonw_arr_begin(&w);
	for (char **a = x->cmd; *a; a++)
		fp_jsonw_str(&w, *a);
	fp_jsonw_arr_end(&w);
	fp_jsonw_key(&w, "mode");
	fp_jsonw_str(&w, x->nth_mode ? "nth" : "sites");
	fp_jsonw_key(&w, "persistent");
	fp_jsonw_bool(&w, x->persistent);
	fp_jsonw_key(&w, "sites");
	fp_jsonw_u64(&w, nsites);
	fp_jsonw_key(&w, "totals");
	fp_jsonw_obj_begin(&w);
	for (unsigned c = 0; c < 4; c++) {
		fp_jsonw_key(&w, class_name[c]);
		fp_jsonw_u64(&w, count[c]);
	}
	fp_jsonw_obj_end(&w);
	fp_jsonw_key(&w, "runs");
	fp_jsonw_arr_begin(&w);
	for (size_t i = 0; i < nruns; i++)
		json_run(&w, x, &runs[i]);
	fp_jsonw_arr_end(&w);
	fp_jsonw_key(&w, "findings");
	fp_jsonw_arr_begin(&w);
	for (unsigned i = 0; i < nfinds; i++)
		json_finding(&w, &finds[i], runs, nruns);
	fp_jsonw_arr_end(&w);
	fp_jsonw_obj_end(&w);
	ok = fp_jsonw_flush(&w) == 0 && write(fd, "\n", 1) == 1;
	if (fp_outfile_close(&of, fd, ok) || !ok)
		fprintf(stderr, "failpool: cannot write %s\n", path);
}

int fp_xreport(const struct fp_explore *x, const struct fp_xrun *runs, size_t nruns,
	       const struct fp_xsite *sites, size_t nsites)
{
	struct finding *finds = calloc(nruns, sizeof(*finds));
	unsigned nfinds = 0, count[4] = { 0 };

	(void)sites;
	if (!finds)
		return FP_EXIT_USAGE;
	for (size_t i = 1; i < nruns; i++) {
		const struct fp_xrun *r = &runs[i];
		unsigned j;

		count[r->cls]++;
		if (r->cls != FP_X_CRASHED && r->cls != FP_X_HUNG)
			continue;
		/* Crashes with the same crash stack are one finding. */
		for (j = 0; j < nfinds && r->cls == FP_X_CRASHED; j++)
			if (finds[j].first->cls == FP_X_CRASHED && r->crash_key &&
			    finds[j].first->crash_key && !strcmp(r->crash_key, finds[j].first->crash_key))
				break;
		if (j < nfinds && r->cls == FP_X_CRASHED) {
			finds[j].count++;
			continue;
		}
		finds[nfinds].first = r;
		finds[nfinds].count = 1;
		write_repro(x, nfinds + 1, r, finds[nfinds].repro, sizeof(finds[nfinds].repro));
		nfinds++;
	}
	printf("failpool explore: %zu runs after the baseline (exit %d, %zu sites known): "
	       "%u survived, %u handled, %u crashed, %u hung\n", nruns - 1, runs[0].code, nsites,
	       count[FP_X_SURVIVED], count[FP_X_HANDLED], count[FP_X_CRASHED], count[FP_X_HUNG]);
	for (unsigned i = 0; i < nfinds; i++) {
		const struct fp_xrun *r = finds[i].first;

		if (r->cls == FP_X_CRASHED)
			printf("CRASHED  %s in %s\n", fp_signal_name(r->signal) ?: "signal",
			       r->crash_stack ? r->crash_stack : "(no crash record)");
		else
			printf("HUNG     past the timeout\n");
		if (x->nth_mode)
			printf("         failing allocation #%" PRIu64 ": %s\n", r->nth,
			       r->site_stack ? r->site_stack : "?");
		else
			printf("         failing site %016" PRIx64 ": %s\n", r->site,
			       r->site_stack ? r->site_stack : "?");
		if (!x->nth_mode && r->nchain > 1)
			printf("         reached by failing first %u site%s on its error path\n",
			       r->nchain - 1, r->nchain > 2 ? "s" : "");
		if (finds[i].count > 1)
			printf("         and %u more runs with the same crash\n", finds[i].count - 1);
		printf("         repro: %s\n", finds[i].repro);
	}
	write_summary(x, runs, nruns, nsites, finds, nfinds, count);
	free(finds);
	return count[FP_X_CRASHED] || count[FP_X_HUNG] ? FP_EXIT_FINDING : FP_EXIT_OK;
}
