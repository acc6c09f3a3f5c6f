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
#include "guard.h"
#include "unwind.h"

#define FP_SITES_MAX	65536		/* unique stacks kept; power of two */
#define FP_FRAMES_MAX	65536		/* unique code addresses; power of two */

/* One code address, located when first seen (survives dlclose). */
struct fp_frame_info {
	const void *ip;
	uintptr_t offset;		/* from the object's load bias */
	char object[64];		/* basename, "?" when unknown */
	_Atomic int named;		/* function/demangled are final */
	const char *function;		/* NULL when unknown */
	const char *demangled;		/* NULL unless a C++ name */
	uintptr_t function_offset;
};

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
 */
void fp_site_init(unsigned depth, int name_early);

extern unsigned fp_site_depth;

/**
 * fp_site_find() - the site of the chain @ips (@n return addresses,
 * innermost first), created on first sight (rules evaluated then).
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
 * fp_site_frame() - the record of code address @ip (a return address:
 * located and named as @ip - 1), created on first sight.
 * Return: the record, or NULL when no memory is left for it.
 */
struct fp_frame_info *fp_site_frame(const void *ip);

/**
 * fp_site_name_frame() - make sure @f has its function name (the object's
 * symbol tables, dladdr, then libunwind's procedure name, demangled when
 * C++). Idempotent; never waits for another thread.
 * Context: under the reentrancy guard; never in a signal handler.
 */
void fp_site_name_frame(struct fp_frame_info *f);

/* fp_site_frame_named() - whether @f's function names are final. */
static inline int fp_site_frame_named(struct fp_frame_info *f)
{
	return atomic_load_explicit(&f->named, memory_order_acquire) == 1;
}

/**
 * fp_site_frame_is_shim() - whether @f lies in the shim's own code, which
 * is never shown as one of the program's frames.
 * Context: any, signal handlers included.
 */
int fp_site_frame_is_shim(const struct fp_frame_info *f);

/**
 * fp_site_note_startup() - remember the objects loaded before main() (call
 * from the constructor): only later ones can be unloaded.
 */
void fp_site_note_startup(void);

/**
 * fp_site_name_unloadable() - name now every frame in an object that a
 * dlclose() may unload, while its symbols can still be read. Call under
 * the reentrancy guard.
 */
void fp_site_name_unloadable(void);

/**
 * fp_site_object() - the full path of the @i-th object a frame was found
 * in (the report's "objects").
 * Return: the path, or NULL past the last.
 */
const char *fp_site_object(unsigned i);

/**
 * fp_site_next() - iterate over every site (the "other" site last).
 * @cursor: 0 to start; after a call, *@cursor - 1 is the site's slot,
 *          unique and below FP_SITES_MAX + 1 (an index for a caller's own
 *          per-site scratch)
 * Return: the next site, or NULL at the end.
 */
struct fp_site *fp_site_next(unsigned *cursor);

#endif
