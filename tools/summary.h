/* A short summary of a failpool report, for the end of `failpool run`. */
#ifndef FP_SUMMARY_H
#define FP_SUMMARY_H

#include <stdio.h>

#define FP_SUMMARY_TOP_SITES	5

/**
 * fp_summary_print() - read the report at @path and print on @out: how the
 * process ended, the seed, eligible/injected/real failures, calls in all,
 * peak live bytes, the sites with the most injected failures, and where
 * the report is. Every line starts with "failpool: ".
 * @path:  the report to read
 * @shown: the report path to tell the user, or NULL for a temporary
 *         report that is removed afterwards
 *
 * Return: 0, or -1 when the report cannot be read or parsed (one line
 * saying so has been printed).
 */
int fp_summary_print(FILE *out, const char *path, const char *shown);

#endif
