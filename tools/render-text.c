/*
 * The text of `failpool report` (and of `failpool soak`): the processes
 * with their command lines, the settings, totals, crashes, the injected
 * failures in order, the top sites and the pools, in aligned columns.
 */
#include "config.h"
#include "render.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "proctree.h"
#include "render-util.h"

#define INJECTIONS_SHOWN 20	/* per process; the report keeps the first 1000 */
#define FRAMES_SHOWN 4		/* per site */
#define CRASH_FRAMES_SHOWN 8
#define WRAP 80			/* columns of the settings' lines */

static void frames(FILE *out, const struct fp_model_frames *f, size_t max, const char *first,
		   const char *indent)
{
	char buf[1024];

	for (size_t k = 0; k < f->n && k < max; k++)
		fprintf(out, "%s%s%s\n", k ? indent : first, k ? "< " : "",
			fp_format_frame(buf, sizeof(buf), &f->v[k], 1));
	if (!f->n)
		fprintf(out, "%s(no stack)\n", first);
}

/* A child's name is indented by its depth in the tree, up to 16 levels. */
static int indent(unsigned depth)
{
	return 2 * (int)(depth < 16 ? depth : 16);
}

/* The widest executable name at its depth, so that the columns after it line up. */
static int exe_width(const struct fp_model *m, const size_t *order, const unsigned *depth)
{
	size_t w = strlen("executable");

	for (size_t k = 0; k < m->nprocs; k++) {
		const char *exe = m->procs[order[k]].exe;
		size_t n = (size_t)indent(depth[k]) + (exe ? strlen(exe) : 1);

		if (n > w)
			w = n;
	}
	return (int)(w > 64 ? 64 : w);
}

/*
 * One line per process, as the tree they ran as: a child under its parent
 * (indented by its depth), an image exec replaced just before the one
 * that followed it.
 */
static void processes(FILE *out, const struct fp_model *m)
{
	size_t *order = calloc(m->nprocs + 1, sizeof(*order));
	unsigned *depth = calloc(m->nprocs + 1, sizeof(*depth));
	char e[64], cmd[4096], name[128];
	int w;

	if (!order || !depth) {
		free(order);
		free(depth);
		return;
	}
	fp_proctree_order(m, 0, order, depth);
	w = exe_width(m, order, depth);
	fprintf(out, "\nProcesses\n  %-*s %8s %8s  %-30s %8s  %s\n", w, "executable", "pid", "ppid",
		"ended", "injected", "command line");
	for (size_t k = 0; k < m->nprocs; k++) {
		const struct fp_model_proc *p = &m->procs[order[k]];

		snprintf(e, sizeof(e), "%s%s", fp_format_ending(&p->exit, cmd, sizeof(cmd)),
			 p->complete ? "" : " *");
		snprintf(name, sizeof(name), "%*s%s", indent(depth[k]), "",
			 p->exe ? p->exe : "?");
		fprintf(out, "  %-*s %8" PRIu64 " %8" PRIu64 "  %-30s %8" PRIu64 "  %s\n", w, name,
			p->pid, p->ppid, e, p->injected, fp_render_cmdline(p, cmd, sizeof(cmd)));
	}
	for (size_t i = 0; i < m->nprocs; i++)
		if (!m->procs[i].complete) {
			fputs("  * report written from a signal handler: counts up to that moment\n", out);
			break;
		}
	free(order);
	free(depth);
}

/* "a 1, b 2, ..." over lines of at most WRAP columns, broken after a comma. */
static void wrapped(FILE *out, const char *text, const char *indent)
{
	const size_t width = WRAP - 2 - strlen(indent);

	while (*text) {
		size_t n = strlen(text);

		if (n > width) {
			n = width;
			while (n > 1 && text[n - 1] != ',')
				n--;
			if (n <= 1)
				n = width;
		}
		fprintf(out, "  %s%.*s\n", indent, (int)(n - (text[n - 1] == ' ')), text);
		text += n;
		text += strspn(text, " ");
	}
}

/* The first process's settings, and which processes had others. */
static void settings(FILE *out, const struct fp_model *m)
{
	char first[4096], other[3072];

	if (!m->nprocs)
		return;
	fputs("\nSettings\n", out);
	fp_render_settings(&m->procs[0], NULL, first, sizeof(first));
	wrapped(out, *first ? first : m->procs[0].config ? "(none)" : "(not in this report)", "");
	for (size_t i = 1; i < m->nprocs; i++)
		if (*fp_render_settings(&m->procs[i], &m->procs[0], other, sizeof(other))) {
			snprintf(first, sizeof(first), "pid %" PRIu64 ": %s", m->procs[i].pid, other);
			wrapped(out, first, "");
		}
}

static void totals(FILE *out, const struct fp_model *m)
{
	const struct fp_model_totals *t = &m->totals;
	uint64_t calls = 0;
	char b[64];

	for (unsigned c = 0; c < FP_CALL_COUNT; c++)
		calls += t->calls[c];
	fprintf(out, "\nTotals\n  %-18s %" PRIu64, "calls", calls);
	for (unsigned c = 0, first = 1; c < FP_CALL_COUNT; c++)
		if (t->calls[c]) {
			fprintf(out, "%s%s %" PRIu64, first ? " (" : ", ", fp_call_name(c), t->calls[c]);
			first = 0;
		}
	fprintf(out, "%s\n", calls ? ")" : "");
	fprintf(out, "  %-18s %s\n", "bytes allocated",
		fp_format_bytes(t->bytes_allocated, 0, b, sizeof(b)));
	fprintf(out, "  %-18s %s\n", "peak live", fp_format_bytes(t->peak_live_bytes, 0, b, sizeof(b)));
	fprintf(out, "  %-18s %" PRIu64 "\n  %-18s %" PRIu64 "\n  %-18s %" PRIu64 "\n", "eligible",
		t->eligible, "injected", t->injected, "real failures", t->real_failures);
}

static void crashes(FILE *out, const struct fp_model *m)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct fp_model_proc *p = &m->procs[i];
		const struct fp_model_crash *c = p->crash;

		if (!c)
			continue;
		fprintf(out, "\nCrash in %s (pid %" PRIu64 "): %s", p->exe ? p->exe : "?", p->pid,
			c->name ? c->name : "signal");
		if (c->has_last_injection_seq)
			fprintf(out, " after injected failure #%" PRIu64, c->last_injection_seq);
		fputc('\n', out);
		frames(out, &c->frames, CRASH_FRAMES_SHOWN, "  ", "  ");
	}
}

/* Each process's injected failures in the order they happened; one wrapper's sites told apart. */
static void injections(FILE *out, const struct fp_model *m)
{
	char b[32], label[512];
	char **labels = fp_render_site_labels(m);

	for (size_t i = 0; i < m->nprocs; i++) {
		const struct fp_model_proc *p = &m->procs[i];
		size_t n = p->ninjections;

		if (!n)
			continue;
		fprintf(out, "\nInjected failures in %s (pid %" PRIu64 "), in order", p->exe ? p->exe : "?",
			p->pid);
		if (n > INJECTIONS_SHOWN || p->injected > n)
			fprintf(out, ": the first %zu of %" PRIu64, n < INJECTIONS_SHOWN ? n : INJECTIONS_SHOWN,
				p->injected);
		fprintf(out, "\n  %6s  %-14s %10s  %s\n", "#", "call", "size", "site");
		for (size_t k = 0; k < n && k < INJECTIONS_SHOWN; k++) {
			const struct fp_model_injection *j = &p->injections[k];
			const struct fp_model_site *s = j->has_site ? fp_model_site(m, j->site) : NULL;

			if (s && labels)
				snprintf(label, sizeof(label), "%s", labels[s - m->sites]);
			else if (s)
				fp_render_site_label(s, 0, label, sizeof(label));
			else if (j->has_site)
				snprintf(label, sizeof(label), "#%016" PRIx64, j->site);
			else
				snprintf(label, sizeof(label), "?");
			fprintf(out, "  %6" PRIu64 "  %-14s %10s  %s\n", j->seq, j->call ? j->call : "?",
				fp_format_bytes(j->size, 0, b, sizeof(b)), label);
		}
	}
	if (labels)
		fp_render_site_labels_free(labels, m->nsites);
}

static int by_calls(const void *a, const void *b)
{
	const struct fp_model_site *x = *(const struct fp_model_site *const *)a;
	const struct fp_model_site *y = *(const struct fp_model_site *const *)b;

	if (x->calls != y->calls)
		return x->calls > y->calls ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void sites_table(FILE *out, const struct fp_model *m, int by_injected)
{
	const struct fp_model_site **order = calloc(m->nsites + 1, sizeof(*order));
	size_t n = 0;
	char b[32];

	if (!order)
		return;
	/* The merge orders sites by injected, then calls: the first table is its head. */
	for (size_t i = 0; i < m->nsites; i++)
		if (!by_injected || m->sites[i].injected)
			order[n++] = &m->sites[i];
	if (!by_injected && n)
		qsort(order, n, sizeof(*order), by_calls);
	if (n > FP_RENDER_TOP)
		n = FP_RENDER_TOP;
	if (n) {
		fprintf(out, "\nTop sites by %s\n", by_injected ? "injected failures" : "calls");
		fprintf(out, "  %8s %10s %10s  %-16s  %-8s  %s\n", "injected", "calls", "bytes",
			"site", "pool", "frames (innermost first)");
	}
	for (size_t i = 0; i < n; i++) {
		const struct fp_model_site *s = order[i];
		char head[128];

		snprintf(head, sizeof(head), "  %8" PRIu64 " %10" PRIu64 " %10s  %016" PRIx64 "  %-8s  ",
			 s->injected, s->calls, fp_format_bytes(s->bytes, 0, b, sizeof(b)), s->id,
			 s->pool ? s->pool : "-");
		frames(out, &s->frames, FRAMES_SHOWN, head,
		       "                                                               ");
	}
	free(order);
}

static void pools_table(FILE *out, const struct fp_model *m)
{
	char b[32];

	if (!m->npools)
		return;
	fprintf(out, "\nPools\n  %-12s %6s %9s %9s %9s %9s %7s %7s %6s %11s  %s\n", "name", "min",
		"size", "allocs", "hits", "exhausted", "low", "max out", "waits", "max wait",
		"suggested min");
	for (size_t i = 0; i < m->npools; i++) {
		const struct fp_model_pool *p = &m->pools[i];
		int floor;
		uint64_t sug = fp_model_pool_suggest(p, &floor);

		fprintf(out, "  %-12s %6" PRIu64 " %9s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %7" PRIu64
			" %7" PRIu64 " %6" PRIu64 " %8.1f ms  %s%" PRIu64 "\n", p->name, p->min,
			fp_format_bytes(p->size, 0, b, sizeof(b)), p->allocs, p->hits, p->exhausted,
			p->low, p->min - (p->low < p->min ? p->low : p->min), p->waits,
			(double)p->wait_ns_max / 1e6, floor ? ">= " : "", sug);
	}
}

void fp_render_text(FILE *out, const struct fp_model *m)
{
	const char *version = m->nprocs ? m->procs[0].version : NULL;
	char verdict[512];
	int bad;

	fprintf(out, "failpool report: %zu process%s, seed ", m->nprocs, m->nprocs == 1 ? "" : "es");
	if (m->has_seed)
		fprintf(out, "%" PRIu64, m->seed);
	else
		fputs(m->nprocs > 1 ? "differs between them" : "?", out);
	fprintf(out, ", written by failpool %s\n  %s\n", version ? version : "(unknown version)",
		fp_render_verdict(m, verdict, sizeof(verdict), &bad));
	processes(out, m);
	settings(out, m);
	totals(out, m);
	crashes(out, m);
	injections(out, m);
	sites_table(out, m, 1);
	sites_table(out, m, 0);
	pools_table(out, m);
}
