/*
 * The crash record. The handler runs on an alternate stack the shim owns
 * (a stack overflow can still be recorded), unwinds with libunwind from the
 * signal context (local unwinding is signal-safe), locates frames with the
 * lock-free _dl_find_object and takes memory only from the shim's static
 * reserve, then restores the program's disposition and lets the signal
 * finish the process as it would have without the shim.
 */
#include "config.h"
#include "crash.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "guard.h"
#include "heapcheck.h"
#include "je.h"
#include "log.h"
#include "report.h"
#include "runtime.h"
#include "site.h"

#define ALTSTACK_SIZE	(128 * 1024)

static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
static struct sigaction before[NSIG];	/* the disposition we took over */
static _Atomic int crashing;
static int installed;
static __thread void *my_altstack __attribute__((tls_model("initial-exec")));

static void capture(struct fp_ending *end, void *uc)
{
	unw_cursor_t cursor;
	unw_word_t ip;

	if (unw_init_local2(&cursor, (unw_context_t *)uc, UNW_INIT_SIGNAL_FRAME))
		return;
	do {
		struct fp_frame_info *f;

		if (unw_get_reg(&cursor, UNW_REG_IP, &ip) || !ip)
			break;
		/*
		 * frame 0 is the faulting instruction itself; the others are
		 * return addresses, as allocation frames are.
		 */
		f = fp_site_frame((const void *)(ip + (end->nframes ? 0 : 1)));
		if (f)
			end->frames[end->nframes++] = f;
	} while (end->nframes < FP_CRASH_FRAMES && unw_step(&cursor) > 0);
}

static void on_fatal(int sig, siginfo_t *si, void *uc)
{
	int saved_errno = errno;

	fp_guard_enter();	/* whatever allocates in here goes straight through */
	if (!atomic_exchange(&crashing, 1)) {
		struct fp_ending end = { .how = FP_END_SIGNAL, .sig = sig };

		fp_je_own_emergency();	/* jemalloc may be where it crashed */
		end.last_seq = atomic_load_explicit(&fp_rt.policy.injected,
						    memory_order_relaxed);
		capture(&end, uc);
		fp_heapcheck_explain(&end);	/* a heap check's abort: its record */
		fp_log_crash(&end);
		fp_rt_report(&end);
	}
	/* The program's disposition again, and the signal takes its course. */
	sigaction(sig, &before[sig], NULL);
	if (si->si_code <= 0 || sig == SIGABRT)
		raise(sig);	/* sent, not a fault: delivered when we return */
	/* A fault repeats when the instruction runs again. */
	fp_guard_leave();
	errno = saved_errno;
}

void fp_crash_thread_init(void)
{
	stack_t ss, old;
	void *stack;

	if (!installed || my_altstack || sigaltstack(NULL, &old) || !(old.ss_flags & SS_DISABLE))
		return;		/* the thread has one already (its own, maybe) */
	stack = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return;
	ss.ss_sp = stack;
	ss.ss_size = ALTSTACK_SIZE;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL)) {
		munmap(stack, ALTSTACK_SIZE);
		return;
	}
	my_altstack = stack;
}

void fp_crash_thread_exit(void)
{
	stack_t ss = { .ss_flags = SS_DISABLE };

	if (!my_altstack)
		return;
	if (sigaltstack(&ss, NULL) == 0)
		munmap(my_altstack, ALTSTACK_SIZE);
	my_altstack = NULL;
}

void fp_crash_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fatal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (unsigned i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) {
		int sig = fatal[i];

		if (sigaction(sig, NULL, &before[sig]) || before[sig].sa_handler != SIG_DFL)
			continue;	/* ignored or handled by the program: its own */
		sigaction(sig, &sa, NULL);
	}
	installed = 1;
	fp_crash_thread_init();
}
