/*
 * The shim's constructor and the allocation path's boot. The constructor
 * runs after libc has initialised (jemalloc, linked in, initialises at the
 * first allocation) and before main: a bad configuration stops the
 * process here with status 125, even one that never allocates.
 */
#include "config.h"

#include "alloc.h"
#include "boot.h"

/* The allocation path's boot (alloc.h): lib/boot.c's. */
int fp_alloc_boot(void)
{
	return fp_boot();
}

__attribute__((constructor)) static void failpool_init(void)
{
	fp_boot_constructor();
}
