/*
 * Report frames named offline, after the program ended (as heaptrack's
 * interpreter does): the shim writes (object, offset) and, when it could,
 * a symbol; a crash record written from a dying process may have none.
 * The tool names each frame with binutils' addr2line (function, demangled,
 * and file:line from DWARF, following .gnu_debuglink and build-ids to
 * separate debug files), one process per object for all of its frames; when
 * addr2line is not installed, from the object's ELF symbol tables
 * (elfsym.c). Objects are found through the reports' "objects" lists.
 *
 * The names are kept here for the life of the tool, by (object, offset):
 * queue frames, resolve once, then fill the model's frames (model.h),
 * which point to them.
 */
#ifndef FP_LINES_H
#define FP_LINES_H

#include <stddef.h>

#include "model.h"

/**
 * fp_lines_object() - learn where object @name is (@path); the first path
 * given for a name stays. NULLs are ignored.
 */
void fp_lines_object(const char *name, const char *path);

/**
 * fp_lines_model_objects() - fp_lines_object() for every object of @m
 * and of the reports merged into it.
 */
void fp_lines_model_objects(const struct fp_model *m);

/**
 * fp_lines_want_frames() - queue the first @max frames of @f.
 * @all: 0 to queue only frames the report left without a symbol (a caller
 *       that shows no file:line)
 */
void fp_lines_want_frames(const struct fp_model_frames *f, size_t max, int all);

/**
 * fp_lines_run() - name the queued frames: one addr2line per object.
 */
void fp_lines_run(void);

/**
 * fp_lines_fill() - copy what was found of each frame of @f into it:
 * "symbol" when the report had none, "file", "line", "func",
 * "inlined_into"; "named" set. Frames already named are left alone.
 */
void fp_lines_fill(struct fp_model_frames *f);

/**
 * fp_lines_name() - name the frames of the first @max_sites sites of @m
 * and of every crash record: objects learned, frames queued, named and
 * filled. (size_t)-1: every site.
 */
void fp_lines_name(struct fp_model *m, size_t max_sites);

#endif
