/*
 * FAILPOOL_CHECK=frees (see heapcheck.h). One entry per block address the
 * heap has handed out:
 *   key    the address (0: empty slot); set once by CAS, never cleared, so
 *          a lookup needs no lock (a copy in a newer table hides it)
 *   word   requested size << 2 | state: LIVE, FREED, or TAKEN while a
 *          realloc of the block is under way
 *   sites  where it was allocated and, once FREED, where it was freed
 * A correct program touches an entry only from the thread that owns the
 * block, and jemalloc's own hand-over orders one owner after the next; so
 * the only contended operation is claiming an empty slot. A block is
 * marked freed before it goes back to jemalloc (and TAKEN before a
 * realloc may free it), so another thread handed the same address next
 * always finds the entry already released.
 */
#include "config.h"
#include "heapcheck.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fp.h"
#include "guard.h"
#include "je.h"
#include "prng.h"
#include "say.h"
#include "site.h"
#include "unwind.h"

enum { FREED, LIVE, TAKEN };
#define STATE(w)	((unsigned)((w) & 3))
#define SIZE(w)		((size_t)((w) >> 2))
#define WORD(size, st)	((uint64_t)(size) << 2 | (st))

struct entry {
	_Atomic uintptr_t key;
	_Atomic uint64_t word;
	struct fp_site *_Atomic alloc_site;
	struct fp_site *_Atomic free_site;
};

struct table {
	size_t mask;			/* slots - 1 */
	_Atomic size_t used;		/* slots claimed */
	struct entry e[];
};

/*
 * The blocks of one 2 MiB region of the address space: its tables, newest
 * last. jemalloc gives each thread an arena and each arena its own extents,
 * so threads record into different regions' tables and do not pull each
 * other's cache lines (one table for the whole heap was 3.4x slower with
 * two threads than one: every probe met lines the other core had written).
 */
#define REGION_SHIFT	21
#define FIRST_BITS	10		/* 1024 slots (32 KiB) per region at first */
#define TABLES_MAX	16		/* the last would have 2^25 slots */

struct map {
	struct table *_Atomic tables[TABLES_MAX];
	_Atomic unsigned ntables;
};

/* Region number + 1 -> its map; insert-only, read-mostly. */
#define DIR_BITS	16		/* 65536 regions: a 128 GiB heap */
static struct region {
	_Atomic uintptr_t key;
	struct map *_Atomic map;
} dir[1 << DIR_BITS];

static _Atomic int lost;		/* a block could not be recorded */
int fp_heapcheck_on;

static struct fp_heapcheck_fault fault;
static _Atomic int faulted;		/* 1: being written, 2: complete */

/**
 * say() - @msg on stderr
 * Context: any, async-signal-safe (fp_say()).
 */
static void say(const char *msg, size_t len)
{
	fp_say(msg, len);
}

/**
 * table_new() - a zeroed table of 2^@bits entries from the shim's own
 * arena
 * Context: inside malloc or free with FAILPOOL_CHECK=frees, lock-free; the
 * allocation is the shim's (never the program's heap).
 */
static struct table *table_new(unsigned bits)
{
	size_t slots = (size_t)1 << bits;
	struct table *t = fp_je_own_alloc(sizeof(*t) + slots * sizeof(struct entry));

	if (t)
		t->mask = slots - 1;	/* zeroed: every slot empty */
	return t;
}

/*
 * Add table @n (twice the size of table n-1) to @m. Threads that race here
 * each build one; the first to publish wins. No flag is held meanwhile, so
 * a fork at any moment leaves the child able to grow.
 */
static void grow(struct map *m, unsigned n)
{
	int saved = errno;	/* a successful malloc leaves errno alone */
	struct table *t = NULL, *none = NULL;
	unsigned at = n;

	if (n >= TABLES_MAX)
		return;
	if (!atomic_load_explicit(&m->tables[n], memory_order_acquire)) {
		t = table_new(FIRST_BITS + n);
		if (t && !atomic_compare_exchange_strong(&m->tables[n], &none, t))
			fp_je_own_free(t);
	}
	if (atomic_load_explicit(&m->tables[n], memory_order_acquire))
		atomic_compare_exchange_strong(&m->ntables, &at, n + 1);
	errno = saved;
}

/* The last region this thread looked up: a program works in few at a time. */
static __thread uintptr_t last_region __attribute__((tls_model("initial-exec")));
static __thread struct map *last_map __attribute__((tls_model("initial-exec")));

/**
 * region() - the map of @key's region; created when @create, else NULL
 * when none.
 * Context: inside malloc or free with FAILPOOL_CHECK=frees, lock-free;
 * creating a map allocates from the shim's own arena.
 */
static struct map *region(uintptr_t key, int create)
{
	uintptr_t want = (key >> REGION_SHIFT) + 1;
	uint64_t h = fp_mix64(want);

	if (FP_LIKELY(want == last_region))
		return last_map;

	for (unsigned i = 0; i < (1u << DIR_BITS); i++) {
		struct region *r = &dir[(h + i) & ((1u << DIR_BITS) - 1)];
		uintptr_t k = atomic_load_explicit(&r->key, memory_order_acquire);
		struct map *m, *none = NULL;

		if (!k) {
			if (!create)
				return NULL;
			if (!atomic_compare_exchange_strong(&r->key, &k, want) && k != want)
				continue;
		} else if (k != want) {
			continue;
		}
		m = atomic_load_explicit(&r->map, memory_order_acquire);
		if (m) {
			last_region = want;	/* a region's map never changes */
			last_map = m;
		}
		if (m || !create)
			return m;
		if (!(m = fp_je_own_alloc(sizeof(*m))))
			return NULL;
		grow(m, 0);
		if (!atomic_load(&m->ntables)) {
			fp_je_own_free(m);
			return NULL;
		}
		if (atomic_compare_exchange_strong(&r->map, &none, m))
			return m;
		fp_je_own_free(m->tables[0]);
		fp_je_own_free(m);
		return none;
	}
	return NULL;
}

/**
 * find_in() - @key's entry in @m, newest table first; *@in: which table.
 * Context: inside malloc or free with FAILPOOL_CHECK=frees, lock-free.
 */
static struct entry *find_in(struct map *m, uintptr_t key, uint64_t h, unsigned *in)
{
	unsigned n = atomic_load_explicit(&m->ntables, memory_order_acquire);

	while (n--) {
		struct table *t = atomic_load_explicit(&m->tables[n], memory_order_acquire);

		for (size_t i = h;; i++) {
			struct entry *e = &t->e[i & t->mask];
			uintptr_t k = atomic_load_explicit(&e->key, memory_order_acquire);

			if (k == key) {
				*in = n;
				return e;
			}
			if (!k)
				break;
		}
	}
	return NULL;
}

/**
 * find() - @key's entry, or NULL when it was never recorded
 * Context: inside malloc or free with FAILPOOL_CHECK=frees, lock-free.
 */
static struct entry *find(uintptr_t key)
{
	struct map *m = region(key, 0);
	unsigned in;

	return m ? find_in(m, key, fp_mix64(key), &in) : NULL;
}

/*
 * A fresh entry for @key, which is being handed out: its entry in the
 * newest table of its region, made there when it is only in an older one
 * (whose copy the new one hides from then on: lookups go newest first), so
 * that the blocks in use gather in one table and a lookup probes one.
 */
static struct entry *find_or_insert(uintptr_t key)
{
	struct map *m = region(key, 1);
	uint64_t h = fp_mix64(key);
	struct entry *e;
	unsigned in;

	if (!m)
		return NULL;
	e = find_in(m, key, h, &in);
	if (e && in + 1 == atomic_load_explicit(&m->ntables, memory_order_acquire))
		return e;
	for (;;) {
		unsigned n = atomic_load_explicit(&m->ntables, memory_order_acquire);
		struct table *t = atomic_load_explicit(&m->tables[n - 1], memory_order_acquire);
		size_t slots = t->mask + 1, used;

		/* Past 7/8 full, probes get long: only a new table will do. */
		if (atomic_load_explicit(&t->used, memory_order_relaxed) >= slots - slots / 8) {
			grow(m, n);
			if (atomic_load_explicit(&m->ntables, memory_order_acquire) == n)
				return NULL;
			continue;
		}
		for (size_t i = h;; i++) {
			uintptr_t k;

			e = &t->e[i & t->mask];
			k = atomic_load_explicit(&e->key, memory_order_acquire);
			if (k == key)
				return e;
			if (k || !atomic_compare_exchange_strong(&e->key, &k, key)) {
				if (k == key)
					return e;
				continue;
			}
			used = atomic_fetch_add_explicit(&t->used, 1, memory_order_relaxed) + 1;
			/* Half full: the next table now (and retry now and then if that failed). */
			if (used == slots / 2 || (used > slots / 2 && !(used & 1023)))
				grow(m, n);
			return e;
		}
	}
}

int fp_heapcheck_init(void)
{
	fp_heapcheck_on = 1;	/* memory is taken region by region, as blocks come */
	return 0;
}

int fp_heapcheck_record(void *p, size_t size, struct fp_site *site)
{
	static const char msg[] = "failpool: FAILPOOL_CHECK: the block record is out of memory; frees of unknown pointers are no longer checked\n";
	uintptr_t key = (uintptr_t)p;
	struct entry *e = find_or_insert(key);

	if (!e) {
		if (!atomic_exchange(&lost, 1))
			say(msg, sizeof(msg) - 1);
		return -ENOMEM;
	}
	atomic_store_explicit(&e->alloc_site, site, memory_order_relaxed);
	atomic_store_explicit(&e->free_site, NULL, memory_order_relaxed);
	atomic_store_explicit(&e->word, WORD(size, LIVE), memory_order_release);
	return 0;
}

void fp_heapcheck_alloc(void *p, size_t size, struct fp_site *site)
{
	fp_heapcheck_record(p, size, site);
}

/*
 * Move @key's entry from LIVE to @to. Return: the entry; or NULL with the
 * verdict in @f (OK for an unknown pointer once blocks have been lost).
 */
static struct entry *claim(uintptr_t key, unsigned to, struct fp_heapcheck_fault *f)
{
	struct entry *e = find(key);
	uint64_t w;

	memset(f, 0, sizeof(*f));
	f->ptr = (const void *)key;
	if (!e) {
		f->kind = atomic_load(&lost) ? FP_HEAPCHECK_OK : FP_HEAPCHECK_INVALID_FREE;
		return NULL;
	}
	w = atomic_load_explicit(&e->word, memory_order_acquire);
	while (STATE(w) == LIVE)
		if (atomic_compare_exchange_weak_explicit(&e->word, &w, WORD(SIZE(w), to),
							  memory_order_acq_rel,
							  memory_order_acquire))
			return e;
	/* FREED, or TAKEN by a realloc under way in another thread. */
	f->kind = FP_HEAPCHECK_DOUBLE_FREE;
	f->size = SIZE(w);
	f->alloc_site = atomic_load_explicit(&e->alloc_site, memory_order_relaxed);
	f->free_site = atomic_load_explicit(&e->free_site, memory_order_relaxed);
	return NULL;
}

enum fp_heapcheck_verdict fp_heapcheck_release(void *p, struct fp_site *site,
					       struct fp_heapcheck_fault *f)
{
	struct entry *e = claim((uintptr_t)p, FREED, f);

	if (!e)
		return f->kind;
	atomic_store_explicit(&e->free_site, site, memory_order_relaxed);
	return FP_HEAPCHECK_OK;
}

/**
 * describe() - "object+0xoff function+0xoff" of frame @f.
 * Context: bad()'s message, under the reentrancy guard: naming a frame may
 * allocate from the shim's arena.
 */
static void describe(char *buf, size_t size, struct fp_frame_info *f)
{
	const char *name;
	int n;

	if (!f) {
		snprintf(buf, size, "an unknown place");
		return;
	}
	n = snprintf(buf, size, "%s+0x%llx", f->object, (unsigned long long)f->offset);
	fp_frame_name(f);
	name = fp_frame_named(f) ? (f->demangled ? f->demangled : f->function) : NULL;
	if (n > 0 && (size_t)n < size && name)
		snprintf(buf + n, size - (size_t)n, " %s+0x%llx", name,
			 (unsigned long long)f->function_offset);
}

/**
 * name_all() - name each of @n @frames for the crash record
 * Context: bad(), under the reentrancy guard (naming may allocate from the
 * shim's arena); never a signal handler.
 */
static void name_all(struct fp_frame_info *const *frames, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		fp_frame_name(frames[i]);
}

/**
 * innermost() - the innermost frame of @site, when known.
 * Context: any (reads a published site).
 */
static struct fp_frame_info *innermost(const struct fp_site *site)
{
	return site && site->n ? site->frames[0] : NULL;
}

/**
 * call_label() - the call a bad free was made with, as the message names
 * it
 * Context: any (constant strings).
 */
static const char *call_label(enum fp_call call)
{
	switch (call) {
	case FP_CALL_DELETE:		return "operator delete";
	case FP_CALL_DELETE_ARRAY:	return "operator delete[]";
	case FP_CALL_REALLOC:		return "realloc()";
	case FP_CALL_REALLOCARRAY:	return "reallocarray()";
	default:			return "free()";
	}
}

/*
 * A bad free: say so, keep the record for the crash handler, abort.
 * Context: the program's free; naming frames may allocate (under the guard).
 */
static FP_COLD __attribute__((noreturn)) void bad(struct fp_heapcheck_fault *f,
						   enum fp_call call,
						   const void *caller)
{
	char msg[1024], where[400], alloc[400], freed[400];
	const void *ips[FP_CRASH_FRAMES];
	unsigned n;
	int len;

	/* Another thread is already ending the process for its own bad free. */
	if (atomic_exchange(&faulted, 1))
		for (;;)
			pause();
	fp_guard_enter();
	f->call = call;
	n = fp_unwind_capture(caller, ips, FP_CRASH_FRAMES);
	for (unsigned i = 0; i < n; i++)
		if ((f->frames[f->nframes] = fp_frame_get(ips[i])))
			f->nframes++;
	describe(where, sizeof(where), f->nframes ? f->frames[0] : NULL);
	if (f->kind == FP_HEAPCHECK_DOUBLE_FREE) {
		describe(alloc, sizeof(alloc), innermost(f->alloc_site));
		describe(freed, sizeof(freed), innermost(f->free_site));
		len = snprintf(msg, sizeof(msg),
			       "failpool: %s: double free of %p (%zu bytes allocated at %s, first freed at %s), freed again at %s\n",
			       call_label(call), f->ptr, f->size, alloc, freed, where);
	} else {
		len = snprintf(msg, sizeof(msg),
			       "failpool: %s: invalid pointer %p (not a block the heap returned) at %s\n",
			       call_label(call), f->ptr, where);
	}
	if (len > 0)
		say(msg, (size_t)len < sizeof(msg) ? (size_t)len : sizeof(msg) - 1);
	/* Named now, while naming is allowed: the crash record names nothing itself. */
	name_all(f->frames, f->nframes);
	if (f->kind == FP_HEAPCHECK_DOUBLE_FREE) {
		if (f->alloc_site)
			name_all(f->alloc_site->frames, f->alloc_site->n);
		if (f->free_site)
			name_all(f->free_site->frames, f->free_site->n);
	}
	fault = *f;
	atomic_store_explicit(&faulted, 2, memory_order_release);
	fp_guard_leave();
	abort();
}

void fp_heapcheck_free(void *p, enum fp_call call, const void *caller,
		       const void *cfa, int strict)
{
	struct fp_heapcheck_fault f;
	struct entry *e = claim((uintptr_t)p, FREED, &f);

	if (e)
		atomic_store_explicit(&e->free_site,
				      strict ? fp_site_lookup(caller, cfa) : NULL,
				      memory_order_relaxed);
	else if (strict && f.kind != FP_HEAPCHECK_OK)
		bad(&f, call, caller);
}

int fp_heapcheck_take(void *p, enum fp_call call, const void *caller,
		      const void *cfa, int strict)
{
	struct fp_heapcheck_fault f;

	if (claim((uintptr_t)p, TAKEN, &f))
		return 1;
	if (strict && f.kind != FP_HEAPCHECK_OK)
		bad(&f, call, caller);
	return 0;
}

void fp_heapcheck_settle(void *p, void *q, size_t size, struct fp_site *site)
{
	struct entry *e = find((uintptr_t)p);
	uint64_t w;

	if (e && q != p) {
		w = atomic_load_explicit(&e->word, memory_order_acquire);
		atomic_store_explicit(&e->free_site, site, memory_order_relaxed);
		/*
		 * Moved: @p went back to jemalloc inside realloc, and another
		 * thread may have been handed it since; only a TAKEN entry is ours.
		 */
		if (STATE(w) == TAKEN)
			atomic_compare_exchange_strong(&e->word, &w,
						       WORD(SIZE(w), q ? FREED : LIVE));
	}
	if (q == p && e) {
		atomic_store_explicit(&e->alloc_site, site, memory_order_relaxed);
		atomic_store_explicit(&e->word, WORD(size, LIVE), memory_order_release);
	} else if (q) {
		fp_heapcheck_record(q, size, site);
	}
}

const struct fp_heapcheck_fault *fp_heapcheck_fault(void)
{
	return atomic_load_explicit(&faulted, memory_order_acquire) == 2 ? &fault : NULL;
}

/**
 * copy_site() - @s's frames into @dst, at most FP_CRASH_FRAMES
 * Context: signal handler (the crash handler, through
 * fp_heapcheck_explain()): no lock, no allocation.
 */
static unsigned copy_site(struct fp_frame_info **dst, const struct fp_site *s)
{
	unsigned n = s ? s->n : 0;

	if (n > FP_CRASH_FRAMES)
		n = FP_CRASH_FRAMES;
	for (unsigned i = 0; i < n; i++)
		dst[i] = s->frames[i];
	return n;
}

void fp_heapcheck_explain(struct fp_ending *end)
{
	const struct fp_heapcheck_fault *f = fp_heapcheck_fault();

	if (!f || end->sig != SIGABRT)
		return;
	end->kind = f->kind == FP_HEAPCHECK_DOUBLE_FREE ? FP_CRASH_DOUBLE_FREE
							: FP_CRASH_INVALID_FREE;
	/* The bad call's stack, not abort's: no frame of the shim's. */
	end->nframes = f->nframes;
	memcpy(end->frames, f->frames, f->nframes * sizeof(f->frames[0]));
	if (f->kind == FP_HEAPCHECK_DOUBLE_FREE) {
		end->nalloc_frames = copy_site(end->alloc_frames, f->alloc_site);
		end->nfree_frames = copy_site(end->free_frames, f->free_site);
	}
}
