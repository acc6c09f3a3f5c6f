/*
 * FAILPOOL_CHECK=frees: an exact record of the blocks the heap handed out.
 * jemalloc checks no free: a double free or a free of a pointer it never
 * returned goes unnoticed and two later mallocs return the same block.
 * With the check on, every free, realloc and delete is compared with the
 * record first; a bad one prints one line on stderr, leaves the crash
 * record (kind, the free's stack, for a double free where the block was
 * allocated and first freed) and ends the process by SIGABRT, as glibc
 * does.
 *
 * The record is lock-free: per 2 MiB region of the address space (so that
 * threads, which jemalloc serves from different arenas, rarely share cache
 * lines), open-addressing tables keyed by block address whose entries are
 * never removed (a freed block's entry keeps the site of its free until the
 * address is handed out again); when a region's newest table is half full
 * one twice its size is added, lookups go newest first, and a block handed
 * out again moves to the newest. Memory comes from the shim's own arena.
 */
#ifndef FP_HEAPCHECK_H
#define FP_HEAPCHECK_H

#include <stddef.h>

#include "calls.h"
#include "ending.h"

struct fp_site;

enum fp_heapcheck_verdict {
	FP_HEAPCHECK_OK,		/* a live block (or NULL) */
	FP_HEAPCHECK_DOUBLE_FREE,	/* freed before, not handed out again */
	FP_HEAPCHECK_INVALID_FREE,	/* never a block the heap returned */
};

/* What a bad free found, for the message and the crash record. */
struct fp_heapcheck_fault {
	enum fp_heapcheck_verdict kind;
	enum fp_call call;		/* free, realloc, delete, ... */
	const void *ptr;
	size_t size;			/* double free: bytes requested */
	const struct fp_site *alloc_site;	/* double free: NULL when unknown */
	const struct fp_site *free_site;	/* double free: its first free */
	unsigned nframes;		/* the bad call's stack, innermost first */
	struct fp_frame_info *frames[FP_CRASH_FRAMES];
};

/* Set once by fp_heapcheck_init(): every block is recorded and checked. */
extern int fp_heapcheck_on;

/**
 * fp_heapcheck_init() - start recording (boot, FAILPOOL_CHECK=frees), after
 * the shim's arena exists and before the first block is handed out.
 * Context: boot, under the reentrancy guard.
 * Return: 0 (memory is taken region by region as blocks are handed out;
 * when none can be had, a message, and unknown pointers go unchecked).
 */
int fp_heapcheck_init(void);

/**
 * fp_heapcheck_alloc() - block @p of @size bytes was just handed out from
 * @site (NULL: the shim's own or an uncounted allocation).
 * Context: allocation path; lock-free, allocates only from the shim's arena,
 * errno unchanged.
 */
void fp_heapcheck_alloc(void *p, size_t size, struct fp_site *site);

/**
 * fp_heapcheck_free() - @p (not NULL) is about to be freed by @call, called
 * from @caller with CFA @cfa. @strict: the program's own call, checked
 * (a bad one does not return); otherwise (the shim's own, under the guard)
 * only the record is kept.
 * Context: allocation path, before the block goes back to jemalloc.
 */
void fp_heapcheck_free(void *p, enum fp_call call, const void *caller,
		       const void *cfa, int strict);

/**
 * fp_heapcheck_take() - realloc is about to resize @p (not NULL): check it
 * as fp_heapcheck_free() does and hold it until fp_heapcheck_settle().
 * Context: inside realloc, before jemalloc sees @p; lock-free.
 * Return: 1 when @p was recorded live (settle it), 0 when unknown (!@strict).
 */
int fp_heapcheck_take(void *p, enum fp_call call, const void *caller,
		      const void *cfa, int strict);

/**
 * fp_heapcheck_settle() - realloc of @p returned @q (NULL: @p untouched,
 * still live) for @size bytes from @site; when it moved, @p was freed there.
 * Context: inside realloc, after jemalloc; lock-free.
 */
void fp_heapcheck_settle(void *p, void *q, size_t size, struct fp_site *site);

/**
 * fp_heapcheck_fault() - the bad free that is ending the process.
 * Context: async-signal-safe.
 * Return: the fault, or NULL when no check has failed.
 */
const struct fp_heapcheck_fault *fp_heapcheck_fault(void);

/**
 * fp_heapcheck_explain() - if a heap check is what raised @end's SIGABRT,
 * make @end its crash record: kind, the bad call's stack as frames, and
 * for a double free the allocation's and the first free's frames.
 * Context: the fatal-signal handler: no lock, no allocation.
 */
void fp_heapcheck_explain(struct fp_ending *end);

/* For tests: the record alone, without messages or abort. */

/**
 * fp_heapcheck_record() - return: 0, or -ENOMEM when no table has room (the
 * block is not recorded).
 * Context: inside malloc; lock-free, allocates only from the shim's arena.
 */
int fp_heapcheck_record(void *p, size_t size, struct fp_site *site);

/**
 * fp_heapcheck_release() - the verdict on freeing @p; when OK, @p is marked
 * freed at @site. @fault: on a bad verdict, filled with what is known.
 * Context: inside free; lock-free.
 */
enum fp_heapcheck_verdict fp_heapcheck_release(void *p, struct fp_site *site,
					       struct fp_heapcheck_fault *fault);

#endif
