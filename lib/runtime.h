/*
 * Process state of the shim: configuration, life cycle (first call,
 * constructor, fork, exit) and the flags the fast path reads.
 */
#ifndef FP_RUNTIME_H
#define FP_RUNTIME_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "calls.h"
#include "conf.h"
#include "fp.h"
#include "match.h"
#include "policy.h"

enum fp_state { FP_STATE_NEW, FP_STATE_BOOTING, FP_STATE_READY };

struct fp_runtime {
	struct fp_conf conf;
	struct fp_conf_error conf_err;
	int conf_bad;			/* reported and exit 125 by the constructor */
	struct fp_policy policy;
	uint64_t seed;
	int active;			/* FAILPOOL_EXE matched (or unset) */
	int reporting;			/* FAILPOOL_REPORT set and active */
	int stats;			/* count calls, bytes, per-site figures */
	int track_live;			/* keep live bytes (LIMIT, report) */
	unsigned site_depth;		/* frames per site; 0: sites not needed */
	int quick;			/* DEPTH=1, nothing counted: fp_unmatched */
	struct fp_rules rules;		/* FAILPOOL_SITES */
	fp_callset failable;		/* CALLS restricted to entry points that allocate */
	pid_t pid;			/* owner of this state: vfork children differ */
	char exe[256];			/* basename of /proc/self/exe */
	char exe_path[4096];		/* /proc/self/exe itself */
	int log_fd;			/* FAILPOOL_LOG, -1 when off */
};

extern struct fp_runtime fp_rt;
extern _Atomic int fp_state;
/* Read on every call: nothing to count, forward to jemalloc. */
extern int fp_passthrough;
/* FAILPOOL_ENABLE, flipped by the toggle signal. */
extern _Atomic int fp_enabled;

/**
 * fp_rt_boot() - first-call initialisation: read and check FAILPOOL_*, set
 * up the policy. Allocation-free and loader-free, so it is safe inside any
 * malloc call, even before constructors. A configuration error is kept for
 * the constructor, which reports it.
 * Return: 1 when the state is ready, 0 when the caller must go raw (another
 * thread is booting, or the environment is not set up yet).
 */
int fp_rt_boot(void);

static inline int fp_rt_ready(void)
{
	return atomic_load_explicit(&fp_state, memory_order_acquire) == FP_STATE_READY;
}

/**
 * fp_rt_constructor() - the shim's constructor: boot, report a bad
 * configuration (exit 125), resolve jemalloc's entry points, register the
 * exit, fork and toggle-signal handlers.
 */
void fp_rt_constructor(void);

struct fp_ending;

/**
 * fp_rt_report() - write the report of this process image, ending as @end
 * says: once per image, never in a vfork child, only when reporting.
 * Return: 1 when written (or attempted), 0 when not this image's to write.
 */
int fp_rt_report(const struct fp_ending *end);

/**
 * fp_rt_report_signal() - write the report from a signal handler that has
 * the last word: after an exit's report being written, no lock, nothing
 * named, nothing allocated.
 * Context: signal handler, under the reentrancy guard.
 * Return: 1 when written (or attempted), 0 when not this image's to write.
 */
int fp_rt_report_signal(const struct fp_ending *end);

/**
 * fp_rt_exit() - the process ends with exit status @code: write the report.
 */
void fp_rt_exit(int code);

/**
 * fp_rt_quick_exit() - quick_exit(3): the report is written after the
 * program's at_quick_exit handlers, with @status.
 */
void fp_rt_quick_exit(int status) __attribute__((noreturn));

/**
 * fp_rt_exec_failed() - an exec reported the image and then failed: the
 * image's exit reports again.
 */
void fp_rt_exec_failed(void);

/**
 * fp_rt_dlclose() - dlclose(3): the frames of objects it may unload are
 * named first (the report names them after they are gone), then glibc's.
 */
int fp_rt_dlclose(void *handle);

/**
 * fp_rt_eligible() - may allocation entry point @call fail right now?
 * Return: 1 or 0.
 */
static inline int fp_rt_eligible(enum fp_call call)
{
	return (fp_rt.failable & FP_CALLBIT(call)) &&
	       atomic_load_explicit(&fp_enabled, memory_order_relaxed);
}

/**
 * fp_rt_expand() - expand %p, %e and %% of a FAILPOOL_REPORT/LOG template;
 * a relative one is taken from the working directory the shim booted in.
 * Return: 0, or -ENAMETOOLONG.
 */
int fp_rt_expand(const char *tmpl, char *out, unsigned size);

#endif
