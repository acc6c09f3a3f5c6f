/*
 * lib/alloc.c's argument rules, through the allocation path's boot seam
 * (fp_alloc_boot() in alloc.h; doc/ARCHITECTURE.md): this test is what
 * assembles lib/ here, and its boot never makes the process ready, so every
 * call takes the raw treatment (served by jemalloc, live bytes kept), as
 * calls before the shim's boot do. glibc's rules hold there too: overflow
 * and bad alignments refused with glibc's errno, memalign's and pvalloc's
 * rounding, realloc(p, 0) freeing.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "alloc.h"
#include "policy.h"
#include "../tap.h"

static unsigned boots;

/* The seam: the first allocation asks to boot; "not yet", every time. */
int fp_alloc_boot(void)
{
	boots++;
	return 0;
}

#define HERE	__builtin_return_address(0)

static uint64_t live(void)
{
	return atomic_load(&fp_process_policy.live);
}

static int aligned(const void *p, size_t a)
{
	return p && ((uintptr_t)p & (a - 1)) == 0;
}

int main(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t before = live();
	void *p, *q;
	int rc;

	p = fp_alloc_malloc(100, HERE);
	ok(p != NULL, "malloc(100) before boot: a block");
	ok(boots >= 1, "... the allocation path asked the seam to boot");
	is_u64(live() - before, fp_je.usable(p), "... its usable bytes are live");
	fp_alloc_free(p, FP_CALL_FREE, HERE, NULL);
	is_u64(live(), before, "free: live bytes back where they were");

	errno = 0;
	ok(fp_alloc_calloc(SIZE_MAX / 2 + 1, 2, HERE) == NULL && errno == ENOMEM,
	   "calloc overflowing size_t: NULL, ENOMEM");
	errno = 0;
	ok(fp_alloc_reallocarray(NULL, SIZE_MAX, 2, HERE) == NULL && errno == ENOMEM,
	   "reallocarray overflowing size_t: NULL, ENOMEM");
	errno = 0;
	ok(fp_alloc_pvalloc(SIZE_MAX - 1, HERE) == NULL && errno == ENOMEM,
	   "pvalloc rounding past size_t: NULL, ENOMEM");

	errno = 1234;
	p = NULL;
	rc = fp_alloc_posix_memalign(&p, 24, 10, HERE);
	ok(rc == EINVAL && p == NULL && errno == 1234,
	   "posix_memalign(24): EINVAL returned, errno untouched, *out untouched");
	rc = fp_alloc_posix_memalign(&p, 4, 10, HERE);
	is_int(rc, EINVAL, "posix_memalign(4), not a multiple of sizeof(void *): EINVAL");
	rc = fp_alloc_posix_memalign(&p, 256, 10, HERE);
	ok(rc == 0 && aligned(p, 256), "posix_memalign(256): 0, a 256-aligned block");
	fp_alloc_free(p, FP_CALL_FREE, HERE, NULL);

	errno = 0;
	ok(fp_alloc_memalign(SIZE_MAX / 2 + 2, 1, FP_CALL_MEMALIGN, HERE) == NULL &&
	   errno == EINVAL, "memalign beyond SIZE_MAX / 2 + 1: NULL, EINVAL");
	p = fp_alloc_memalign(40, 1, FP_CALL_MEMALIGN, HERE);
	ok(aligned(p, 64), "memalign(40): rounded up to a power of two, 64-aligned");
	fp_alloc_free(p, FP_CALL_FREE, HERE, NULL);
	p = fp_alloc_memalign(2, 1, FP_CALL_MEMALIGN, HERE);
	ok(aligned(p, 16), "memalign(2, 1): malloc's 16-byte alignment, as glibc");
	fp_alloc_free(p, FP_CALL_FREE, HERE, NULL);

	p = fp_alloc_pvalloc(1, HERE);
	ok(aligned(p, page) && fp_alloc_usable_size(p) >= page,
	   "pvalloc(1): a whole page, page-aligned");
	fp_alloc_free(p, FP_CALL_FREE, HERE, NULL);
	is_u64(fp_alloc_usable_size(NULL), 0, "malloc_usable_size(NULL): 0");

	p = fp_alloc_malloc(10, HERE);
	q = fp_alloc_realloc(p, 5000, FP_CALL_REALLOC, HERE);
	ok(q != NULL, "realloc(p, 5000): a block");
	is_u64(live() - before, fp_je.usable(q), "... live bytes follow the new size");
	errno = 4321;
	ok(fp_alloc_realloc(q, 0, FP_CALL_REALLOC, HERE) == NULL && errno == 4321,
	   "realloc(p, 0): frees, NULL, errno untouched");
	is_u64(live(), before, "... nothing live any more");
	fp_alloc_free(NULL, FP_CALL_FREE, HERE, NULL);
	is_u64(live(), before, "free(NULL): nothing changes");
	return done_testing();
}
