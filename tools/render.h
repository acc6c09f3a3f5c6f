/* Merged reports rendered for people and programs (`failpool report`). */
#ifndef FP_RENDER_H
#define FP_RENDER_H

#include <stdio.h>

#include "merge.h"

#define FP_RENDER_TOP	10	/* sites per table */

/* Aligned text tables: processes, totals, crashes, sites, pools. */
void fp_render_text(FILE *out, const struct fp_merged *m);

/* The merged report as one JSON object. Return: 0 or -errno. */
int fp_render_json(int fd, const struct fp_merged *m);

/* One self-contained HTML page (no network) with SVG charts. */
void fp_render_html(FILE *out, const struct fp_merged *m);

/* Shared by the renderers: "12.3 KiB" style, and how a process ended. */
const char *fp_render_bytes(uint64_t n, char *buf, size_t size);
const char *fp_render_ending(const struct fp_mproc *p, char *buf, size_t size);

#endif
