/*
 * The tool's output files (report -o, explore's summary and scripts): never
 * written through a symbolic link, never half-written (README
 * "Compatibility and limits").
 */
#ifndef FP_OUTFILE_H
#define FP_OUTFILE_H

#include <limits.h>

#include "safefile.h"

struct fp_outfile {
	const char *path;
	char tmp[PATH_MAX + FP_SAFEFILE_SUFFIX_MAX];
	int direct;		/* a device or FIFO: written in place */
};

/**
 * fp_outfile_open() - open @path for writing: a symbolic link there is
 * refused; an existing device or FIFO (/dev/null) is written in place;
 * anything else is written to a temporary file beside it (fp_safefile_create)
 * that fp_outfile_close() renames into place.
 * Return: a descriptor, or a negative errno (-ELOOP: @path is a symbolic link).
 */
int fp_outfile_open(struct fp_outfile *o, const char *path, unsigned mode);

/**
 * fp_outfile_close() - finish what fp_outfile_open() began: when @ok, the
 * temporary file takes @o->path's place; otherwise it is removed. @fd is
 * closed unless @fd is -1 (already closed, by fclose() say).
 * Return: 0, or a negative errno.
 */
int fp_outfile_close(struct fp_outfile *o, int fd, int ok);

#endif
