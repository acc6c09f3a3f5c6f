/* lib/policy.c: exact failure sequences, seeded RATE, LIMIT, threads. */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "conf.h"
#include "fp.h"
#include "policy.h"
#include "../tap.h"

static struct fp_policy p;
static struct fp_policy_stream me;

/* A fresh policy, and the stream of the process's first thread. */
static void start(const struct fp_conf *c, uint64_t seed)
{
	fp_policy_init(&p, c, seed);
	me = (struct fp_policy_stream){ 0 };
	fp_policy_stream_init(&p, &me, 0);
}

/* The indices in 1..n that fail, as "3,6,9". */
static const char *sequence(const struct fp_conf *c, uint64_t seed, unsigned n)
{
	static char buf[4096];
	size_t len = 0;

	start(c, seed);
	buf[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		uint64_t k = fp_policy_next(&p);

		if (fp_policy_decide(&p, &me, k, 0) && len < sizeof(buf) - 24)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%llu",
						len ? "," : "", (unsigned long long)k);
	}
	return buf;
}

/*
 * Append to @out the thread-own indices among the next @n eligible
 * allocations of the thread with stream @s that fail, as ",3,9".
 */
static void draws_append(struct fp_policy_stream *s, unsigned n, char *out)
{
	size_t len = strlen(out);

	for (unsigned i = 0; i < n; i++)
		if (fp_policy_decide(&p, s, 0, 0) && len < 2048 - 24)
			len += (size_t)snprintf(out + len, 2048 - len, "%s%llu", len ? "," : "",
						(unsigned long long)atomic_load(&s->k));
}

static void draws(struct fp_policy_stream *s, unsigned n, char *out)
{
	out[0] = '\0';
	draws_append(s, n, out);
}

static struct fp_conf conf(void)
{
	struct fp_conf c;

	fp_conf_defaults(&c);
	return c;
}

struct hammer {
	unsigned calls;
	uint64_t order;
	uint64_t injected;
};

static void *hammer(void *arg)
{
	struct hammer *h = arg;
	struct fp_policy_stream mine = { 0 };

	fp_policy_stream_init(&p, &mine, h->order);
	for (unsigned i = 0; i < h->calls; i++)
		if (fp_policy_decide(&p, &mine, fp_policy_next(&p), 16))
			h->injected++;
		else
			fp_policy_uncharge(&p, 16);
	return NULL;
}

int main(void)
{
	struct fp_conf c;
	char a[4096];
	unsigned fails;

	c = conf();
	is_str(sequence(&c, 1, 100), "", "nothing configured: nothing fails");

	c = conf(); c.every = 3;
	is_str(sequence(&c, 1, 20), "3,6,9,12,15,18", "EVERY=3");
	c.after = 4;
	is_str(sequence(&c, 1, 20), "6,9,12,15,18", "EVERY=3 AFTER=4");
	c = conf(); c.every = 1; c.times = 2;
	is_str(sequence(&c, 1, 20), "1,2", "EVERY=1 TIMES=2");
	is_u64(atomic_load(&p.injected), 2, "... injected counter is 2");
	is_u64(atomic_load(&p.eligible), 20, "... eligible counter is 20");
	c = conf(); c.every = 1; c.times = 0;
	is_str(sequence(&c, 1, 20), "", "TIMES=0: nothing fails");
	c = conf(); c.nth = 5;
	is_str(sequence(&c, 1, 100), "5", "NTH=5");
	c.burst = 3;
	is_str(sequence(&c, 1, 100), "5,6,7", "NTH=5 BURST=3");
	c.burst = FP_UNLIMITED;
	is_str(sequence(&c, 1, 10), "5,6,7,8,9,10", "NTH=5 BURST=inf");
	c.after = 7;
	is_str(sequence(&c, 1, 10), "8,9,10", "NTH=5 BURST=inf AFTER=7");
	c = conf(); c.nth = 3; c.after = 5;
	is_str(sequence(&c, 1, 20), "", "NTH within AFTER never fails");
	c = conf(); c.after = 10;
	is_str(sequence(&c, 1, 100), "", "AFTER alone never fails");
	c = conf(); c.every = 4; c.nth = 6; c.burst = 2;
	is_str(sequence(&c, 1, 12), "4,6,7,8,12", "EVERY and NTH combine");

	/* RATE: 0, 1, seeded reproducibility, calibration. */
	c = conf(); c.rate = 0;
	is_str(sequence(&c, 9, 1000), "", "RATE=0 never fails");
	c.rate = 1;
	start(&c, 9);
	fails = 0;
	for (unsigned i = 0; i < 1000; i++)
		fails += fp_policy_decide(&p, &me, fp_policy_next(&p), 0) != 0;
	is_u64(fails, 1000, "RATE=1 always fails");
	c.rate = 0.05;
	strcpy(a, sequence(&c, 42, 2000));
	is_str(sequence(&c, 42, 2000), a, "RATE=0.05: the same seed gives the same failures");
	ok(strcmp(sequence(&c, 43, 2000), a) != 0, "... another seed gives others");
	c.rate = 0.01;
	start(&c, 7);
	fails = 0;
	for (unsigned i = 0; i < 1000000; i++)
		fails += fp_policy_decide(&p, &me, fp_policy_next(&p), 0) != 0;
	/* Binomial(1e6, 0.01): sd = 99.5; 4 sd either side. */
	ok(fails > 10000 - 398 && fails < 10000 + 398, "RATE=0.01 over 1e6: %u failures (10000 +- 398)", fails);
	c.rate = 0.5;
	start(&c, 7);
	fails = 0;
	for (unsigned i = 0; i < 1000000; i++)
		fails += fp_policy_decide(&p, &me, fp_policy_next(&p), 0) != 0;
	ok(fails > 500000 - 2000 && fails < 500000 + 2000, "RATE=0.5 over 1e6: %u failures (500000 +- 2000)", fails);
	c.rate = 0.001;
	start(&c, 11);
	fails = 0;
	for (unsigned i = 0; i < 1000000; i++)
		fails += fp_policy_decide(&p, &me, fp_policy_next(&p), 0) != 0;
	ok(fails > 1000 - 127 && fails < 1000 + 127, "RATE=0.001 over 1e6: %u failures (1000 +- 127)", fails);

	/* A fork child: its own stream, deterministic, counts continue. */
	c = conf(); c.rate = 0.1;
	start(&c, 5);
	for (unsigned i = 0; i < 50; i++)
		fp_policy_decide(&p, &me, fp_policy_next(&p), 0);
	{
		struct fp_policy parent = p, child1, child1again, child2;
		char ps[2048] = "", cs[2048] = "";
		size_t pl = 0, cl = 0;

		fp_policy_fork_child(&p, 1);
		child1 = p;
		p = parent;
		fp_policy_fork_child(&p, 1);
		child1again = p;
		p = parent;
		fp_policy_fork_child(&p, 2);
		child2 = p;
		ok(child1.stream != parent.stream, "child's stream differs from the parent's");
		ok(child1.stream == child1again.stream, "... and is the same for the same fork order");
		ok(child2.stream != child1.stream, "... and differs for another fork order");
		is_u64(atomic_load(&child1.eligible), 50, "child continues the eligible count");
		struct fp_policy_stream pme = me, cme = me;

		fp_policy_stream_init(&child1, &cme, 0);
		for (unsigned i = 0; i < 200; i++) {
			uint64_t k = fp_policy_next(&parent);

			if (fp_policy_decide(&parent, &pme, k, 0) && pl < sizeof(ps) - 24)
				pl += (size_t)snprintf(ps + pl, sizeof(ps) - pl, "%llu,", (unsigned long long)k);
			k = fp_policy_next(&child1);
			if (fp_policy_decide(&child1, &cme, k, 0) && cl < sizeof(cs) - 24)
				cl += (size_t)snprintf(cs + cl, sizeof(cs) - cl, "%llu,", (unsigned long long)k);
		}
		ok(strcmp(ps, cs) != 0, "parent and child do not fail in lockstep");
	}

	/*
	 * Per-thread streams: the first thread keeps the process's stream, the
	 * others get their own from their creation order, and each draws by its
	 * own count, so interleaving two threads changes neither's failures.
	 */
	c = conf(); c.rate = 0.1;
	start(&c, 3);
	{
		struct fp_policy_stream t1 = { 0 }, t2 = { 0 }, t1again = { 0 };
		char alone1[2048] = "", alone2[2048] = "", mixed1[2048] = "", mixed2[2048] = "";

		fp_policy_stream_init(&p, &t1, 1);
		fp_policy_stream_init(&p, &t1again, 1);
		fp_policy_stream_init(&p, &t2, 2);
		ok(me.stream == p.stream, "thread order 0 draws from the process's stream");
		ok(t1.stream != p.stream && t2.stream != t1.stream && t2.stream != p.stream,
		   "... orders 1 and 2 from streams of their own");
		ok(t1again.stream == t1.stream, "... the same order, the same stream");
		draws(&t1, 300, alone1);
		draws(&t2, 300, alone2);
		t1 = t1again;
		t2 = (struct fp_policy_stream){ 0 };
		fp_policy_stream_init(&p, &t2, 2);
		for (unsigned i = 0; i < 300; i++) {
			/* thread 1 twice as often early on: another interleaving */
			draws_append(&t1, i < 100 ? 2 : i < 200 ? 1 : 0, mixed1);
			draws_append(&t2, 1, mixed2);
		}
		ok(strcmp(alone1, alone2) != 0, "threads 1 and 2 fail at other indices");
		is_str(mixed1, alone1, "thread 1's failures, interleaved with thread 2: the same indices");
		is_str(mixed2, alone2, "thread 2's failures, interleaved with thread 1: the same indices");
		is_str(alone1, "1,21,22,30,49,50,56,69,96,108,113,117,120,155,156,160,162,175,177,187,189,204,208,217,220,229,231,249,262,282,288",
		       "thread 1's failures for seed 3, pinned");
	}

	/* LIMIT: charge within the limit, fail beyond, uncharge frees room. */
	c = conf(); c.limit_set = 1; c.limit = 1000;
	start(&c, 1);
	is_u64(fp_policy_decide(&p, &me, fp_policy_next(&p), 600), 0, "LIMIT=1000: 600 bytes fit");
	is_u64(atomic_load(&p.live), 600, "... live 600");
	is_u64(fp_policy_decide(&p, &me, fp_policy_next(&p), 600), 1, "... another 600 fail (failure #1)");
	is_u64(atomic_load(&p.live), 600, "... live still 600");
	is_u64(fp_policy_decide(&p, &me, fp_policy_next(&p), 400), 0, "... 400 fit exactly");
	is_u64(atomic_load(&p.live), 1000, "... live 1000");
	is_u64(atomic_load(&p.peak), 1000, "... peak 1000");
	fp_policy_uncharge(&p, 600);
	is_u64(fp_policy_decide(&p, &me, fp_policy_next(&p), 600), 0, "after freeing 600, 600 fit again");
	fp_policy_uncharge(&p, 1000);
	is_u64(atomic_load(&p.live), 0, "... live back to 0");
	is_u64(atomic_load(&p.peak), 1000, "... peak stays 1000");
	fp_policy_charge(&p, 5000);
	is_u64(atomic_load(&p.peak), 5000, "charge raises the peak");
	fp_policy_uncharge(&p, 5000);
	c.after = 3;
	start(&c, 1);
	is_u64(fp_policy_decide(&p, &me, fp_policy_next(&p), 5000), 0, "LIMIT with AFTER=3: #1 passes over the limit");
	is_u64(atomic_load(&p.live), 5000, "... and is charged");
	c = conf(); c.limit_set = 1; c.limit = 100; c.times = 1;
	start(&c, 1);
	is_u64(fp_policy_decide(&p, &me, fp_policy_next(&p), 200), 1, "LIMIT with TIMES=1: first over-limit fails");
	is_u64(fp_policy_decide(&p, &me, fp_policy_next(&p), 200), 0, "... the second goes through");
	is_u64(atomic_load(&p.live), 200, "... and is charged");
	c = conf(); c.every = 2;
	start(&c, 1);
	fp_policy_decide(&p, &me, fp_policy_next(&p), 64);
	fp_policy_decide(&p, &me, fp_policy_next(&p), 64);
	is_u64(atomic_load(&p.live), 64, "an injected failure charges nothing");

	/*
	 * Live bytes held by the thread (its record's counter) and added to the
	 * shared figure a batch at a time: the live count and, with one
	 * thread, the peak stay exact.
	 */
	{
		_Atomic uint64_t held = 0;

		c = conf();
		start(&c, 1);
		fp_live_held = &held;
		fp_policy_charge(&p, 1000);
		is_u64(atomic_load(&p.live), 0, "held: 1000 bytes charged, the shared figure untouched");
		is_u64(fp_policy_live(&p, atomic_load(&held)), 1000, "... the live count is 1000");
		is_u64(atomic_load(&p.peak), 1000, "... and so is the peak");
		fp_policy_charge(&p, FP_LIVE_BATCH);
		is_u64(atomic_load(&p.live), 1000 + FP_LIVE_BATCH, "a full batch goes to the shared figure");
		is_u64(atomic_load(&held), 0, "... and nothing stays held");
		fp_policy_uncharge(&p, 600);
		is_u64(fp_policy_live(&p, atomic_load(&held)), 400 + FP_LIVE_BATCH, "600 freed: live exact");
		is_u64(fp_policy_peak(&p, atomic_load(&held)), 1000 + FP_LIVE_BATCH, "... the peak stays");
		fp_policy_uncharge(&p, FP_LIVE_BATCH);
		is_u64(atomic_load(&held), 0, "a batch freed goes to the shared figure too");
		is_u64(atomic_load(&p.live), 400, "... which is the live count again");
		fp_policy_charge(&p, 2000);
		is_u64(fp_policy_peak(&p, atomic_load(&held)), 1000 + FP_LIVE_BATCH,
		       "2000 more: below the peak, which stays");
		fp_policy_publish(&p, &held);
		is_u64(atomic_load(&p.live), 2400, "publish: what was held is in the shared figure");
		fp_live_held = NULL;
	}

	/* Four threads: exact counts. */
	{
		pthread_t t[4];
		struct hammer h[4];
		uint64_t total = 0;

		c = conf(); c.every = 7;
		start(&c, 1);
		for (int i = 0; i < 4; i++) {
			h[i] = (struct hammer){ .calls = 100000, .order = (uint64_t)i + 1 };
			pthread_create(&t[i], NULL, hammer, &h[i]);
		}
		for (int i = 0; i < 4; i++) {
			pthread_join(t[i], NULL);
			total += h[i].injected;
		}
		is_u64(atomic_load(&p.eligible), 400000, "4 threads: eligible exactly 400000");
		is_u64(total, 400000 / 7, "4 threads EVERY=7: exactly 57142 failures seen");
		is_u64(atomic_load(&p.injected), 400000 / 7, "... and counted");
		is_u64(atomic_load(&p.live), 0, "... live bytes back to 0");
	}
	{
		pthread_t t[4];
		struct hammer h[4];

		c = conf(); c.limit_set = 1; c.limit = 16 * 3;
		start(&c, 1);
		for (int i = 0; i < 4; i++) {
			h[i] = (struct hammer){ .calls = 100000, .order = (uint64_t)i + 1 };
			pthread_create(&t[i], NULL, hammer, &h[i]);
		}
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		ok(atomic_load(&p.peak) <= 48, "4 threads LIMIT=48: the peak never passed it (%llu)",
		   (unsigned long long)atomic_load(&p.peak));
		is_u64(atomic_load(&p.live), 0, "... live back to 0");
	}
	return done_testing();
}
