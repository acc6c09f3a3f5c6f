/*
 * FAILPOOL_POOLS (README, "Pools: mempool reserves"), parsed one pool at a time and allocation-free:
 *   pools = pool { ';' pool }
 *   pool  = name ':' key '=' value { ',' key '=' value }
 * keys: site (rules as FAILPOOL_SITES, '|' between them), min, size, wait.
 */
#ifndef FP_POOLSPEC_H
#define FP_POOLSPEC_H

#include <stdint.h>

#define FP_POOLS_MAX		16
#define FP_POOL_NAME_MAX	32
#define FP_POOL_SITE_MAX	1024
#define FP_POOL_MIN_MAX		1000000		/* elements in one reserve */
#define FP_POOL_SIZE_MAX	(1ULL << 30)	/* bytes in one element */
#define FP_POOL_WAIT_FOREVER	UINT64_MAX

struct fp_pool_spec {
	char name[FP_POOL_NAME_MAX];
	char site[FP_POOL_SITE_MAX];	/* rules, '|'-separated */
	uint64_t min;
	uint64_t size;
	uint64_t wait_ns;		/* 0: never wait; FP_POOL_WAIT_FOREVER */
};

/**
 * fp_pools_next() - parse the next pool of a FAILPOOL_POOLS value.
 * @cursor: the text still to parse; advanced past the pool
 * @index:  1-based number of this pool (for messages)
 * @spec:   filled on success
 * @err:    on failure, one line naming the pool and what is wrong
 * Context: boot, maybe inside the first malloc: allocation-free.
 * Return: 1 with @spec filled, 0 at the end of the text, -EINVAL.
 */
int fp_pools_next(const char **cursor, unsigned index, struct fp_pool_spec *spec,
		  char *err, unsigned errlen);

/**
 * fp_pools_check() - validate a whole FAILPOOL_POOLS value: every pool, at
 * most FP_POOLS_MAX of them, names unique, site rules well formed.
 * Context: boot, maybe inside the first malloc: allocation-free.
 * Return: the number of pools, or -EINVAL with @err filled.
 */
int fp_pools_check(const char *text, char *err, unsigned errlen);

#endif
