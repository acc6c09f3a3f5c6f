/* Progress, the findings, the table and summary.json. */
#include "config.h"
#include "explore-out.h"
#include "outfile.h"

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
#include "fp.h"
#include "jsonw.h"
#include "lines.h"
#include "parse.h"
#include "runner.h"

static uint64_t started;
static int tty;

void fp_xprogress_start(const struct fp_explore *x)
{
	(void)x;
	started = fp_now_ns();
	tty = isatty(STDERR_FILENO);
}

/*
 * Findings as the table will show them: runs grouped by where they end, so
 * that five callers of one abort count once here as they do there. Runs
 * are only ever added, already classed, so each is looked at once.
 */
static unsigned count_findings(const struct fp_xstate *s)
{
	static char **groups;
	static unsigned ngroups, cap;
	static size_t counted = 1;

	for (; counted < s->nruns; counted++) {
		const char *g = s->runs[counted].group;
		unsigned j;

		if (!g)
			continue;
		for (j = 0; j < ngroups && strcmp(groups[j], g); j++)
			;
		if (j < ngroups)
			continue;
		if (ngroups == cap) {
			char **more = realloc(groups, (cap ? cap * 2 : 16) * sizeof(*groups));

			if (!more)
				break;	/* the count is only shown, never used */
			groups = more;
			cap = cap ? cap * 2 : 16;
		}
		/* A copy: a run classed again frees its key. */
		if (!(groups[ngroups] = strdup(g)))
			break;
		ngroups++;
	}
	return ngroups;
}

void fp_xprogress(const struct fp_xstate *s, const char *what)
{
	const struct fp_explore *x = s->x;
	unsigned findings;
	size_t done = s->nruns ? s->nruns - 1 : 0, left, total;
	double per, eta;
	char b1[64], b2[64];

	if (!tty)
		return;
	if (what) {
		fprintf(stderr, "\rfailpool explore: running %s...\033[K", what);
		return;
	}
	findings = count_findings(s);
	left = x->nth_mode ? (size_t)(s->base_eligible + 1 - s->k) : s->nsites - s->next;
	if (x->max_runs && left > x->max_runs - done)
		left = x->max_runs - done;
	total = done + left;
	per = done ? (double)(fp_now_ns() - started) / 1e9 / (double)done : 0;
	eta = per * (double)left;
	fprintf(stderr, "\rfailpool explore: %zu/%zu runs, %s, %s known, ETA %u:%02u\033[K",
		done, total, fp_xplural(findings, "finding", "findings", b1, sizeof(b1)),
		fp_xplural(s->nsites, "site", "sites", b2, sizeof(b2)),
		(unsigned)eta / 60, (unsigned)eta % 60);
}

void fp_xprogress_end(void)
{
	if (tty)
		fputs("\r\033[K", stderr);
}

static int severity(enum fp_xclass c)
{
	static const int order[FP_X_NCLASS] = {
		[FP_X_CRASHED] = 0, [FP_X_ABORTED] = 1, [FP_X_HUNG] = 2, [FP_X_SILENT] = 3,
		[FP_X_HANDLED] = 4, [FP_X_SURVIVED] = 5,
	};

	return order[c];
}

/* Worst class first, then the finding most sites reach, then where it ends. */
static int by_weight(const void *a, const void *b)
{
	const struct fp_xfinding *f = a, *g = b;

	if (severity(f->first->cls) != severity(g->first->cls))
		return severity(f->first->cls) - severity(g->first->cls);
	if (f->nruns != g->nruns)
		return f->nruns < g->nruns ? 1 : -1;
	return strcmp(f->first->group, g->first->group);
}

/* By the allocation each failed: the same order however the runs were made (shards, --jobs). */
static int by_failed(const void *a, const void *b)
{
	const struct fp_xrun *x = *(const struct fp_xrun *const *)a, *y = *(const struct fp_xrun *const *)b;
	uint64_t u = x->nth ? x->nth : x->site, v = y->nth ? y->nth : y->site;

	return u < v ? -1 : u > v;
}

/* The runs of @s grouped by where they end; *@nf of them. */
static struct fp_xfinding *group(const struct fp_xstate *s, unsigned *nf)
{
	struct fp_xfinding *f = calloc(s->nruns + 1, sizeof(*f));
	unsigned n = 0;

	if (!f)
		exit(FP_EXIT_USAGE);
	for (size_t i = 1; i < s->nruns; i++) {
		const struct fp_xrun *r = &s->runs[i];
		unsigned j;

		if (!r->group)
			continue;
		for (j = 0; j < n && strcmp(f[j].first->group, r->group); j++)
			;
		if (j == n) {
			f[n].first = r;
			f[n].fails = !!(s->x->fail_on & (1u << r->cls));
			n++;
		}
		f[j].runs = realloc(f[j].runs, (f[j].nruns + 1) * sizeof(*f[j].runs));
		if (!f[j].runs)
			exit(FP_EXIT_USAGE);
		f[j].runs[f[j].nruns++] = r;
	}
	for (unsigned j = 0; j < n; j++) {
		qsort(f[j].runs, f[j].nruns, sizeof(*f[j].runs), by_failed);
		f[j].first = f[j].runs[0];
	}
	qsort(f, n, sizeof(*f), by_weight);
	*nf = n;
	return f;
}

/* Name offline, once, the frames the table shows with file:line. */
static void name_frames(const struct fp_xfinding *f, unsigned nf)
{
	for (unsigned i = 0; i < nf; i++) {
		if (f[i].first->crash_frames)
			fp_lines_want_frames(f[i].first->crash_frames, 8, 1);
		for (unsigned k = 0; k < f[i].nruns; k++)
			if (f[i].runs[k]->site_frames)
				fp_lines_want_frames(f[i].runs[k]->site_frames, 4, 1);
	}
	fp_lines_run();
	for (unsigned i = 0; i < nf; i++) {
		if (f[i].first->crash_frames)
			fp_lines_fill(f[i].first->crash_frames);
		/* The site table's frames: named once, shown by every finding. */
		for (unsigned k = 0; k < f[i].nruns; k++)
			if (f[i].runs[k]->site_frames)
				fp_lines_fill((struct fp_model_frames *)f[i].runs[k]->site_frames);
	}
}

static void print_duration(FILE *out, uint64_t ns)
{
	if (ns % 60000000000ULL == 0)
		fprintf(out, "%" PRIu64 "m", ns / (uint64_t)60000000000);
	else if (ns % 1000000000ULL == 0)
		fprintf(out, "%" PRIu64 "s", ns / (uint64_t)1000000000);
	else
		fprintf(out, "%" PRIu64 "ms", ns / (uint64_t)1000000);
}

void fp_xheading(FILE *out, const struct fp_explore *x, const struct fp_xfinding *f)
{
	const struct fp_xrun *r = f->first;
	struct fp_model_frames own = r->crash_frames ? *r->crash_frames : (struct fp_model_frames){ 0 };
	size_t k = fp_xown_frame(r->crash_frames);
	char *stack;

	/* From where it leaves the runtime: abort()'s and raise()'s own frames say nothing. */
	own.v += k;
	own.n -= k;
	stack = fp_xstack(r->crash_frames ? &own : NULL, 6, 1);

	switch (r->cls) {
	case FP_X_HUNG:
		fputs("HUNG     past the ", out);
		print_duration(out, x->timeout_ns);
		fprintf(out, " timeout, %s %s", stack && *stack ? "stuck in" : "stuck where no stack tells",
			stack && *stack ? stack : "(no crash record at SIGABRT)");
		break;
	case FP_X_SILENT:
		fprintf(out, "SILENT   exit %d as the baseline, but another standard output (%s/stdout)",
			r->code, r->dir);
		break;
	default:
		fprintf(out, "%-8s %s in %s", r->cls == FP_X_ABORTED ? "ABORTED" : "CRASHED",
			strcmp(r->crash_kind, "signal") && *r->crash_kind ? r->crash_kind :
			fp_signal_name(r->signal) ?: "signal",
			stack && *stack ? stack : "(no crash record)");
	}
	free(stack);
}

/*
 * A crash that faulted inside the runtime (libc's NSS, vsnprintf): the
 * heading starts where the program called it, so say where it faulted,
 * lest "SIGSEGV in sqlite3+0x16a62" read as sqlite's own bad access.
 */
static void print_fault(const struct fp_xrun *r)
{
	struct fp_model_frames inner;
	size_t k = fp_xown_frame(r->crash_frames);
	char *stack;

	if (r->cls != FP_X_CRASHED || !k || strcmp(r->crash_kind, "signal"))
		return;
	inner = *r->crash_frames;
	inner.n = k;
	stack = fp_xstack(&inner, 4, 1);
	if (stack && *stack)
		printf("         faulted in %s%s\n", stack, k > 4 ? " < ..." : "");
	free(stack);
}

static void print_finding(const struct fp_explore *x, const struct fp_xfinding *f)
{
	const struct fp_xrun *r = f->first;
	char b1[64];

	fp_xheading(stdout, x, f);
	putchar('\n');
	print_fault(r);
	if (f->nruns > 1)
		printf("         %s reach it:\n", fp_xplural(f->nruns, x->nth_mode ? "allocation" : "site",
						      x->nth_mode ? "allocations" : "sites", b1, sizeof(b1)));
	for (unsigned k = 0; k < f->nruns && k < 8; k++) {
		const struct fp_xrun *q = f->runs[k];
		char *stack = fp_xstack(q->site_frames, 4, 1);

		if (x->nth_mode)
			printf("         failing allocation #%" PRIu64 ": %s\n", q->nth, stack ?: "?");
		else
			printf("         failing site %016" PRIx64 ": %s\n", q->site, stack ?: "?");
		free(stack);
	}
	if (f->nruns > 8)
		printf("         and %u more (summary.json lists them all)\n", f->nruns - 8);
	if (!x->nth_mode && r->nchain > 1)
		printf("         reached by failing first %s on its error path\n",
		       fp_xplural(r->nchain - 1, "site", "sites", b1, sizeof(b1)));
	printf("         repro: %s\n", f->repro);
}

static void print_table(const struct fp_xstate *s, const struct fp_xfinding *f, unsigned nf,
			const unsigned *count)
{
	const struct fp_explore *x = s->x;
	char b1[64], b2[64];

	if (x->nshards) {
		/* A shard runs its part of the sites known: say so, or "547 sites known" after 277 runs looks cut short. */
		size_t ours = 0;

		for (size_t i = 0; i < s->nsites; i++)
			ours += s->sites[i].ours;
		printf("failpool explore, shard %u/%u: %s after the baseline (exit %d, %s known, %zu of them "
		       "this shard's): ", x->shard, x->nshards,
		       fp_xplural(s->nruns - 1, "run", "runs", b1, sizeof(b1)), s->runs[0].code,
		       fp_xplural(s->nsites, "site", "sites", b2, sizeof(b2)), ours);
	} else {
		printf("failpool explore: %s after the baseline (exit %d, %s known): ",
		       fp_xplural(s->nruns - 1, "run", "runs", b1, sizeof(b1)), s->runs[0].code,
		       fp_xplural(s->nsites, "site", "sites", b2, sizeof(b2)));
	}
	for (int c = 0; c < FP_X_NCLASS; c++)
		printf("%u %s%s", count[c], fp_xclass_name(c), c + 1 < FP_X_NCLASS ? ", " : "\n");
	if (!s->judge_output)
		printf("output not judged: two baseline runs printed different standard output, "
		       "so no run can be called silent\n");
	if (s->stopped_by)
		printf("INCOMPLETE stopped by %s with %s untried: --resume %s, with the same options "
		       "and command, goes on\n",
		       fp_signal_name(s->stopped_by) ?: "a signal",
		       fp_xplural(s->untried, x->nth_mode ? "allocation" : "site",
				  x->nth_mode ? "allocations" : "sites", b1, sizeof(b1)), x->out);
	else if (s->untried && x->max_runs)
		printf("INCOMPLETE %s untried: --max-runs %u ended the exploration\n",
		       fp_xplural(s->untried, x->nth_mode ? "allocation" : "site",
				  x->nth_mode ? "allocations" : "sites", b1, sizeof(b1)), x->max_runs);
	else if (s->untried)	/* a merge of shards that were cut short */
		printf("INCOMPLETE %s untried: the shards' summaries say why\n",
		       fp_xplural(s->untried, x->nth_mode ? "allocation" : "site",
				  x->nth_mode ? "allocations" : "sites", b1, sizeof(b1)));
	for (unsigned i = 0; i < nf; i++)
		print_finding(x, &f[i]);
}

static void write_summary(struct fp_xstate *s, const struct fp_xfinding *f, unsigned nf)
{
	char path[PATH_MAX + 32];
	struct fp_outfile of;
	int fd;

	snprintf(path, sizeof(path), "%s/summary.json", s->x->out);
	fd = fp_outfile_open(&of, path, 0644);
	if (fd < 0) {
		fprintf(stderr, "failpool: cannot write %s: %s\n", path,
			fd == -ELOOP ? "a symbolic link; not writing through it" : strerror(-fd));
		return;
	}
	if (fp_outfile_close(&of, fd, fp_xsummary(s, f, nf, fd) == 0))
		fprintf(stderr, "failpool: cannot write %s\n", path);
}

int fp_xreport(struct fp_xstate *s)
{
	unsigned nf, count[FP_X_NCLASS] = { 0 }, fails = 0;
	struct fp_xfinding *f;
	int rc;

	for (size_t i = 1; i < s->nruns; i++)
		count[s->runs[i].cls]++;
	f = group(s, &nf);
	name_frames(f, nf);
	for (unsigned i = 0; i < nf; i++) {
		fp_xrepro(s, i + 1, &f[i]);
		fails += f[i].fails;
	}
	print_table(s, f, nf, count);
	fflush(stdout);
	write_summary(s, f, nf);
	rc = fails ? FP_EXIT_FINDING : FP_EXIT_OK;
	if (s->x->junit && fp_xjunit(s, f, nf))
		rc = FP_EXIT_USAGE;
	for (unsigned i = 0; i < nf; i++)
		free(f[i].runs);
	free(f);
	return rc;
}
