/*
 * Reentrancy guard: set while the shim itself runs code that may allocate
 * (the dynamic loader, getenv-free init steps, report writing). Allocations
 * made under it go straight to jemalloc, uncounted and never injected.
 * initial-exec TLS: a plain %fs-relative load, and no __tls_get_addr, which
 * can itself call malloc.
 */
#ifndef FP_GUARD_H
#define FP_GUARD_H

extern __thread int fp_guard_depth __attribute__((tls_model("initial-exec")));

/**
 * fp_guard_busy() - whether this thread is inside the shim's own work.
 * Context: any, async-signal-safe (an initial-exec TLS load).
 */
static inline int fp_guard_busy(void)
{
	return fp_guard_depth != 0;
}

/**
 * fp_guard_enter() - this thread starts the shim's own work.
 * Context: any, async-signal-safe (an initial-exec TLS add).
 */
static inline void fp_guard_enter(void)
{
	fp_guard_depth++;
}

/**
 * fp_guard_leave() - this thread ends the shim's own work.
 * Context: any, async-signal-safe (an initial-exec TLS add).
 */
static inline void fp_guard_leave(void)
{
	fp_guard_depth--;
}

#endif
