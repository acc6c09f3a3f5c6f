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
 * The names are kept here for the life of the tool, by (object path,
 * offset): queue frames, resolve once, then format as often as needed.
 */
#ifndef FP_LINES_H
#define FP_LINES_H

#include <stddef.h>

#include "json.h"
#include "merge.h"

/* What is known of one frame. */
struct fp_frame_name {
	const char *symbol;		/* "function+0xoff", "function", or NULL */
	const char *file;		/* source file, or NULL (no DWARF) */
	unsigned line;			/* its line, when file is known */
};

/**
 * fp_lines_objects() - learn where a report's objects are: its "objects"
 * array of {"name", "path"} (the first path given for a name stays).
 */
void fp_lines_objects(const struct fp_json *objects);

/**
 * fp_lines_want() - queue the first @max frames of the array @frames.
 * @all: 0 to queue only frames the report left without a symbol (a caller
 *       that shows no file:line)
 */
void fp_lines_want(const struct fp_json *frames, size_t max, int all);

/**
 * fp_lines_run() - name the queued frames: one addr2line per object.
 */
void fp_lines_run(void);

/**
 * fp_lines_resolve() - the frames of the first @max sites of @m (the ones
 * a renderer shows) and of every crash record, learned, queued and named.
 */
void fp_lines_resolve(const struct fp_merged *m, size_t max);

/**
 * fp_lines_is_frames() - whether the object member @member is an array of
 * frames: "frames", and a crash record's "alloc_frames" and
 * "first_free_frames".
 */
int fp_lines_is_frames(const struct fp_json *member);

/**
 * fp_lines_get() - what is known of @frame: the report's own symbol when
 * it has one, else the one found offline; file and line when found.
 */
void fp_lines_get(const struct fp_json *frame, struct fp_frame_name *out);

/**
 * fp_lines_frame() - @frame as people read it, in @buf: "function
 * file:line" when @with_line and the line is known (an inlined function
 * adds " (inlined into outer)"), else "function+0xoff (object)", else
 * "object+offset".
 */
void fp_lines_frame(char *buf, size_t size, const struct fp_json *frame, int with_line);

#endif
