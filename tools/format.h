/*
 * One formatter for each kind of thing the tool prints from a report: a
 * frame, a byte count, how a process ended. Every renderer, the run
 * summary and explore use these, so the same value reads the same way in
 * each output.
 */
#ifndef FP_FORMAT_H
#define FP_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/**
 * fp_format_frame() - @f as people read it, in @buf:
 *   with @with_line and a known source line: "func file:line", or for an
 *   inlined function "func file:line (inlined into outer)";
 *   else with a symbol: "func+0xoff (object)";
 *   else "object+0xoff" ("?" for an unknown object).
 * @with_line: 0 for the short form (one line of many frames)
 * Return: @buf.
 */
const char *fp_format_frame(char *buf, size_t size, const struct fp_model_frame *f,
			    int with_line);

/**
 * fp_format_bytes() - a byte count in binary units.
 * @exact: 0: "512 B", "12.3 KiB"; 1: "512 bytes", "40960 bytes (40.0 KiB)"
 * Return: @buf.
 */
const char *fp_format_bytes(uint64_t n, int exact, char *buf, size_t size);

/**
 * fp_format_ending() - how a process ended: "exited with status 3",
 * "killed by signal 11 (SIGSEGV)", "replaced by exec".
 * Return: @buf.
 */
const char *fp_format_ending(const struct fp_model_exit *e, char *buf, size_t size);

#endif
