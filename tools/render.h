/* Merged reports rendered for people and programs (`failpool report`). */
#ifndef FP_RENDER_H
#define FP_RENDER_H

#include <stdio.h>

#include "format.h"
#include "merge.h"
#include "model.h"

#define FP_RENDER_TOP	10	/* sites per table */

/* Text: the verdict, then aligned tables (render-text.c). */
void fp_render_text(FILE *out, const struct fp_model *m);

/* The merged report as one JSON object. Return: 0 or -1. */
int fp_render_model_json(int fd, const struct fp_model *m);

/* One self-contained HTML page (no network), charts in SVG (render-html.c). */
void fp_render_html(FILE *out, const struct fp_model *m);

#endif
