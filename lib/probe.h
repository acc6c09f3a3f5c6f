/*
 * The probe sequence of the shim's insert-only, lock-free hash tables (the
 * frame and site tables): open addressing over three levels of slots, a
 * small one first.
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
 */
#ifndef FP_PROBE_H
#define FP_PROBE_H

#include <stdint.h>

#define FP_PROBE_L0		1024
#define FP_PROBE_L1		8192
#define FP_PROBE_L2		65536
#define FP_PROBE_SLOTS		(FP_PROBE_L0 + FP_PROBE_L1 + FP_PROBE_L2)
#define FP_PROBE_L0_TRIES	16
#define FP_PROBE_L1_TRIES	16
#define FP_PROBE_TRIES		128	/* in all: 96 in the last level */

/**
 * fp_probe_slot() - the @i-th slot (0 <= @i < FP_PROBE_TRIES) of the
 * sequence of a key hashed to @h (a well-mixed 64-bit hash), an index
 * below FP_PROBE_SLOTS.
 * Context: any (pure).
 */
static inline unsigned fp_probe_slot(uint64_t h, unsigned i)
{
	if (i < FP_PROBE_L0_TRIES)
		return (unsigned)(h + i) & (FP_PROBE_L0 - 1);
	i -= FP_PROBE_L0_TRIES;
	if (i < FP_PROBE_L1_TRIES)
		return FP_PROBE_L0 + ((unsigned)((h >> 20) + i) & (FP_PROBE_L1 - 1));
	i -= FP_PROBE_L1_TRIES;
	return FP_PROBE_L0 + FP_PROBE_L1 + ((unsigned)((h >> 40) + i) & (FP_PROBE_L2 - 1));
}

#endif
