/* Sharded counters and the list of the first injected failures. */
#include "config.h"
#include "stats.h"

struct fp_shard fp_shards[FP_STATS_SHARDS];
__thread struct fp_shard *fp_my_shard __attribute__((tls_model("initial-exec")));

static _Atomic unsigned next_shard;
static struct fp_injection injections[FP_INJECTIONS_KEPT];

struct fp_shard *fp_stats_attach(void)
{
	unsigned i = atomic_fetch_add_explicit(&next_shard, 1, memory_order_relaxed);

	fp_my_shard = &fp_shards[i % FP_STATS_SHARDS];
	return fp_my_shard;
}

void fp_stats_sum(struct fp_totals *t)
{
	*t = (struct fp_totals){ 0 };
	for (unsigned s = 0; s < FP_STATS_SHARDS; s++) {
		struct fp_shard *sh = &fp_shards[s];

		for (unsigned c = 0; c < FP_CALL_COUNT; c++)
			t->calls[c] += atomic_load_explicit(&sh->calls[c], memory_order_relaxed);
		t->bytes += atomic_load_explicit(&sh->bytes, memory_order_relaxed);
		t->real_failures += atomic_load_explicit(&sh->real_failures, memory_order_relaxed);
	}
}

void fp_stats_injection(uint64_t seq, enum fp_call call, uint64_t size,
			struct fp_site *site)
{
	struct fp_injection *in;

	if (seq == 0 || seq > FP_INJECTIONS_KEPT)
		return;
	in = &injections[seq - 1];
	in->call = call;
	in->size = size;
	in->site = site;
	atomic_store_explicit(&in->seq, seq, memory_order_release);
}

const struct fp_injection *fp_stats_injections(void)
{
	return injections;
}
