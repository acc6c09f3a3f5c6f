/*
 * Every thread the shim counts in has a record: whether it is inside shim
 * code that leaves shared state half done (a count, a site being created,
 * a frame being named, libunwind's caches), and its alternate signal stack.
 *
 * A snapshot (the report at exit, a fork) first freezes: threads that
 * start counting wait until the thaw, threads already counting finish, so
 * every figure of the report describes the same set of calls and a child
 * never inherits half an update, a held lock or a half-named frame.
 *
 * The busy mark is a plain store and a compiler barrier on the allocation
 * path; the freezer pays for the ordering with one membarrier(2).
 */
#ifndef FP_THREAD_H
#define FP_THREAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "fp.h"
#include "poolspec.h"

struct fp_thread {
	_Atomic int busy;		/* nesting depth inside counted shim code */
	_Atomic int parked;		/* in a fatal-signal handler: never finishes */
	_Atomic int taken;		/* held by a live thread */
	volatile int deferred;		/* a termination signal that came while busy */
	struct fp_thread *next;		/* every record ever made */
	void *altstack;			/* the shim's, or NULL */
	/* per pool: 0 not asked yet, else jemalloc cache id + 2, 1 none (poolcache.h) */
	int pool_tc[FP_POOLS_MAX];
	volatile int pool_in_jemalloc;	/* using one of them now: a fork child keeps off */
	struct fp_pool_stash *pool_stash;	/* freed elements kept for reuse, or NULL */
	/* live bytes charged here, not yet in the policy's figure (two's complement) */
	_Atomic uint64_t live_held;	/* fp_live_held (policy.h) while the thread owns it */
} __attribute__((aligned(FP_CACHELINE)));	/* busy is written on every call: a line of its own */

extern __thread struct fp_thread *fp_me __attribute__((tls_model("initial-exec")));
extern _Atomic int fp_frozen;		/* snapshots being taken */
/* The shim's start of a new thread is under way (its set-up allocations). */
extern __thread int fp_thread_starting __attribute__((tls_model("initial-exec")));

/**
 * fp_thread_start_alloc() - @size bytes (zeroed when @zero) for the new
 * thread's own set-up when its arena has none: from arena 0 (the spare
 * just given back), else from the room its creator reserved for it.
 * Context: inside malloc, in a starting thread (fp_thread_starting),
 * under the reentrancy guard.
 * Return: the block (a jemalloc block, freed by free()), or NULL.
 */
void *fp_thread_start_alloc(size_t size, int zero);

/**
 * fp_thread_init() - set up records, thread-exit release and (with
 * @altstacks) an alternate signal stack for every thread, this one now.
 * Context: first call (inside malloc, maybe before constructors), once.
 */
void fp_thread_init(int altstacks);

/**
 * fp_thread_attach() - slow parts of fp_thread_enter().
 * Context: inside malloc: a thread's first counted call.
 */
struct fp_thread *fp_thread_attach(void);

/**
 * fp_thread_wait_thaw() - wait until the freeze is over.
 * Context: inside malloc, entering counted work while a freeze is on.
 */
void fp_thread_wait_thaw(struct fp_thread *t);

/**
 * fp_thread_busy_add() - add @n to the busy depth; one instruction on x86-64
 * (hand-written: x86-64 only), so signal-safe; elsewhere an atomic add,
 * which is too.
 * Context: any, async-signal-safe.
 */
static inline void fp_thread_busy_add(struct fp_thread *t, int n)
{
#if defined(__x86_64__)
	__asm__ volatile("addl %1, %0" : "+m"(*(int *)&t->busy) : "ir"(n) : "memory");
#else
	atomic_fetch_add_explicit(&t->busy, n, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

/**
 * fp_thread_enter() - the calling thread starts counted shim work; waits
 * while a snapshot is being taken.
 * Context: allocation path, outside the reentrancy guard.
 * Return: the thread's record, for fp_thread_leave().
 */
static inline struct fp_thread *fp_thread_enter(void)
{
	struct fp_thread *t = fp_me;

	if (FP_UNLIKELY(t == NULL))
		t = fp_thread_attach();
	fp_thread_busy_add(t, 1);
	if (FP_UNLIKELY(atomic_load_explicit(&fp_frozen, memory_order_relaxed)))
		fp_thread_wait_thaw(t);
	return t;
}

/**
 * fp_thread_deliver() - deliver a termination signal deferred while busy.
 * Context: leaving counted work, inside malloc: runs the deferred termination
 * signal's handler.
 */
void fp_thread_deliver(struct fp_thread *t);

/**
 * fp_thread_leave() - the work of fp_thread_enter() is done.
 * Context: inside malloc, leaving counted work.
 */
static inline void fp_thread_leave(struct fp_thread *t)
{
	fp_thread_busy_add(t, -1);
	if (FP_UNLIKELY(t->deferred))
		fp_thread_deliver(t);
}

/**
 * fp_thread_defer() - a termination signal @sig interrupted the calling
 * thread inside counted work: the report would catch that work half done,
 * so the signal is raised again when the work is over.
 * Context: signal handler.
 * Return: 1 when deferred, 0 when the thread is not busy (go ahead).
 */
int fp_thread_defer(int sig);

/**
 * fp_thread_idle() - the calling thread blocks (@idle 1) or wakes (0) in
 * the middle of counted work: a freeze does not wait for a sleeper. On
 * waking it does not wait for a thaw either (it holds a lock a forking
 * thread's prepare handlers may need).
 * Context: inside malloc (a pool's wait).
 */
static inline void fp_thread_idle(int idle)
{
	if (fp_me)
		fp_thread_busy_add(fp_me, idle ? -1 : 1);
}

/* How long a snapshot waits for other threads' counting to finish. */
#define FP_FREEZE_MS		1000
#define FP_FREEZE_SIGNAL_MS	100

/**
 * fp_thread_freeze() - stop the world's counting: new counted work waits,
 * work in progress in other threads is waited for, up to @timeout_ms
 * (threads parked in a fatal-signal handler are not waited for).
 * Context: exit, exec, fork's prepare handler, signal handlers.
 * Return: 0, or -ETIMEDOUT when some thread was still busy.
 */
int fp_thread_freeze(unsigned timeout_ms);

/**
 * fp_thread_thaw() - let waiting threads go on.
 * Context: exit, exec, fork's parent handler, signal handlers.
 */
void fp_thread_thaw(void);

/**
 * fp_thread_live_held() - the live bytes all records hold, not yet in the
 * policy's shared figure (policy.h).
 * Context: report writing, the counting threads frozen; signal handlers
 * included.
 */
uint64_t fp_thread_live_held(void);

/**
 * fp_thread_order() - the calling thread's place in the process's tree of
 * threads: 0 for the process's first thread; for a thread started by
 * pthread_create(3), fp_prng_lineage() of its creator's and of how many
 * threads the creator had started, itself included (worked out in the
 * creator, so it depends on the program's calls, never on the scheduler).
 * A thread started some other way gets one at its first call here, in the
 * order such threads come. A fork child's thread keeps its own.
 * Context: inside malloc, counted; pthread_create(3).
 */
uint64_t fp_thread_order(void);

/**
 * fp_thread_fork_child() - in a child after fork(): only the forking
 * thread exists; the others' records are free again. Then thaw.
 * Context: a fork child's handler.
 */
void fp_thread_fork_child(void);

/**
 * fp_thread_park() - the calling thread took a fatal signal: a freeze must
 * not wait for the work it interrupted.
 * Context: signal handler.
 */
void fp_thread_park(void);

/**
 * fp_thread_altstack() - give the calling thread the shim's alternate
 * signal stack unless it has one (no-op unless fp_thread_init(1)).
 * Context: a thread's start, or its first counted call.
 */
void fp_thread_altstack(void);

/**
 * fp_thread_create() - pthread_create(3) whose thread first gets an
 * alternate signal stack, so that a stack overflow in any thread still
 * leaves a crash record.
 * Context: the program's pthread_create, outside malloc.
 */
int fp_thread_create(pthread_t *thread, const pthread_attr_t *attr,
		     void *(*start)(void *), void *arg);

#endif
