/*
 * Private to model.c and model-read.c: reading a parsed document into a
 * model, the first wrong value recorded.
 */
#ifndef FP_MODEL_READ_H
#define FP_MODEL_READ_H

#include <stddef.h>

#include "model.h"

struct fp_model_rd {
	struct fp_model *m;
	char *why;		/* the first value found wrong: "sites[2].id is not a string" */
	size_t size;
	int failed;
};

/* A failpool-report/1 document, whose whole-report keys are there. */
void fp_model_read_report(struct fp_model_rd *r, const struct fp_json *j);

/* A failpool-merged/1 document. */
void fp_model_read_merged(struct fp_model_rd *r, const struct fp_json *j);

#endif
