/*
 * What jemalloc's heap profiler (MALLOC_CONF=prof:true) needs from libm and
 * libgcc_s, provided by the shim instead, so that the shim needs neither
 * (README, "Performance"): every preloaded process would otherwise load
 * both, and run libgcc_s's constructor, for a profiler it almost never
 * uses. The Makefile renames jemalloc's references to log(), exp(),
 * round(), _Unwind_Backtrace() and _Unwind_GetIP() to these (lib/libfpjemalloc.a).
 */
#ifndef FP_JEPROF_H
#define FP_JEPROF_H

#include <stdint.h>

/**
 * fp_jeprof_log() - the natural logarithm, within about an ulp of libm's
 * (jemalloc draws its sampling intervals with it), errno untouched.
 * Context: any (pure arithmetic).
 * Return: log(@x); -inf for 0, NaN for a negative @x or NaN, inf for inf.
 */
double fp_jeprof_log(double x);

/**
 * fp_jeprof_exp() - e to the @x, within about an ulp of libm's (jemalloc
 * unbiases sampled counts with it), errno untouched.
 * Context: any (pure arithmetic).
 * Return: exp(@x); inf beyond the largest double, 0 below the smallest.
 */
double fp_jeprof_exp(double x);

/**
 * fp_jeprof_round() - @x to the nearest integer, halfway cases away from
 * zero, as round() (jemalloc's unbiasing of sampled counts).
 * Context: any (pure arithmetic).
 * Return: the integer, as a double of @x's sign; inf and NaN unchanged.
 */
double fp_jeprof_round(double x);

/* The Itanium ABI's unwinder interface, as jemalloc's profiler uses it. */
struct _Unwind_Context;
typedef int (*fp_jeprof_trace_fn)(struct _Unwind_Context *ctx, void *arg);

/**
 * fp_jeprof_unwind_backtrace() - _Unwind_Backtrace() for jemalloc's
 * profiler: calls @step with each frame of the stack lib/profstack.c
 * takes, innermost first, until it returns other than _URC_NO_REASON.
 * Context: inside malloc (jemalloc's sampled allocations), never a signal
 * handler (may open libunwind).
 * Return: _URC_END_OF_STACK (5).
 */
int fp_jeprof_unwind_backtrace(fp_jeprof_trace_fn step, void *arg);

/**
 * fp_jeprof_unwind_getip() - _Unwind_GetIP() of a frame that
 * fp_jeprof_unwind_backtrace() handed to its callback.
 * Context: inside that callback.
 * Return: the frame's return address (its instruction pointer for the
 * innermost).
 */
uintptr_t fp_jeprof_unwind_getip(struct _Unwind_Context *ctx);

#endif
