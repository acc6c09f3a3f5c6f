/*
 * The stacks of jemalloc's heap profiler (MALLOC_CONF=prof:true), taken
 * with the shim's libunwind rather than libgcc_s's unwinder, which the
 * shim does not load (README, "Performance"). lib/jeprof.c hands them to
 * jemalloc.
 */
#ifndef FP_PROFSTACK_H
#define FP_PROFSTACK_H

/**
 * fp_profstack_walk() - this thread's return addresses, innermost first
 * (the first ones the profiler's own frames). libunwind is opened the
 * first time if the boot did not open it (passthrough, injections at the
 * callers alone); before the boot has finished, or without libunwind, the
 * stack is empty.
 * @ips: filled with up to @max addresses
 * Context: inside malloc (jemalloc's sampled allocations, the shim's own
 * under the guard included); never a signal handler (may open libunwind;
 * it is open already wherever the shim has handlers).
 * Return: how many were filled.
 */
int fp_profstack_walk(void **ips, int max);

#endif
