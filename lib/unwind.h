/* The only door to libunwind: stack capture and procedure names. */
#ifndef FP_UNWIND_H
#define FP_UNWIND_H

#include <signal.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

/* The shim's own frames above the caller: a few, never this many. */
#define FP_UNWIND_SHIM_FRAMES	16

/*
 * libunwind's fast trace (per-thread cache of frame recipes), NULL until
 * fp_unwind_load() has opened libunwind. Declared here rather than through
 * <libunwind.h> so that capture inlines into the entry functions: every
 * shim frame between the program and the capture costs an unwinding step
 * on every allocation.
 */
extern int (*_Atomic fp_unwind_backtrace)(void **buffer, int size);

/**
 * fp_unwind_load() - open libunwind privately (RTLD_LOCAL, never a
 * DT_NEEDED: its _Unwind_* must not interpose libgcc_s's for the program),
 * resolve what the shim uses, and leave libunwind holding no descriptor.
 * Until it has run, capture gives the caller alone and the walks give
 * nothing. Call once, under the reentrancy guard, at boot.
 * Context: inside malloc, before constructors, under the guard.
 * Return: 0, or -ENOENT when libunwind cannot be loaded.
 */
int fp_unwind_load(void);

/**
 * fp_unwind_warm() - one walk, so that this thread's libunwind caches (its
 * trace cache: 256 KiB, written whole when made) exist from now on; a
 * process forked from here has them made.
 * Context: under the guard, after fp_unwind_load().
 */
void fp_unwind_warm(void);

/**
 * fp_unwind_warm_ips() - have libunwind's caches of this thread (and of
 * the process) hold the frames at the @n return addresses @ips, as if
 * stacks through them had been unwound here (lib/unwindwarm.c); a process
 * forked from this one then finds them there.
 * Context: under the guard, after fp_unwind_load(), single-threaded.
 * Return: how many were warmed (those with unwind rules).
 */
size_t fp_unwind_warm_ips(const uintptr_t *ips, size_t n);

/*
 * Words of the stack libunwind read in this thread through the shim's
 * checked accessor: its step-by-step (DWARF) path. Its trace cache reads
 * none: a walk through cached frames leaves the count as it was.
 */
extern __thread unsigned long fp_unwind_slow_reads __attribute__((tls_model("initial-exec")));

/* Whether code address @ip has unwind rules (DWARF CFI) libunwind can read. */
int fp_unwind_has_rules(uintptr_t ip);

/* Forget the pages this thread proved readable: some are about to be unmapped. */
void fp_unwind_forget_pages(void);

/**
 * fp_unwind_thread_start() - have the loader allocate libunwind's
 * thread-local state (dynamic TLS, since libunwind is loaded privately)
 * while the new thread starts, not at its first allocation: that
 * allocation may come when memory is exhausted, and glibc aborts a
 * process whose TLS cannot be allocated.
 * Context: a new thread's start, before the program's function.
 */
void fp_unwind_thread_start(void);

/**
 * fp_unwind_capture() - the return addresses of the stack above the
 * interposed function, innermost first, starting at @caller (the return
 * address the entry point was called with). Frames of the shim itself are
 * dropped by finding @caller in the unwound chain. Call under the
 * reentrancy guard: libunwind may allocate.
 * @ips:   filled with up to @depth addresses
 * Return: how many were filled, at least 1 (@caller alone when the chain
 * does not contain it).
 */
/*
 * Quiet unwinding. libunwind masks every signal around each lookup of an
 * address it has not seen and around its cache's lock: two sigprocmask(2)
 * calls each, a thousand in a short program with a report. Between
 * fp_unwind_quiet_begin() and fp_unwind_quiet_end() the first of those
 * masks all signals for real and the others are answered without a system
 * call; the end restores the mask. Signals stay masked over the whole walk
 * from its first lookup, as libunwind wants them over each lookup; a walk
 * that finds everything in libunwind's caches makes no system call at all.
 * Only libunwind's own calls are answered so: the program's go to glibc.
 */
extern __thread unsigned fp_unwind_quiet __attribute__((tls_model("initial-exec")));
extern __thread int fp_unwind_quiet_blocked __attribute__((tls_model("initial-exec")));

/* Context: malloc. */
static inline void fp_unwind_quiet_begin(void)
{
	fp_unwind_quiet++;
}

void fp_unwind_quiet_restore(void);

/* Context: malloc. */
static inline void fp_unwind_quiet_end(void)
{
	if (!--fp_unwind_quiet && fp_unwind_quiet_blocked)
		fp_unwind_quiet_restore();
}

/**
 * fp_unwind_sigprocmask() - sigprocmask(2) as glibc has it, but for
 * libunwind's calls (@from is the return address) inside quiet unwinding.
 * Context: any, signal handlers included.
 */
int fp_unwind_sigprocmask(int how, const sigset_t *set, sigset_t *old, const void *from);

static inline __attribute__((always_inline)) unsigned
fp_unwind_capture(const void *caller, const void **ips, unsigned depth)
{
	void *chain[64 + FP_UNWIND_SHIM_FRAMES];
	int (*backtrace)(void **, int) =
		atomic_load_explicit(&fp_unwind_backtrace, memory_order_acquire);
	int n = 0;

	if (backtrace) {
		fp_unwind_quiet_begin();
		n = backtrace(chain, (int)(depth + FP_UNWIND_SHIM_FRAMES));
		fp_unwind_quiet_end();
	}

	for (int i = 0; i < n && i < FP_UNWIND_SHIM_FRAMES; i++) {
		unsigned count = 0;

		if (chain[i] != caller)
			continue;
		for (int j = i; j < n && count < depth; j++)
			ips[count++] = chain[j];
		return count;
	}
	ips[0] = caller;
	return 1;
}

/**
 * fp_unwind_proc_name() - the name of the procedure holding @ip from the
 * object's symbol tables (.symtab included, so static functions of an
 * unstripped object are named). Slow (tens of microseconds): call once per
 * code address, under the reentrancy guard, never per allocation.
 * Context: under the reentrancy guard, inside malloc (frame naming); never a
 * signal handler (reads files).
 * Return: 0 with @name and *@offset filled, or -1.
 */
int fp_unwind_proc_name(const void *ip, char *name, size_t size,
			uintptr_t *offset);

/**
 * fp_unwind_walk() - libunwind's slow, step-by-step walk from the program's
 * frame 0 (return address @caller, stack pointer @cfa) outwards, recording
 * each frame's return address and the stack slot holding it. Microseconds:
 * call once per chain worth remembering (chain.c), under the guard.
 * Context: inside malloc, under the reentrancy guard.
 * Return: frames recorded (at most @depth), or 0 when the chain cannot be
 * proved this way (frame 0 not found, a return address not in its slot).
 */
unsigned fp_unwind_walk(const void *caller, const void *cfa, const void **ips,
			const void *const **slots, unsigned depth);

/**
 * fp_unwind_signal() - the stack of the context a signal interrupted
 * (@uc, the handler's third argument), innermost first: frame 0 is the
 * interrupted instruction, the others return addresses.
 * Context: in a signal handler; takes no lock, allocates nothing.
 * Return: addresses filled, at most @max (frame 0 alone before libunwind is
 * loaded).
 */
unsigned fp_unwind_signal(void *uc, const void **ips, unsigned max);

#endif
