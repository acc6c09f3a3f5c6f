/* dlclose(3) in a shim process (lib/unload.c). */
#ifndef FP_UNLOAD_H
#define FP_UNLOAD_H

/**
 * fp_unload_dlclose() - dlclose(3): the frames of objects it may unload are
 * named first (the report names them after they are gone), then glibc's.
 * Context: the program's call, outside malloc.
 */
int fp_unload_dlclose(void *handle);

#endif
