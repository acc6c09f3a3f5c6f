/*
 * jemalloc's API as the shim links it: Debian's libjemalloc_pic.a, with the
 * standard names the shim defines itself (malloc, free, ...) renamed
 * fp_jemalloc_* (Makefile.am), so that jemalloc's malloc never meets the
 * shim's own and the shim calls it directly. jemalloc's own API (mallocx,
 * mallctl, ...) keeps its names. Include this, never <jemalloc/jemalloc.h>.
 */
#ifndef FP_JEAPI_H
#define FP_JEAPI_H

#include <stddef.h>
#include <jemalloc/jemalloc.h>

void *fp_jemalloc_malloc(size_t size);
void *fp_jemalloc_calloc(size_t n, size_t size);
void *fp_jemalloc_realloc(void *ptr, size_t size);
void fp_jemalloc_free(void *ptr);
int fp_jemalloc_posix_memalign(void **out, size_t align, size_t size);
size_t fp_jemalloc_malloc_usable_size(void *ptr);

#endif
