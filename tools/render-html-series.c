/*
 * The run over time (see render-html.h): line charts from a report's
 * "series", with axes a reader can read values off: seconds along the
 * bottom, round values up the side.
 */
#include "config.h"
#include "render-html.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

/* The plot area inside the viewBox 0 0 W H. */
#define W 600
#define H 240
#define LEFT 78
#define RIGHT 16
#define TOP 14
#define BOTTOM 34

struct line {
	const char *name, *colour;
	double *y;			/* one per sample */
	int dashed;
};

/* A round step for four to six ticks up to @max: 1, 2 or 5 times a power of ten. */
static double tick_step(double max)
{
	double raw = max > 0 ? max / 5 : 1, p = 1;

	while (p * 10 <= raw)
		p *= 10;
	while (p > raw)
		p /= 10;

	return raw <= p ? p : raw <= 2 * p ? 2 * p : raw <= 5 * p ? 5 * p : 10 * p;
}

static void value_text(char *buf, size_t size, double v, int bytes)
{
	if (bytes)
		fp_format_bytes((uint64_t)v, 0, buf, size);
	else
		snprintf(buf, size, "%.15g", v);
}

/* A step for byte values that is round in the unit they are shown in (KiB, MiB...). */
static double byte_step(double max)
{
	double unit = 1;

	while (max / unit >= 1024)
		unit *= 1024;
	return tick_step(max / unit) * unit;
}

static void axes(FILE *out, double xmax, double ymax, int bytes)
{
	double xs = tick_step(xmax), ys = bytes ? byte_step(ymax) : tick_step(ymax);
	char b[32];

	fprintf(out, "<g class=\"axis\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", LEFT, TOP, LEFT, H - BOTTOM,
		LEFT, H - BOTTOM, W - RIGHT, H - BOTTOM);
	for (double v = 0; v <= ymax * 1.0001; v += ys) {
		double y = H - BOTTOM - v / ymax * (H - BOTTOM - TOP);

		value_text(b, sizeof(b), v, bytes);
		fprintf(out, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", LEFT, y, W - RIGHT,
			y, LEFT - 6, y + 4, b);
	}
	for (double v = 0; v <= xmax * 1.0001; v += xs) {
		double x = LEFT + v / xmax * (W - LEFT - RIGHT);

		fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.15g</text>\n", x, H - BOTTOM,
			x, H - BOTTOM + 5, x, H - BOTTOM + 18, v);
	}
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">seconds</text></g>\n", W - RIGHT,
		H - 2);
}

/* One chart: @lines over the samples' times, the y axis from 0 to their largest value. */
static void chart(FILE *out, const char *title, const struct fp_model_proc *r,
		  const struct line *lines,
		  size_t nlines, int bytes)
{
	double xmax = r->series[r->nseries - 1].ms / 1000, ymax = 0;

	for (size_t l = 0; l < nlines; l++)
		for (size_t i = 0; i < r->nseries; i++)
			if (lines[l].y[i] > ymax)
				ymax = lines[l].y[i];
	xmax = xmax > 0 ? xmax : 1;
	ymax = ymax > 0 ? ymax * 1.05 : 1;
	fputs("<figure class=\"chart\"><figcaption>", out);
	fp_html_esc(out, title);
	fprintf(out, "</figcaption>\n<svg class=\"series\" viewBox=\"0 0 %d %d\" role=\"img\" "
		"preserveAspectRatio=\"xMinYMin meet\">\n", W, H);
	axes(out, xmax, ymax, bytes);
	for (size_t l = 0; l < nlines; l++) {
		fprintf(out, "<polyline class=\"line\" stroke=\"%s\"%s points=\"", lines[l].colour,
			lines[l].dashed ? " stroke-dasharray=\"6 4\"" : "");
		for (size_t i = 0; i < r->nseries; i++)
			fprintf(out, "%s%.1f,%.1f", i ? " " : "",
				LEFT + r->series[i].ms / 1000 / xmax * (W - LEFT - RIGHT),
				H - BOTTOM - lines[l].y[i] / ymax * (H - BOTTOM - TOP));
		fputs("\"><title>", out);
		fp_html_esc(out, lines[l].name);
		fputs("</title></polyline>\n", out);
	}
	fputs("</svg><p class=\"legend\">", out);
	for (size_t l = 0; l < nlines; l++) {
		fprintf(out, "<span><i style=\"background:%s\"></i>", lines[l].colour);
		fp_html_esc(out, lines[l].name);
		fputs("</span> ", out);
	}
	fputs("</p></figure>\n", out);
}

/* The level of pool @name in sample @s, -1 when the sample does not list it. */
static double level(const struct fp_model_sample *s, const char *name)
{
	for (size_t k = 0; k < s->npools; k++)
		if (!strcmp(s->pools[k].name, name))
			return s->pools[k].curr;
	return -1;
}

void fp_html_series(FILE *out, const struct fp_model_proc *r, const struct fp_model *m)
{
	double *v = calloc(3 * (r->nseries + 1), sizeof(*v));
	double *live = v, *inj = v + r->nseries + 1, *min = v + 2 * (r->nseries + 1);
	char title[256];

	if (!v || !r->nseries) {
		free(v);
		return;
	}
	for (size_t i = 0; i < r->nseries; i++) {
		live[i] = r->series[i].live_bytes;
		inj[i] = r->series[i].injected;
	}
	chart(out, "Live heap bytes", r, &(struct line){ "live bytes", "#2b6cb0", live, 0 }, 1, 1);
	chart(out, "Injected failures (running total)", r,
	      &(struct line){ "injected failures", "#c53030", inj, 0 }, 1, 0);
	/* Each pool the run had, when its samples list it: its level, and its min dashed. */
	for (size_t p = 0; p < m->npools; p++) {
		const char *name = m->pools[p].name;
		struct line lines[2] = { { "elements in reserve (curr)", "#2f855a", live, 0 },
					 { "min", "#718096", min, 1 } };
		int listed = 0;

		for (size_t i = 0; i < r->nseries; i++) {
			double l = level(&r->series[i], name);

			listed |= l >= 0;
			live[i] = l >= 0 ? l : 0;
			min[i] = (double)m->pools[p].min;
		}
		if (!listed)
			continue;
		snprintf(title, sizeof(title), "Pool %s: reserve level against its min", name);
		chart(out, title, r, lines, 2, 0);
	}
	free(v);
}
