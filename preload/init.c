/*
 * The shim's constructor. It runs after libc, libstdc++ and jemalloc have
 * initialised (they are the shim's dependencies) and before main: a bad
 * configuration stops the process here with status 125, even one that never
 * allocates.
 */
#include "config.h"

#include "runtime.h"

__attribute__((constructor)) static void failpool_init(void)
{
	fp_rt_constructor();
}
