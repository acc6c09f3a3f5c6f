/*
 * Offline names for frames still read as JSON (see lines.h): each JSON
 * frame is read as a model frame and goes through the same lookup and the
 * same formatter. Delete once every caller reads the model.
 */
#include "config.h"
#include "lines.h"

#include <stdlib.h>
#include <string.h>

#include "format.h"

static struct fp_model_frame frame_of(const struct fp_json *frame)
{
	struct fp_model_frame f = { 0 };

	f.object = fp_json_str(fp_json_get(frame, "object"));
	f.offset = fp_json_str(fp_json_get(frame, "offset"));
	f.off = f.offset ? strtoull(f.offset, NULL, 16) : 0;
	f.symbol = fp_json_str(fp_json_get(frame, "symbol"));
	f.own_symbol = f.symbol != NULL;
	return f;
}

/* @frame with what is known of it. */
static struct fp_model_frame named(const struct fp_json *frame)
{
	struct fp_model_frame f = frame_of(frame);
	struct fp_model_frames one = { .v = &f, .n = 1, .present = 1 };

	if (f.object && f.offset)
		fp_lines_fill(&one);
	return f;
}

void fp_lines_objects(const struct fp_json *objects)
{
	for (size_t i = 0; objects && objects->type == FP_JSON_ARR && i < objects->n; i++)
		fp_lines_object(fp_json_str(fp_json_get(objects->items[i], "name")),
				fp_json_str(fp_json_get(objects->items[i], "path")));
}

void fp_lines_want(const struct fp_json *frames, size_t max, int all)
{
	for (size_t k = 0; frames && frames->type == FP_JSON_ARR && k < frames->n && k < max; k++) {
		struct fp_model_frame f = frame_of(frames->items[k]);
		struct fp_model_frames one = { .v = &f, .n = 1, .present = 1 };

		if (f.object && f.offset)
			fp_lines_want_frames(&one, 1, all);
	}
}

void fp_lines_resolve(struct fp_merged *m, size_t max)
{
	fp_lines_name(&m->model, max);
}

int fp_lines_is_frames(const struct fp_json *member)
{
	size_t n = member->key ? strlen(member->key) : 0;

	return member->type == FP_JSON_ARR && n >= 6 && !strcmp(member->key + n - 6, "frames");
}

void fp_lines_get(const struct fp_json *frame, struct fp_frame_name *out)
{
	struct fp_model_frame f = named(frame);

	out->symbol = f.symbol;
	out->file = f.file;
	out->line = f.line;
}

void fp_lines_frame(char *buf, size_t size, const struct fp_json *frame, int with_line)
{
	struct fp_model_frame f = named(frame);

	fp_format_frame(buf, size, &f, with_line);
}
