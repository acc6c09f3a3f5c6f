/*
 * The slow path of every interposed function. The shim's fast path has
 * already forwarded to jemalloc when there is nothing to count; here each
 * call gets glibc's argument semantics, then one of three treatments:
 *   PASS  - forward (nothing configured; only calls glibc does differently
 *           from jemalloc come here),
 *   RAW   - forward and keep the live byte count (before the first call has
 *           booted, and for the shim's own allocations under the guard),
 *   COUNT - count, ask the policy, maybe inject, then forward.
 */
#include "config.h"
#include "alloc.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "fp.h"
#include "guard.h"
#include "heapcheck.h"
#include "hooks.h"
#include "je.h"
#include "policy.h"
#include "pool.h"
#include "settings.h"
#include "pooled.h"
#include "request.h"
#include "series.h"
#include "site.h"
#include "startup.h"
#include "stats.h"
#include "thread.h"

#define GLIBC_MINSIZE		32	/* glibc's MINSIZE on 64-bit targets */

enum mode { PASS, RAW, COUNT };

__thread const void *fp_unmatched[FP_UNMATCHED_SLOTS]
	__attribute__((tls_model("initial-exec")));

/**
 * mode() - how this call is treated: RAW under the guard or before boot
 * (which it may run), PASS when nothing is counted, else COUNT
 * Context: inside malloc (any interposed entry point), maybe before
 * constructors, maybe in a signal handler of the program that allocates;
 * the first call boots (fp_alloc_boot()).
 */
static inline enum mode mode(void)
{
	if (FP_UNLIKELY(fp_guard_busy()))
		return RAW;
	if (FP_UNLIKELY(!fp_settings_ready()) && !fp_alloc_boot())
		return RAW;
	return fp_passthrough ? PASS : COUNT;
}

/**
 * is_pow2() - is @x a power of two (0 is not)?
 * Context: any (pure).
 */
static inline int is_pow2(size_t x)
{
	return x && !(x & (x - 1));
}

/*
 * The usable size a request will get, for the live count. nallocx() costs
 * some 40 instructions and is a pure function of the size, so small sizes
 * remember it: jemalloc's classes and FP_JE_MIN_BLOCK are multiples of 8,
 * so every size in (8(i-1), 8i] gets the same answer, slot i.
 */
#define USABLE_REMEMBERED_MAX	4096
_Static_assert(FP_JE_MIN_BLOCK % 8 == 0, "sizes in one slot share their usable size");
static _Atomic uint16_t usable_of[USABLE_REMEMBERED_MAX / 8 + 1];

static inline uint64_t usable_for(size_t size, size_t align)
{
	_Atomic uint16_t *slot;
	uint64_t u;

	if (FP_UNLIKELY(align || size > USABLE_REMEMBERED_MAX))
		return fp_je_nalloc(size, align);
	slot = &usable_of[(size + 7) >> 3];
	u = atomic_load_explicit(slot, memory_order_relaxed);
	if (FP_UNLIKELY(!u)) {
		u = fp_je_nalloc(size, 0);
		atomic_store_explicit(slot, (uint16_t)u, memory_order_relaxed);
	}
	return u;
}

/**
 * obtain() - the jemalloc call behind a request.
 * Context: inside malloc (any interposed entry point), maybe before
 * constructors, maybe in a signal handler of the program that allocates;
 * jemalloc only.
 */
static inline __attribute__((always_inline)) void *obtain(const struct fp_req *r)
{
	void *p = NULL;
	int rc;

	if (r->align) {
		rc = fp_je.posix_memalign(&p, r->align, r->size);
		if (rc) {
			errno = rc;
			return NULL;
		}
		return p;
	}
	if (r->call == FP_CALL_CALLOC)
		return fp_je.calloc(r->n, r->elem);
	return fp_je.malloc(r->size);
}

/* The calling thread's RATE stream, derived at its first draw. */
static inline struct fp_policy_stream *my_stream(void)
{
	struct fp_policy_stream *s = &fp_my_stream;

	if (FP_UNLIKELY(!s->ready))
		fp_policy_stream_init(&fp_process_policy, s, fp_thread_order());
	return s;
}

/*
 * Find the site (when rules, the report or the log need one), count the
 * call, then, unless it may not fail here, let the policy decide.
 * Context: inside malloc or realloc, COUNT mode, the thread marked busy
 * (fp_site_lookup() may unwind and create a site).
 */
static inline __attribute__((always_inline)) uint64_t
admit(struct fp_req *r, struct fp_shard *sh, uint64_t bytes, int may_fail)
{
	struct fp_site *site = NULL;
	int eligible;

	if (fp_settings()->site_depth) {
		site = fp_site_lookup(r->caller, r->cfa);
		/* Neither failure nor pool can happen here: remember the caller. */
		if (fp_settings()->quick && site->n == 1 && !site->pool &&
		    (!site->matches || !fp_process_policy.decides))
			fp_unmatched[((uintptr_t)r->caller >> 4) &
				     (FP_UNMATCHED_SLOTS - 1)] = r->caller;
	}
	r->site = site;
	if (sh && site) {
		/* A tally only in a shard of the thread's own: plain adds to both. */
		r->tally = fp_stats_tally(sh, site);
		if (FP_LIKELY(r->tally != NULL)) {
			fp_stats_add_mine(&sh->calls[r->call], 1);
			fp_stats_add_mine(&r->tally->calls, 1);
		} else {
			fp_stats_add(&sh->calls[r->call], 1);
			fp_stats_add(&site->calls, 1);
		}
	}
	r->charged = bytes;
	eligible = may_fail && fp_settings_eligible(r->call) && (!site || site->matches);
	if (eligible && fp_process_policy.numbered)
		return fp_policy_decide(&fp_process_policy, my_stream(),
					fp_policy_next(&fp_process_policy), bytes);
	/* No process-wide index: the thread counts its own, writing nothing shared. */
	if (eligible && sh)
		fp_stats_bump(sh, &sh->eligible, 1);
	if (eligible && fp_process_policy.decides)
		return fp_policy_decide(&fp_process_policy, my_stream(), 0, bytes);
	fp_policy_charge(&fp_process_policy, bytes);
	return 0;
}

/**
 * startup_obtain() - not the program's (startup.h): served and kept apart.
 * Context: inside malloc while the process starts (fp_starting: the loader
 * and library constructors), maybe before constructors.
 */
static FP_NOINLINE void *startup_obtain(const struct fp_req *r)
{
	void *p = obtain(r);

	if (p)
		fp_policy_charge(&fp_process_policy, fp_je.usable(p));
	return p;
}

/**
 * count_allocate() - a counted allocation: admitted, served from a pool,
 * injected or forwarded
 * Context: inside malloc, COUNT mode, the thread marked busy
 * (fp_thread_enter()); may take a pool's lock and wait for it
 * (fp_pooled_serve()).
 */
static inline __attribute__((always_inline)) void *count_allocate(struct fp_req *r)
{
	struct fp_pool *pool;
	struct fp_shard *sh;
	uint64_t seq;
	void *p;

	if (FP_UNLIKELY(fp_starting) && fp_startup_claims(r->call, r->caller, r->size))
		return startup_obtain(r);
	sh = fp_settings()->stats ? fp_stats_shard() : NULL;
	if (sh)
		fp_series_tick();
	seq = admit(r, sh, fp_settings()->track_live ? usable_for(r->size, r->align) : 0, 1);
	if (FP_UNLIKELY(fp_npools) && (pool = fp_pooled_pool(r)))
		return fp_pooled_serve(r, sh, seq, pool);
	if (seq)
		return fp_req_inject(r, seq);
	p = obtain(r);
	if (!p)
		return fp_req_failed(r, sh);
	fp_req_succeeded(r, sh);
	return p;
}

/**
 * allocate_raw() - the shim's own and pre-boot allocations: out of the
 * counted path's way.
 * Context: inside malloc, under the reentrancy guard or before boot; jemalloc only.
 */
static FP_COLD void *allocate_raw(const struct fp_req *r)
{
	void *p = obtain(r);

	/* A new thread's own set-up (its TLS) under exhaustion: the spare's room. */
	if (FP_UNLIKELY(!p && fp_thread_starting) && !r->align)
		p = fp_thread_start_alloc(r->size, r->call == FP_CALL_CALLOC);
	if (p)
		fp_policy_charge(&fp_process_policy, fp_je.usable(p));
	if (FP_UNLIKELY(fp_heapcheck_on) && p)
		fp_heapcheck_alloc(p, r->size, NULL);
	return p;
}

/**
 * allocate() - every block handed out is recorded when
 * FAILPOOL_CHECK=frees.
 * Context: inside malloc (any interposed entry point), maybe before
 * constructors, maybe in a signal handler of the program that allocates.
 */
static inline __attribute__((always_inline)) void *allocate(struct fp_req *r)
{
	struct fp_thread *t;
	void *p;

	switch (mode()) {
	case PASS:
		return obtain(r);
	case RAW:
		return allocate_raw(r);
	case COUNT:
		break;
	}
	t = fp_thread_enter();
	p = count_allocate(r);
	if (FP_UNLIKELY(fp_heapcheck_on) && p)
		fp_heapcheck_alloc(p, r->size, r->site);
	fp_thread_leave(t);
	return p;
}

/**
 * refuse() - a call that fails on its arguments alone: never eligible,
 * never injected.
 * Context: inside malloc (any interposed entry point), maybe before
 * constructors, maybe in a signal handler of the program that allocates.
 */
static void *refuse(const struct fp_req *r, int err)
{
	if (mode() == COUNT && fp_settings()->stats) {
		struct fp_thread *t = fp_thread_enter();
		struct fp_shard *sh = fp_stats_shard();

		fp_stats_bump(sh, &sh->calls[r->call], 1);
		if (err == ENOMEM)
			fp_stats_bump(sh, &sh->real_failures, 1);
		fp_thread_leave(t);
	}
	errno = err;
	return NULL;
}

/**
 * release_counted() - a free in RAW or COUNT mode: counted, checked
 * (FAILPOOL_CHECK=frees), uncharged, given back to its pool or to jemalloc
 * Context: inside free (any interposed release), the thread marked busy in
 * COUNT mode; a pool block freed under the guard goes to its arena, never
 * taking a pool lock.
 */
static inline __attribute__((always_inline)) void
release_counted(void *ptr, enum fp_call call, enum mode m, const void *caller,
		const void *cfa)
{
	if (m == COUNT && fp_settings()->stats) {
		struct fp_shard *sh = fp_stats_shard();

		fp_stats_bump(sh, &sh->calls[call], 1);
	}
	if (!ptr)
		return;
	if (FP_UNLIKELY(fp_heapcheck_on))	/* before jemalloc can see it */
		fp_heapcheck_free(ptr, call, caller, cfa, m == COUNT);
	/* A report's live bytes: the block's usable size as jemalloc counts the free. */
	if (m == COUNT && fp_settings()->live_after_free && fp_je_freed && !fp_pool_of(ptr)) {
		uint64_t before = *fp_je_freed;

		fp_je.free(ptr);
		fp_policy_uncharge(&fp_process_policy, *fp_je_freed - before);
		return;
	}
	if (m == RAW || fp_settings()->track_live)
		fp_policy_uncharge(&fp_process_policy, fp_je.usable(ptr));
	if (m == COUNT)
		fp_pooled_give_back(ptr);
	else if (fp_pool_of(ptr))
		fp_je_arena_free(ptr);	/* under the guard: no pool lock taken */
	else
		fp_je.free(ptr);
}

/**
 * release_raw() - a free under the guard or before boot.
 * Context: inside free, under the reentrancy guard or before boot.
 */
static FP_COLD void release_raw(void *ptr, enum fp_call call, const void *caller,
				const void *cfa)
{
	release_counted(ptr, call, RAW, caller, cfa);
}

/**
 * release() - the free of every interposed release function
 * Context: inside free, maybe before constructors, maybe in a signal
 * handler of the program.
 */
static void release(void *ptr, enum fp_call call, const void *caller,
		    const void *cfa)
{
	enum mode m = mode();
	struct fp_thread *t;

	if (m == PASS) {
		fp_je.free(ptr);
		return;
	}
	if (m == RAW) {
		release_raw(ptr, call, caller, cfa);
		return;
	}
	t = fp_thread_enter();
	release_counted(ptr, call, COUNT, caller, cfa);
	fp_thread_leave(t);
}

/**
 * count_resize() - a counted realloc: admitted, moved across pools,
 * injected or forwarded
 * Context: inside realloc, COUNT mode, the thread marked busy; may take a
 * pool's lock (fp_pooled_move()).
 */
static inline __attribute__((always_inline)) void *count_resize(struct fp_req *r, void *ptr)
{
	struct fp_pool *pool, *old_pool;
	struct fp_shard *sh;
	uint64_t old, want, seq;
	void *q;

	sh = fp_settings()->stats ? fp_stats_shard() : NULL;
	old = want = 0;
	if (fp_settings()->track_live) {
		old = fp_je.usable(ptr);
		want = usable_for(r->size, 0);
	}
	old_pool = fp_pool_of(ptr);
	if (old_pool && r->size <= old_pool->size) {
		/* An element holds size bytes: realloc within it stays in place. */
		admit(r, sh, 0, 0);
		fp_req_succeeded(r, sh);
		return ptr;
	}
	/* Only growth can take the heap over FAILPOOL_LIMIT. */
	seq = admit(r, sh, want > old ? want - old : 0, 1);
	pool = fp_npools ? fp_pooled_pool(r) : NULL;
	if (FP_UNLIKELY(pool || old_pool))
		return fp_pooled_move(r, sh, seq, ptr, pool, old);
	if (seq)
		return fp_req_inject(r, seq);	/* the old block stays untouched */
	q = fp_je.realloc(ptr, r->size);
	if (!q)
		return fp_req_failed(r, sh);
	if (fp_settings()->track_live)
		fp_req_settle(r->charged, (int64_t)fp_je.usable(q) - (int64_t)old);
	fp_req_succeeded(r, sh);
	return q;
}

/**
 * resize_in() - realloc of @ptr in mode @m
 * Context: inside realloc, maybe before constructors, maybe in a signal
 * handler of the program.
 */
static inline __attribute__((always_inline)) void *resize_in(struct fp_req *r, void *ptr,
							       enum mode m)
{
	struct fp_thread *t;
	uint64_t old;
	void *q;

	switch (m) {
	case PASS:
		q = fp_je.realloc(ptr, r->size);
		if (!q)
			errno = ENOMEM;
		return q;
	case RAW:
		old = fp_je.usable(ptr);
		q = fp_je.realloc(ptr, r->size);
		if (q)
			fp_req_settle(old, (int64_t)fp_je.usable(q));
		else
			errno = ENOMEM;
		return q;
	case COUNT:
		break;
	}
	t = fp_thread_enter();
	q = count_resize(r, ptr);
	fp_thread_leave(t);
	return q;
}

/**
 * resize() - with FAILPOOL_CHECK=frees, @ptr is checked before jemalloc
 * sees it.
 * Context: inside realloc, maybe before constructors, maybe in a signal
 * handler of the program.
 */
static inline __attribute__((always_inline)) void *resize(struct fp_req *r, void *ptr)
{
	enum mode m = mode();
	int held;
	void *q;

	if (m == PASS || FP_LIKELY(!fp_heapcheck_on))
		return resize_in(r, ptr, m);
	held = fp_heapcheck_take(ptr, r->call, r->caller, r->cfa, m == COUNT);
	q = resize_in(r, ptr, m);
	if (held || q)
		fp_heapcheck_settle(ptr, q, r->size, r->site);
	return q;
}

void *fp_alloc_malloc(size_t size, const void *caller)
{
	struct fp_req r = { .call = FP_CALL_MALLOC, .size = size, .caller = caller,
			 .cfa = __builtin_dwarf_cfa() };

	return allocate(&r);
}

void *fp_alloc_calloc(size_t n, size_t size, const void *caller)
{
	struct fp_req r = { .call = FP_CALL_CALLOC, .n = n, .elem = size,
			 .caller = caller,
			 .cfa = __builtin_dwarf_cfa() };

	if (__builtin_mul_overflow(n, size, &r.size))
		return refuse(&r, ENOMEM);
	return allocate(&r);
}

void *fp_alloc_realloc(void *ptr, size_t size, enum fp_call call,
		       const void *caller)
{
	struct fp_req r = { .call = call, .size = size, .caller = caller,
			 .cfa = __builtin_dwarf_cfa() };

	if (!ptr)
		return allocate(&r);
	if (!size) {
		/* glibc frees and returns NULL, leaving errno alone. */
		release(ptr, call, caller, r.cfa);
		return NULL;
	}
	return resize(&r, ptr);
}

void *fp_alloc_reallocarray(void *ptr, size_t n, size_t size,
			    const void *caller)
{
	struct fp_req r = { .call = FP_CALL_REALLOCARRAY, .caller = caller,
			 .cfa = __builtin_dwarf_cfa() };

	if (__builtin_mul_overflow(n, size, &r.size))
		return refuse(&r, ENOMEM);
	return fp_alloc_realloc(ptr, r.size, FP_CALL_REALLOCARRAY, caller);
}

void fp_alloc_free(void *ptr, enum fp_call call, const void *caller,
		  const void *cfa)
{
	release(ptr, call, caller, cfa);
}

/* memalign(3) as glibc 2.36's _mid_memalign treats its alignment. */
void *fp_alloc_memalign(size_t align, size_t size, enum fp_call call,
			const void *caller)
{
	struct fp_req r = { .call = call, .size = size, .caller = caller,
			 .cfa = __builtin_dwarf_cfa() };

	if (align <= sizeof(void *)) {
		r.align = 0;
	} else if (align <= GLIBC_MALLOC_ALIGNMENT) {
		/* glibc's malloc is 16-aligned; jemalloc's is not for tiny sizes. */
		r.align = GLIBC_MALLOC_ALIGNMENT;
	} else if (align > SIZE_MAX / 2 + 1) {
		return refuse(&r, EINVAL);
	} else {
		r.align = GLIBC_MINSIZE;
		while (r.align < align)
			r.align <<= 1;
	}
	return allocate(&r);
}

void *fp_alloc_pvalloc(size_t size, const void *caller)
{
	struct fp_req r = { .call = FP_CALL_PVALLOC, .caller = caller,
			 .cfa = __builtin_dwarf_cfa() };
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (__builtin_add_overflow(size, page - 1, &r.size))
		return refuse(&r, ENOMEM);
	r.size &= ~(page - 1);
	if (!r.size)
		r.size = page;
	return fp_alloc_memalign(page, r.size, FP_CALL_PVALLOC, caller);
}

int fp_alloc_posix_memalign(void **out, size_t align, size_t size,
			    const void *caller)
{
	struct fp_req r = { .call = FP_CALL_POSIX_MEMALIGN, .size = size,
			 .align = align, .caller = caller,
			 .cfa = __builtin_dwarf_cfa() };
	int saved = errno;
	void *p;

	if (align % sizeof(void *) || !is_pow2(align / sizeof(void *))) {
		refuse(&r, EINVAL);
		errno = saved;		/* glibc returns EINVAL without setting errno */
		return EINVAL;
	}
	p = allocate(&r);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

size_t fp_alloc_usable_size(void *ptr)
{
	if (mode() == COUNT && fp_settings()->stats) {
		struct fp_thread *t = fp_thread_enter();
		struct fp_shard *sh = fp_stats_shard();

		fp_stats_bump(sh, &sh->calls[FP_CALL_MALLOC_USABLE_SIZE], 1);
		fp_thread_leave(t);
	}
	return ptr ? fp_je.usable(ptr) : 0;
}

void *fp_alloc_new(size_t size, size_t align, enum fp_call call,
		   const void *caller, const void *cfa)
{
	struct fp_req r = { .call = call, .size = size, .caller = caller,
			 .cfa = cfa,
			 .align = align > sizeof(void *) ? align : 0 };

	return allocate(&r);
}

void fp_alloc_new_refused(enum fp_call call)
{
	struct fp_req r = { .call = call };
	int saved = errno;

	refuse(&r, EINVAL);
	errno = saved;		/* libstdc++ never reaches the allocator */
}
