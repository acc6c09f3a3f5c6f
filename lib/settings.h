/*
 * The process settings: FAILPOOL_* as read at boot and what follows from
 * them (what is counted, how deep sites go, which calls may fail). Written
 * only by the boot (lib/boot.c); every other module reads them through
 * fp_settings(). Mutable state lives with the
 * module that changes it (the policy's counters in policy.c, the log's
 * descriptor in log.c).
 */
#ifndef FP_SETTINGS_H
#define FP_SETTINGS_H

#include <stdatomic.h>
#include <stdint.h>

#include "calls.h"
#include "conf.h"
#include "fp.h"
#include "match.h"

enum fp_state { FP_STATE_NEW, FP_STATE_BOOTING, FP_STATE_READY };

struct fp_settings {
	struct fp_conf conf;
	uint64_t seed;
	int active;			/* FAILPOOL_EXE matched (or unset) */
	int reporting;			/* FAILPOOL_REPORT set and active */
	int stats;			/* count calls, bytes, per-site figures */
	int track_live;			/* keep live bytes (LIMIT, report) */
	int live_after_free;		/* a report's, no LIMIT: a free's bytes from jemalloc's count */
	unsigned site_depth;		/* frames per site; 0: sites not needed */
	int quick;			/* DEPTH=1, nothing counted: fp_unmatched */
	struct fp_rules rules;		/* FAILPOOL_SITES */
	fp_callset failable;		/* CALLS restricted to entry points that allocate */
	char exe[256];			/* basename of /proc/self/exe */
	char exe_path[4096];		/* /proc/self/exe itself */
};

/* lib/boot.c's alone to write; everyone else reads fp_settings(). */
extern struct fp_settings fp_settings_store FP_HIDDEN;
extern _Atomic int fp_state FP_HIDDEN;
/* Read on every call: nothing to count, forward to jemalloc. */
extern int fp_passthrough FP_HIDDEN;
/* FAILPOOL_ENABLE, flipped by the toggle signal. */
extern _Atomic int fp_enabled FP_HIDDEN;

/**
 * fp_settings() - the settings, read-only once boot has made them.
 * Context: any, async-signal-safe (a constant address).
 */
static inline const struct fp_settings *fp_settings(void)
{
	return &fp_settings_store;
}

/**
 * fp_settings_ready() - has the boot finished?
 * Context: any, async-signal-safe.
 */
static inline int fp_settings_ready(void)
{
	return atomic_load_explicit(&fp_state, memory_order_acquire) == FP_STATE_READY;
}

/**
 * fp_settings_eligible() - may allocation entry point @call fail right now?
 * Context: inside malloc.
 * Return: 1 or 0.
 */
static inline int fp_settings_eligible(enum fp_call call)
{
	return (fp_settings_store.failable & FP_CALLBIT(call)) &&
	       atomic_load_explicit(&fp_enabled, memory_order_relaxed);
}

/**
 * fp_settings_set_cwd() - remember the working directory of the boot, for
 * relative FAILPOOL_REPORT and FAILPOOL_LOG templates.
 * Context: boot, allocation-free.
 */
void fp_settings_set_cwd(void);

/**
 * fp_settings_expand() - expand %p, %e and %% of a FAILPOOL_REPORT/LOG
 * template; a relative one is taken from the working directory the shim
 * booted in.
 * Context: allocation-free, async-signal-safe.
 * Return: 0, or -ENAMETOOLONG.
 */
int fp_settings_expand(const char *tmpl, char *out, unsigned size);

#endif
