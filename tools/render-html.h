/*
 * The parts of `failpool report --format html` (render-html.c): the
 * charts, drawn as inline SVG that scales with the window (viewBox, width
 * 100%): the run over time from a report's "series" (render-html-series.c)
 * and an icicle of calls and injected failures by stack built from the
 * sites' frames (render-html-icicle.c); and the sites' labels
 * (render-html-labels.c).
 */
#ifndef FP_RENDER_HTML_H
#define FP_RENDER_HTML_H

#include <stdio.h>

#include "model.h"

/* @s with <, >, &, " and ' as character references; NULL prints nothing. */
void fp_html_esc(FILE *out, const char *s);

/**
 * fp_html_series() - for process @r of @m (with a series): live bytes,
 * injected failures, and each pool's reserve level against its min, over
 * time, each a line chart with labelled axes.
 */
void fp_html_series(FILE *out, const struct fp_model_proc *r, const struct fp_model *m);

/**
 * fp_html_icicle() - the sites' stacks as an icicle, outermost frame on
 * top, each box as wide as its share of @by_injected ? injected failures
 * : calls, red where failures were injected; a <title> on each box.
 * Return: the number of boxes drawn (0: nothing to draw).
 */
size_t fp_html_icicle(FILE *out, const struct fp_model *m, int by_injected);


#endif
