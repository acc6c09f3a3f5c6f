/* Remembered stacks: per-thread tables, proved by a slow walk. */
#include "config.h"
#include "chain.h"

#include <pthread.h>

#include "guard.h"
#include "je.h"
#include "site.h"
#include "unwind.h"

__thread struct fp_chains *fp_my_chains __attribute__((tls_model("initial-exec")));

static pthread_key_t chains_key;
static int chains_on;

/**
 * drop_chains() - thread exit: the table goes; later allocations of the
 * thread unwind.
 * Context: thread exit (pthread key destructor).
 */
static void drop_chains(void *arg)
{
	fp_my_chains = FP_CHAINS_OFF;
	fp_je_own_free(arg);
}

void fp_chain_init(void)
{
	chains_on = pthread_key_create(&chains_key, drop_chains) == 0;
}

/**
 * my_chains() - this thread's table of proved stacks, made at its first
 * use
 * Context: inside malloc, under the reentrancy guard (allocates from the
 * shim's own arena).
 */
static struct fp_chains *my_chains(void)
{
	struct fp_chains *c = fp_my_chains;

	if (c)
		return c == FP_CHAINS_OFF ? NULL : c;
	fp_my_chains = FP_CHAINS_OFF;
	if (!chains_on || !(c = fp_je_own_alloc(sizeof(*c))))
		return NULL;
	if (pthread_setspecific(chains_key, c) != 0) {
		fp_je_own_free(c);
		return NULL;
	}
	fp_my_chains = c;
	return c;
}

/**
 * prove() - whether @site's frames are exactly what a walk from @caller
 * and @cfa sees, so the fast trace can stand for it
 * Context: inside malloc, under the reentrancy guard; lock-free.
 */
static void prove(struct fp_chain *e, const void *caller, const void *cfa,
		  struct fp_site *site)
{
	const void *ips[FP_CHAIN_DEPTH];
	const void *const *slots[FP_CHAIN_DEPTH];
	unsigned n = fp_unwind_walk(caller, cfa, ips, slots, site->n);

	e->unprovable = 1;	/* until proved below */
	/* The walk must see exactly the frames the fast trace saw. */
	if (n != site->n)
		return;
	for (unsigned i = 0; i < n; i++)
		if (ips[i] != site->frames[i]->ip)
			return;
	for (unsigned i = 0; i < n; i++) {
		e->ip[i] = ips[i];
		e->slot[i] = slots[i];
	}
	e->n = n;
	e->unprovable = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	e->site = site;
}

void fp_chain_note(const void *caller, const void *cfa, struct fp_site *site)
{
	struct fp_chains *c;
	struct fp_chain *e;

	if (site->n < 2 || site->n > FP_CHAIN_DEPTH ||
	    ((const void *const *)cfa)[-1] != caller)
		return;
	/* Guarded: a signal handler's allocation meanwhile must not edit the entry. */
	fp_guard_enter();
	c = my_chains();
	if (c) {
		struct fp_chain *set = fp_chain_set(c, caller, cfa);

		for (e = set; e < set + 2; e++)
			if (e->caller == caller && e->cfa == cfa)
				break;
		if (e < set + 2) {
			/* Proved entries stay: another chain here just unwinds. */
			if (!e->site && !e->unprovable)
				prove(e, caller, cfa, site);
		} else {
			/* A newcomer takes an unproved way first, else the older one. */
			e = !set[0].site ? &set[0] : !set[1].site ? &set[1] :
			    &set[c->victim++ & 1];
			e->site = NULL;
			e->unprovable = 0;
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
			e->caller = caller;
			e->cfa = cfa;
		}
	}
	fp_guard_leave();
}
