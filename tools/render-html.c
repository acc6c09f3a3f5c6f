/*
 * `failpool report --format html`: one page, its CSS inline and its charts
 * as inline SVG, so it opens anywhere without a network.
 */
#include "config.h"
#include "render.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"

static void esc(FILE *out, const char *s)
{
	for (; s && *s; s++) {
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

/* A horizontal bar chart: @n labelled values. */
static void bars(FILE *out, const char *title, char *const *labels, const uint64_t *values,
		 size_t n)
{
	uint64_t max = 1;
	unsigned h = 24 * (unsigned)n + 30;

	for (size_t i = 0; i < n; i++)
		if (values[i] > max)
			max = values[i];
	fprintf(out, "<figure><figcaption>");
	esc(out, title);
	fprintf(out, "</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" "
		"height=\"%u\" role=\"img\">\n", h);
	for (size_t i = 0; i < n; i++) {
		unsigned y = 10 + 24 * (unsigned)i;
		unsigned w = (unsigned)(500.0 * (double)values[i] / (double)max);

		fprintf(out, "<text x=\"0\" y=\"%u\" font-size=\"12\">", y + 14);
		esc(out, labels[i]);
		fprintf(out, "</text><rect x=\"330\" y=\"%u\" width=\"%u\" height=\"18\" "
			"fill=\"#4a7ab5\"/><text x=\"%u\" y=\"%u\" font-size=\"12\">%" PRIu64
			"</text>\n", y, w ? w : 1, 336 + w, y + 14, values[i]);
	}
	fputs("</svg></figure>\n", out);
}

static void label(char *buf, size_t size, const struct fp_msite *s)
{
	const struct fp_json *f = s->frames;
	const char *obj = f && f->n ? fp_json_str(fp_json_get(f->items[0], "object")) : NULL;
	struct fp_frame_name n = { NULL, NULL, 0 };

	if (obj)
		fp_lines_get(f->items[0], &n);
	snprintf(buf, size, "%.40s (%.16s)", n.symbol ? n.symbol : obj ? obj : "(other)", obj ? obj : "?");
}

static void site_chart(FILE *out, const struct fp_merged *m)
{
	char *labels[20] = { NULL };
	uint64_t values[20] = { 0 };
	size_t n = 0;
	int injected = m->nsites && m->sites[0].injected;

	for (size_t i = 0; i < m->nsites && n < 20; i++) {
		if (injected && !m->sites[i].injected)
			break;
		labels[n] = malloc(80);
		if (!labels[n])
			break;
		label(labels[n], 80, &m->sites[i]);
		values[n++] = injected ? m->sites[i].injected : m->sites[i].calls;
	}
	bars(out, injected ? "Injected failures per site" : "Calls per site (nothing injected)",
	     labels, values, n);
	for (size_t i = 0; i < n; i++)
		free(labels[i]);
}

static void pool_chart(FILE *out, const struct fp_mpool *p)
{
	char *labels[5] = { "min (reserve size)", "most out at once (min - low)",
			    "served from the reserve (hits)", "exhausted (NULL returned)",
			    "waits" };
	uint64_t values[5] = { p->min, p->min - (p->low < p->min ? p->low : p->min), p->hits,
			       p->exhausted, p->waits };
	char title[128];

	snprintf(title, sizeof(title), "Pool %s: reserve use", p->name);
	bars(out, title, labels, values, 5);
}

static void frames_cell(FILE *out, const struct fp_json *f)
{
	char buf[1024];

	for (size_t k = 0; f && f->type == FP_JSON_ARR && k < f->n; k++) {
		fp_lines_frame(buf, sizeof(buf), f->items[k], 1);
		if (k)
			fputs("<br>&lt; ", out);
		esc(out, buf);
	}
}

void fp_render_html(FILE *out, const struct fp_merged *m)
{
	char b[64], e[64];

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<title>failpool report</title>\n<style>body{font-family:sans-serif;margin:2em}"
	      "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
	      "padding:3px 8px;text-align:left;vertical-align:top}td.n{text-align:right}"
	      "code{font-size:90%}figcaption{font-weight:bold}</style></head><body>\n", out);
	fprintf(out, "<h1>failpool report</h1>\n<p>%zu process%s, seed ", m->ndocs,
		m->ndocs == 1 ? "" : "es");
	esc(out, m->seed ? m->seed : "?");
	fputs("</p>\n<table><tr><th>executable</th>"
	      "<th>pid</th><th>ended</th><th>injected</th></tr>\n", out);
	for (size_t i = 0; i < m->ndocs; i++) {
		fputs("<tr><td>", out);
		esc(out, m->procs[i].exe);
		fprintf(out, "</td><td class=n>%" PRIu64 "</td><td>%s%s</td><td class=n>%" PRIu64
			"</td></tr>\n", m->procs[i].pid, fp_format_ending(&m->model.procs[i].exit, e, sizeof(e)),
			m->procs[i].complete ? "" : " (report incomplete)", m->procs[i].injected);
	}
	fprintf(out, "</table>\n<h2>Totals</h2>\n<table><tr><th>bytes allocated</th><td class=n>%s</td></tr>"
		"<tr><th>peak live</th><td class=n>%s</td></tr><tr><th>eligible</th><td class=n>%" PRIu64
		"</td></tr><tr><th>injected</th><td class=n>%" PRIu64 "</td></tr><tr><th>real failures"
		"</th><td class=n>%" PRIu64 "</td></tr>", fp_format_bytes(m->bytes, 0, b, sizeof(b)),
		fp_format_bytes(m->peak, 0, e, sizeof(e)), m->eligible, m->injected, m->real_failures);
	for (unsigned c = 0; c < FP_CALL_COUNT; c++)
		if (m->calls[c])
			fprintf(out, "<tr><th>%s</th><td class=n>%" PRIu64 "</td></tr>", fp_call_name(c),
				m->calls[c]);
	fputs("</table>\n", out);
	for (size_t i = 0; i < m->ndocs; i++)
		if (m->procs[i].crash) {
			fputs("<h2>Crash in ", out);
			esc(out, m->procs[i].exe);
			fprintf(out, " (pid %" PRIu64 ")</h2>\n<p><code>", m->procs[i].pid);
			frames_cell(out, fp_json_get(m->procs[i].crash, "frames"));
			fputs("</code></p>\n", out);
		}
	fputs("<h2>Sites</h2>\n", out);
	site_chart(out, m);
	fputs("<table><tr><th>injected</th><th>calls</th><th>bytes</th><th>site</th><th>pool</th>"
	      "<th>frames (innermost first)</th></tr>\n", out);
	for (size_t i = 0; i < m->nsites && i < 50; i++) {
		const struct fp_msite *s = &m->sites[i];

		fprintf(out, "<tr><td class=n>%" PRIu64 "</td><td class=n>%" PRIu64 "</td><td class=n>%s"
			"</td><td><code>%016" PRIx64 "</code></td><td>", s->injected, s->calls,
			fp_format_bytes(s->bytes, 0, b, sizeof(b)), s->id);
		esc(out, s->pool ? s->pool : "");
		fputs("</td><td><code>", out);
		frames_cell(out, s->frames);
		fputs("</code></td></tr>\n", out);
	}
	fputs("</table>\n", out);
	if (m->npools)
		fputs("<h2>Pools</h2>\n", out);
	for (size_t i = 0; i < m->npools; i++) {
		int floor;
		uint64_t sug = fp_mpool_suggest(&m->pools[i], &floor);

		pool_chart(out, &m->pools[i]);
		fprintf(out, "<p>allocs %" PRIu64 ", refills %" PRIu64 ", longest wait %.1f ms; "
			"suggested min: %s%" PRIu64 "</p>\n", m->pools[i].allocs, m->pools[i].refills,
			(double)m->pools[i].wait_ns_max / 1e6, floor ? "at least " : "", sug);
	}
	fputs("</body></html>\n", out);
}
