/* The summary printed by `failpool run` (see summary.h). */
#include "config.h"
#include "summary.h"

#include <fnmatch.h>
#include <limits.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "lines.h"
#include "merge.h"
#include "model.h"
#include "parse.h"
#include "proctree.h"

#define P "failpool: "
/* The callers shown for a site. */
#define SITE_FRAMES	3

static void print_frames(FILE *out, const struct fp_model_frames *f, size_t max)
{
	char buf[1024];

	for (size_t k = 0; k < f->n && k < max; k++)
		fprintf(out, "%s%s", k ? " < " : "", fp_format_frame(buf, sizeof(buf), &f->v[k], 1));
}

/* Why CMD left no report, from how it ended. */
static void print_no_report(FILE *out, const struct fp_summary_run *run)
{
	const char *base = strrchr(run->cmd, '/');
	const char *exe = getenv("FAILPOOL_EXE");

	base = base ? base + 1 : run->cmd;
	fprintf(out, P "no report from %s (pid %ld): ", base, (long)run->root);
	if (exe && *exe && fnmatch(exe, base, 0))
		fprintf(out, "not under test, --exe '%s' leaves it out\n", exe);
	else if (run->signal == SIGKILL)
		fputs("killed by SIGKILL, which leaves a process no moment to write one\n", out);
	else if (run->signal) {
		const char *name = fp_signal_name(run->signal);
		char num[24];

		if (!name) {
			snprintf(num, sizeof(num), "signal %d", run->signal);
			name = num;
		}
		fprintf(out, "killed by %s before it wrote one\n", name);
	} else
		fputs("it wrote none (the report could not be written?)\n", out);
}

/* Whether @p is worth a line among many: it failed, crashed or had a failure injected. */
static int notable(const struct fp_model_proc *p, pid_t root)
{
	return p->pid == (uint64_t)root || p->exit.by_signal || p->exit.signal ||
	       (p->exit.has_code && p->exit.code) || p->injected || !p->complete || p->crash;
}

static void print_process(FILE *out, const struct fp_model_proc *p, unsigned depth)
{
	char ending[64];

	fprintf(out, P "%*s%s (pid %" PRIu64 ") %s", 2 + 2 * (int)(depth < 16 ? depth : 16), "",
		p->exe ? p->exe : "?", p->pid, fp_format_ending(&p->exit, ending, sizeof(ending)));
	if (p->crash && p->crash->has_last_injection_seq)
		fprintf(out, " after injected failure #%" PRIu64, p->crash->last_injection_seq);
	fprintf(out, "; injected %" PRIu64 "%s\n", p->injected,
		p->complete ? "" : "; the report is incomplete");
}

/* "... and N more" for the children of the process at @depth - 1 (or the roots) left out. */
static void print_left_out(FILE *out, size_t n, unsigned depth)
{
	if (n)
		fprintf(out, P "%*s... and %zu more that exited with status 0 (or were replaced by "
			"exec), nothing injected\n", 2 + 2 * (int)(depth < 16 ? depth : 16), "", n);
}

/*
 * Which processes get a line: all of them, or in a large tree (@brief) the
 * notable ones and their ancestors, so that each hangs where it ran.
 */
static unsigned char *lines_for(const struct fp_model *m, const size_t *order,
				const unsigned *depth, pid_t root, int brief)
{
	unsigned char *show = calloc(m->nprocs + 1, 1);
	size_t *ancestor = calloc(m->nprocs + 1, sizeof(*ancestor));	/* by depth */

	for (size_t k = 0; show && ancestor && k < m->nprocs; k++) {
		unsigned d = depth[k];

		ancestor[d] = k;
		if (brief && !notable(&m->procs[order[k]], root))
			continue;
		show[k] = 1;
		for (unsigned a = 0; a < d; a++)
			show[ancestor[a]] = 1;
	}
	free(ancestor);
	return show;
}

/*
 * The process tree (proctree.h): CMD first, then any process whose parent
 * wrote no report; those left out of a large tree are counted under their
 * parent, after its other children.
 */
static void print_tree(FILE *out, const struct fp_model *m, const size_t *order,
		       const unsigned *depth, pid_t root, int brief)
{
	unsigned char *show = lines_for(m, order, depth, root, brief);
	/* left[d]: processes at depth d left out under the last line at depth d - 1 */
	size_t *left = calloc(m->nprocs + 2, sizeof(*left));
	unsigned open = 0;	/* the deepest depth whose count may still grow */
	unsigned cut = UINT_MAX;	/* inside a subtree left out, its depth */

	for (size_t k = 0; show && left && k < m->nprocs; k++) {
		unsigned d = depth[k];

		if (cut != UINT_MAX && d > cut) {	/* counted with the top of its subtree */
			left[cut]++;
			continue;
		}
		cut = UINT_MAX;
		/* Leaving deeper subtrees: their counts go under their parents. */
		for (; open > d; open--) {
			print_left_out(out, left[open], open);
			left[open] = 0;
		}
		if (!show[k]) {
			left[d]++;
			cut = open = d;
			continue;
		}
		print_process(out, &m->procs[order[k]], d);
		open = d + 1;
	}
	for (; show && left; open--) {
		print_left_out(out, left[open], open);
		if (!open)
			break;
	}
	free(show);
	free(left);
}

static void print_processes(FILE *out, const struct fp_model *m, pid_t root)
{
	size_t *order = calloc(m->nprocs + 1, sizeof(*order)), images = 0;
	unsigned *depth = calloc(m->nprocs + 1, sizeof(*depth));

	if (!order || !depth)
		goto out;
	for (size_t i = 0; i < m->nprocs; i++)
		images += fp_proctree_replaced(&m->procs[i]);
	if (images)
		fprintf(out, P "%zu process%s (%zu reports: an image exec replaced writes its own):\n",
			m->nprocs - images, m->nprocs - images == 1 ? "" : "es", m->nprocs);
	else
		fprintf(out, P "%zu process%s:\n", m->nprocs, m->nprocs == 1 ? "" : "es");
	fp_proctree_order(m, (uint64_t)root, order, depth);
	print_tree(out, m, order, depth, root, m->nprocs > FP_SUMMARY_MAX_PROCS);
out:
	free(order);
	free(depth);
}

static void print_calls(FILE *out, const struct fp_model *m)
{
	uint64_t total = 0;
	int first = 1;

	for (unsigned c = 0; c < FP_CALL_COUNT; c++)
		total += m->totals.calls[c];
	fprintf(out, P "calls %" PRIu64, total);
	for (unsigned c = 0; c < FP_CALL_COUNT; c++) {
		if (!m->totals.calls[c])
			continue;
		fprintf(out, "%s%s %" PRIu64, first ? " (" : ", ", fp_call_name(c), m->totals.calls[c]);
		first = 0;
	}
	fputs(first ? "\n" : ")\n", out);
}

/* The injected failure before @p's crash, if its report kept it (the first 1000). */
static const struct fp_model_injection *last_injection(const struct fp_model_proc *p)
{
	for (size_t i = 0; p->crash && p->crash->has_last_injection_seq && i < p->ninjections; i++)
		if (p->injections[i].seq == p->crash->last_injection_seq)
			return &p->injections[i];
	return NULL;
}

/* The site of @inj, among @m's (merged by id: one id is one stack); to be named. */
static struct fp_model_site *site_of(struct fp_model *m, const struct fp_model_injection *inj)
{
	const struct fp_model_site *s = inj && inj->has_site ? fp_model_site(m, inj->site) : NULL;

	return s ? &m->sites[s - m->sites] : NULL;
}

/*
 * The frames shown, named offline (a crash record may have no symbols): the
 * top sites and every crash (fp_lines_name), and each crash's injected
 * failure's site, which need not be among the top.
 */
static void name_frames(struct fp_model *m)
{
	struct fp_model_site *s;

	fp_lines_name(m, FP_SUMMARY_TOP_SITES);
	for (size_t i = 0; i < m->nprocs; i++)
		if ((s = site_of(m, last_injection(&m->procs[i]))))
			fp_lines_want_frames(&s->frames, SITE_FRAMES, 1);
	fp_lines_run();
	for (size_t i = 0; i < m->nprocs; i++)
		if ((s = site_of(m, last_injection(&m->procs[i]))))
			fp_lines_fill(&s->frames);
}

/*
 * Where each process crashed, after which injected failure, and that
 * failure's call and site: what to fix is usually that site's NULL check.
 */
static void print_crashes(FILE *out, struct fp_model *m)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct fp_model_proc *p = &m->procs[i];
		const struct fp_model_crash *c = p->crash;
		const struct fp_model_injection *inj = last_injection(p);
		const struct fp_model_site *site = site_of(m, inj);

		if (!c)
			continue;
		if (m->nprocs == 1)
			fputs(P "crash: ", out);
		else
			fprintf(out, P "crash in %s (pid %" PRIu64 "): ", p->exe ? p->exe : "?", p->pid);
		fputs(c->name ? c->name : "a fatal signal", out);
		if (c->kindv != FP_CRASH_SIGNAL)	/* FAILPOOL_CHECK ended it */
			fprintf(out, " (%s)", c->kind ? c->kind : "?");
		if (c->frames.n) {
			fputs(" in ", out);
			print_frames(out, &c->frames, 1);
		}
		if (!c->has_last_injection_seq) {
			fputs(", with no failure injected before it\n", out);
			continue;
		}
		fprintf(out, ", after injected failure #%" PRIu64 "\n", c->last_injection_seq);
		if (!inj)
			continue;	/* past the first 1000 the report keeps */
		fprintf(out, P "  injected failure #%" PRIu64 ": %s(%" PRIu64 ")", inj->seq,
			inj->call ? inj->call : "?", inj->size);
		if (inj->has_site)
			fprintf(out, " at site %016" PRIx64, inj->site);
		if (site && site->frames.n) {
			fputs(": ", out);
			print_frames(out, &site->frames, SITE_FRAMES);
		}
		fputc('\n', out);
	}
}

static void print_sites(FILE *out, const struct fp_model *m)
{
	size_t n = 0, shown = 0;

	for (size_t i = 0; i < m->nsites; i++)
		n += m->sites[i].injected > 0;
	if (n)
		fprintf(out, P "top injected sites (injected, site id, caller):\n");
	/* Merged sites are ordered by injected failures, most first. */
	for (size_t i = 0; i < m->nsites && shown < FP_SUMMARY_TOP_SITES; i++) {
		if (!m->sites[i].injected)
			continue;
		fprintf(out, P "  %8" PRIu64 "  %016" PRIx64 "  ", m->sites[i].injected, m->sites[i].id);
		print_frames(out, &m->sites[i].frames, SITE_FRAMES);
		fputc('\n', out);
		shown++;
	}
	if (n > FP_SUMMARY_TOP_SITES)
		fprintf(out, P "  ... and %zu more sites with injected failures\n",
			n - FP_SUMMARY_TOP_SITES);
}

/* One line per pool: how much of its reserve was used, and whether it ran out. */
static void print_pools(FILE *out, const struct fp_model *m)
{
	for (size_t i = 0; i < m->npools; i++) {
		const struct fp_model_pool *p = &m->pools[i];

		fprintf(out, P "pool %s: %" PRIu64 " allocs, %" PRIu64 " from the reserve, "
			"%" PRIu64 " of %" PRIu64 " elements used at most, %" PRIu64
			" waits, %" PRIu64 " exhausted\n", p->name, p->allocs, p->hits,
			p->min >= p->low ? p->min - p->low : 0, p->min, p->waits, p->exhausted);
	}
}

/* The seed: the one every process had, or CMD's (each process may draw its own). */
static void print_seed(FILE *out, const struct fp_model *m, int root_seen)
{
	if (m->has_seed)
		fprintf(out, P "seed %" PRIu64 "\n", m->seed);
	else if (root_seen && m->procs[0].has_seed)
		fprintf(out, P "seed %" PRIu64 " (CMD's; each process drew its own)\n",
			m->procs[0].seed);
	else
		fputs(P "seed: each process drew its own\n", out);
}

/* @paths loaded and merged into @m; 0, or -1 after saying which file is wrong. */
static int load(char *const *paths, size_t n, struct fp_model *m)
{
	struct fp_model *parts = calloc(n, sizeof(*parts));
	char err[256];

	memset(m, 0, sizeof(*m));
	if (!parts) {
		fputs(P "out of memory\n", stderr);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (fp_model_load(paths[i], &parts[i], err, sizeof(err))) {
			fprintf(stderr, P "%s: %s\n", paths[i], err);
			for (size_t k = 0; k <= i; k++)
				fp_model_free(&parts[k]);
			free(parts);
			return -1;
		}
	}
	/* No warning that the seeds differ: print_seed() says it. */
	return fp_merge_models(parts, n, m, NULL);
}

int fp_summary_print(FILE *out, char *const *paths, size_t n, const struct fp_summary_run *run)
{
	struct fp_model m;
	char buf[64];
	int root_seen = 0;

	if (n && load(paths, n, &m))
		return -1;
	for (size_t i = 0; i < n; i++)
		root_seen |= m.procs[i].pid == (uint64_t)run->root;
	if (!root_seen)
		print_no_report(out, run);
	if (n) {
		name_frames(&m);
		if (n == 1 && root_seen)
			fprintf(out, P "%s (pid %" PRIu64 ") %s%s\n", m.procs[0].exe ? m.procs[0].exe : "?",
				m.procs[0].pid, fp_format_ending(&m.procs[0].exit, buf, sizeof(buf)),
				m.procs[0].complete ? "" : "; the report is incomplete");
		else
			print_processes(out, &m, run->root);
		print_seed(out, &m, root_seen);
		fprintf(out, P "eligible %" PRIu64 ", injected %" PRIu64 ", real failures %" PRIu64 "\n",
			m.totals.eligible, m.totals.injected, m.totals.real_failures);
		print_calls(out, &m);
		fprintf(out, P "peak live %s%s\n",
			fp_format_bytes(m.totals.peak_live_bytes, 1, buf, sizeof(buf)),
			n > 1 ? " (the most of any one process)" : "");
		print_crashes(out, &m);
		print_sites(out, &m);
		print_pools(out, &m);
		fp_model_free(&m);
	}
	if (run->kept && *run->kept)
		fprintf(out, P "%s\n", run->kept);
	return 0;
}
