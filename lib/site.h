/*
 * Allocation sites. A site is one unique chain of return addresses above
 * the interposed function, the first FAILPOOL_DEPTH of them (1: just the
 * immediate caller, and nothing is unwound). Its id hashes (object
 * basename, offset in object) of every frame, so ids are the same on every
 * run whatever ASLR does. Lookups are lock-free; the first sight of a site
 * or of a code address is the only slow part (under the reentrancy guard).
 */
#ifndef FP_SITE_H
#define FP_SITE_H

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "chain.h"
#include "fp.h"
#include "frame.h"
#include "guard.h"
#include "unwind.h"

#define FP_SITES_MAX	65536		/* unique stacks kept; power of two */

struct fp_site {
	uint64_t key;			/* hash of the raw return addresses */
	uint64_t id;			/* the stable site id */
	int matches;			/* FAILPOOL_SITES makes it eligible */
	struct fp_pool *pool;		/* FAILPOOL_POOLS serves it, or NULL */
	unsigned n;			/* frames, 0 for the "other" site */
	_Atomic uint64_t calls;
	_Atomic uint64_t bytes;
	_Atomic uint64_t injected;
	struct fp_frame_info *frames[];
};

/**
 * fp_site_init() - set up sites for this process: @depth frames per site
 * (1: the immediate caller only) and whether frames must be named when
 * first seen (func: rules decide by name).
 * Context: boot, under the reentrancy guard, maybe inside the first malloc.
 */
void fp_site_init(unsigned depth, int name_early);

extern unsigned fp_site_depth;

/**
 * fp_site_find() - the site of the chain @ips (@n return addresses,
 * innermost first), created on first sight (rules evaluated then).
 * Context: inside malloc, counted; a new site is made under the reentrancy
 * guard.
 * Return: never NULL; the shared "other" site when the table is full or
 * memory for a new site cannot be had.
 */
struct fp_site *fp_site_find(const void **ips, unsigned n);

/**
 * fp_site_unwind() - fp_site_lookup()'s slow path: unwind the stack (1.3 KB
 * of arrays, kept out of every entry point's frame, which programs with
 * small coroutine stacks pay for), find or make the site, remember the
 * chain. Its own frame is one more shim frame for fp_unwind_capture() to
 * drop.
 * Context: inside malloc, counted (not under the reentrancy guard).
 */
FP_NOINLINE __attribute__((cold)) struct fp_site *
fp_site_unwind(const void *caller, const void *cfa);

/**
 * fp_site_lookup() - the site of the current allocation, whose entry point
 * was called from @caller with stack pointer @cfa (its CFA). A stack this
 * thread has proved before is not unwound at all (chain.h).
 * Context: inside malloc, counted (not under the reentrancy guard).
 */
static inline __attribute__((always_inline)) struct fp_site *
fp_site_lookup(const void *caller, const void *cfa)
{
	struct fp_site *site;

	if (fp_site_depth == 1)
		return fp_site_find(&caller, 1);
	site = fp_chain_hit(caller, cfa);
	if (FP_LIKELY(site != NULL))
		return site;
	return fp_site_unwind(caller, cfa);
}

/**
 * fp_site_next() - iterate over every site, in the order they were made
 * (the "other" site last), without walking the hash table.
 * @cursor: 0 to start; after a call, *@cursor - 1 is the site's slot,
 *          unique and below FP_SITES_MAX + 1 (an index for a caller's own
 *          per-site scratch)
 * Context: report writing, signal handlers included (lock-free).
 * Return: the next site, or NULL at the end.
 */
struct fp_site *fp_site_next(unsigned *cursor);

#endif
