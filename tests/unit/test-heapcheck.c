/*
 * lib/heapcheck.c's record on its own: a recorded block frees once, a
 * second free is a double free naming the allocation and the first free,
 * a pointer never recorded (interior, stack, never allocated) is an
 * invalid free; an address handed out again is live again; realloc's
 * take/settle; the record grows past its first table; many threads
 * recording and freeing at once lose nothing and see no false verdict.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "heapcheck.h"
#include "hooks.h"
#include "site.h"
#include "../tap.h"

/* preload/shim.c owns the hook table; lib/ links against it. */
struct fp_hooks fp_hooks;

#define THREADS	8
#define PER_THREAD	200000

/* Fake sites: the record keeps pointers to them, never reads them. */
static struct fp_site site_a, site_b, site_c;

/* Addresses that never were blocks, distinct per test: a fake heap. */
static char heap[1 << 20] __attribute__((aligned(16)));

static void test_classify(void)
{
	struct fp_heapcheck_fault f;
	char local[16];
	void *p = heap + 64;

	is_int(fp_heapcheck_record(p, 24, &site_a), 0, "record a block");
	is_int(fp_heapcheck_release(p, &site_b, &f), FP_HEAPCHECK_OK, "its first free: ok");
	is_int(fp_heapcheck_release(p, &site_c, &f), FP_HEAPCHECK_DOUBLE_FREE, "its second free: double free");
	ok(f.ptr == p && f.size == 24, "... the fault names the block and its size");
	ok(f.alloc_site == &site_a && f.free_site == &site_b,
	   "... where it was allocated and first freed (not the second free)");
	is_int(fp_heapcheck_release(p, &site_c, &f), FP_HEAPCHECK_DOUBLE_FREE, "a third free: still a double free");

	is_int(fp_heapcheck_record(p, 8, &site_c), 0, "the same address handed out again");
	is_int(fp_heapcheck_release(p, &site_a, &f), FP_HEAPCHECK_OK, "... frees once more: ok");

	is_int(fp_heapcheck_release(heap + 72, NULL, &f), FP_HEAPCHECK_INVALID_FREE,
	       "an interior pointer (block + 8): invalid free");
	is_int(fp_heapcheck_release(local, NULL, &f), FP_HEAPCHECK_INVALID_FREE, "a stack address: invalid free");
	ok(f.ptr == local && f.alloc_site == NULL, "... the fault names it, no allocation site");
	is_int(fp_heapcheck_release(heap + 4096, NULL, &f), FP_HEAPCHECK_INVALID_FREE,
	       "an address never handed out: invalid free");
}

static void test_realloc(void)
{
	struct fp_heapcheck_fault f;
	void *p = heap + 8192, *q = heap + 16384;

	fp_heapcheck_record(p, 10, &site_a);
	is_int(fp_heapcheck_take(p, FP_CALL_REALLOC, NULL, NULL, 0), 1, "realloc takes a live block");
	is_int(fp_heapcheck_release(p, NULL, &f), FP_HEAPCHECK_DOUBLE_FREE,
	       "a free while the realloc is under way: double free");
	fp_heapcheck_settle(p, NULL, 99, &site_b);
	is_int(fp_heapcheck_release(p, &site_c, &f), FP_HEAPCHECK_OK, "a failed realloc leaves it live");

	fp_heapcheck_record(p, 10, &site_a);
	fp_heapcheck_take(p, FP_CALL_REALLOC, NULL, NULL, 0);
	fp_heapcheck_settle(p, p, 50, &site_b);
	is_int(fp_heapcheck_release(p, &site_c, &f), FP_HEAPCHECK_OK, "realloc in place: still live");
	is_int(fp_heapcheck_release(p, NULL, &f), FP_HEAPCHECK_DOUBLE_FREE, "... once");
	ok(f.size == 50 && f.alloc_site == &site_b, "... with the new size, allocated by the realloc");

	fp_heapcheck_record(p, 10, &site_a);
	fp_heapcheck_take(p, FP_CALL_REALLOC, NULL, NULL, 0);
	fp_heapcheck_settle(p, q, 70, &site_b);
	is_int(fp_heapcheck_release(p, NULL, &f), FP_HEAPCHECK_DOUBLE_FREE, "realloc that moved: the old block is freed");
	ok(f.free_site == &site_b, "... by the realloc");
	is_int(fp_heapcheck_release(q, NULL, &f), FP_HEAPCHECK_OK, "... the new block is live");
	is_int(fp_heapcheck_take(p, FP_CALL_REALLOC, NULL, NULL, 0), 0, "realloc of a freed block (lenient): not taken");
}

/* Far more blocks than the first table holds: every one still found. */
static void test_growth(void)
{
	struct fp_heapcheck_fault f;
	unsigned bad = 0, n = 100000;
	uintptr_t base = (uintptr_t)0x100000000000ULL;

	for (unsigned i = 0; i < n; i++)
		bad += fp_heapcheck_record((void *)(base + 16 * (uintptr_t)i), i, &site_a) != 0;
	is_int(bad, 0, "100000 blocks recorded (the record grew)");
	for (unsigned i = 0; i < n; i++)
		bad += fp_heapcheck_release((void *)(base + 16 * (uintptr_t)i), NULL, &f) != FP_HEAPCHECK_OK;
	is_int(bad, 0, "... each frees once");
	for (unsigned i = 0; i < n; i += 7)
		bad += fp_heapcheck_release((void *)(base + 16 * (uintptr_t)i), NULL, &f) != FP_HEAPCHECK_DOUBLE_FREE;
	is_int(bad, 0, "... and then each is a double free");
}

struct worker {
	pthread_t t;
	unsigned id, bad;
};

/*
 * Each thread records and frees its own addresses, as threads of a program
 * do, all in the same tables at once, growing them.
 */
static void *hammer(void *arg)
{
	struct worker *w = arg;
	struct fp_heapcheck_fault f;
	uintptr_t base = (uintptr_t)0x200000000000ULL + ((uintptr_t)w->id << 32);

	for (unsigned round = 0; round < 3; round++)
		for (unsigned i = 0; i < PER_THREAD / 3; i++) {
			void *p = (void *)(base + 32 * (uintptr_t)i);

			if (fp_heapcheck_record(p, i, &site_a))
				w->bad++;
			if ((i & 3) == 0)
				continue;	/* still live at the end of the round */
			if (fp_heapcheck_release(p, &site_b, &f) != FP_HEAPCHECK_OK)
				w->bad++;
		}
	return NULL;
}

static void test_threads(void)
{
	struct worker w[THREADS];
	struct fp_heapcheck_fault f;
	unsigned bad = 0, live = 0;

	for (unsigned i = 0; i < THREADS; i++) {
		w[i].id = i;
		w[i].bad = 0;
		pthread_create(&w[i].t, NULL, hammer, &w[i]);
	}
	for (unsigned i = 0; i < THREADS; i++) {
		pthread_join(w[i].t, NULL);
		bad += w[i].bad;
	}
	is_int(bad, 0, "%d threads x %d records and frees at once: no false verdict, nothing lost",
	       THREADS, PER_THREAD);
	for (unsigned t = 0; t < THREADS; t++)
		for (unsigned i = 0; i < PER_THREAD / 3; i += 4) {
			void *p = (void *)((uintptr_t)0x200000000000ULL + ((uintptr_t)t << 32) + 32 * (uintptr_t)i);

			live += fp_heapcheck_release(p, NULL, &f) == FP_HEAPCHECK_OK;
		}
	is_int(live, THREADS * ((PER_THREAD / 3 + 3) / 4), "the blocks left live are exactly the ones still live");
}

struct racer {
	pthread_t t;
	unsigned ok, doubles;
};

#define RACED	50000
static uintptr_t race_base = (uintptr_t)0x300000000000ULL;

static void *race(void *arg)
{
	struct racer *r = arg;
	struct fp_heapcheck_fault f;

	for (unsigned i = 0; i < RACED; i++) {
		enum fp_heapcheck_verdict v =
			fp_heapcheck_release((void *)(race_base + 16 * (uintptr_t)i), NULL, &f);

		r->ok += v == FP_HEAPCHECK_OK;
		r->doubles += v == FP_HEAPCHECK_DOUBLE_FREE;
	}
	return NULL;
}

/* Two threads free the same blocks at once: each block frees exactly once. */
static void test_race(void)
{
	struct racer r[2] = { { .ok = 0 }, { .ok = 0 } };

	for (unsigned i = 0; i < RACED; i++)
		fp_heapcheck_record((void *)(race_base + 16 * (uintptr_t)i), 16, &site_a);
	for (unsigned i = 0; i < 2; i++)
		pthread_create(&r[i].t, NULL, race, &r[i]);
	for (unsigned i = 0; i < 2; i++)
		pthread_join(r[i].t, NULL);
	is_int(r[0].ok + r[1].ok, RACED, "two threads free the same %d blocks at once: each frees once", RACED);
	is_int(r[0].doubles + r[1].doubles, RACED, "... and the other free of each is a double free");
}

int main(void)
{
	if (fp_heapcheck_init())
		return 1;
	test_classify();
	test_realloc();
	test_growth();
	test_threads();
	test_race();
	return done_testing();
}
