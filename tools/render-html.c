/*
 * `failpool report --format html`: one page a person reads first, in one
 * self-contained file (inline style, script and SVG; nothing fetched): the
 * verdict, what ran and with which settings, the run over time, the
 * crashes, the stacks as an icicle, and tables that sort and filter.
 */
#include "config.h"
#include "render.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "explore-out.h"
#include "proctree.h"
#include "render-html.h"
#include "render-util.h"

#define SITE_ROWS 2000		/* sites in the table; the JSON has them all */
#define SERIES_PROCS 4		/* processes whose series are drawn */

extern const char fp_html_css[], fp_html_js[];

void fp_html_esc(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		size_t n = (unsigned char)*s >= 0x80 ? fp_xutf8_len((const unsigned char *)s) : 1;

		/* A byte that is not UTF-8 (a Latin-1 argument) shows as U+FFFD; the page stays UTF-8. */
		if (n != 1) {
			if (n)
				fwrite(s, 1, n, out);
			else
				fputs("\xef\xbf\xbd", out);
			s += n ? n - 1 : 0;
			continue;
		}
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s, out);
		}
	}
}

static void head(FILE *out, const struct fp_model *m)
{
	const struct fp_model_proc *p = m->nprocs ? &m->procs[0] : NULL;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n<title>failpool: ",
	      out);
	fp_html_esc(out, p && p->exe ? p->exe : "report");
	if (p)
		fprintf(out, " (pid %" PRIu64 ")", p->pid);
	if (m->nprocs > 1)
		fprintf(out, " and %zu more process%s", m->nprocs - 1, m->nprocs == 2 ? "" : "es");
	fprintf(out, "</title>\n<style>%s</style></head>\n<body>\n", fp_html_css);
}

/* "dt" and its value, escaped; @code: in a <code>. */
static void item(FILE *out, const char *term, const char *value, int code)
{
	fprintf(out, "<dt>%s</dt><dd>%s", term, code ? "<code>" : "");
	fp_html_esc(out, value);
	fprintf(out, "%s</dd>\n", code ? "</code>" : "");
}

/* When the report was written (its file's time) and how long the run took (its series). */
static void when(FILE *out, const struct fp_model *m)
{
	const struct fp_model_proc *p = m->nprocs ? &m->procs[0] : NULL;
	struct stat st;
	char buf[64];

	if (p && p->report && !stat(p->report, &st) &&
	    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", gmtime(&st.st_mtime)))
		item(out, "written", buf, 0);
	if (p && p->nseries) {
		snprintf(buf, sizeof(buf), "%.1f s", p->series[p->nseries - 1].ms / 1000);
		item(out, "duration", buf, 0);
	} else {
		item(out, "duration", "not recorded (no time series in this report)", 0);
	}
}

static void banner(FILE *out, const struct fp_model *m)
{
	const struct fp_model_proc *p = m->nprocs ? &m->procs[0] : NULL;
	char buf[4096];
	int bad;

	fputs("<header><h1>failpool report: <code>", out);
	fp_html_esc(out, p ? fp_render_cmdline(p, buf, sizeof(buf)) : "?");
	fputs("</code></h1>\n", out);
	fp_render_verdict(m, buf, sizeof(buf), &bad);
	fprintf(out, "<div id=\"verdict\" class=\"verdict %s\">", bad ? "bad" : "ok");
	fp_html_esc(out, buf);
	fputs("</div>\n<dl class=\"run\">\n", out);
	if (p) {
		item(out, "command line", fp_render_cmdline(p, buf, sizeof(buf)), 1);
		item(out, "settings", fp_render_settings(p, NULL, buf, sizeof(buf)), 1);
	}
	if (m->has_seed)
		snprintf(buf, sizeof(buf), "%" PRIu64 " (FAILPOOL_SEED=%" PRIu64 " repeats the run)",
			 m->seed, m->seed);
	else
		snprintf(buf, sizeof(buf), "%s", m->nprocs > 1 ? "differs between the processes" : "?");
	item(out, "seed", buf, 0);
	item(out, "failpool", p && p->version ? p->version : "(unknown version)", 0);
	when(out, m);
	snprintf(buf, sizeof(buf), "%" PRIu64 " eligible allocation%s, %" PRIu64 " injected failure%s, %"
		 PRIu64 " real failure%s; %zu process%s, %zu site%s", m->totals.eligible,
		 m->totals.eligible == 1 ? "" : "s", m->totals.injected, m->totals.injected == 1 ? "" : "s",
		 m->totals.real_failures, m->totals.real_failures == 1 ? "" : "s",
		 m->nprocs, m->nprocs == 1 ? "" : "es", m->nsites, m->nsites == 1 ? "" : "s");
	item(out, "totals", buf, 0);
	fputs("</dl>\n<nav><a href=\"#over-time\">over time</a><a href=\"#stacks\">stacks</a>"
	      "<a href=\"#sites\">sites</a><a href=\"#processes\">processes</a>"
	      "<a href=\"#injections\">injections</a><a href=\"#pools\">pools</a></nav></header>\n", out);
}

static void over_time(FILE *out, const struct fp_model *m)
{
	size_t drawn = 0, with = 0;

	fputs("<section id=\"over-time\"><h2>The run over time</h2>\n", out);
	for (size_t i = 0; i < m->nprocs; i++) {
		if (!m->procs[i].nseries)
			continue;
		if (with++ >= SERIES_PROCS)
			continue;
		if (m->nprocs > 1) {
			fputs("<h3>", out);
			fp_html_esc(out, m->procs[i].exe);
			fprintf(out, " (pid %" PRIu64 ")</h3>\n", m->procs[i].pid);
		}
		fputs("<div class=\"charts\">\n", out);
		fp_html_series(out, &m->procs[i], m);
		fputs("</div>\n", out);
		drawn++;
	}
	if (!with)
		fputs("<p class=\"none\">no time series in this report</p>\n", out);
	else if (with > drawn)
		fprintf(out, "<p class=\"none\">the series of %zu more processes are not drawn</p>\n",
			with - drawn);
	fputs("</section>\n", out);
}

static void frames_list(FILE *out, const struct fp_model_frames *f)
{
	char buf[1024];

	fputs("<ol class=\"frames mono\">", out);
	for (size_t k = 0; k < f->n; k++) {
		fputs("<li>", out);
		fp_html_esc(out, fp_format_frame(buf, sizeof(buf), &f->v[k], 1));
		fputs("</li>", out);
	}
	fputs("</ol>", out);
}

static void crashes(FILE *out, const struct fp_model *m)
{
	char e[64];

	for (size_t i = 0; i < m->nprocs; i++) {
		const struct fp_model_proc *p = &m->procs[i];
		uint64_t site;

		if (!p->crash)
			continue;
		fputs("<section class=\"crash\"><h2>Crash in ", out);
		fp_html_esc(out, p->exe);
		fprintf(out, " (pid %" PRIu64 "): ", p->pid);
		fp_html_esc(out, fp_format_ending(&p->exit, e, sizeof(e)));
		if (p->crash->kindv != FP_CRASH_SIGNAL) {
			fputs(", ", out);
			fp_html_esc(out, p->crash->kind);
		}
		if (p->crash->has_last_injection_seq)
			fprintf(out, " after injected failure #%" PRIu64, p->crash->last_injection_seq);
		if (!fp_render_crash_site(p, &site))
			fprintf(out, " at site <a href=\"#q=%016" PRIx64 "\">%016" PRIx64 "</a>", site, site);
		fputs("</h2>\n<p>The faulting stack, innermost first:</p>", out);
		frames_list(out, &p->crash->frames);
		fputs("</section>\n", out);
	}
}

static void stacks(FILE *out, const struct fp_model *m)
{
	fputs("<section id=\"stacks\"><h2>Calls and injected failures by stack</h2>\n"
	      "<p>Each box is a function, below the one that called it, as wide as its share; "
	      "red where failures were injected, the deeper the larger their share of its calls. "
	      "A site's stack is its innermost frames (FAILPOOL_DEPTH), so the top row is where "
	      "those stacks start. Hover for the numbers.</p>\n"
	      "<figure><figcaption>Calls</figcaption>\n", out);
	if (!fp_html_icicle(out, m, 0))
		fputs("<p class=\"none\">no calls</p>\n", out);
	fputs("</figure>\n<figure><figcaption>Injected failures</figcaption>\n", out);
	if (!fp_html_icicle(out, m, 1))
		fputs("<p class=\"none\">no failure was injected</p>\n", out);
	fputs("</figure></section>\n", out);
}

/* A filter box and "showing N of M" for table @id; @by_site: #q=TEXT filters it too. */
static void table_start(FILE *out, const char *id, size_t shown, size_t total, const char *what,
			const char *columns, int by_site)
{
	fprintf(out, "<input class=\"filter\" type=\"search\" data-table=\"%s\"%s placeholder=\""
		"filter the %s\" aria-label=\"filter the %s\">\n<p class=\"shown-line\">showing "
		"<span class=\"shown\" data-table=\"%s\">%zu</span> of %zu %s", id,
		by_site ? " data-hash" : "", what, what, id, shown, total, what);
	if (shown < total)
		fprintf(out, " (the table holds the first %zu; <code>failpool report --format json</code> "
			"has them all)", shown);
	fprintf(out, "</p>\n<div class=\"scroll\"><table class=\"sortable\" id=\"%s\"><thead><tr>%s"
		"</tr></thead><tbody>\n", id, columns);
}

/* @s's label among @labels (fp_render_site_labels()), or made here without them. */
static const char *site_label(const struct fp_model *m, char *const *labels,
			      const struct fp_model_site *s, char *buf, size_t size)
{
	return labels ? labels[s - m->sites] : fp_render_site_label(s, 0, buf, size);
}

static void sites(FILE *out, const struct fp_model *m, char *const *labels)
{
	size_t n = m->nsites < SITE_ROWS ? m->nsites : SITE_ROWS;
	char b[32], label[512];

	fputs("<section><h2 id=\"sites\">Sites</h2>\n", out);
	table_start(out, "site-table", n, m->nsites, "sites",
		    "<th class=n>injected</th><th class=n>calls</th><th class=n>bytes</th><th>site</th>"
		    "<th>pool</th><th>stack</th>", 1);
	for (size_t i = 0; i < n; i++) {
		const struct fp_model_site *s = &m->sites[i];

		fprintf(out, "<tr%s><td class=n data-v=\"%" PRIu64 "\">%" PRIu64 "</td><td class=n "
			"data-v=\"%" PRIu64 "\">%" PRIu64 "</td><td class=n data-v=\"%" PRIu64 "\">%s</td>"
			"<td class=mono>", s->injected ? " class=hot" : "", s->injected, s->injected,
			s->calls, s->calls, s->bytes, fp_format_bytes(s->bytes, 0, b, sizeof(b)));
		fp_html_esc(out, site_label(m, labels, s, label, sizeof(label)));
		fputs("</td><td>", out);
		fp_html_esc(out, s->pool);
		fprintf(out, "</td><td><details><summary>%zu frame%s</summary>", s->frames.n,
			s->frames.n == 1 ? "" : "s");
		frames_list(out, &s->frames);
		fputs("</details></td></tr>\n", out);
	}
	fputs("</tbody></table></div></section>\n", out);
}

/* The processes as the tree they ran as (proctree.h), a child indented under its parent. */
static void processes(FILE *out, const struct fp_model *m)
{
	size_t *order = calloc(m->nprocs + 1, sizeof(*order));
	unsigned *depth = calloc(m->nprocs + 1, sizeof(*depth));
	char e[64], cmd[4096];

	if (!order || !depth)
		goto out;
	fp_proctree_order(m, 0, order, depth);
	fputs("<section><h2 id=\"processes\">Processes</h2>\n", out);
	table_start(out, "process-table", m->nprocs, m->nprocs, "processes",
		    "<th>executable</th><th class=n>pid</th><th class=n>ppid</th><th>ended</th>"
		    "<th class=n>injected</th><th>command line</th>", 0);
	for (size_t k = 0; k < m->nprocs; k++) {
		const struct fp_model_proc *p = &m->procs[order[k]];
		int bad = p->exit.by_signal || (p->exit.has_code && p->exit.code);

		fprintf(out, "<tr%s><td", bad ? " class=hot" : "");
		if (depth[k])
			fprintf(out, " style=\"padding-left:calc(8px + %uem)\"", depth[k] < 16 ? depth[k] : 16);
		fputc('>', out);
		fp_html_esc(out, p->exe);
		fprintf(out, "</td><td class=n data-v=\"%" PRIu64 "\">%" PRIu64 "</td><td class=n data-v=\""
			"%" PRIu64 "\">%" PRIu64 "</td><td>%s%s</td><td class=n data-v=\"%" PRIu64 "\">%"
			PRIu64 "</td><td class=mono>", p->pid, p->pid, p->ppid, p->ppid,
			fp_format_ending(&p->exit, e, sizeof(e)),
			p->complete ? "" : " (report written from a signal handler)", p->injected,
			p->injected);
		fp_html_esc(out, fp_render_cmdline(p, cmd, sizeof(cmd)));
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></div></section>\n", out);
out:
	free(order);
	free(depth);
}

static void injections(FILE *out, const struct fp_model *m, char *const *labels)
{
	size_t total = 0;
	char b[32], label[512];

	for (size_t i = 0; i < m->nprocs; i++) {
		total += m->procs[i].ninjections;
	}
	fputs("<section><h2 id=\"injections\">Injected failures, in order</h2>\n", out);
	table_start(out, "injection-table", total, total, "injected failures",
		    "<th class=n>pid</th><th class=n>#</th><th>call</th><th class=n>size</th>"
		    "<th>site</th>", 1);
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct fp_model_proc *p = &m->procs[i];

		for (size_t k = 0; k < p->ninjections; k++) {
			const struct fp_model_injection *j = &p->injections[k];
			const struct fp_model_site *s = j->has_site ? fp_model_site(m, j->site) : NULL;

			fprintf(out, "<tr><td class=n data-v=\"%" PRIu64 "\">%" PRIu64 "</td><td class=n "
				"data-v=\"%" PRIu64 "\">%" PRIu64 "</td><td>", p->pid, p->pid, j->seq,
				j->seq);
			fp_html_esc(out, j->call);
			fprintf(out, "</td><td class=n data-v=\"%" PRIu64 "\">%s</td><td class=mono>",
				j->size, fp_format_bytes(j->size, 0, b, sizeof(b)));
			if (s)
				fp_html_esc(out, site_label(m, labels, s, label, sizeof(label)));
			else if (j->has_site)
				fprintf(out, "#%016" PRIx64, j->site);
			fputs("</td></tr>\n", out);
		}
	}
	fputs("</tbody></table></div>\n<p>A report keeps the first 1000 injected failures of its "
	      "process.</p></section>\n", out);
}

static void pools(FILE *out, const struct fp_model *m)
{
	char b[32];

	fputs("<section><h2 id=\"pools\">Pools</h2>\n", out);
	if (!m->npools) {
		fputs("<p class=\"none\">no pool was configured</p></section>\n", out);
		return;
	}
	fputs("<div class=\"scroll\"><table class=\"sortable\" id=\"pool-table\"><thead><tr>"
	      "<th>name</th><th class=n>min</th><th class=n>size</th><th class=n>allocs</th>"
	      "<th class=n>hits</th><th class=n>exhausted</th><th class=n>low</th>"
	      "<th class=n>most out</th><th class=n>waits</th><th class=n>longest wait</th>"
	      "<th class=n>suggested min</th></tr></thead><tbody>\n", out);
	for (size_t i = 0; i < m->npools; i++) {
		const struct fp_model_pool *p = &m->pools[i];
		int floor;
		uint64_t sug = fp_model_pool_suggest(p, &floor);

		fprintf(out, "<tr%s><td>", p->exhausted ? " class=hot" : "");
		fp_html_esc(out, p->name);
		fprintf(out, "</td><td class=n>%" PRIu64 "</td><td class=n data-v=\"%" PRIu64 "\">%s</td>"
			"<td class=n>%" PRIu64 "</td><td class=n>%" PRIu64 "</td><td class=n>%" PRIu64
			"</td><td class=n>%" PRIu64 "</td><td class=n>%" PRIu64 "</td><td class=n>%" PRIu64
			"</td><td class=n data-v=\"%" PRIu64 "\">%.1f ms</td><td class=n data-v=\"%" PRIu64
			"\">%s%" PRIu64 "</td></tr>\n", p->min, p->size,
			fp_format_bytes(p->size, 0, b, sizeof(b)), p->allocs, p->hits, p->exhausted,
			p->low, p->min - (p->low < p->min ? p->low : p->min), p->waits, p->wait_ns_max,
			(double)p->wait_ns_max / 1e6, sug, floor ? "&ge; " : "", sug);
	}
	fputs("</tbody></table></div>\n<p>A pool that ran out (exhausted &gt; 0) returned NULL for "
	      "want of an element: its min is too small.</p></section>\n", out);
}

void fp_render_html(FILE *out, const struct fp_model *m)
{
	char **labels = fp_render_site_labels(m);

	head(out, m);
	banner(out, m);
	over_time(out, m);
	crashes(out, m);
	stacks(out, m);
	sites(out, m, labels);
	processes(out, m);
	injections(out, m, labels);
	pools(out, m);
	fp_render_site_labels_free(labels, m->nsites);
	fprintf(out, "<script>%s</script>\n</body></html>\n", fp_html_js);
}
