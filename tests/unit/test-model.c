/* The report model (tools/model.c): a report read into typed structs, and
 * broken ones rejected with the key named. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "../tap.h"
#include "../../tools/model.h"

static const char good[] =
	"{\"schema\": \"failpool-report/1\", \"version\": \"1.2.3\", \"pid\": 1000, \"ppid\": 1,"
	" \"exe\": \"app\", \"argv\": [\"/opt/app/app\", \"-v\"], \"seed\": 18446744073709551615,"
	" \"config\": {\"rate\": 0.5}, \"complete\": false,"
	" \"exit\": {\"how\": \"signal\", \"code\": null, \"signal\": 11},"
	" \"totals\": {\"calls\": {\"malloc\": 100, \"new[]\": 7, \"free\": 90},"
	"  \"bytes_allocated\": 40960, \"live_bytes\": 1024, \"peak_live_bytes\": 8192,"
	"  \"eligible\": 110, \"injected\": 5, \"real_failures\": 1,"
	"  \"startup\": {\"calls\": 12, \"bytes\": 345}},"
	" \"sites\": [{\"id\": \"00000000000000aa\", \"frames\": ["
	"   {\"object\": \"app\", \"offset\": \"0x1234\", \"symbol\": \"parse+0x12\"},"
	"   {\"object\": null, \"offset\": \"0x2724a\", \"symbol\": null}],"
	"  \"calls\": 60, \"bytes\": 1920, \"injected\": 3, \"pool\": \"net\"}],"
	" \"pools\": [{\"name\": \"net\", \"min\": 8, \"size\": 2048, \"curr\": 6, \"low\": 2,"
	"  \"allocs\": 40, \"hits\": 38, \"refills\": 3, \"waits\": 1, \"wait_ns_total\": 500,"
	"  \"wait_ns_max\": 400, \"exhausted\": 0, \"oversize\": 2}],"
	" \"injections\": [{\"seq\": 1, \"call\": \"malloc\", \"size\": 32, \"site\": \"00000000000000aa\"},"
	"  {\"seq\": 2, \"call\": \"new[]\", \"size\": 8, \"site\": null}],"
	" \"crash\": {\"signal\": 11, \"name\": \"SIGSEGV\", \"kind\": \"double-free\","
	"  \"last_injection_seq\": 2, \"frames\": [{\"object\": \"app\", \"offset\": \"0x10\", \"symbol\": null}],"
	"  \"alloc_frames\": [], \"first_free_frames\": [{\"object\": \"app\", \"offset\": \"0x20\"}]},"
	" \"objects\": [{\"name\": \"app\", \"path\": \"/opt/app/app\"}],"
	" \"series\": [{\"ms\": 10, \"live_bytes\": 100, \"injected\": 1, \"pools\": {\"net\": 7}},"
	"  {\"ms\": 20.5, \"live_bytes\": 50, \"injected\": 2}]}";

static void test_good(void)
{
	struct fp_model m;
	char err[256] = "";
	const struct fp_model_proc *p;
	const struct fp_model_crash *c;

	is_int(fp_model_parse(good, strlen(good), "r.json", &m, err, sizeof(err)), 0,
	       "a good report loads (%s)", err);
	is_int(m.kind, FP_MODEL_REPORT, "kind: report");
	is_u64(m.nprocs, 1, "one process");
	p = &m.procs[0];
	is_str(p->report, "r.json", "the file name kept");
	is_str(p->version, "1.2.3", "version");
	is_u64(p->pid, 1000, "pid");
	is_u64(p->ppid, 1, "ppid");
	is_str(p->exe, "app", "exe");
	is_u64(p->argc, 2, "argc");
	is_str(p->argv[1], "-v", "argv[1]");
	is_int(m.has_seed, 1, "seed present");
	is_u64(m.seed, UINT64_MAX, "a 64-bit seed exactly");
	is_str(p->seed_text, "18446744073709551615", "seed as written");
	ok(p->config && fp_json_get(p->config, "rate"), "config kept as written");
	is_int(p->complete, 0, "complete false");
	is_int(p->exit.by_signal, 1, "ended by a signal");
	is_int(p->exit.signal, 11, "signal 11");
	is_int(p->exit.has_code, 0, "no exit code");
	is_u64(p->injected, 5, "process injected = totals.injected");
	is_u64(m.totals.calls[FP_CALL_MALLOC], 100, "calls.malloc");
	is_u64(m.totals.calls[FP_CALL_NEW_ARRAY], 7, "calls.new[]");
	is_u64(m.totals.calls_present,
	       FP_CALLBIT(FP_CALL_MALLOC) | FP_CALLBIT(FP_CALL_NEW_ARRAY) | FP_CALLBIT(FP_CALL_FREE),
	       "the entry points listed");
	is_u64(m.totals.bytes_allocated, 40960, "bytes_allocated");
	is_u64(m.totals.live_bytes, 1024, "live_bytes");
	is_u64(m.totals.peak_live_bytes, 8192, "peak_live_bytes");
	is_u64(m.totals.eligible, 110, "eligible");
	is_u64(m.totals.injected, 5, "injected");
	is_u64(m.totals.real_failures, 1, "real_failures");
	is_u64(m.totals.startup_calls, 12, "startup.calls");
	is_u64(m.totals.startup_bytes, 345, "startup.bytes");

	is_u64(m.nsites, 1, "one site");
	is_u64(m.sites[0].id, 0xaa, "site id parsed from hex");
	is_u64(m.sites[0].frames.n, 2, "two frames");
	is_str(m.sites[0].frames.v[0].object, "app", "frame object");
	is_str(m.sites[0].frames.v[0].offset, "0x1234", "frame offset as written");
	is_u64(m.sites[0].frames.v[0].off, 0x1234, "frame offset parsed");
	is_str(m.sites[0].frames.v[0].symbol, "parse+0x12", "frame symbol");
	is_int(m.sites[0].frames.v[0].own_symbol, 1, "the report's own symbol");
	ok(!m.sites[0].frames.v[1].object, "a null object is NULL");
	ok(!m.sites[0].frames.v[1].symbol, "a null symbol is NULL");
	is_int(m.sites[0].frames.v[1].named, 0, "not named yet");
	is_u64(m.sites[0].calls, 60, "site calls");
	is_u64(m.sites[0].bytes, 1920, "site bytes");
	is_u64(m.sites[0].injected, 3, "site injected");
	is_str(m.sites[0].pool, "net", "site pool");
	ok(fp_model_site(&m, 0xaa) == &m.sites[0], "site found by id");
	ok(!fp_model_site(&m, 0xab), "an unknown id: none");

	is_u64(m.npools, 1, "one pool");
	is_str(m.pools[0].name, "net", "pool name");
	is_u64(m.pools[0].min, 8, "pool min");
	is_u64(m.pools[0].curr, 6, "pool curr");
	is_u64(m.pools[0].low, 2, "pool low");
	is_u64(m.pools[0].wait_ns_max, 400, "pool wait_ns_max");
	is_u64(m.pools[0].oversize, 2, "pool oversize");
	is_u64(m.pools[0].processes, 1, "a report's pool: one process");

	is_u64(m.ninjections, 2, "two injections");
	is_str(m.injections[1].call, "new[]", "injection call");
	is_u64(m.injections[0].site, 0xaa, "injection site");
	is_int(m.injections[1].has_site, 0, "a null site");
	ok(p->injections == m.injections && p->ninjections == 2, "the process has its injections");
	ok(p->series == m.series && p->nseries == 2, "and its series");

	c = p->crash;
	ok(c != NULL, "a crash");
	is_u64(c->signal, 11, "crash signal");
	is_str(c->name, "SIGSEGV", "crash name");
	is_int(c->kindv, FP_CRASH_DOUBLE_FREE, "crash kind");
	is_int(c->has_last_injection_seq, 1, "last_injection_seq present");
	is_u64(c->last_injection_seq, 2, "last_injection_seq");
	is_u64(c->frames.n, 1, "crash frames");
	is_u64(c->frames.v[0].off, 0x10, "crash frame offset");
	is_int(c->alloc_frames.present, 1, "alloc_frames present");
	is_u64(c->alloc_frames.n, 0, "alloc_frames empty");
	is_u64(c->first_free_frames.n, 1, "first_free_frames");

	is_u64(m.nobjects, 1, "one object");
	is_str(m.objects[0].path, "/opt/app/app", "object path");
	is_int(m.has_series, 1, "series present");
	is_u64(m.nseries, 2, "two samples");
	is_double(m.series[1].ms, 20.5, 0, "sample ms");
	is_u64(m.series[0].npools, 1, "sample pools");
	is_str(m.series[0].pools[0].name, "net", "sample pool name");
	is_double(m.series[0].pools[0].curr, 7, 0, "sample pool curr");
	fp_model_free(&m);
}

/* @good with @from replaced by @to must fail with @want. */
static void broken(const char *from, const char *to, const char *want)
{
	char text[sizeof(good) + 256], err[256] = "";
	const char *at = strstr(good, from);
	struct fp_model m;

	if (!at) {
		ok(0, "fixture has '%s'", from);
		return;
	}
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
	is_int(fp_model_parse(text, strlen(text), "b.json", &m, err, sizeof(err)), -1,
	       "rejected: %s", want);
	is_str(err, want, "the key named");
	fp_model_free(&m);
}

static void test_broken(void)
{
	struct fp_model m;
	char err[256];

	broken("\"pid\": 1000", "\"pid\": \"1000\"", "not a failpool report (pid is not a non-negative integer)");
	broken("\"pid\": 1000,", "", "not a whole failpool report (pid is missing)");
	broken("\"schema\": \"failpool-report/1\"", "\"schema\": \"x\"",
	       "not a failpool report (no \"schema\": \"failpool-report/1\")");
	broken("\"argv\": [\"/opt/app/app\"", "\"argv\": [1",
	       "not a failpool report (argv[0] is not a string)");
	broken("\"how\": \"signal\"", "\"how\": 1", "not a failpool report (exit.how is not a string)");
	broken("\"malloc\": 100", "\"malloc\": -1",
	       "not a failpool report (totals.calls.malloc is not a non-negative integer)");
	broken("\"startup\": {\"calls\": 12", "\"startup\": {\"calls\": true",
	       "not a failpool report (totals.startup.calls is not a non-negative integer)");
	broken("{\"object\": null, \"offset\": \"0x2724a\", \"symbol\": null}", "7",
	       "not a failpool report (sites[0].frames[1] is not an object)");
	broken("\"offset\": \"0x2724a\"", "\"offset\": 5",
	       "not a failpool report (sites[0].frames[1].offset is not a string)");
	broken("\"id\": \"00000000000000aa\"", "\"id\": 170",
	       "not a failpool report (sites[0].id is not a string)");
	broken("\"min\": 8", "\"min\": 8.5", "not a failpool report (pools[0].min is not a non-negative integer)");
	broken("\"name\": \"net\"", "\"name\": null", "not a failpool report (pools[0].name is not a string)");
	broken("{\"seq\": 1", "3, {\"seq\": 1", "not a failpool report (injections[0] is not an object)");
	broken("\"crash\": {", "\"crash\": [], \"x\": {", "not a failpool report (crash is not an object or null)");
	broken("\"offset\": \"0x20\"", "\"offset\": \"0x20\", \"line\": \"3\"",
	       "not a failpool report (crash.first_free_frames[0].line is not a non-negative integer or null)");
	broken("\"last_injection_seq\": 2", "\"last_injection_seq\": \"2\"",
	       "not a failpool report (crash.last_injection_seq is not a non-negative integer or null)");
	broken("\"pools\": {\"net\": 7}", "\"pools\": {\"net\": \"7\"}",
	       "not a failpool report (series[0].pools.net is not a number)");
	broken("\"path\": \"/opt/app/app\"}]", "\"path\": 3}]",
	       "not a failpool report (objects[0].path is not a string or null)");

	is_int(fp_model_parse("[1]", 3, "a.json", &m, err, sizeof(err)), -1, "an array: rejected");
	is_str(err, "not a failpool report (not a JSON object)", "an array: why");
	fp_model_free(&m);
	is_int(fp_model_parse("{\"a\": ", 6, "a.json", &m, err, sizeof(err)), -1, "not JSON: rejected");
	is_str(err, "line 1 column 7: unexpected end of input", "not JSON: where");
	fp_model_free(&m);
	is_int(fp_model_load("/nonexistent/r.json", &m, err, sizeof(err)), -1, "a missing file");
	is_str(err, "cannot open: No such file or directory", "a missing file: why");
	fp_model_free(&m);
}

static const char merged[] =
	"{\"schema\": \"failpool-merged/1\", \"processes\": ["
	" {\"report\": \"a.json\", \"pid\": 10, \"ppid\": 1, \"exe\": \"app\", \"complete\": true,"
	"  \"exit\": {\"how\": \"exit\", \"code\": 3, \"signal\": null}, \"injected\": 2, \"crash\": null},"
	" {\"report\": \"b.json\", \"pid\": 11, \"ppid\": 10, \"exe\": \"app\", \"complete\": false,"
	"  \"exit\": {\"how\": \"signal\", \"code\": null, \"signal\": 6}, \"injected\": 1,"
	"  \"crash\": {\"signal\": 6, \"name\": \"SIGABRT\", \"kind\": \"signal\", \"last_injection_seq\": null,"
	"   \"frames\": [{\"object\": \"app\", \"offset\": \"0x5\", \"symbol\": \"f+0x1\", \"file\": \"a.c\", \"line\": 9}]}}],"
	" \"seed\": null, \"totals\": {\"calls\": {\"malloc\": 3}, \"bytes_allocated\": 1, \"live_bytes\": 2,"
	"  \"peak_live_bytes\": 3, \"eligible\": 4, \"injected\": 3, \"real_failures\": 0},"
	" \"sites\": [], \"pools\": [{\"name\": \"p\", \"min\": 1, \"processes\": 2}]}";

static void test_merged(void)
{
	struct fp_model m;
	char err[256] = "";
	const struct fp_model_frame *f;

	is_int(fp_model_parse(merged, strlen(merged), "m.json", &m, err, sizeof(err)), 0,
	       "a merged report loads (%s)", err);
	is_int(m.kind, FP_MODEL_MERGED, "kind: merged");
	is_u64(m.nprocs, 2, "two processes");
	is_str(m.procs[1].report, "b.json", "each with its file");
	is_int(m.procs[0].exit.has_code, 1, "exit code present");
	is_int((int)m.procs[0].exit.code, 3, "exit code");
	is_u64(m.procs[1].injected, 1, "process injected");
	is_int(m.has_seed, 0, "seed null: none");
	is_u64(m.totals.injected, 3, "totals");
	is_u64(m.pools[0].processes, 2, "pool processes");
	ok(m.procs[1].crash != NULL, "the crash");
	f = &m.procs[1].crash->frames.v[0];
	is_int(f->named, 1, "a merged frame is named");
	is_str(f->file, "a.c", "its file");
	is_u64(f->line, 9, "its line");
	fp_model_free(&m);
}

/* A merged report's seed is its processes' too, so that merging it again keeps it. */
static void test_merged_seed(void)
{
	char text[sizeof(merged) + 8], err[256] = "";
	const char *at = strstr(merged, "\"seed\": null");
	struct fp_model m;

	snprintf(text, sizeof(text), "%.*s\"seed\": 5%s", (int)(at - merged), merged,
		 at + strlen("\"seed\": null"));
	is_int(fp_model_parse(text, strlen(text), "m.json", &m, err, sizeof(err)), 0,
	       "a merged report with a seed loads (%s)", err);
	is_int(m.has_seed, 1, "its seed");
	is_u64(m.seed, 5, "5");
	is_int(m.procs[0].has_seed && m.procs[1].has_seed, 1, "its processes have it");
	is_u64(m.procs[1].seed, 5, "the same");
	fp_model_free(&m);
}

int main(void)
{
	test_good();
	test_broken();
	test_merged();
	test_merged_seed();
	return done_testing();
}
