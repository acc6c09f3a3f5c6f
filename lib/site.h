/*
 * Allocation sites. Until stacks are unwound (a later issue) a site is the
 * immediate caller's return address. Its id hashes (object basename, offset
 * in object), so ids are the same on every run whatever ASLR does.
 */
#ifndef FP_SITE_H
#define FP_SITE_H

#include <stdatomic.h>
#include <stdint.h>

#define FP_SITES_MAX	16384		/* power of two */
#define FP_SITE_OTHER	((uintptr_t)1)	/* the bucket for a full table */

struct fp_site {
	_Atomic uintptr_t caller;	/* 0: free slot */
	_Atomic uint64_t calls;
	_Atomic uint64_t bytes;
	_Atomic uint64_t injected;
	_Atomic uint64_t id;		/* 0 until located */
	uintptr_t offset;		/* caller's offset in its object */
	char object[64];		/* its object's basename */
};

struct fp_frame {
	const char *object;		/* basename, or "?" */
	uintptr_t offset;		/* in the object */
	const char *symbol;		/* NULL when unknown */
	uintptr_t symbol_offset;
};

/**
 * fp_site_get() - the site of @caller, created on first use, when its
 * object is located with glibc's lock-free _dl_find_object(). Lock-free.
 * Return: never NULL; the shared "other" site once the table is full.
 */
struct fp_site *fp_site_get(const void *caller);

/**
 * fp_site_describe() - the frame of site @s: object and offset as located
 * when the site was first seen (so a library unloaded since keeps its
 * name), symbol from dladdr() when the object is still loaded. Call it
 * under the reentrancy guard, never on the allocation fast path.
 * @f: filled in; f->object points into @s or is static
 */
void fp_site_describe(struct fp_site *s, struct fp_frame *f);

/**
 * fp_site_id() - the stable id of @s, computed once and cached.
 * Return: a 64-bit hash, never 0.
 */
uint64_t fp_site_id(struct fp_site *s);

/**
 * fp_site_table() - every slot of the site table, FP_SITES_MAX + 1 of them
 * (the last is the "other" site), for the report; caller 0 marks unused ones.
 */
struct fp_site *fp_site_table(void);

#endif
