/*
 * Per-thread memory of recent stacks, so that an allocation made again
 * from the same place is not unwound again. A chain is known by its
 * immediate caller and the stack pointer it was called with (the entry
 * function's CFA); a hit is proved, not guessed: every remembered return
 * address must still sit in the stack slot the unwinder found it in. Given
 * the same code address and stack pointer in frame i, frame i+1's slot is
 * the same, so a chain that passes the check is the chain remembered.
 * Chains are remembered at their second sight (their slots come from a
 * slow libunwind walk), so a stack seen once costs no more than before.
 */
#ifndef FP_CHAIN_H
#define FP_CHAIN_H

#include <stdint.h>

#include "fp.h"

#define FP_CHAIN_ENTRIES	64	/* per thread; power of two */
#define FP_CHAIN_DEPTH		16	/* deeper sites are always unwound */

struct fp_site;

struct fp_chain {
	const void *caller;
	const void *cfa;		/* stack pointer at the call */
	struct fp_site *site;		/* NULL: seen once, nothing proved yet */
	unsigned n;			/* frames, as the site has */
	int unprovable;			/* the walk failed: never walk again */
	const void *ip[FP_CHAIN_DEPTH];
	const void *const *slot[FP_CHAIN_DEPTH];	/* where ip[i] is stored */
};

struct fp_chains {
	struct fp_chain e[FP_CHAIN_ENTRIES];
	unsigned victim;
};

/* NULL: not set up yet; FP_CHAINS_OFF: this thread does not remember. */
extern __thread struct fp_chains *fp_my_chains __attribute__((tls_model("initial-exec")));
#define FP_CHAINS_OFF	((struct fp_chains *)1)

/**
 * fp_chain_set() - two-way sets: a loop that allocates from two places keeps
 * both.
 * Context: inside malloc, counted.
 */
static inline struct fp_chain *fp_chain_set(struct fp_chains *c,
					    const void *caller, const void *cfa)
{
	uint64_t h = ((uintptr_t)caller ^ ((uintptr_t)cfa << 16)) * 0x9e3779b97f4a7c15ULL;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return &c->e[(h >> 32) & (FP_CHAIN_ENTRIES - 2)];
}

/**
 * fp_chain_proves() - whether the remembered chain still sits in the stack.
 * Context: inside malloc, counted.
 */
static inline int fp_chain_proves(const struct fp_chain *e, const void *caller,
				  const void *cfa)
{
	if (e->caller != caller || e->cfa != cfa || !e->site)
		return 0;
	for (unsigned i = 1; i < e->n; i++)
		if (*e->slot[i] != e->ip[i])
			return 0;
	return 1;
}

/**
 * fp_chain_hit() - the site of the stack above an entry function whose CFA
 * is @cfa and whose return address is @caller, if this thread has proved it.
 * Context: inside malloc, counted.
 * Return: the site, or NULL (unwind).
 */
static inline struct fp_site *fp_chain_hit(const void *caller, const void *cfa)
{
	struct fp_chains *c = fp_my_chains;
	struct fp_chain *e;

	if (FP_UNLIKELY((uintptr_t)c <= 1))
		return NULL;
	/* The entry was called directly by the program (no shim frame between). */
	if (((const void *const *)cfa)[-1] != caller)
		return NULL;
	e = fp_chain_set(c, caller, cfa);
	if (fp_chain_proves(&e[0], caller, cfa))
		return e[0].site;
	if (fp_chain_proves(&e[1], caller, cfa))
		return e[1].site;
	return NULL;
}

/**
 * fp_chain_note() - @site was just found by unwinding for (@caller, @cfa):
 * remember the key on first sight, prove and remember the chain on the
 * second. Call with the reentrancy guard free (it takes it).
 * Context: inside malloc, counted.
 */
void fp_chain_note(const void *caller, const void *cfa, struct fp_site *site);

/**
 * fp_chain_init() - set up per-thread chains (once, at boot, before any
 * lookup). Without it, nothing is remembered.
 * Context: boot, under the reentrancy guard, maybe inside the first malloc.
 */
void fp_chain_init(void);

#endif
