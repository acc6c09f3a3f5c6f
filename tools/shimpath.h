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

#endif
