/*
 * Counter-based random numbers: the draw for a thread's eligible allocation
 * k is a pure function of (stream, k), so a thread's failure sequence
 * depends only on the seed, its creation order and its own eligible
 * allocations, never on how the threads interleave.
 */
#ifndef FP_PRNG_H
#define FP_PRNG_H

#include <stdint.h>

/**
 * fp_mix64() - splitMix64's finaliser: a bijective 64-bit mix with full
 * avalanche.
 * Context: any, async-signal-safe (arithmetic).
 */
static inline uint64_t fp_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/**
 * fp_prng_draw() - the k-th draw of @stream, uniform over 64 bits.
 * Context: any, async-signal-safe (arithmetic).
 */
static inline uint64_t fp_prng_draw(uint64_t stream, uint64_t k)
{
	return fp_mix64(stream + k * 0x9e3779b97f4a7c15ULL);
}

/**
 * fp_prng_stream() - the stream of a process derived from its seed.
 * Context: any, async-signal-safe (arithmetic).
 */
static inline uint64_t fp_prng_stream(uint64_t seed)
{
	return fp_mix64(seed ^ 0x6a09e667f3bcc909ULL);
}

/**
 * fp_prng_child() - the stream of the @order-th child forked by a process with
 * @stream.
 * Context: any, async-signal-safe (arithmetic).
 */
static inline uint64_t fp_prng_child(uint64_t stream, uint64_t order)
{
	return fp_mix64(stream ^ fp_mix64(order + 0x243f6a8885a308d3ULL));
}

/**
 * fp_prng_lineage() - the identity of the @n-th thread (1, 2, ...) started
 * by the thread whose identity is @parent (0: the process's first thread).
 * Context: any, async-signal-safe (arithmetic).
 */
static inline uint64_t fp_prng_lineage(uint64_t parent, uint64_t n)
{
	return fp_mix64(parent ^ fp_mix64(n + 0xa4093822299f31d0ULL));
}

/**
 * fp_prng_thread() - the stream of the thread whose identity is @order
 * (fp_prng_lineage()) in a process whose own stream is @stream; the first
 * thread (order 0) keeps @stream, so a single-threaded program draws as it
 * always did.
 * Context: any, async-signal-safe (arithmetic).
 */
static inline uint64_t fp_prng_thread(uint64_t stream, uint64_t order)
{
	return order ? fp_mix64(stream ^ fp_mix64(order + 0x13198a2e03707344ULL)) : stream;
}

#endif
