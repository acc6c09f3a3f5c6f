/* Thread records, snapshots and alternate signal stacks (see thread.h). */
#include "config.h"
#include "thread.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "guard.h"
#include "je.h"
#include "policy.h"
#include "poolcache.h"
#include "prng.h"
#include "unwind.h"

#define ALTSTACK_SIZE	(128 * 1024)

__thread struct fp_thread *fp_me __attribute__((tls_model("initial-exec")));
__thread int fp_thread_starting __attribute__((tls_model("initial-exec")));
_Atomic int fp_frozen;
/* fp_thread_order(), once my_order_known. */
static __thread uint64_t my_order __attribute__((tls_model("initial-exec")));
static __thread int my_order_known __attribute__((tls_model("initial-exec")));
static __thread uint64_t my_started __attribute__((tls_model("initial-exec")));
static _Atomic uint64_t strays_started;	/* threads started without pthread_create */

static struct fp_thread *_Atomic threads;	/* every record, never freed */
/* When no record can be had, and after a thread's end: never a pool cache. */
static struct fp_thread stray = { .pool_tc = { [0 ... FP_POOLS_MAX - 1] = 1 } };
static pthread_key_t exit_key;
static int exit_key_ok;
static int membarrier_ok;
static int want_altstacks;

/**
 * release() - a thread's record back to the list at its exit (its
 * alternate stack unmapped, its pool cache closed)
 * Context: thread exit (pthread key destructor); may run after other
 * destructors and before later ones that still allocate, so fp_me falls
 * back to the stray record.
 */
static void release(void *arg)
{
	struct fp_thread *t = arg;
	stack_t ss = { .ss_flags = SS_DISABLE };

	if (t->altstack && sigaltstack(&ss, NULL) == 0) {
		munmap(t->altstack, ALTSTACK_SIZE);
		t->altstack = NULL;
	}
	fp_me = &stray;		/* destructors after this one still count */
	fp_pool_cache_close(t, 1);
	fp_live_held = NULL;	/* ... into the shared live figure */
	fp_policy_publish(&fp_process_policy, &t->live_held);
	atomic_store_explicit(&t->busy, 0, memory_order_relaxed);
	atomic_store_explicit(&t->parked, 0, memory_order_relaxed);
	t->deferred = 0;
	atomic_store_explicit(&t->taken, 0, memory_order_release);
}

void fp_thread_init(int altstacks)
{
	want_altstacks = altstacks;
	exit_key_ok = pthread_key_create(&exit_key, release) == 0;
	membarrier_ok = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
				0, 0) == 0;
	if (altstacks)
		fp_thread_altstack();
}

/**
 * take() - a free thread record, or a new one from the shim's arena
 * Context: inside malloc (a thread's first counted allocation), under the
 * reentrancy guard; lock-free.
 */
static struct fp_thread *take(void)
{
	struct fp_thread *t;

	for (t = atomic_load_explicit(&threads, memory_order_acquire); t; t = t->next) {
		int free_ = 0;

		if (!atomic_load_explicit(&t->taken, memory_order_relaxed) &&
		    atomic_compare_exchange_strong_explicit(&t->taken, &free_, 1,
							    memory_order_acquire,
							    memory_order_relaxed))
			return t;
	}
	t = fp_je_own_alloc(sizeof(*t));
	if (!t)
		return NULL;
	atomic_store_explicit(&t->taken, 1, memory_order_relaxed);
	t->next = atomic_load_explicit(&threads, memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(&threads, &t->next, t,
						      memory_order_release,
						      memory_order_relaxed))
		;
	return t;
}

struct fp_thread *fp_thread_attach(void)
{
	struct fp_thread *t;
	int saved = errno;

	fp_guard_enter();
	t = take();
	if (t && (!exit_key_ok || pthread_setspecific(exit_key, t))) {
		atomic_store_explicit(&t->taken, 0, memory_order_release);
		t = NULL;
	}
	fp_me = t ? t : &stray;
	if (t && !fp_process_policy.limit_on)
		fp_live_held = &t->live_held;
	fp_thread_altstack();
	fp_guard_leave();
	errno = saved;
	return fp_me;
}

/**
 * futex() - the futex(2) system call, its result ignored (callers
 * re-check)
 * Context: any, async-signal-safe (one system call).
 */
static void futex(_Atomic int *addr, int op, int val, const struct timespec *ts)
{
	syscall(SYS_futex, (int *)addr, op, val, ts, NULL, 0);
}

void fp_thread_wait_thaw(struct fp_thread *t)
{
	static const struct timespec tick = { 0, 50 * 1000 * 1000 };
	int saved = errno;

	/* Nested in counted work (a signal handler that allocates): the freezer waits for us. */
	if (atomic_load_explicit(&t->busy, memory_order_relaxed) > 1)
		return;
	for (;;) {
		int freezers = atomic_load_explicit(&fp_frozen, memory_order_acquire);

		if (!freezers)
			break;
		fp_thread_busy_add(t, -1);
		futex(&fp_frozen, FUTEX_WAIT_PRIVATE, freezers, &tick);
		fp_thread_busy_add(t, 1);
	}
	errno = saved;
}

/**
 * elapsed_ms() - milliseconds since @t0, on the monotonic clock
 * Context: any, async-signal-safe (clock_gettime only).
 */
static uint64_t elapsed_ms(uint64_t t0)
{
	return (fp_clock_monotonic_ns() - t0) / 1000000;
}

int fp_thread_freeze(unsigned timeout_ms)
{
	uint64_t t0 = fp_clock_monotonic_ns();
	int saved = errno, rc = 0;

	/* A count: two threads forking at once must not thaw each other's fork. */
	atomic_fetch_add(&fp_frozen, 1);
	/* Orders our store before every other thread's next load of fp_frozen. */
	if (!membarrier_ok ||
	    syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0))
		atomic_thread_fence(memory_order_seq_cst);
	for (struct fp_thread *t = atomic_load_explicit(&threads, memory_order_acquire);
	     t && !rc; t = t->next) {
		if (t == fp_me)
			continue;
		while (atomic_load_explicit(&t->busy, memory_order_acquire) > 0 &&
		       !atomic_load_explicit(&t->parked, memory_order_relaxed)) {
			if (elapsed_ms(t0) >= timeout_ms) {
				rc = -ETIMEDOUT;
				break;
			}
			sched_yield();
		}
	}
	errno = saved;
	return rc;
}

void fp_thread_fork_child(void)
{
	for (struct fp_thread *t = atomic_load_explicit(&threads, memory_order_acquire);
	     t; t = t->next) {
		if (t == fp_me)
			continue;
		/* Its thread is not in the child: its live bytes to the shared figure, */
		fp_policy_publish(&fp_process_policy, &t->live_held);
		/* nothing to wait for, a stack to give back. */
		if (t->altstack)
			munmap(t->altstack, ALTSTACK_SIZE);
		t->altstack = NULL;
		fp_pool_cache_close(t, !t->pool_in_jemalloc);	/* half updated: lost */
		atomic_store_explicit(&t->busy, 0, memory_order_relaxed);
		atomic_store_explicit(&t->parked, 0, memory_order_relaxed);
		atomic_store_explicit(&t->taken, 0, memory_order_release);
	}
	/* The other freezers were threads of the parent. */
	atomic_store(&fp_frozen, 0);
}

void fp_thread_thaw(void)
{
	if (atomic_fetch_sub(&fp_frozen, 1) == 1)
		futex(&fp_frozen, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
}

int fp_thread_defer(int sig)
{
	struct fp_thread *t = fp_me;

	if (!t || t == &stray || atomic_load_explicit(&t->busy, memory_order_relaxed) <= 0)
		return 0;
	t->deferred = sig;
	return 1;
}

void fp_thread_deliver(struct fp_thread *t)
{
	int sig = t->deferred;

	if (atomic_load_explicit(&t->busy, memory_order_relaxed) > 0 || !sig)
		return;		/* still inside an outer piece of counted work */
	t->deferred = 0;
	raise(sig);
}

void fp_thread_park(void)
{
	if (fp_me)
		atomic_store_explicit(&fp_me->parked, 1, memory_order_relaxed);
}

void fp_thread_altstack(void)
{
	struct fp_thread *t = fp_me;
	stack_t ss, old;
	void *stack;

	if (!want_altstacks || !t || t == &stray || t->altstack ||
	    sigaltstack(NULL, &old) || !(old.ss_flags & SS_DISABLE))
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
	t->altstack = stack;
}

uint64_t fp_thread_live_held(void)
{
	uint64_t sum = 0;

	for (struct fp_thread *t = atomic_load_explicit(&threads, memory_order_acquire);
	     t; t = t->next)
		sum += atomic_load_explicit(&t->live_held, memory_order_relaxed);
	return sum;
}

uint64_t fp_thread_order(void)
{
	if (FP_UNLIKELY(!my_order_known)) {
		/* Not through trampoline(): the process's first thread, or a stray. */
		if (syscall(SYS_gettid) != getpid())
			my_order = fp_prng_lineage(UINT64_MAX,
						   atomic_fetch_add(&strays_started, 1) + 1);
		my_order_known = 1;
	}
	return my_order;
}

/*
 * Room for the loader's allocation of libunwind's thread-local state
 * (16 bytes on x86-64) in a new thread, taken by its creator: the spare
 * that fp_je_thread_start() gives back to arena 0 is shared with every
 * other thread, and one still allocating (the creator, exhausting memory)
 * can take it all before the new thread's loader asks, which glibc
 * answers by aborting the process.
 */
#define START_RESERVE	256

static __thread void *start_reserve __attribute__((tls_model("initial-exec")));

struct start {
	void *(*fn)(void *);
	void *arg;
	uint64_t order;
	void *reserve;		/* START_RESERVE bytes in arena 0, or NULL */
};

void *fp_thread_start_alloc(size_t size, int zero)
{
	void *p = fp_je_arena_alloc(size, 0, zero);

	if (p || !start_reserve || size > START_RESERVE)
		return p;
	p = start_reserve;
	start_reserve = NULL;
	return zero ? memset(p, 0, size) : p;
}

/**
 * trampoline() - a new thread's start: its spare memory, libunwind's TLS
 * and the record set up before the program's start function runs
 * Context: a new thread, before any of its own code; takes the reentrancy
 * guard around the unwinder's set-up.
 */
static void *trampoline(void *p)
{
	struct start s = *(struct start *)p;

	my_order = s.order;
	my_order_known = 1;
	fp_thread_starting = 1;
	start_reserve = s.reserve;
	fp_je_thread_start();
	/*
	 * libunwind's TLS is dynamic (it is loaded privately): glibc
	 * allocates it at a thread's first unwinding and aborts the process
	 * when it cannot. Here, where the spare just given back to arena 0
	 * can serve it even when memory has run out meanwhile.
	 */
	fp_guard_enter();
	fp_unwind_thread_start();
	fp_guard_leave();
	fp_thread_starting = 0;
	fp_je_arena_free(start_reserve);	/* not needed: memory was left */
	start_reserve = NULL;
	fp_je_own_free(p);
	if (want_altstacks && !fp_me)
		fp_thread_attach();	/* the record carries the stack */
	return s.fn(s.arg);
}

int fp_thread_create(pthread_t *thread, const pthread_attr_t *attr,
		     void *(*fn)(void *), void *arg)
{
	static int (*_Atomic real)(pthread_t *, const pthread_attr_t *,
				   void *(*)(void *), void *);
	int (*create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *) =
		atomic_load_explicit(&real, memory_order_acquire);
	struct start *s;
	int rc;

	if (!create) {
		fp_guard_enter();	/* dlsym may allocate */
		*(void **)&create = dlsym(RTLD_NEXT, "pthread_create");
		fp_guard_leave();
		if (!create)
			fp_bug("pthread_create not found after the shim");
		atomic_store_explicit(&real, create, memory_order_release);
	}
	/* Real exhaustion must not crash the new thread's first malloc (je.h). */
	if (fp_je_thread_prepare())
		return EAGAIN;
	s = fp_je_own_alloc(sizeof(*s));
	if (!s)
		return create(thread, attr, fn, arg);
	s->fn = fn;
	s->arg = arg;
	s->order = fp_prng_lineage(fp_thread_order(), ++my_started);
	s->reserve = fp_je_arena_alloc(START_RESERVE, 0, 0);
	rc = create(thread, attr, trampoline, s);
	if (rc) {
		fp_je_arena_free(s->reserve);
		fp_je_own_free(s);
	}
	return rc;
}
