/*
 * file:line for report frames, resolved offline with binutils' addr2line
 * (which follows .gnu_debuglink and build-ids to separate debug files):
 * the shim never reads DWARF. Frames of objects without line tables, or
 * when addr2line is not installed, keep their symbol or object+offset.
 */
#ifndef FP_LINES_H
#define FP_LINES_H

#include "merge.h"

/**
 * fp_lines_resolve() - fill the lines of the first @max sites of @m (the
 * ones a renderer shows) and of every crash record's frames.
 */
void fp_lines_resolve(struct fp_merged *m, size_t max);

/**
 * fp_lines_crash() - the "file:line" of frame @k of process @p's crash
 * record, or NULL.
 */
const char *fp_lines_crash(const struct fp_merged *m, size_t p, size_t k);

#endif
