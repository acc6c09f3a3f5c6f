/*
 * Signal context, checked in debug builds (configure --enable-debug defines
 * FP_DEBUG): the crash and termination handlers mark the thread while they
 * run, and every shim lock is taken through fp_lock() / fp_lock_check(),
 * which abort when the mark is set. A lock taken in a signal handler can be
 * held by the very code the signal interrupted: a deadlock that no test
 * provokes reliably, hence a check on every lock rather than a test per
 * path (as jemalloc's witness does for its lock order).
 * Release builds: no mark, no check, no cost.
 */
#ifndef FP_SIGCTX_H
#define FP_SIGCTX_H

#include <pthread.h>

#include "fp.h"

/* Nesting depth of the crash/termination handlers on this thread. */
extern __thread int fp_sigctx_depth __attribute__((tls_model("initial-exec")));

/**
 * fp_sigctx_enter() - this thread now runs a shim signal handler.
 * Context: signal handler, async-signal-safe.
 */
static inline void fp_sigctx_enter(void)
{
#ifdef FP_DEBUG
	fp_sigctx_depth++;
#endif
}

/**
 * fp_sigctx_leave() - the shim signal handler of fp_sigctx_enter() is done.
 * Context: signal handler, async-signal-safe.
 */
static inline void fp_sigctx_leave(void)
{
#ifdef FP_DEBUG
	fp_sigctx_depth--;
#endif
}

/**
 * fp_lock_check() - a shim lock is about to be taken: in a debug build,
 * abort (fp_bug()) when this thread is in a shim signal handler.
 * Context: any; never returns in signal context of a debug build.
 */
static inline void fp_lock_check(void)
{
#ifdef FP_DEBUG
	if (FP_UNLIKELY(fp_sigctx_depth))
		fp_bug("a shim lock taken in signal context");
#endif
}

/**
 * fp_lock() - pthread_mutex_lock(@m), checked (fp_lock_check()).
 * Context: never a signal handler.
 */
static inline void fp_lock(pthread_mutex_t *m)
{
	fp_lock_check();
	pthread_mutex_lock(m);
}

#endif
