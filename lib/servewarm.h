/* A run server's warming of libunwind's caches with the baseline's frames (lib/servewarm.c). */
#ifndef FP_SERVEWARM_H
#define FP_SERVEWARM_H

#include <stddef.h>

/**
 * fp_serve_warm() - warm the frames of the FP_SERVE_WARM request body @p
 * (@len bytes; serveproto.h) that lie in objects loaded here.
 * Context: the run server, under the guard, single-threaded, before boot.
 */
void fp_serve_warm(const unsigned char *p, size_t len);

#endif
