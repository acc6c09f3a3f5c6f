/*
 * The probe sequence and slots of the shim's insert-only, lock-free hash
 * tables (the frame and site tables): open addressing over three levels of
 * slots, a small one first, each slot a record pointer tagged with 16 bits
 * of its key's hash.
 *
 * One flat table of 65,536 slots spread over 128 pages, and a short program
 * touches most of them for its few dozen records: a page fault each, the
 * larger part of what a report costs a process that runs for a millisecond.
 * Here a key probes FP_PROBE_L0_TRIES slots of a 1,024-slot level (two
 * pages) first, then a run in an 8,192-slot level, then the rest in a
 * 65,536-slot level, each level indexed by other bits of the hash. It is
 * still plain open addressing — one fixed sequence of slots per key, a key
 * inserted into the first empty slot of its sequence, a lookup ended by an
 * empty slot — so an insert-only table stays correct under concurrent
 * CAS inserts; only the sequence is not linear.
 *
 * A program with ten thousand sites fills the first two levels, and its
 * lookups pass 32 full slots first: the tag in the slot's top bits (user
 * addresses have 47) tells nearly all of them apart without following the
 * pointer, a cache miss each.
 */
#ifndef FP_PROBE_H
#define FP_PROBE_H

#include <stdatomic.h>
#include <stdint.h>

#define FP_PROBE_L0		1024
#define FP_PROBE_L1		8192
#define FP_PROBE_L2		65536
#define FP_PROBE_SLOTS		(FP_PROBE_L0 + FP_PROBE_L1 + FP_PROBE_L2)
#define FP_PROBE_L0_TRIES	16
#define FP_PROBE_L1_TRIES	16
#define FP_PROBE_TRIES		128	/* in all: 96 in the last level */

#define FP_PROBE_TAG_SHIFT	48
#define FP_PROBE_PTR_MASK	(((uintptr_t)1 << FP_PROBE_TAG_SHIFT) - 1)

typedef _Atomic uintptr_t fp_probe_slot_t;

/**
 * fp_probe_slot() - the @i-th slot (0 <= @i < FP_PROBE_TRIES) of the
 * sequence of a key hashed to @h (a well-mixed 64-bit hash), an index
 * below FP_PROBE_SLOTS. The levels take bits 0-9, 10-22 and 23-38; the
 * tag bits 48-63.
 * Context: any (pure).
 */
static inline unsigned fp_probe_slot(uint64_t h, unsigned i)
{
	if (i < FP_PROBE_L0_TRIES)
		return (unsigned)(h + i) & (FP_PROBE_L0 - 1);
	i -= FP_PROBE_L0_TRIES;
	if (i < FP_PROBE_L1_TRIES)
		return FP_PROBE_L0 + ((unsigned)((h >> 10) + i) & (FP_PROBE_L1 - 1));
	i -= FP_PROBE_L1_TRIES;
	return FP_PROBE_L0 + FP_PROBE_L1 + ((unsigned)((h >> 23) + i) & (FP_PROBE_L2 - 1));
}

/**
 * fp_probe_pack() - the slot value of record @p of a key hashed to @h; 0
 * when @p cannot be packed (an address above 47 bits: never a user one on
 * x86-64 unless a program asks for 57-bit addresses).
 * Context: any (pure).
 */
static inline uintptr_t fp_probe_pack(const void *p, uint64_t h)
{
	if ((uintptr_t)p & ~FP_PROBE_PTR_MASK)
		return 0;
	return (uintptr_t)p | (uintptr_t)(h >> FP_PROBE_TAG_SHIFT) << FP_PROBE_TAG_SHIFT;
}

/* The record of slot value @v (NULL: an empty slot). Context: any (pure). */
static inline void *fp_probe_ptr(uintptr_t v)
{
	return (void *)(v & FP_PROBE_PTR_MASK);
}

/* Whether slot value @v may hold the key hashed to @h. Context: any (pure). */
static inline int fp_probe_may_be(uintptr_t v, uint64_t h)
{
	return (v >> FP_PROBE_TAG_SHIFT) == (h >> FP_PROBE_TAG_SHIFT);
}

#endif
