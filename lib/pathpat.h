/*
 * Report and log path templates: %p the pid, %e the executable's basename,
 * %% a percent sign (README, "Variables"; failpool(1), FAILPOOL_REPORT).
 * One expander for the shim, which writes to the path, and the tool, which
 * reads what the shim wrote.
 */
#ifndef FP_PATHPAT_H
#define FP_PATHPAT_H

#include <stddef.h>

/* Flags of fp_pathpat_expand(). */
#define FP_PATHPAT_GLOB	1	/* escape glob(3) characters of the template's own text */
#define FP_PATHPAT_ANYPID	2	/* with GLOB: %p becomes "*", matching any pid */

/**
 * fp_pathpat_expand() - @tmpl with %p, %e and %% replaced.
 * @tmpl:  the template, checked by lib/conf.c (a '%' before anything else,
 *         or last, stands for itself)
 * @pid:   for %p
 * @exe:   for %e, inserted as it is (with FP_PATHPAT_GLOB too, so that "*"
 *         makes a pattern matching any executable)
 * @flags: 0, FP_PATHPAT_GLOB, or FP_PATHPAT_GLOB|FP_PATHPAT_ANYPID
 * @out:   the path, always NUL-terminated when @size > 0
 *
 * Context: any, signal handlers included: no allocation, no locks, no stdio.
 * Return: 0, or -ENAMETOOLONG when @out was too small (@out holds what fitted).
 */
int fp_pathpat_expand(const char *tmpl, unsigned long pid, const char *exe,
		      unsigned flags, char *out, size_t size);

/**
 * fp_pathpat_literal() - @s as template text that expands back to @s: each
 * '%' doubled (a directory the tool puts in front of a template).
 * @out: always NUL-terminated when @size > 0
 *
 * Context: any (no allocation).
 * Return: 0, or -ENAMETOOLONG when @out was too small (@out holds what fitted).
 */
int fp_pathpat_literal(const char *s, char *out, size_t size);

#endif
