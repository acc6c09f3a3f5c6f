/*
 * The mechanisms under the allocation path, through their own functions
 * (doc/ARCHITECTURE.md, "What each module owns"): the site table (one
 * site per chain, its frames and depth, the shim's frames dropped, the
 * "other" site last, ids the same in another process), a remembered
 * chain proved only while the stack still holds it, the stats' exact sums
 * over threads, and a freeze that times out on the fake clock after a
 * known number of reads.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "chain.h"
#include "framejson.h"
#include "jsonw.h"
#include "site.h"
#include "stats.h"
#include "thread.h"
#include "fake-clock.h"
#include "../tap.h"
#include "booted.h"

/* A fourth frame, of the shim. */
#define SHIM	((const void *)((const char *)(uintptr_t)fp_boot + 1))

static void boot(void)
{
	boot_with("FAILPOOL_REPORT=/nonexistent/r.json FAILPOOL_DEPTH=3");
}

static void site_table(void)
{
	const void *abc[] = { SITE_A, SITE_B, SITE_C }, *bac[] = { SITE_B, SITE_A, SITE_C };
	const void *ashimb[] = { SITE_A, SHIM, SITE_B }, *ab[] = { SITE_A, SITE_B };
	const void *shim[] = { SHIM };
	struct fp_site *s1, *s2, *s, *other;
	unsigned cursor = 0, seen = 0, last_n = 99;
	Dl_info info;

	boot();
	is_int(fp_site_depth, 3, "FAILPOOL_DEPTH=3: 3 frames per site");
	s1 = fp_site_find(abc, 3);
	ok(fp_site_find(abc, 3) == s1, "the same chain: the same site");
	is_int(s1->n, 3, "... of 3 frames");
	ok(s1->frames[0]->ip == SITE_A && s1->frames[1]->ip == SITE_B &&
	   s1->frames[2]->ip == SITE_C, "... innermost first");
	is_str(s1->frames[0]->object, "libc.so.6", "a frame's object: libc's basename");
	dladdr(SITE_A, &info);
	is_u64(s1->frames[0]->offset, (uintptr_t)SITE_A - (uintptr_t)info.dli_fbase,
	       "... its offset: from libc's load address");
	s2 = fp_site_find(bac, 3);
	ok(s2 != s1 && s2->id != s1->id, "another order: another site, another id");
	ok(s2->frames[1] == s1->frames[0], "... sharing the frame records");
	s = fp_site_find(ashimb, 3);
	ok(s == fp_site_find(ab, 2) && s->n == 2, "a shim frame is dropped from a chain");
	other = fp_site_find(shim, 1);
	is_int(other->n, 0, "only shim frames: the other site, no frames");
	ok(fp_site_find(shim, 1) == other, "... always the same one");
	while ((s = fp_site_next(&cursor))) {
		seen++;
		last_n = s->n;
		ok(cursor - 1 <= FP_SITES_MAX, "site %u: its slot is below FP_SITES_MAX + 1", seen);
	}
	is_int(seen, 4, "fp_site_next: 3 sites and the other");
	is_int(last_n, 0, "... the other last");
}

static void chain_proofs(void)
{
	static struct fp_chains mine;
	const void *abc[] = { SITE_A, SITE_B, SITE_C };
	const void *stack[4] = { SITE_A, 0, SITE_B, 0 };
	const void *cfa = &stack[1];
	struct fp_chain *e;
	struct fp_site *s;

	boot();
	s = fp_site_find(abc, 2);
	e = fp_chain_set(&mine, SITE_A, cfa);
	*e = (struct fp_chain){ .caller = SITE_A, .cfa = cfa, .site = s, .n = 2,
				.ip = { SITE_A, SITE_B }, .slot = { &stack[0], &stack[2] } };
	ok(fp_chain_proves(e, SITE_A, cfa), "a chain whose slots still hold its frames is proved");
	ok(!fp_chain_proves(e, SITE_B, cfa), "... not for another caller");
	ok(!fp_chain_proves(e, SITE_A, &stack[2]), "... nor another stack pointer");
	fp_my_chains = NULL;
	ok(fp_chain_hit(SITE_A, cfa) == NULL, "a thread without a table: no hit");
	fp_my_chains = &mine;
	ok(fp_chain_hit(SITE_A, cfa) == s, "the thread's table: the proved site");
	stack[2] = SITE_C;
	ok(fp_chain_hit(SITE_A, cfa) == NULL, "an outer frame changed: no hit, unwind again");
	stack[2] = SITE_B;
	stack[0] = SITE_C;
	ok(fp_chain_hit(SITE_A, cfa) == NULL, "the return address is not the caller: no hit");
	e->site = NULL;
	stack[0] = SITE_A;
	ok(fp_chain_hit(SITE_A, cfa) == NULL, "an entry seen once, not proved: no hit");
	fp_my_chains = NULL;
}

static struct fp_site *counted;

static void *add_four(void *arg)
{
	struct fp_shard *sh = fp_stats_shard();

	fp_stats_bump(sh, &sh->calls[FP_CALL_MALLOC], 4);
	fp_stats_add_mine(&fp_stats_tally(sh, counted)->calls, 4);
	return NULL;
}

static void stats_sums(void)
{
	const void *a[] = { SITE_A };
	struct fp_shard *sh;
	struct fp_totals t;
	uint64_t calls, bytes;
	pthread_t th;

	boot();
	counted = fp_site_find(a, 1);
	sh = fp_stats_shard();
	ok(sh->owned, "the first thread has a shard of its own");
	fp_stats_bump(sh, &sh->calls[FP_CALL_MALLOC], 3);
	fp_stats_bump(sh, &sh->bytes, 300);
	fp_stats_add_mine(&fp_stats_tally(sh, counted)->calls, 3);
	fp_stats_add_mine(&fp_stats_tally(sh, counted)->bytes, 300);
	fp_stats_add(&counted->calls, 1);
	pthread_create(&th, NULL, add_four, NULL);
	pthread_join(th, NULL);
	fp_stats_sum(&t);
	is_u64(t.calls[FP_CALL_MALLOC], 7, "totals: 3 + 4 malloc calls over two threads");
	is_u64(t.bytes, 300, "totals: 300 bytes");
	is_u64(t.calls[FP_CALL_FREE], 0, "totals: no free");
	fp_stats_site_sum(counted, &calls, &bytes);
	is_u64(calls, 8, "the site: its own 1 and the threads' tallies 3 + 4");
	is_u64(bytes, 300, "the site: 300 bytes");
}

static int ready[2], release[2];

static void *stay_busy(void *arg)
{
	struct fp_thread *t = fp_thread_enter();
	char c;

	if (write(ready[1], "b", 1) != 1 || read(release[0], &c, 1) != 1)
		abort();
	fp_thread_busy_add(t, -1);
	return NULL;
}

static void freeze(void)
{
	pthread_t th;
	unsigned reads;
	char c;

	boot();
	if (pipe(ready) || pipe(release))
		abort();
	pthread_create(&th, NULL, stay_busy, NULL);
	if (read(ready[0], &c, 1) != 1)
		abort();
	fake_clock_step_ns = 60 * 1000000ULL;
	reads = fake_clock_reads;
	is_int(fp_thread_freeze(100), -ETIMEDOUT, "a thread busy for good: the freeze times out");
	is_int(fake_clock_reads - reads, 3, "... at the third read (0, 60, 120 ms)");
	fp_thread_thaw();
	if (write(release[1], "g", 1) != 1)
		abort();
	pthread_join(th, NULL);
	reads = fake_clock_reads;
	is_int(fp_thread_freeze(100), 0, "nobody busy: the freeze succeeds");
	is_int(fake_clock_reads - reads, 1, "... reading the clock once");
	fp_thread_thaw();
}

/* The id of qsort's site in this process, as 16 hex digits. */
static void site_id_text(char *out, size_t size)
{
	const void *a = SITE_A;

	snprintf(out, size, "%016llx", (unsigned long long)fp_site_find(&a, 1)->id);
}

/* Another process, its own address space: the same id. */
static void stable_ids(void)
{
	char self[4096], cmd[4200], mine[32], theirs[32] = "";
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	FILE *p;

	boot_with("FAILPOOL_REPORT=/nonexistent/r.json FAILPOOL_DEPTH=1");
	site_id_text(mine, sizeof(mine));
	self[n > 0 ? n : 0] = '\0';
	snprintf(cmd, sizeof(cmd), "'%s' --site-id", self);
	p = popen(cmd, "r");
	if (!p || !fgets(theirs, sizeof(theirs), p))
		theirs[0] = '\0';
	if (p)
		pclose(p);
	theirs[strcspn(theirs, "\n")] = '\0';
	is_str(theirs, mine, "a site's id is the same in a freshly executed process");
}

/* A frame record as a report writes it: in one piece, or escaped the long way. */
static void frame_json(void)
{
	const void *a[] = { SITE_A };
	struct fp_frame_info odd;
	struct fp_jsonw w;
	char buf[512], want[256];
	struct fp_site *s;

	boot();
	s = fp_site_find(a, 1);
	fp_jsonw_init_mem(&w, buf, sizeof(buf), NULL);
	fp_jsonw_arr_begin(&w);
	fp_framejson_write(&w, s->frames[0], 0);
	odd = *s->frames[0];
	strcpy(odd.object, "we\"ird\\.so");
	fp_framejson_write(&w, &odd, 0);
	fp_jsonw_arr_end(&w);
	fp_jsonw_raw(&w, "", 1);
	snprintf(want, sizeof(want),
		 "[{\"object\":\"libc.so.6\",\"offset\":\"0x%lx\",\"symbol\":null},"
		 "{\"object\":\"we\\\"ird\\\\.so\",\"offset\":\"0x%lx\",\"symbol\":null}]",
		 (unsigned long)s->frames[0]->offset, (unsigned long)s->frames[0]->offset);
	is_str(w.buf, want, "frames written: a plain one whole, an odd object name escaped");
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--site-id") == 0) {
		char id[32];

		boot_with("FAILPOOL_REPORT=/nonexistent/r.json FAILPOOL_DEPTH=1");
		site_id_text(id, sizeof(id));
		printf("%s\n", id);
		return 0;
	}
	in_child("site table", site_table);
	in_child("stable ids", stable_ids);
	in_child("chain proofs", chain_proofs);
	in_child("stats sums", stats_sums);
	in_child("freeze", freeze);
	in_child("frame json", frame_json);
	return done_testing();
}
