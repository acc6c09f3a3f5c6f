/*
 * fork(2) in a shim process: the shim's counting threads and stdio are
 * made safe for the child, which gets its own identity (pid, report, log,
 * random stream).
 */
#include "config.h"
#include "fork.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "exit.h"
#include "log.h"
#include "policy.h"
#include "pool.h"
#include "report.h"
#include "series.h"
#include "settings.h"
#include "startup.h"
#include "stats.h"
#include "thread.h"

static _Atomic uint64_t forks;
static __thread uint64_t fork_order;

/*
 * A child must not inherit half an update, a held lock or a half-named
 * frame: other threads finish what they are counting and wait for the
 * fork. Registered last, so it runs before every other prepare handler
 * (the pools', jemalloc's), while their locks are still free.
 */
static void fork_prepare(void)
{
	fork_order = atomic_fetch_add(&forks, 1) + 1;
	fp_thread_freeze(FP_FREEZE_MS);
}

static void fork_parent(void)
{
	fp_thread_thaw();
}

/*
 * The child's report holds only what the child does, so that merging the
 * reports of a tree sums each call once; the numbering behind EVERY, AFTER,
 * NTH, BURST and TIMES goes on from the parent's, and the state (live
 * bytes, the pools' reserves) is the child's as inherited (README, "What
 * fails, exactly" and "The report").
 */
static void forget_parent_counts(void)
{
	struct fp_policy *p = &fp_process_policy;

	fp_report_fork_child();
	fp_stats_fork_child(atomic_load(&p->injected));
	fp_series_fork_child(atomic_load(&p->injected));
	fp_startup_fork_child();
	if (fp_npools)
		fp_pool_fork_forget_counts();
	/* The parent's peak is the parent's: the child's starts from what it holds. */
	atomic_store(&p->peak, fp_policy_live(p, fp_thread_live_held()));
}

static void fork_child(void)
{
	fp_thread_fork_child();
	fp_exit_fork_child();
	fp_policy_fork_child(&fp_process_policy, fork_order);
	forget_parent_counts();
	atomic_store(&forks, 0);
	if (fp_log_on() && strstr(fp_settings()->conf.log, "%p"))
		fp_log_start(fp_settings()->conf.log);
}

/*
 * stdio's list lock before the allocator's locks (glibc bug 19431, which
 * glibc's own malloc avoids by taking its locks after the list lock): glibc's
 * fork takes _IO_list_lock only after the prepare handlers, jemalloc's among
 * them, have taken jemalloc's mutexes; a thread in fflush(NULL) holding the
 * list lock and waiting for a FILE whose owner is blocked in realloc (inside
 * getline) then never lets fork go on. Registered last of all, so that it
 * runs first, before the freeze of the shim's counting threads too (a frozen
 * thread may hold a FILE). The lock is recursive: glibc takes it again.
 * Registered in every configuration, passthrough included: jemalloc's
 * handler is there regardless.
 */
extern void _IO_list_lock(void);
extern void _IO_list_unlock(void);
extern void _IO_list_resetlock(void);

static void stdio_prepare(void)
{
	_IO_list_lock();
}

static void stdio_parent(void)
{
	_IO_list_unlock();
}

/*
 * The child has one thread, this one: the lock is free again whatever
 * count it had (glibc resets it itself in a child of a threaded process).
 */
static void stdio_child(void)
{
	_IO_list_resetlock();
}


void fp_fork_register(int counting)
{
	if (counting) {
		if (fp_npools)
			pthread_atfork(fp_pool_fork_prepare, fp_pool_fork_parent,
				       fp_pool_fork_child);
		pthread_atfork(fork_prepare, fork_parent, fork_child);
	}
	pthread_atfork(stdio_prepare, stdio_parent, stdio_child);
}
