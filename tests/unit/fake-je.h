/*
 * The link seam of the allocation path (doc/ARCHITECTURE.md): a unit test
 * links tests/unit/fake-je.c in place of lib/je.c. Every block comes from
 * the test process's own malloc with its size class in a header, so its
 * usable size is known exactly (the request rounded up to 16 bytes, at
 * least 16, as lib/je.h's front gives), every call is counted, and the
 * next requests can be made to fail as jemalloc's do: NULL (or ENOMEM
 * returned) with errno ENOMEM, the block of a refused realloc intact.
 */
#ifndef FP_FAKE_JE_H
#define FP_FAKE_JE_H

#include <stddef.h>

struct fake_je {
	unsigned fail_next;	/* requests still to refuse (malloc, calloc, realloc, posix_memalign, arena) */
	unsigned mallocs, callocs, reallocs, memaligns, frees, arena_allocs, own_allocs;
	size_t live;		/* usable bytes handed out and not freed, own memory excepted */
};

extern struct fake_je fake_je;

/* The usable size the fake gives a request of @size bytes. */
size_t fake_je_class(size_t size);

#endif
