/*
 * lib/alloc.c's three treatments through the seams (tests/unit/fake-je.c
 * for jemalloc, doc/ARCHITECTURE.md for the boot): each scenario boots
 * its own child with its own FAILPOOL_* (README, "Variables") and checks
 * what the fake jemalloc saw, the stats' exact sums and the report
 * written from them (README, "The report").
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ending.h"
#include "policy.h"
#include "prng.h"
#include "report.h"
#include "settings.h"
#include "stats.h"
#include "thread.h"
#include "fake-clock.h"
#include "fake-je.h"
#include "json.h"
#include "../tap.h"
#include "booted.h"

static char dir[] = "/tmp/fp-test-count.XXXXXX";
static char report[64];

/* Live bytes: the shared figure and what the thread holds of them (policy.h). */
static uint64_t live(void)
{
	return fp_policy_live(&fp_process_policy, fp_thread_live_held());
}

static void passthrough(void)
{
	unsigned mallocs = fake_je.mallocs;
	uint64_t before = live();
	void *p;

	boot_with("FAILPOOL_RATE=0");
	is_u64(fp_settings()->seed, fp_mix64(FAKE_CLOCK_REALTIME_NS) ^ fp_mix64((uint64_t)getpid()),
	       "no FAILPOOL_SEED: the seed comes from the clock (faked) and the pid");
	p = fp_alloc_malloc(100, SITE_A);
	is_int(fake_je.mallocs - mallocs, 1, "PASS: malloc goes to jemalloc once");
	is_u64(live(), before, "PASS: nothing counted, live bytes unchanged");
	errno = 77;
	ok(fp_alloc_realloc(p, 0, FP_CALL_REALLOC, SITE_A) == NULL && errno == 77,
	   "PASS: realloc(p, 0) frees, NULL, errno untouched");
	is_u64(fake_je.live, 0, "PASS: ... the block is back");
	errno = 0;
	ok(!fp_alloc_calloc(SIZE_MAX, 3, SITE_A) && errno == ENOMEM,
	   "PASS: calloc overflow still refused, ENOMEM");
	ok(!fp_alloc_memalign(SIZE_MAX / 2 + 2, 1, FP_CALL_MEMALIGN, SITE_A) && errno == EINVAL,
	   "PASS: memalign beyond SIZE_MAX / 2 + 1: EINVAL");
}

static struct fp_json *load_report(void)
{
	char err[128];
	struct fp_json *j = fp_json_load(report, err, sizeof(err));

	if (!j)
		diag("%s: %s", report, err);
	return j;
}

static const char *path_str(const struct fp_json *j, const char *path)
{
	const char *s = fp_json_str(fp_json_path(j, path));

	return s ? s : "(missing)";
}

/* Code address @ip as a report's frame has it: "0x..." from its object's load bias. */
static const char *offset_of(const void *ip)
{
	static char hex[2][24];
	static unsigned k;
	struct dl_find_object r;
	uintptr_t off = (uintptr_t)ip;

	if (_dl_find_object((char *)ip - 1, &r) == 0 && r.dlfo_link_map)
		off -= (uintptr_t)r.dlfo_link_map->l_addr;
	k ^= 1;
	snprintf(hex[k], sizeof(hex[k]), "0x%jx", (uintmax_t)off);
	return hex[k];
}

/* Member @field of the report's site @i. */
static const char *site_str(const struct fp_json *j, unsigned i, const char *field)
{
	char key[64];

	snprintf(key, sizeof(key), "sites.%u.%s", i, field);
	return path_str(j, key);
}

static uint64_t site_u64(const struct fp_json *j, unsigned i, const char *field)
{
	char key[64];

	snprintf(key, sizeof(key), "sites.%u.%s", i, field);
	return fp_json_path_u64(j, key, UINT64_MAX);
}

static void counting(void)
{
	struct fp_ending end = { .how = FP_END_EXIT, .code = 3 };
	unsigned char pattern[100];
	const struct fp_injection *in;
	unsigned kept;
	struct fp_totals t;
	struct fp_json *j;
	void *p, *q, *r;
	uint64_t v;

	snprintf(report, sizeof(report), "%s/r.json", dir);
	setenv("FAILPOOL_REPORT", report, 1);
	boot_with("FAILPOOL_NTH=3 FAILPOOL_DEPTH=1 FAILPOOL_SEED=42");
	p = fp_alloc_malloc(100, SITE_A);
	memset(p, 0x5a, 100);
	memcpy(pattern, p, 100);
	q = fp_alloc_calloc(10, 10, SITE_B);
	ok(p && q, "COUNT: the first two eligible calls are served");
	is_u64(live(), 2 * fake_je_class(100), "COUNT: live bytes: two 112-byte classes");

	unsigned reallocs = fake_je.reallocs;

	errno = 0;
	r = fp_alloc_realloc(p, 5000, FP_CALL_REALLOC, SITE_C);
	ok(r == NULL && errno == ENOMEM, "NTH=3: the third eligible call, realloc, fails with ENOMEM");
	ok(memcmp(p, pattern, 100) == 0 && fp_je.usable(p) == 112,
	   "... the old block is intact, its size unchanged");
	is_int(fake_je.reallocs, reallocs, "... jemalloc's realloc was never called");
	is_u64(live(), 224, "... live bytes unchanged");

	fake_je.fail_next = 1;
	errno = 0;
	ok(!fp_alloc_malloc(7, SITE_A) && errno == ENOMEM,
	   "jemalloc refuses malloc(7): NULL, ENOMEM (a real failure)");
	is_u64(live(), 224, "... nothing charged");
	errno = 0;
	ok(!fp_alloc_calloc(SIZE_MAX / 2 + 1, 2, SITE_B) && errno == ENOMEM,
	   "calloc overflow: NULL, ENOMEM, counted as a real failure");
	ok(fp_alloc_posix_memalign(&r, 24, 8, SITE_B) == EINVAL,
	   "posix_memalign(24): EINVAL, counted, no real failure");
	errno = 55;
	ok(fp_alloc_realloc(q, 0, FP_CALL_REALLOC, SITE_B) == NULL && errno == 55,
	   "realloc(p, 0): frees, NULL, errno untouched");
	is_u64(live(), 112, "... its 112 bytes no longer live");

	fp_stats_sum(&t);
	is_u64(t.calls[FP_CALL_MALLOC], 2, "stats: 2 malloc calls");
	is_u64(t.calls[FP_CALL_CALLOC], 2, "stats: 2 calloc calls (one refused)");
	is_u64(t.calls[FP_CALL_REALLOC], 2, "stats: 2 realloc calls");
	is_u64(t.calls[FP_CALL_POSIX_MEMALIGN], 1, "stats: 1 posix_memalign call");
	is_u64(t.bytes, 200, "stats: 200 bytes requested by the successful calls");
	is_u64(t.real_failures, 2, "stats: 2 real failures (jemalloc's, calloc's overflow)");
	is_u64(atomic_load(&fp_process_policy.injected), 1, "policy: 1 injected");
	in = fp_stats_injections(&kept);
	ok(kept == 1 && in[0].seq == 1 && in[0].call == FP_CALL_REALLOC && in[0].size == 5000,
	   "the injection kept: the first (seq 1), realloc, 5000 bytes; the only entry to read");

	is_int(fp_report_write(&end), 0, "the report is written");
	j = load_report();
	ok(j != NULL, "... and parses as JSON");
	is_str(path_str(j, "schema"), "failpool-report/1", "report: schema");
	is_u64(fp_json_path_u64(j, "pid", 0), (uint64_t)getpid(), "report: pid");
	is_u64(fp_json_path_u64(j, "seed", 0), 42, "report: seed");
	is_u64(fp_json_path_u64(j, "config.nth", 0), 3, "report: config.nth");
	is_u64(fp_json_path_u64(j, "config.depth", 0), 1, "report: config.depth");
	is_str(path_str(j, "config.report"), report, "report: config.report");
	ok(fp_json_path(j, "complete") && fp_json_path(j, "complete")->boolean,
	   "report: complete is true");
	is_str(path_str(j, "exit.how"), "exit", "report: exit.how");
	is_u64(fp_json_path_u64(j, "exit.code", 99), 3, "report: exit.code");
	ok(fp_json_path(j, "exit.signal")->type == FP_JSON_NULL, "report: exit.signal null");
	is_u64(fp_json_path_u64(j, "totals.calls.malloc", 0), 2, "report: totals.calls.malloc");
	is_u64(fp_json_path_u64(j, "totals.calls.calloc", 0), 2, "report: totals.calls.calloc");
	is_u64(fp_json_path_u64(j, "totals.calls.realloc", 0), 2, "report: totals.calls.realloc");
	is_u64(fp_json_path_u64(j, "totals.calls.posix_memalign", 0), 1,
	       "report: totals.calls.posix_memalign");
	is_u64(fp_json_path_u64(j, "totals.calls.free", 9), 0, "report: totals.calls.free");
	is_u64(fp_json_path_u64(j, "totals.bytes_allocated", 0), 200, "report: bytes_allocated");
	is_u64(fp_json_path_u64(j, "totals.live_bytes", 0), 112, "report: live_bytes");
	/* A request is charged before jemalloc answers: the refused malloc(7)'s 16 too. */
	is_u64(fp_json_path_u64(j, "totals.peak_live_bytes", 0), 240, "report: peak_live_bytes");
	is_u64(fp_json_path_u64(j, "totals.eligible", 0), 4, "report: 4 eligible calls");
	is_u64(fp_json_path_u64(j, "totals.injected", 0), 1, "report: 1 injected");
	is_u64(fp_json_path_u64(j, "totals.real_failures", 0), 2, "report: 2 real failures");
	is_u64(fp_json_path(j, "sites")->n, 3, "report: 3 sites");
	is_u64(fp_json_path(j, "injections")->n, 1, "report: 1 injection");
	is_u64(fp_json_path_u64(j, "injections.0.seq", 0), 1, "report: injections.0.seq");
	is_str(path_str(j, "injections.0.call"), "realloc", "report: injections.0.call");
	is_u64(fp_json_path_u64(j, "injections.0.size", 0), 5000, "report: injections.0.size");
	/* Sites by calls: argument errors and frees are counted in the totals only. */
	/* The process names no frame: the tool names them offline, from object and offset. */
	is_str(path_str(j, "sites.0.frames.0.offset"), offset_of(SITE_A), "report: sites.0 is qsort's");
	ok(fp_json_path(j, "sites.0.frames.0.symbol")->type == FP_JSON_NULL,
	   "... unnamed (\"symbol\": null)");
	is_str(path_str(j, "sites.0.frames.0.object"), "libc.so.6", "... in libc.so.6");
	is_u64(fp_json_path_u64(j, "sites.0.calls", 0), 2, "... 2 calls (malloc(100), malloc(7))");
	is_u64(fp_json_path_u64(j, "sites.0.bytes", 0), 100, "... 100 bytes");
	is_u64(fp_json_path_u64(j, "sites.0.injected", 9), 0, "... none injected");
	v = strcmp(site_str(j, 1, "id"), path_str(j, "injections.0.site")) ? 2 : 1;
	is_str(site_str(j, (unsigned)v, "id"), path_str(j, "injections.0.site"),
	       "report: the injection's site is listed");
	is_u64(site_u64(j, (unsigned)v, "injected"), 1, "... with 1 injected");
	is_u64(site_u64(j, (unsigned)v, "bytes"), 0, "... and 0 bytes");
	is_str(site_str(j, 3 - (unsigned)v, "frames.0.offset"), offset_of(SITE_B),
	       "report: the third site is bsearch's");
	is_u64(site_u64(j, 3 - (unsigned)v, "calls"), 1, "... 1 call");
	is_u64(site_u64(j, 3 - (unsigned)v, "bytes"), 100, "... 100 bytes");
	ok(fp_json_path(j, "crash")->type == FP_JSON_NULL, "report: crash is null");
	fp_json_free(j);
	fp_alloc_free(p, FP_CALL_FREE, SITE_A, NULL);
	is_u64(live(), 0, "free: nothing live");
	unlink(report);
}

static int aligned(const void *p, size_t a)
{
	return p && ((uintptr_t)p & (a - 1)) == 0;
}

/* Every aligned entry point counted under its own name, with glibc's rounding. */
static void aligned_calls(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned memaligns = fake_je.memaligns, mallocs = fake_je.mallocs;
	struct fp_totals t;
	void *p[5];

	boot_with("FAILPOOL_REPORT=/nonexistent/r.json FAILPOOL_DEPTH=1");
	p[0] = fp_alloc_memalign(40, 10, FP_CALL_MEMALIGN, SITE_A);
	ok(aligned(p[0], 64), "memalign(40, 10): 64-aligned");
	p[1] = fp_alloc_memalign(128, 10, FP_CALL_ALIGNED_ALLOC, SITE_A);
	ok(aligned(p[1], 128), "aligned_alloc(128, 10): 128-aligned");
	p[2] = fp_alloc_memalign(page, 10, FP_CALL_VALLOC, SITE_A);
	ok(aligned(p[2], page), "valloc(10): page-aligned");
	p[3] = fp_alloc_pvalloc(1, SITE_A);
	ok(aligned(p[3], page) && fp_je.usable(p[3]) == page, "pvalloc(1): one whole page");
	is_int(fake_je.memaligns - memaligns, 4, "... all four by jemalloc's posix_memalign");
	p[4] = fp_alloc_memalign(8, 10, FP_CALL_MEMALIGN, SITE_A);
	is_int(fake_je.mallocs - mallocs, 1, "memalign(8, 10): a plain malloc");
	fp_stats_sum(&t);
	is_u64(t.calls[FP_CALL_MEMALIGN], 2, "stats: 2 memalign calls");
	is_u64(t.calls[FP_CALL_ALIGNED_ALLOC], 1, "stats: 1 aligned_alloc call");
	is_u64(t.calls[FP_CALL_VALLOC], 1, "stats: 1 valloc call");
	is_u64(t.calls[FP_CALL_PVALLOC], 1, "stats: 1 pvalloc call");
	is_u64(t.bytes, 10 * 4 + page, "stats: 40 bytes and pvalloc's page requested");
	for (int i = 0; i < 5; i++)
		fp_alloc_free(p[i], FP_CALL_FREE, SITE_A, NULL);
	fp_stats_sum(&t);
	is_u64(t.calls[FP_CALL_FREE], 5, "stats: 5 free calls");
	is_u64(live(), 0, "nothing live");
}

int main(void)
{
	if (!mkdtemp(dir))
		abort();
	in_child("passthrough", passthrough);
	in_child("counting", counting);
	in_child("aligned entry points", aligned_calls);
	rmdir(dir);
	return done_testing();
}
