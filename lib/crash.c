/*
 * Last words. A fatal signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT)
 * leaves a crash record; a termination signal (any other signal whose
 * default ends the process: see terminating[]) leaves the report; then
 * the signal takes its course with the
 * disposition the program had, so exit statuses and core dumps are
 * unchanged. Only signals whose disposition was the default are taken.
 *
 * Everything here is async-signal-safe: no lock, no allocation (the
 * shim's bookkeeping switches to its static reserve), no waiting on
 * another thread beyond a bounded time, and no naming of frames (the tool
 * names them offline). The first thread to get here writes; any other
 * thread that gets a fatal or terminating signal meanwhile waits for the
 * process to end.
 */
#include "config.h"
#include "crash.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "guard.h"
#include "heapcheck.h"
#include "je.h"
#include "log.h"
#include "policy.h"
#include "report.h"
#include "exit.h"
#include "sigctx.h"
#include "settings.h"
#include "site.h"
#include "thread.h"
#include "unwind.h"

static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
/*
 * Sent, not faults: their default ends the process (SIGQUIT, SIGXCPU and
 * SIGXFSZ with a core dump). SIGPIPE is how most pipeline stages die
 * (`prog | head`). Not SIGTRAP nor SIGSYS: they come from an instruction
 * (int3, a seccomp trap) that a returning handler would skip or repeat.
 * The real-time signals are added at run time (SIGRTMIN is glibc's
 * figure, above the two it keeps for itself).
 */
static const int terminating[] = {
	SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2,
	SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGIO, SIGPWR,
#ifdef SIGSTKFLT
	SIGSTKFLT,
#endif
};
static struct sigaction before[NSIG];	/* the program's view of what we hold */
static _Atomic int taken[NSIG];		/* our handler is installed */
static int want_fatal, want_terminating;
static int spared;			/* the toggle signal: the shim's own handler's */

/* glibc's own, never our interposed sigaction(). */
extern int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);

/**
 * listed() - is @sig one of the @n signals of @sigs?
 * Context: any, signal handlers included (reads constant tables only).
 */
static int listed(int sig, const int *sigs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (sigs[i] == sig)
			return 1;
	return 0;
}

/**
 * is_terminating() - a termination signal, whose handler leaves the report
 * and no crash record?
 * Context: any, signal handlers included (reads constant tables only).
 */
static int is_terminating(int sig)
{
	return (sig >= SIGRTMIN && sig <= SIGRTMAX) ||
	       listed(sig, terminating, FP_ARRAY_SIZE(terminating));
}

void fp_crash_terminating_set(sigset_t *set)
{
	for (int sig = 1; sig < NSIG; sig++)
		if (is_terminating(sig))
			sigaddset(set, sig);
}

/**
 * wanted() - do we hold @sig whenever the program leaves it at its
 * default?
 * Context: boot (inside the first malloc, maybe before constructors, under
 * the reentrancy guard); the interposed sigaction(), which may run in a
 * signal handler of the program (reads settings fixed at boot).
 */
static int wanted(int sig)
{
	if (sig == spared)
		return 0;
	return (want_fatal && listed(sig, fatal, FP_ARRAY_SIZE(fatal))) ||
	       (want_terminating && is_terminating(sig));
}
static _Atomic int claimed;		/* a thread is saying the last words */
static __thread int in_handler __attribute__((tls_model("initial-exec")));

/**
 * capture() - the crashing thread's stack from @uc into @end, the shim's
 * own frames left out
 * Context: signal handler (the last-words handler, on_signal()),
 * async-signal-safe: no lock, no allocation. Frames are located, never
 * named (the tool names them offline).
 */
static void capture(struct fp_ending *end, void *uc)
{
	const void *ips[FP_CRASH_FRAMES + FP_UNWIND_SHIM_FRAMES];
	unsigned n = fp_unwind_signal(uc, ips, FP_ARRAY_SIZE(ips));

	for (unsigned i = 0; i < n && end->nframes < FP_CRASH_FRAMES; i++) {
		struct fp_frame_info *f;

		/*
		 * frame 0 is the faulting instruction itself; the others are
		 * return addresses, as allocation frames are.
		 */
		f = fp_frame_get((const char *)ips[i] + (i ? 0 : 1));
		if (f && !fp_frame_is_shim(f))
			end->frames[end->nframes++] = f;
	}
}

/**
 * wait_for_the_end() - another thread has the last word: the process ends
 * when it is done.
 * Context: signal handler (the last-words handler, on_signal()),
 * async-signal-safe: no lock, no allocation. Never returns.
 */
static void wait_for_the_end(void)
{
	sigset_t none;

	sigemptyset(&none);
	for (;;)
		sigsuspend(&none);
}

/**
 * let_it_go() - the program's disposition again, and the signal takes its
 * course.
 * Context: signal handler (the last-words handler, on_signal()),
 * async-signal-safe: no lock, no allocation.
 */
static void let_it_go(int sig, const siginfo_t *si)
{
	atomic_store(&taken[sig], 0);
	__sigaction(sig, &before[sig], NULL);
	/* Sent, not a fault: delivered when the handler returns. */
	if (!si || si->si_code <= 0 || sig == SIGABRT || is_terminating(sig))
		raise(sig);
	/* A fault repeats when the instruction runs again. */
}

/**
 * on_signal() - the last words: a crash record and the report, then the
 * signal's own course
 * Context: signal handler (the last-words handler, on_signal()),
 * async-signal-safe: no lock, no allocation. It takes the reentrancy guard
 * itself and marks the signal context (sigctx) for the debug-build lock
 * check.
 */
static void on_signal(int sig, siginfo_t *si, void *uc)
{
	int saved_errno = errno;
	int crash = !is_terminating(sig);

	if (in_handler) {
		/* A fault inside our own last words: give up on them. */
		if (crash)
			let_it_go(sig, si);
		errno = saved_errno;
		return;
	}
	/* A termination signal waits for the count it interrupted (thread.h). */
	if (!crash && fp_thread_defer(sig)) {
		errno = saved_errno;
		return;
	}
	in_handler = 1;
	fp_sigctx_enter();
	fp_thread_park();
	fp_guard_enter();	/* whatever allocates in here goes straight through */
	if (atomic_exchange(&claimed, 1))
		wait_for_the_end();
	fp_je_own_emergency();	/* jemalloc may be where it stopped */
	{
		struct fp_ending end = { .how = FP_END_SIGNAL, .sig = sig, .crash = crash };

		end.last_seq = atomic_load_explicit(&fp_process_policy.injected,
						    memory_order_relaxed);
		if (crash) {
			capture(&end, uc);
			fp_heapcheck_explain(&end);	/* a heap check's abort: its record */
			fp_log_crash(&end);
		}
		fp_exit_report_signal(&end);
	}
	let_it_go(sig, si);
	fp_guard_leave();
	fp_sigctx_leave();
	in_handler = 0;
	errno = saved_errno;
}

/*
 * Every termination signal, built once by fp_crash_init() before any
 * install(): the mask of our handler (50 of them at boot otherwise each
 * rebuilt it from 64 lookups).
 */
static sigset_t handler_mask;

/**
 * our_action() - the disposition of a signal we hold: our handler, the
 * other last-words signals blocked while it runs
 * Context: any, async-signal-safe (fills @sa).
 */
static void our_action(struct sigaction *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sa_sigaction = on_signal;
	sa->sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	/* One writer at a time on this thread: the other last-words signals wait. */
	sa->sa_mask = handler_mask;
}

/**
 * install() - our handler for @sig
 * Context: boot, from take() (inside the first malloc, under the
 * reentrancy guard); the interposed sigaction(), which may run in a signal
 * handler of the program (__sigaction() only: async-signal-safe).
 */
static void install(int sig)
{
	struct sigaction sa;

	our_action(&sa);
	if (__sigaction(sig, &sa, NULL) == 0)
		atomic_store(&taken[sig], 1);
}

/**
 * take() - our handler @sa for @sig when the program left it at its
 * default: one system call that sets ours and returns what was there,
 * which goes back at once when it was not the default (ignored, as under
 * nohup, or a handler). Every signal is blocked meanwhile, so none is
 * delivered to the wrong disposition (the boot comes with the first
 * allocation, before the program can have started a thread that would
 * take it). @query_first: @sig may be pending (the program's inherited
 * mask blocks it, or this thread's could not be set): setting SIG_IGN
 * back would discard it, so look first, and touch it only if it is at
 * its default.
 * Context: boot (inside the first malloc, maybe before constructors, under
 * the reentrancy guard), from fp_crash_init(), every signal blocked.
 */
static void take(int sig, const struct sigaction *sa, int query_first)
{
	if (query_first) {
		/* ignored or handled by the program: its own */
		if (__sigaction(sig, NULL, &before[sig]) == 0 && before[sig].sa_handler == SIG_DFL)
			install(sig);
		return;
	}
	if (__sigaction(sig, sa, &before[sig]))
		return;
	if (before[sig].sa_handler != SIG_DFL)
		__sigaction(sig, &before[sig], NULL);	/* the program's own */
	else
		atomic_store(&taken[sig], 1);
}

void fp_crash_init(int crashes, int terminations, int toggle_signal)
{
	sigset_t all, saved, pending;
	struct sigaction sa;
	int blocked;

	want_fatal = crashes;
	want_terminating = terminations;
	spared = toggle_signal;
	sigemptyset(&handler_mask);
	fp_crash_terminating_set(&handler_mask);
	our_action(&sa);
	sigfillset(&all);
	sigemptyset(&pending);
	blocked = pthread_sigmask(SIG_SETMASK, &all, &saved) == 0;
	/* Only a signal the program blocked can be pending while ignored. */
	for (int sig = 1; blocked && sig < NSIG; sig++)
		if (wanted(sig) && sigismember(&saved, sig) == 1) {
			sigpending(&pending);
			break;
		}
	for (int sig = 1; sig < NSIG; sig++)
		if (wanted(sig))
			take(sig, &sa, !blocked || sigismember(&pending, sig) == 1);
	if (blocked)
		pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

/*
 * The program sees and sets its dispositions as if we were not there: a
 * signal we hold reads as the default it had (Python, for one, installs
 * its SIGINT handler only over SIG_DFL), setting a handler gives the signal
 * to the program, and setting the default keeps (or takes back) ours.
 */
int fp_crash_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction prev;

	if (sig <= 0 || sig >= NSIG || !wanted(sig))
		return __sigaction(sig, act, old);
	if (!atomic_load(&taken[sig])) {
		if (!act || act->sa_handler != SIG_DFL)
			return __sigaction(sig, act, old);
		if (__sigaction(sig, NULL, &prev))
			return -1;
		before[sig] = *act;
		install(sig);
		if (old)
			*old = prev;
		return 0;
	}
	if (old)
		*old = before[sig];
	if (!act)
		return 0;
	if (act->sa_handler == SIG_DFL) {
		before[sig] = *act;
		return 0;
	}
	atomic_store(&taken[sig], 0);
	return __sigaction(sig, act, NULL);
}

sighandler_t fp_crash_signal(int sig, sighandler_t handler, int flags)
{
	struct sigaction act, old;

	if (handler == SIG_ERR || sig <= 0 || sig >= NSIG) {
		errno = EINVAL;
		return SIG_ERR;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = handler;
	act.sa_flags = flags;
	sigemptyset(&act.sa_mask);
	if (!(flags & SA_NODEFER))
		sigaddset(&act.sa_mask, sig);
	if (fp_crash_sigaction(sig, &act, &old))
		return SIG_ERR;
	return old.sa_handler;
}
