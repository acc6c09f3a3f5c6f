/* The summary printed by `failpool run` (see summary.h). */
#include "config.h"
#include "summary.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "lines.h"
#include "parse.h"

#define P "failpool: "

static const char *human(uint64_t n, char *buf, size_t size)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)n;
	unsigned u = 0;

	if (n < 1024) {
		snprintf(buf, size, "%" PRIu64 " bytes", n);
		return buf;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, "%" PRIu64 " bytes (%.1f %s)", n, v, unit[u]);
	return buf;
}

static void print_exit(FILE *out, const struct fp_json *r)
{
	const char *exe = fp_json_str(fp_json_get(r, "exe"));
	const char *how = fp_json_str(fp_json_path(r, "exit.how"));
	const struct fp_json *complete = fp_json_get(r, "complete");
	uint64_t pid = fp_json_path_u64(r, "pid", 0);
	uint64_t code, sig;

	fprintf(out, P "%s (pid %" PRIu64 ")", exe ? exe : "?", pid);
	if (how && strcmp(how, "signal") == 0 &&
	    !fp_json_u64(fp_json_path(r, "exit.signal"), &sig)) {
		const char *name = fp_signal_name((int)sig);

		fprintf(out, " killed by signal %" PRIu64 "%s%s%s", sig,
			name ? " (" : "", name ? name : "", name ? ")" : "");
	} else if (!fp_json_u64(fp_json_path(r, "exit.code"), &code)) {
		fprintf(out, " exited with status %" PRIu64, code);
	} else {
		fprintf(out, " ended");
	}
	if (complete && complete->type == FP_JSON_BOOL && !complete->boolean)
		fprintf(out, "; the report is incomplete");
	fputc('\n', out);
}

static void print_calls(FILE *out, const struct fp_json *r)
{
	const struct fp_json *calls = fp_json_path(r, "totals.calls");
	uint64_t total = 0, v;
	int first = 1;

	for (size_t i = 0; calls && calls->type == FP_JSON_OBJ && i < calls->n; i++)
		if (!fp_json_u64(calls->items[i], &v))
			total += v;
	fprintf(out, P "calls %" PRIu64, total);
	for (size_t i = 0; calls && calls->type == FP_JSON_OBJ && i < calls->n; i++) {
		if (fp_json_u64(calls->items[i], &v) || !v)
			continue;
		fprintf(out, "%s%s %" PRIu64, first ? " (" : ", ",
			calls->items[i]->key, v);
		first = 0;
	}
	fputs(first ? "\n" : ")\n", out);
}

static uint64_t site_injected(const struct fp_json *s)
{
	return fp_json_path_u64(s, "injected", 0);
}

static int by_injected(const void *a, const void *b)
{
	uint64_t x = site_injected(*(const struct fp_json *const *)a);
	uint64_t y = site_injected(*(const struct fp_json *const *)b);

	return x < y ? 1 : x > y ? -1 : 0;
}

static void print_frame(FILE *out, const struct fp_json *f)
{
	char buf[1024];

	fp_lines_frame(buf, sizeof(buf), f, 1);
	fputs(buf, out);
}

/* The frames shown, named offline (a crash record may have no symbols). */
static void name_frames(const struct fp_json *r)
{
	const struct fp_json *sites = fp_json_get(r, "sites");

	fp_lines_objects(fp_json_get(r, "objects"));
	fp_lines_want(fp_json_path(r, "crash.frames"), 1, 1);
	for (size_t i = 0; sites && sites->type == FP_JSON_ARR && i < sites->n; i++)
		if (site_injected(sites->items[i]))
			fp_lines_want(fp_json_get(sites->items[i], "frames"), 3, 1);
	fp_lines_run();
}

static void print_sites(FILE *out, const struct fp_json *r)
{
	const struct fp_json *sites = fp_json_get(r, "sites");
	const struct fp_json **hit;
	size_t n = 0;

	if (!sites || sites->type != FP_JSON_ARR || !sites->n)
		return;
	hit = calloc(sites->n, sizeof(*hit));
	if (!hit)
		return;
	for (size_t i = 0; i < sites->n; i++)
		if (site_injected(sites->items[i]))
			hit[n++] = sites->items[i];
	/* Stable enough: equal counts keep the report's order in practice. */
	qsort(hit, n, sizeof(*hit), by_injected);
	if (n)
		fprintf(out, P "top injected sites (injected, site id, caller):\n");
	for (size_t i = 0; i < n && i < FP_SUMMARY_TOP_SITES; i++) {
		const struct fp_json *frames = fp_json_get(hit[i], "frames");
		const char *id = fp_json_str(fp_json_get(hit[i], "id"));

		fprintf(out, P "  %8" PRIu64 "  %s  ", site_injected(hit[i]),
			id ? id : "?");
		for (size_t k = 0; frames && frames->type == FP_JSON_ARR &&
		     k < frames->n && k < 3; k++) {
			if (k)
				fputs(" < ", out);
			print_frame(out, frames->items[k]);
		}
		fputc('\n', out);
	}
	if (n > FP_SUMMARY_TOP_SITES)
		fprintf(out, P "  ... and %zu more sites with injected failures\n",
			n - FP_SUMMARY_TOP_SITES);
	free(hit);
}

/* Where it crashed, and after which injected failure. */
static void print_crash(FILE *out, const struct fp_json *r)
{
	const struct fp_json *crash = fp_json_get(r, "crash");
	const struct fp_json *frames = crash ? fp_json_get(crash, "frames") : NULL;
	const char *name = crash ? fp_json_str(fp_json_get(crash, "name")) : NULL;
	const char *kind = crash ? fp_json_str(fp_json_get(crash, "kind")) : NULL;
	uint64_t seq;

	if (!crash || crash->type != FP_JSON_OBJ)
		return;
	fprintf(out, P "crash: %s", name ? name : "a fatal signal");
	if (kind && strcmp(kind, "signal"))	/* FAILPOOL_CHECK ended it */
		fprintf(out, " (%s)", kind);
	if (frames && frames->type == FP_JSON_ARR && frames->n) {
		fputs(" in ", out);
		print_frame(out, frames->items[0]);
	}
	if (!fp_json_u64(fp_json_get(crash, "last_injection_seq"), &seq))
		fprintf(out, ", after injected failure #%" PRIu64, seq);
	else
		fputs(", with no failure injected before it", out);
	fputc('\n', out);
}

/* One line per pool: how much of its reserve was used, and whether it ran out. */
static void print_pools(FILE *out, const struct fp_json *r)
{
	const struct fp_json *pools = fp_json_get(r, "pools");

	for (size_t i = 0; pools && pools->type == FP_JSON_ARR && i < pools->n; i++) {
		const struct fp_json *p = pools->items[i];
		const char *name = fp_json_str(fp_json_get(p, "name"));
		uint64_t min = fp_json_path_u64(p, "min", 0);
		uint64_t low = fp_json_path_u64(p, "low", 0);

		fprintf(out, P "pool %s: %" PRIu64 " allocs, %" PRIu64 " from the reserve, "
			"%" PRIu64 " of %" PRIu64 " elements used at most, %" PRIu64
			" waits, %" PRIu64 " exhausted\n", name ? name : "?",
			fp_json_path_u64(p, "allocs", 0), fp_json_path_u64(p, "hits", 0),
			min >= low ? min - low : 0, min, fp_json_path_u64(p, "waits", 0),
			fp_json_path_u64(p, "exhausted", 0));
	}
}

int fp_summary_print(FILE *out, const char *path, const char *shown)
{
	char err[256], buf[64];
	const struct fp_json *seed;
	struct fp_json *r;

	r = fp_json_load(path, err, sizeof(err));
	if (!r) {
		fprintf(out, P "cannot read the report %s: %s\n", path, err);
		return -1;
	}
	name_frames(r);
	print_exit(out, r);
	seed = fp_json_get(r, "seed");
	fprintf(out, P "seed %s\n", seed && seed->type == FP_JSON_NUM ? seed->text : "?");
	fprintf(out, P "eligible %" PRIu64 ", injected %" PRIu64
		", real failures %" PRIu64 "\n",
		fp_json_path_u64(r, "totals.eligible", 0),
		fp_json_path_u64(r, "totals.injected", 0),
		fp_json_path_u64(r, "totals.real_failures", 0));
	print_calls(out, r);
	fprintf(out, P "peak live %s\n",
		human(fp_json_path_u64(r, "totals.peak_live_bytes", 0), buf, sizeof(buf)));
	print_crash(out, r);
	print_sites(out, r);
	print_pools(out, r);
	if (shown)
		fprintf(out, P "report %s\n", shown);
	else
		fprintf(out, P "report not kept (use --report PATH to keep it)\n");
	fp_json_free(r);
	return 0;
}
