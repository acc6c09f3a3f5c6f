/* Merging reports (tools/merge.c): sums, per-process pool values, sites by
 * id, and the warnings for a file given twice and for different seeds. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "../../tools/merge.h"

/* A report of process @pid with seed @seed. */
static char *report(unsigned pid, unsigned seed, unsigned calls, unsigned peak, const char *sites,
		    unsigned min, unsigned curr, unsigned low, unsigned waitmax)
{
	char *s = NULL;

	if (asprintf(&s,
		     "{\"schema\": \"failpool-report/1\", \"pid\": %u, \"ppid\": 1, \"exe\": \"app\","
		     " \"seed\": %u, \"complete\": true,"
		     " \"exit\": {\"how\": \"exit\", \"code\": 0, \"signal\": null},"
		     " \"totals\": {\"calls\": {\"malloc\": %u, \"free\": 1}, \"bytes_allocated\": 100,"
		     "  \"live_bytes\": 10, \"peak_live_bytes\": %u, \"eligible\": 5, \"injected\": 2,"
		     "  \"real_failures\": 1, \"startup\": {\"calls\": 3, \"bytes\": 30}},"
		     " \"sites\": [%s],"
		     " \"pools\": [{\"name\": \"net\", \"min\": %u, \"size\": 64, \"curr\": %u, \"low\": %u,"
		     "  \"allocs\": 10, \"hits\": 4, \"refills\": 4, \"waits\": 1, \"wait_ns_total\": 100,"
		     "  \"wait_ns_max\": %u, \"exhausted\": 1, \"oversize\": 2}],"
		     " \"injections\": [{\"seq\": 1, \"call\": \"malloc\", \"size\": %u, \"site\": null}],"
		     " \"crash\": null, \"objects\": []}",
		     pid, seed, calls, peak, sites, min, curr, low, waitmax, pid) < 0)
		abort();
	return s;
}

#define SITE(id, calls, injected, pool)                                                    \
	"{\"id\": \"" id "\", \"frames\": [{\"object\": \"app\", \"offset\": \"0x" id "\"}],"  \
	" \"calls\": " #calls ", \"bytes\": " #calls "0, \"injected\": " #injected ", \"pool\": " pool "}"

static void parse(struct fp_model *m, char *text, const char *name)
{
	char err[256] = "";

	if (fp_model_parse(text, strlen(text), name, m, err, sizeof(err)))
		diag("%s: %s", name, err);
	free(text);
}

static void test_sums(void)
{
	struct fp_model *parts = calloc(2, sizeof(*parts)), m;
	char warn[512] = "";
	FILE *w = fmemopen(warn, sizeof(warn), "w");
	int floor;

	parse(&parts[0], report(10, 7, 100, 500,
				SITE("00000000000000aa", 5, 1, "null") ","
				SITE("00000000000000bb", 50, 0, "\"net\""),
				8, 6, 2, 300), "a.json");
	parse(&parts[1], report(11, 7, 40, 900,
				SITE("00000000000000bb", 7, 0, "null") ","
				SITE("00000000000000cc", 1, 1, "null") ","
				SITE("00000000000000aa", 3, 1, "null"),
				12, 5, 4, 200), "b.json");
	is_int(fp_merge_models(parts, 2, &m, w), 0, "merged");
	fclose(w);
	is_str(warn, "", "same seed: no warning");
	is_int(m.kind, FP_MODEL_MERGED, "kind: merged");
	is_u64(m.nprocs, 2, "two processes");
	is_u64(m.procs[1].pid, 11, "in order");
	is_str(m.procs[0].report, "a.json", "each with its file");
	is_u64(m.procs[1].ninjections, 1, "and its own injections");
	is_u64(m.procs[1].injections[0].size, 11, "the second report's");
	is_u64(m.ninjections, 0, "none of its own: a merge has no single order");
	is_int(m.has_seed, 1, "one seed");
	is_u64(m.seed, 7, "the seed");
	is_u64(m.totals.calls[FP_CALL_MALLOC], 140, "calls summed");
	is_u64(m.totals.bytes_allocated, 200, "bytes summed");
	is_u64(m.totals.live_bytes, 20, "live summed");
	is_u64(m.totals.peak_live_bytes, 900, "peak: the largest");
	is_u64(m.totals.eligible, 10, "eligible summed");
	is_u64(m.totals.injected, 4, "injected summed");
	is_u64(m.totals.real_failures, 2, "real failures summed");
	is_u64(m.totals.startup_calls, 6, "startup summed");

	is_u64(m.nsites, 3, "sites merged by id");
	is_u64(m.sites[0].id, 0xaa, "most injected first");
	is_u64(m.sites[0].calls, 8, "its calls summed");
	is_u64(m.sites[0].bytes, 80, "its bytes summed");
	is_u64(m.sites[0].injected, 2, "its injected summed");
	is_u64(m.sites[1].id, 0xcc, "then injected 1");
	is_u64(m.sites[2].id, 0xbb, "then the rest by calls");
	is_u64(m.sites[2].calls, 57, "bb's calls summed");
	is_str(m.sites[2].pool, "net", "the pool a report names");
	is_u64(m.sites[2].frames.n, 1, "frames from the first report");
	ok(m.sites[2].frames.v == parts[0].sites[1].frames.v, "shared, not copied");

	is_u64(m.npools, 1, "pools by name");
	is_u64(m.pools[0].processes, 2, "in two processes");
	is_u64(m.pools[0].min, 12, "min: per process, the largest (not summed)");
	is_u64(m.pools[0].curr, 5, "curr: per process, the lowest (not summed)");
	is_u64(m.pools[0].low, 2, "low: the lowest");
	is_u64(m.pools[0].size, 64, "size");
	is_u64(m.pools[0].allocs, 20, "allocs summed");
	is_u64(m.pools[0].hits, 8, "hits summed");
	is_u64(m.pools[0].waits, 2, "waits summed");
	is_u64(m.pools[0].wait_ns_total, 200, "wait_ns_total summed");
	is_u64(m.pools[0].wait_ns_max, 300, "wait_ns_max: the largest");
	is_u64(m.pools[0].exhausted, 2, "exhausted summed");
	is_u64(fp_model_pool_suggest(&m.pools[0], &floor), 14, "suggested: min + exhausted");
	is_int(floor, 1, "a floor when it ran out");
	fp_model_free(&m);
}

static void test_seeds(void)
{
	struct fp_model *parts = calloc(3, sizeof(*parts)), m;
	char warn[512] = "";
	FILE *w = fmemopen(warn, sizeof(warn), "w");

	parse(&parts[0], report(10, 7, 1, 1, "", 1, 1, 1, 1), "a.json");
	parse(&parts[1], report(11, 8, 1, 1, "", 1, 1, 1, 1), "b.json");
	parse(&parts[2], report(12, 9, 1, 1, "", 1, 1, 1, 1), "c.json");
	fp_merge_models(parts, 3, &m, w);
	fclose(w);
	is_int(m.has_seed, 0, "different seeds: none");
	is_str(warn,
	       "failpool: warning: a.json has seed 7, b.json has seed 8: runs merged from different"
	       " seeds, no one seed repeats them\n",
	       "one warning, naming two files and their seeds");
	fp_model_free(&m);
}

/* A merged model of reports of @pids (seed @seed, or pid + 1 each when 0), named @name. */
static void merged(struct fp_model *m, const unsigned *pids, size_t n, unsigned seed, const char *name)
{
	struct fp_model *parts = calloc(n, sizeof(*parts));

	for (size_t i = 0; i < n; i++)
		parse(&parts[i], report(pids[i], seed ? seed : pids[i] + 1, 1, 1,
					SITE("00000000000000aa", 5, 1, "null"), 1, 1, 1, 1), "r.json");
	fp_merge_models(parts, n, m, NULL);
	m->path = name;
}

/* Merge @n parts; what it warns in @warn. */
static void merge_warn(struct fp_model *parts, size_t n, struct fp_model *m, char *warn, size_t size)
{
	FILE *w = fmemopen(warn, size, "w");

	fp_merge_models(parts, n, m, w);
	fclose(w);
}

static void test_null_seed(void)
{
	static const unsigned pids[] = { 10, 11 };
	struct fp_model *parts = calloc(2, sizeof(*parts)), m;
	char warn[512] = "";

	merged(&parts[0], pids, 2, 0, "merged.json");
	is_int(parts[0].has_seed, 0, "two seeds merged: null");
	parse(&parts[1], report(12, 4, 1, 1, "", 1, 1, 1, 1), "c.json");
	merge_warn(parts, 2, &m, warn, sizeof(warn));
	is_int(m.has_seed, 0, "a null seed merged with seed 4: null, not 4");
	is_str(warn, "failpool: warning: merged.json has no one seed (it merged runs of different"
	       " seeds): no one seed repeats the runs\n", "... with a warning naming the merged report");
	fp_model_free(&m);
}

static void test_twins(void)
{
	static const unsigned ab[] = { 10, 11 }, bc[] = { 11, 12 };
	struct fp_model *parts, m;
	char warn[512] = "";

	/* A report and the merged report that holds it, in either order. */
	for (int order = 0; order < 2; order++) {
		parts = calloc(2, sizeof(*parts));
		merged(&parts[order], ab, 2, 7, "merged.json");
		parse(&parts[!order], report(10, 7, 1, 1, SITE("00000000000000aa", 5, 1, "null"),
					     1, 1, 1, 1), "a.json");
		merge_warn(parts, 2, &m, warn, sizeof(warn));
		is_u64(m.nprocs, 2, order ? "a report after the merged report that holds it: counted once"
					  : "a report before the merged report that holds it: counted once");
		is_u64(m.totals.calls[FP_CALL_MALLOC], 2, "... its calls once");
		is_u64(m.sites[0].calls, 10, "... its sites once");
		is_str(warn, "failpool: warning: a.json: pid 10 (app) is already in merged.json; counted once\n",
		       "... with a warning");
		fp_model_free(&m);
	}

	/* A copy of a merged report. */
	parts = calloc(2, sizeof(*parts));
	merged(&parts[0], ab, 2, 7, "merged.json");
	merged(&parts[1], ab, 2, 7, "m2.json");
	merge_warn(parts, 2, &m, warn, sizeof(warn));
	is_u64(m.nprocs, 2, "a merged report and its copy: counted once");
	is_u64(m.totals.injected, 4, "... 2 x 2 injected, not 8");
	is_str(warn, "failpool: warning: m2.json: its 2 processes are already in merged.json; counted once\n",
	       "... with a warning naming the copy");
	fp_model_free(&m);

	/* The same pid in another run (another seed): another process. */
	parts = calloc(2, sizeof(*parts));
	parse(&parts[0], report(10, 7, 1, 1, "", 1, 1, 1, 1), "a.json");
	parse(&parts[1], report(10, 8, 1, 1, "", 1, 1, 1, 1), "a-again.json");
	merge_warn(parts, 2, &m, warn, sizeof(warn));
	is_u64(m.nprocs, 2, "the same pid with another seed: two processes");
	fp_model_free(&m);

	/* Two merged reports that share one process: it cannot be taken apart. */
	parts = calloc(2, sizeof(*parts));
	merged(&parts[0], ab, 2, 7, "ab.json");
	merged(&parts[1], bc, 2, 7, "bc.json");
	merge_warn(parts, 2, &m, warn, sizeof(warn));
	is_u64(m.nprocs, 4, "two merged reports sharing a process: both kept");
	is_str(warn, "failpool: warning: pid 11 (app) is in ab.json and in bc.json; counted twice"
	       " (a merged report's totals cannot be taken apart)\n", "... and the process counted twice said");
	fp_model_free(&m);
}

/* fp_merge_files() with what it says on stderr in @out. */
static int merge_files(char **paths, size_t n, struct fp_model *m, char *out, size_t size)
{
	FILE *cap = tmpfile();
	int saved, rc;

	fflush(stderr);
	saved = dup(2);
	dup2(fileno(cap), 2);
	rc = fp_merge_files(paths, n, m);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(cap);
	out[fread(out, 1, size - 1, cap)] = '\0';
	fclose(cap);
	return rc;
}

static void test_twice(void)
{
	char dir[] = "/tmp/test-merge.XXXXXX", a[64], b[64], link[64], out[512] = "", want[128];
	char *paths[4];
	struct fp_model m;
	FILE *f;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(a, sizeof(a), "%s/a.json", dir);
	snprintf(b, sizeof(b), "%s/b.json", dir);
	snprintf(link, sizeof(link), "%s/again.json", dir);
	for (int i = 0; i < 2; i++) {
		char *text = report(10 + (unsigned)i, 7, 1, 1, SITE("00000000000000aa", 5, 1, "null"),
				    1, 1, 1, 1);

		f = fopen(i ? b : a, "w");
		fputs(text, f);
		fclose(f);
		free(text);
	}
	if (symlink(a, link))
		ok(0, "symlink");
	paths[0] = a, paths[1] = b, paths[2] = a, paths[3] = link;
	is_int(merge_files(paths, 4, &m, out, sizeof(out)), 0, "merged");
	is_u64(m.nprocs, 2, "a file given twice (by any path) is read once");
	is_u64(m.sites[0].calls, 10, "and counted once");
	snprintf(want, sizeof(want), "failpool: warning: %s: given twice; read once\n", a);
	is_str(out, want, "one warning naming the file, though given three times");
	fp_model_free(&m);
	paths[1] = "/nonexistent/r.json";
	is_int(merge_files(paths, 2, &m, out, sizeof(out)), -1, "a missing file fails");
	is_str(out, "failpool: /nonexistent/r.json: cannot open: No such file or directory\n",
	       "the file named");
	fp_model_free(&m);
	unlink(link);
	unlink(a);
	unlink(b);
	rmdir(dir);
}

/* Sites of two reports of 600 each, 300 shared: found by id after the merge. */
static void test_many_sites(void)
{
	struct fp_model *parts = calloc(2, sizeof(*parts)), m;
	int found = 0, right = 0;

	for (unsigned r = 0; r < 2; r++) {
		size_t cap = 600 * 160, len = 0;
		char *sites = malloc(cap);

		for (unsigned i = 0; i < 600; i++)
			len += (size_t)snprintf(sites + len, cap - len,
						"%s{\"id\": \"%016x\", \"frames\": [], \"calls\": %u}",
						i ? "," : "", 0x1000u + r * 300 + i, i + 1);
		parse(&parts[r], report(10 + r, 7, 1, 1, sites, 1, 1, 1, 1), r ? "b.json" : "a.json");
		free(sites);
	}
	ok(fp_model_site(&parts[0], 0x1000 + 599) == &parts[0].sites[599], "a report's sites are indexed");
	fp_merge_models(parts, 2, &m, NULL);
	is_u64(m.nsites, 900, "900 distinct sites");
	for (unsigned id = 0x1000; id < 0x1000 + 900; id++) {
		const struct fp_model_site *s = fp_model_site(&m, id);
		uint64_t want = id - 0x1000 < 300 ? id - 0x1000 + 1
				: id - 0x1000 < 600 ? (id - 0x1000 + 1) + (id - 0x1000 - 300 + 1)
				: id - 0x1000 - 300 + 1;

		found += s != NULL;
		right += s && s->id == id && s->calls == want;
	}
	is_int(found, 900, "each found by id after the sort");
	is_int(right, 900, "with its calls summed");
	ok(!fp_model_site(&m, 0x999), "an unknown id: none");
	fp_model_free(&m);
}

int main(void)
{
	test_sums();
	test_seeds();
	test_twice();
	test_null_seed();
	test_twins();
	test_many_sites();
	return done_testing();
}
