/* Merged reports rendered for people and programs (`failpool report`). */
#ifndef FP_RENDER_H
#define FP_RENDER_H

#include <stdio.h>

#include "format.h"
#include "merge.h"
#include "model.h"

#define FP_RENDER_TOP	10	/* sites per table */

/* Aligned text tables: processes, totals, crashes, sites, pools. */
void fp_render_text(FILE *out, const struct fp_merged *m);

/* The merged report as one JSON object. Return: 0 or -1. */
int fp_render_model_json(int fd, const struct fp_model *m);
int fp_render_json(int fd, const struct fp_merged *m);	/* of m->model */

/* One self-contained HTML page (no network) with SVG charts. */
void fp_render_html(FILE *out, const struct fp_merged *m);

/*
 * Shared by the renderers: "12.3 KiB" style, and how a process ended.
 * Being replaced by fp_format_bytes() and fp_format_ending() (format.h).
 */
const char *fp_render_bytes(uint64_t n, char *buf, size_t size);
const char *fp_render_ending(const struct fp_mproc *p, char *buf, size_t size);

#endif
