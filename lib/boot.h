/* The boot of the shim in a process (lib/boot.c). */
#ifndef FP_BOOT_H
#define FP_BOOT_H

/**
 * fp_boot() - first-call initialisation: read and check FAILPOOL_*, set
 * up the policy. Allocation-free and loader-free, so it is safe inside any
 * malloc call, even before constructors. A configuration error is kept for
 * the constructor, which reports it.
 * Context: inside the first malloc (maybe before constructors), any thread.
 * Return: 1 when the state is ready, 0 when the caller must go raw (another
 * thread is booting, or the environment is not set up yet).
 */
int fp_boot(void);

/**
 * fp_boot_constructor() - the shim's constructor: boot, report a bad
 * configuration (exit 125), resolve jemalloc's entry points, register the
 * exit, fork and toggle-signal handlers.
 * Context: the constructor (one thread, before main).
 */
void fp_boot_constructor(void);

#endif
