/* The stacks of jemalloc's heap profiler (see profstack.h). */
#include "config.h"
#include "profstack.h"

#include <stdatomic.h>

#include "guard.h"
#include "settings.h"
#include "unwind.h"

typedef int (*trace_fn)(void **ips, int max);

static _Atomic int unwinder_asked;	/* one thread opens libunwind, once */

/*
 * libunwind's fast trace, opened here when nothing in the shim needed it
 * at boot. Only after the boot: before it the loader may not be ready to
 * open anything, and the boot opens libunwind itself when it needs it. A
 * thread that comes while another is opening it gets no frames rather
 * than wait: the other may be waiting for the loader lock this one holds.
 * Context: inside malloc (the program's sampled allocations, or the
 * shim's own under the guard).
 */
static trace_fn unwinder(void)
{
	trace_fn bt = atomic_load_explicit(&fp_unwind_backtrace, memory_order_acquire);

	if (bt || !fp_settings_ready() || atomic_exchange(&unwinder_asked, 1))
		return bt;
	fp_guard_enter();	/* the loader allocates: not the program's */
	(void)fp_unwind_load();
	fp_guard_leave();
	return atomic_load_explicit(&fp_unwind_backtrace, memory_order_acquire);
}

int fp_profstack_walk(void **ips, int max)
{
	trace_fn bt = unwinder();
	int n;

	if (!bt)
		return 0;
	fp_guard_enter();	/* libunwind may allocate */
	fp_unwind_quiet_begin();
	n = bt(ips, max);
	fp_unwind_quiet_end();
	fp_guard_leave();
	return n;
}
