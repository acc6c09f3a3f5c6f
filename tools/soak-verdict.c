/*
 * soak's verdict (see soak.h), in the order a person acts on it: what did
 * not end well, then a pool that ran out, then a soak that tested nothing,
 * and only then "survived".
 */
#include "config.h"
#include "soak.h"

#include <inttypes.h>
#include <string.h>
#include <sys/wait.h>

#include "cmds.h"
#include "format.h"
#include "merge.h"

/* argv[0] as the report kept it: stress-ng's name for the process. */
static const char *argv0(const struct fp_model_proc *p)
{
	return p->argc ? p->argv[0] : NULL;
}

static int ended_well(const struct fp_model_proc *p)
{
	return !p->exit.by_signal && p->complete && (!p->exit.has_code || !p->exit.code);
}

static int stress_ng_ok(const struct fp_run *r)
{
	return !r->timed_out && WIFEXITED(r->status) && !WEXITSTATUS(r->status);
}

/* "stress-ng and 7 workers ran 30 s" */
static void what_ran(FILE *out, const struct fp_soak_result *r)
{
	size_t workers = r->m->nprocs ? r->m->nprocs - 1 : 0;
	double s = r->interrupted ? r->run->seconds : (double)r->duration_ns / 1e9;

	fprintf(out, "stress-ng and %zu worker%s ran %.0f s%s", workers, workers == 1 ? "" : "s", s,
		r->interrupted ? " (interrupted)" : "");
}

static void not_survived(FILE *out, const struct fp_soak_result *r, unsigned crashed,
			 unsigned failed)
{
	fputs("failpool soak: NOT survived: ", out);
	if (r->run->timed_out)
		fputs("stress-ng hung past its duration; ", out);
	else if (WIFSIGNALED(r->run->status))
		fprintf(out, "stress-ng killed by signal %d; ", WTERMSIG(r->run->status));
	else if (WEXITSTATUS(r->run->status))
		fprintf(out, "stress-ng exited with status %d; ", WEXITSTATUS(r->run->status));
	fprintf(out, "%u process%s crashed, %u exited with an error\n", crashed,
		crashed == 1 ? "" : "es", failed);
}

/* The processes that did not end well, then the pools that ran out. */
static void details(FILE *out, const struct fp_model *m)
{
	char e[64], name[64];

	for (size_t i = 0; i < m->nprocs; i++) {
		const struct fp_model_proc *p = &m->procs[i];

		if (!ended_well(p))
			fprintf(out, "  pid %" PRIu64 " (%s): %s%s\n", p->pid,
				fp_soak_stressor_of(argv0(p), name, sizeof(name)),
				fp_format_ending(&p->exit, e, sizeof(e)),
				p->complete || p->exit.by_signal ? "" : " (report incomplete)");
	}
	for (size_t i = 0; i < m->npools; i++) {
		const struct fp_model_pool *p = &m->pools[i];
		int floor;
		uint64_t sug = fp_model_pool_suggest(p, &floor);

		if (p->exhausted)
			fprintf(out, "  pool %s ran out %" PRIu64 " time%s (NULL returned for want of an "
				"element): min %" PRIu64 " is too small; suggested min %s%" PRIu64 "\n",
				p->name, p->exhausted, p->exhausted == 1 ? "" : "s", p->min,
				floor ? ">= " : "", sug);
	}
}

int fp_soak_verdict(FILE *out, const struct fp_soak_result *r)
{
	const struct fp_model *m = r->m;
	unsigned crashed = 0, failed = 0, exhausted = 0;
	int rc;

	for (size_t i = 0; i < m->nprocs; i++) {
		const struct fp_model_proc *p = &m->procs[i];

		if (p->exit.by_signal || !p->complete)
			crashed++;
		else if (!ended_well(p))
			failed++;
	}
	for (size_t i = 0; i < m->npools; i++)
		exhausted += m->pools[i].exhausted > 0;
	if (!stress_ng_ok(r->run) || crashed || failed || !m->nprocs) {
		not_survived(out, r, crashed, failed);
		if (!stress_ng_ok(r->run))
			fprintf(out, "  stress-ng's output: %s/%s\n", r->out, FP_SOAK_LOG);
		if (!m->nprocs)
			fputs("  no process wrote a report (stress-ng did not start, or --exe matched "
			      "none of its processes)\n", out);
		rc = FP_EXIT_FINDING;
	} else if (exhausted) {
		fprintf(out, "failpool soak: finding: %u pool%s ran out; ", exhausted,
			exhausted == 1 ? "" : "s");
		what_ran(out, r);
		fprintf(out, ", %" PRIu64 " failures injected, none fatal\n", m->totals.injected);
		rc = FP_EXIT_FINDING;
	} else if (!r->injects && !m->totals.injected && !m->totals.real_failures) {
		fputs("failpool soak: tested nothing: no failure was configured (give --rate, --every, "
		      "--nth or --limit); ", out);
		what_ran(out, r);
		fputs(" under the shim and ended normally\n", out);
		rc = FP_EXIT_USAGE;
	} else if (!m->totals.injected && !m->totals.real_failures) {
		fputs("failpool soak: tested nothing: no allocation failed; ", out);
		what_ran(out, r);
		fputs(" and the settings never matched (--after, --site, --calls, --enable?)\n", out);
		rc = FP_EXIT_USAGE;
	} else {
		fputs("failpool soak: survived: ", out);
		what_ran(out, r);
		fprintf(out, ", %" PRIu64 " failures injected, none fatal\n", m->totals.injected);
		rc = FP_EXIT_OK;
	}
	details(out, m);
	return rc;
}

/* One stressor's processes. */
struct group {
	char name[64];
	unsigned procs, bad;
	uint64_t injected;
	size_t first_bad;
};

void fp_soak_stressor_table(FILE *out, const struct fp_model *m)
{
	struct group g[64];
	size_t ng = 0;
	char name[64], e[64];

	for (size_t i = 0; i < m->nprocs; i++) {
		size_t k;

		fp_soak_stressor_of(argv0(&m->procs[i]), name, sizeof(name));
		for (k = 0; k < ng && strcmp(g[k].name, name); k++)
			;
		if (k == ng) {
			if (ng == sizeof(g) / sizeof(g[0]))
				continue;
			memset(&g[ng], 0, sizeof(g[ng]));
			snprintf(g[ng++].name, sizeof(g[0].name), "%s", name);
		}
		g[k].procs++;
		g[k].injected += m->procs[i].injected;
		if (!ended_well(&m->procs[i]) && !g[k].bad++)
			g[k].first_bad = i;
	}
	fprintf(out, "\nStressors\n  %-16s %9s %10s  %s\n", "stressor", "processes", "injected",
		"ended");
	for (size_t k = 0; k < ng; k++) {
		fprintf(out, "  %-16s %9u %10" PRIu64 "  ", g[k].name, g[k].procs, g[k].injected);
		if (!g[k].bad)
			fprintf(out, "%s\n", g[k].procs == 1 ? "normally" : "all normally");
		else
			fprintf(out, "%u not normally (pid %" PRIu64 " %s)\n", g[k].bad,
				m->procs[g[k].first_bad].pid,
				fp_format_ending(&m->procs[g[k].first_bad].exit, e, sizeof(e)));
	}
}
