/*
 * lib/je.c's front on its own (README, "Compatibility and limits"): the
 * limit glibc meets for each overcommit mode, blocks of 16 bytes at least
 * from every entry of fp_je (the x-API bootstraps: nothing is resolved in
 * a unit test), and requests beyond a limit refused with ENOMEM, a block
 * kept when its realloc is refused.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "je.h"
#include "../tap.h"

static int aligned16(const void *p)
{
	return p && ((uintptr_t)p & 15) == 0;
}

int main(void)
{
	const uint64_t gib = (uint64_t)1 << 30;
	int bad = 0, rc;
	void *p, *q;

	is_u64(fp_je_limit_for(0, 24 * gib, 12 * gib), 24 * gib - 24,
	       "mode 0: RAM plus swap, less glibc's rounding and header");
	is_u64(fp_je_limit_for(2, 24 * gib, 12 * gib), 12 * gib - 24, "mode 2: CommitLimit");
	is_u64(fp_je_limit_for(1, 24 * gib, 12 * gib), SIZE_MAX, "mode 1: no limit");
	is_u64(fp_je_limit_for(7, 24 * gib, 12 * gib), SIZE_MAX, "an unknown mode: no limit");
	is_u64(fp_je_limit_for(0, 10, 0), 0, "mode 0 with nothing: everything refused");

	for (size_t n = 0; n <= 16; n++) {
		void *b[8];

		for (int i = 0; i < 8; i++)
			bad += !aligned16(b[i] = fp_je.malloc(n));
		for (int i = 0; i < 8; i++)
			fp_je.free(b[i]);
		for (int i = 0; i < 8; i++)
			bad += !aligned16(b[i] = fp_je.calloc(1, n));
		for (int i = 0; i < 8; i++)
			fp_je.free(b[i]);
		for (int i = 0; i < 8; i++) {
			bad += fp_je.posix_memalign(&b[i], 8, n) != 0 || !aligned16(b[i]);
			if (n)
				bad += !aligned16(b[i] = fp_je.realloc(b[i], n));
		}
		for (int i = 0; i < 8; i++)
			fp_je.free(b[i]);
	}
	is_int(bad, 0, "malloc, calloc, posix_memalign(8), realloc of 0..16 bytes: 16-byte aligned");
	is_u64(fp_je_nalloc(1, 0), 16, "nalloc of 1 byte: the 16-byte class, as allocated");
	is_u64(fp_je_nalloc(1, 8), 16, "nalloc of 1 byte aligned to 8: the 16-byte class");

	fp_je_limit_set((size_t)1 << 30);
	errno = 0;
	p = fp_je.malloc(((size_t)1 << 30) + 1);
	ok(!p && errno == ENOMEM, "limit 1 GiB: malloc(1 GiB + 1) refused, ENOMEM");
	p = fp_je.malloc((size_t)1 << 20);
	ok(p != NULL, "limit 1 GiB: malloc(1 MiB) served");
	errno = 0;
	ok(!fp_je.calloc(2, (size_t)1 << 30) && errno == ENOMEM, "limit 1 GiB: calloc(2, 1 GiB) refused");
	memset(p, 0x5a, 16);
	errno = 0;
	q = fp_je.realloc(p, (size_t)3 << 30);
	ok(!q && errno == ENOMEM && ((unsigned char *)p)[15] == 0x5a,
	   "limit 1 GiB: realloc to 3 GiB refused, the block kept");
	fp_je.free(p);
	rc = fp_je.posix_memalign(&p, (size_t)1 << 30, 1);
	is_int(rc, ENOMEM, "limit 1 GiB: posix_memalign(1 GiB, 1) refused (alignment counted)");
	rc = fp_je.posix_memalign(&p, 4096, 100);
	is_int(rc, 0, "limit 1 GiB: posix_memalign(4096, 100) served");
	fp_je.free(rc ? NULL : p);
	fp_je_limit_set(SIZE_MAX);
	p = fp_je.malloc(((size_t)1 << 30) + 1);
	ok(p != NULL, "no limit: malloc(1 GiB + 1) served (nothing touched)");
	fp_je.free(p);
	return done_testing();
}
