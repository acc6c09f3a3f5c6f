/*
 * What may fail, through the seams (tests/unit/fake-je.c's size classes
 * are exact, so limits are checked to the byte): the hook table's two
 * shapes, FAILPOOL_LIMIT at its boundary (README, "What fails, exactly"),
 * FAILPOOL_CALLS keeping other entry points out, an aligned operator new
 * refused on its argument counted but never eligible, FAILPOOL_ENABLE=0
 * until the toggle.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hooks.h"
#include "policy.h"
#include "settings.h"
#include "fake-je.h"
#include "../tap.h"
#include "booted.h"

static uint64_t live(void)
{
	return atomic_load(&fp_process_policy.live);
}

static void pass_hooks(void)
{
	unsigned mallocs = fake_je.mallocs;
	void *p, *q;

	boot_with("FAILPOOL_RATE=0");
	ok(fp_hooks.malloc == fp_je.malloc && fp_hooks.calloc == fp_je.calloc &&
	   fp_hooks.free == fp_je.free, "passthrough: malloc, calloc, free jump to jemalloc");
	ok(fp_hooks.pass_alloc && fp_hooks.pass_free, "... and the C++ operators go straight");
	p = fp_hooks.realloc(NULL, 10);
	is_int(fake_je.mallocs - mallocs, 1, "realloc(NULL, 10): a malloc");
	errno = 66;
	ok(fp_hooks.realloc(p, 0) == NULL && errno == 66 && fake_je.live == 0,
	   "realloc(p, 0): freed, NULL, errno untouched");
	p = fp_hooks.malloc(32);
	memset(p, 0x33, 32);
	fake_je.fail_next = 1;
	errno = 0;
	q = fp_hooks.realloc(p, 4000);
	ok(!q && errno == ENOMEM && ((unsigned char *)p)[31] == 0x33,
	   "jemalloc refuses the growth: NULL, ENOMEM, the block kept");
	fp_hooks.free(p);
}

static void limit(void)
{
	void *a, *b, *c;

	boot_with("FAILPOOL_LIMIT=1K FAILPOOL_DEPTH=1");
	ok(fp_hooks.malloc != fp_je.malloc && !fp_hooks.pass_free,
	   "LIMIT: live bytes are kept, nothing jumps past the slow hooks");
	a = fp_alloc_malloc(1000, SITE_A);
	is_u64(live(), 1008, "malloc(1000): 1008 bytes live");
	b = fp_alloc_malloc(16, SITE_A);
	ok(b != NULL, "malloc(16) to exactly 1024 live: served");
	is_u64(live(), 1024, "... 1024 live");
	errno = 0;
	ok(!fp_alloc_malloc(1, SITE_A) && errno == ENOMEM, "malloc(1) past 1K: ENOMEM");
	is_u64(atomic_load(&fp_process_policy.injected), 1, "... an injected failure");
	memset(a, 0x44, 1000);
	errno = 0;
	ok(!fp_alloc_realloc(a, 1010, FP_CALL_REALLOC, SITE_A) && errno == ENOMEM,
	   "realloc growing by one class past 1K: ENOMEM");
	ok(((unsigned char *)a)[999] == 0x44 && fp_je.usable(a) == 1008,
	   "... the block kept as it was");
	is_u64(live(), 1024, "... live bytes unchanged");
	c = fp_alloc_realloc(a, 500, FP_CALL_REALLOC, SITE_A);
	ok(c != NULL, "realloc shrinking: served");
	is_u64(live(), 528, "... 512 + 16 live");
	fp_alloc_free(b, FP_CALL_FREE, SITE_A, NULL);
	fp_alloc_free(c, FP_CALL_FREE, SITE_A, NULL);
	is_u64(live(), 0, "all freed: nothing live");
	is_u64(atomic_load(&fp_process_policy.peak), 1024, "the peak: 1024");
}

static void calls(void)
{
	void *p;

	boot_with("FAILPOOL_NTH=1 FAILPOOL_CALLS=calloc FAILPOOL_DEPTH=1");
	p = fp_alloc_malloc(10, SITE_A);
	ok(p != NULL, "CALLS=calloc: malloc is not eligible, served");
	fp_alloc_free(p, FP_CALL_FREE, SITE_A, NULL);
	p = fp_alloc_new(10, 0, FP_CALL_NEW, SITE_A, NULL);
	ok(p != NULL, "... operator new neither");
	fp_alloc_free(p, FP_CALL_DELETE, SITE_A, NULL);
	errno = 0;
	ok(!fp_alloc_calloc(1, 10, SITE_A) && errno == ENOMEM,
	   "... calloc is: the first eligible call fails");
	is_u64(atomic_load(&fp_process_policy.eligible), 1, "1 eligible call in all");
}

static void new_refused(void)
{
	void *p;

	boot_with("FAILPOOL_NTH=2 FAILPOOL_CALLS=new FAILPOOL_DEPTH=1");
	p = fp_alloc_new(24, 0, FP_CALL_NEW, SITE_A, NULL);
	ok(p != NULL, "NTH=2: the first new is served");
	errno = 88;
	fp_alloc_new_refused(FP_CALL_NEW);
	is_int(errno, 88, "an alignment that is no power of two: refused, errno untouched");
	is_u64(atomic_load(&fp_process_policy.eligible), 1, "... and not eligible");
	ok(!fp_alloc_new(24, 0, FP_CALL_NEW, SITE_A, NULL), "the second new is the second eligible: fails");
	fp_alloc_free(p, FP_CALL_DELETE, SITE_A, NULL);
}

/* FAILPOOL_ENABLE=0: nothing eligible until the toggle flips fp_enabled. */
static void enable(void)
{
	void *p;

	boot_with("FAILPOOL_ENABLE=0 FAILPOOL_NTH=1 FAILPOOL_DEPTH=1");
	p = fp_alloc_malloc(10, SITE_A);
	ok(p != NULL, "ENABLE=0: NTH=1 fails nothing");
	is_u64(atomic_load(&fp_process_policy.eligible), 0, "... nothing eligible");
	atomic_store(&fp_enabled, 1);
	errno = 0;
	ok(!fp_alloc_malloc(10, SITE_A) && errno == ENOMEM,
	   "enabled (as the toggle signal does): the first eligible call fails");
	fp_alloc_free(p, FP_CALL_FREE, SITE_A, NULL);
}

int main(void)
{
	in_child("passthrough hooks", pass_hooks);
	in_child("LIMIT", limit);
	in_child("CALLS", calls);
	in_child("aligned new refused", new_refused);
	in_child("ENABLE", enable);
	return done_testing();
}
