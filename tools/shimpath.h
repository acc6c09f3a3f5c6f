/* Where the preload shim is: FAILPOOL_LIB, the build tree, or pkglibdir. */
#ifndef FP_SHIMPATH_H
#define FP_SHIMPATH_H

#include <stddef.h>

/**
 * fp_shim_path() - the shim to preload: $FAILPOOL_LIB when set and not
 * empty; else ../preload/.libs/libfailpool.so relative to the directory of
 * /proc/self/exe when that file exists (the tool run from its build tree);
 * else FP_PKGLIBDIR "/libfailpool.so" (the installed shim).
 * @buf:  receives the path
 * @size: size of @buf
 *
 * Return: @buf, or NULL when the path does not fit.
 */
char *fp_shim_path(char *buf, size_t size);

/**
 * fp_preload_value() - the LD_PRELOAD for a command run under the shim:
 * the shim first, then any LD_PRELOAD already in the environment.
 * Return: a malloc'ed string, or NULL after printing why on stderr (no
 * shim found, or a path LD_PRELOAD cannot hold).
 */
char *fp_preload_value(void);

#endif
