/*
 * Which memory belongs to a pool, answered without asking jemalloc (a
 * mallctl per free would take a global lock, and arenas.lookup crashes on
 * pointers jemalloc does not own). Pool arenas get their memory through
 * extent hooks that map whole 2 MiB-aligned chunks and record the owner in
 * a two-level byte map: a free of ordinary memory costs two loads.
 */
#ifndef FP_POOLMAP_H
#define FP_POOLMAP_H

#include <stdint.h>

#include "fp.h"

#define FP_POOLMAP_CHUNK_SHIFT	21	/* 2 MiB chunks */
#define FP_POOLMAP_LEAF_SHIFT	30	/* one leaf per GiB */
/* The width of user addresses: known for x86-64 only (4-level paging). */
#if defined(__x86_64__)
#define FP_POOLMAP_ADDR_BITS	47
#else
#error "poolmap.h: the user address width of this architecture is not known"
#endif

/* NULL until a pool exists; then 2^(47-30) leaves, NULL where no pool chunk is. */
extern uint8_t *const *fp_poolmap;

/**
 * fp_poolmap_owner() - the pool holding @p.
 * Context: any, async-signal-safe.
 * Return: its index + 1, or 0 for memory of no pool (and NULL).
 */
static inline unsigned fp_poolmap_owner(const void *p)
{
	uintptr_t a = (uintptr_t)p;
	const uint8_t *leaf;

	if (FP_LIKELY(!fp_poolmap) || (a >> FP_POOLMAP_ADDR_BITS))
		return 0;
	leaf = fp_poolmap[a >> FP_POOLMAP_LEAF_SHIFT];
	if (!leaf)
		return 0;
	return leaf[(a >> FP_POOLMAP_CHUNK_SHIFT) &
		    ((1u << (FP_POOLMAP_LEAF_SHIFT - FP_POOLMAP_CHUNK_SHIFT)) - 1)];
}

/**
 * fp_poolmap_arena() - create a jemalloc arena (arenas.create) whose memory
 * comes only from chunks owned by pool @index (0-based), recorded in the map.
 * Context: any, async-signal-safe.
 * Return: the arena index, or -1 (errno set).
 */
int fp_poolmap_arena(unsigned index);

/**
 * fp_poolmap_fork_prepare() - around fork(): the hooks' locks are held across
 * it, then released/reset.
 * Context: fork's handlers (registered by lib/fork.c's constructor).
 */
void fp_poolmap_fork_prepare(void);

/**
 * fp_poolmap_fork_parent() - release the map's locks in the parent after fork.
 * Context: fork's handlers (registered by lib/fork.c's constructor).
 */
void fp_poolmap_fork_parent(void);

/**
 * fp_poolmap_fork_child() - renew the map's locks in the child after fork.
 * Context: fork's handlers (registered by lib/fork.c's constructor).
 */
void fp_poolmap_fork_child(void);

#endif
