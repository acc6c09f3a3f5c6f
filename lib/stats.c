/* Per-thread shards, site tallies and the list of the first injected failures. */
#include "config.h"
#include "stats.h"

#include <errno.h>
#include <pthread.h>

#include "guard.h"
#include "je.h"
#include "site.h"

static struct fp_shard shared[FP_STATS_SHARED];
static struct fp_shard *_Atomic owned_list;
static _Atomic unsigned owned_count;
static pthread_key_t owner_key;
static int owner_key_ok;
static _Atomic unsigned next_shared;
static struct fp_injection injections[FP_INJECTIONS_KEPT];
/*
 * Entries [0, injections_top) may be written: a report reads no further,
 * so the untouched pages of the table stay untouched (a page fault each
 * in a process that failed one allocation).
 */
static _Atomic unsigned injections_top;
static uint64_t injections_inherited;	/* a fork child's: the parent's, not listed */

__thread struct fp_shard *fp_my_shard __attribute__((tls_model("initial-exec")));

/*
 * The shared shards handed out so far: the rest were never written, and
 * summing (or clearing) them would touch a hundred kilobytes of untouched
 * pages in every short process.
 */
static unsigned shared_used(void)
{
	unsigned n = atomic_load_explicit(&next_shared, memory_order_relaxed);

	return n < FP_STATS_SHARED ? n : FP_STATS_SHARED;
}

static struct fp_shard *shared_shard(void)
{
	unsigned i = atomic_fetch_add_explicit(&next_shared, 1, memory_order_relaxed);

	return &shared[i % FP_STATS_SHARED];
}

static void fold(struct fp_tally *t)
{
	struct fp_site *site = atomic_load_explicit(&t->site, memory_order_relaxed);
	uint64_t calls = atomic_load_explicit(&t->calls, memory_order_relaxed);
	uint64_t bytes = atomic_load_explicit(&t->bytes, memory_order_relaxed);

	if (!site)
		return;
	atomic_store_explicit(&t->calls, 0, memory_order_relaxed);
	atomic_store_explicit(&t->bytes, 0, memory_order_relaxed);
	fp_stats_add(&site->calls, calls);
	fp_stats_add(&site->bytes, bytes);
}

/* Thread exit: fold the tallies, hand the shard on, count the rest shared. */
static void release_shard(void *arg)
{
	struct fp_shard *sh = arg;

	fp_my_shard = shared_shard();
	for (unsigned i = 0; i < FP_TALLY_SLOTS; i++) {
		fold(&sh->tally[i]);
		atomic_store_explicit(&sh->tally[i].site, NULL, memory_order_relaxed);
	}
	atomic_store_explicit(&sh->taken, 0, memory_order_release);
}

void fp_stats_init(void)
{
	owner_key_ok = pthread_key_create(&owner_key, release_shard) == 0;
}

static struct fp_shard *take_owned(void)
{
	struct fp_shard *sh;

	for (sh = atomic_load_explicit(&owned_list, memory_order_acquire); sh; sh = sh->next) {
		int free_ = 0;

		if (atomic_load_explicit(&sh->taken, memory_order_relaxed) == 0 &&
		    atomic_compare_exchange_strong_explicit(&sh->taken, &free_, 1,
							    memory_order_acquire,
							    memory_order_relaxed))
			return sh;
	}
	if (atomic_fetch_add_explicit(&owned_count, 1, memory_order_relaxed) >=
	    FP_STATS_OWNED_MAX)
		return NULL;
	sh = fp_je_own_alloc(sizeof(*sh));
	if (!sh)
		return NULL;
	sh->owned = 1;
	atomic_store_explicit(&sh->taken, 1, memory_order_relaxed);
	sh->next = atomic_load_explicit(&owned_list, memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(&owned_list, &sh->next, sh,
						      memory_order_release,
						      memory_order_relaxed))
		;
	return sh;
}

struct fp_shard *fp_stats_attach(void)
{
	struct fp_shard *sh = NULL;
	int saved = errno;

	fp_guard_enter();	/* pthread_setspecific may allocate */
	if (owner_key_ok && (sh = take_owned()) &&
	    pthread_setspecific(owner_key, sh) != 0) {
		atomic_store_explicit(&sh->taken, 0, memory_order_release);
		sh = NULL;
	}
	fp_guard_leave();
	errno = saved;
	fp_my_shard = sh ? sh : shared_shard();
	return fp_my_shard;
}

struct fp_tally *fp_stats_tally_claim(struct fp_shard *sh, struct fp_site *site)
{
	struct fp_tally *t = &sh->tally[((uintptr_t)site >> 6) & (FP_TALLY_SLOTS - 1)];

	fold(t);
	atomic_store_explicit(&t->site, site, memory_order_relaxed);
	return t;
}

static void add_shard(struct fp_totals *t, struct fp_shard *sh)
{
	for (unsigned c = 0; c < FP_CALL_COUNT; c++)
		t->calls[c] += atomic_load_explicit(&sh->calls[c], memory_order_relaxed);
	t->bytes += atomic_load_explicit(&sh->bytes, memory_order_relaxed);
	t->real_failures += atomic_load_explicit(&sh->real_failures, memory_order_relaxed);
	t->eligible += atomic_load_explicit(&sh->eligible, memory_order_relaxed);
}

void fp_stats_sum(struct fp_totals *t)
{
	*t = (struct fp_totals){ 0 };
	for (unsigned s = 0, n = shared_used(); s < n; s++)
		add_shard(t, &shared[s]);
	for (struct fp_shard *sh = atomic_load_explicit(&owned_list, memory_order_acquire);
	     sh; sh = sh->next)
		add_shard(t, sh);
}

void fp_stats_site_sum(struct fp_site *site, uint64_t *calls, uint64_t *bytes)
{
	unsigned slot = ((uintptr_t)site >> 6) & (FP_TALLY_SLOTS - 1);

	*calls = atomic_load_explicit(&site->calls, memory_order_relaxed);
	*bytes = atomic_load_explicit(&site->bytes, memory_order_relaxed);
	for (struct fp_shard *sh = atomic_load_explicit(&owned_list, memory_order_acquire);
	     sh; sh = sh->next) {
		struct fp_tally *t = &sh->tally[slot];

		if (atomic_load_explicit(&t->site, memory_order_relaxed) != site)
			continue;
		*calls += atomic_load_explicit(&t->calls, memory_order_relaxed);
		*bytes += atomic_load_explicit(&t->bytes, memory_order_relaxed);
	}
}

void fp_stats_injection(uint64_t seq, enum fp_call call, uint64_t size,
			struct fp_site *site)
{
	struct fp_injection *in;

	if (seq <= injections_inherited || seq - injections_inherited > FP_INJECTIONS_KEPT)
		return;
	in = &injections[seq - injections_inherited - 1];
	in->call = call;
	in->size = size;
	in->site = site;
	atomic_store_explicit(&in->seq, seq, memory_order_release);
	for (unsigned top = atomic_load_explicit(&injections_top, memory_order_relaxed),
	     mine = (unsigned)(in - injections) + 1;
	     top < mine && !atomic_compare_exchange_weak_explicit(&injections_top, &top, mine,
								   memory_order_release,
								   memory_order_relaxed);)
		;
}

const struct fp_injection *fp_stats_injections(unsigned *n)
{
	*n = atomic_load_explicit(&injections_top, memory_order_acquire);
	return injections;
}

static void forget_shard(struct fp_shard *sh)
{
	for (unsigned c = 0; c < FP_CALL_COUNT; c++)
		atomic_store_explicit(&sh->calls[c], 0, memory_order_relaxed);
	atomic_store_explicit(&sh->bytes, 0, memory_order_relaxed);
	atomic_store_explicit(&sh->real_failures, 0, memory_order_relaxed);
	atomic_store_explicit(&sh->eligible, 0, memory_order_relaxed);
	for (unsigned i = 0; i < FP_TALLY_SLOTS; i++) {
		atomic_store_explicit(&sh->tally[i].calls, 0, memory_order_relaxed);
		atomic_store_explicit(&sh->tally[i].bytes, 0, memory_order_relaxed);
	}
}

void fp_stats_fork_child(uint64_t injected)
{
	struct fp_site *site;
	unsigned cursor = 0;

	for (unsigned s = 0, n = shared_used(); s < n; s++)
		forget_shard(&shared[s]);
	for (struct fp_shard *sh = atomic_load_explicit(&owned_list, memory_order_acquire);
	     sh; sh = sh->next)
		forget_shard(sh);
	while ((site = fp_site_next(&cursor))) {
		atomic_store_explicit(&site->calls, 0, memory_order_relaxed);
		atomic_store_explicit(&site->bytes, 0, memory_order_relaxed);
		atomic_store_explicit(&site->injected, 0, memory_order_relaxed);
	}
	for (unsigned i = 0, n = atomic_load_explicit(&injections_top, memory_order_relaxed); i < n; i++)
		atomic_store_explicit(&injections[i].seq, 0, memory_order_relaxed);
	atomic_store_explicit(&injections_top, 0, memory_order_relaxed);
	injections_inherited = injected;
}
