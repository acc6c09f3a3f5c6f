/* The summary printed by `failpool run` (see summary.h). */
#include "config.h"
#include "summary.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "lines.h"
#include "merge.h"
#include "parse.h"

#define P "failpool: "
/* The callers shown for a site. */
#define SITE_FRAMES	3

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

static void print_frames(FILE *out, const struct fp_json *frames, size_t max)
{
	char buf[1024];

	for (size_t k = 0; frames && frames->type == FP_JSON_ARR && k < frames->n && k < max; k++) {
		fp_lines_frame(buf, sizeof(buf), frames->items[k], 1);
		fprintf(out, "%s%s", k ? " < " : "", buf);
	}
}

/* "exited with status N" or "killed by signal N (SIGX)". */
static void print_ending(FILE *out, const struct fp_mproc *p)
{
	const char *name = p->signal ? fp_signal_name(p->signal) : NULL;

	if (p->signal)
		fprintf(out, "killed by signal %d%s%s%s", p->signal,
			name ? " (" : "", name ? name : "", name ? ")" : "");
	else if (p->has_code)
		fprintf(out, "exited with status %" PRId64, p->code);
	else if (p->complete)	/* the image an exec replaced: its own report */
		fputs("replaced by exec", out);
	else
		fputs("ended", out);
}

/* Why CMD left no report, from how it ended. */
static void print_no_report(FILE *out, const struct fp_summary_run *run)
{
	const char *base = strrchr(run->cmd, '/');

	const char *exe = getenv("FAILPOOL_EXE");

	base = base ? base + 1 : run->cmd;
	fprintf(out, P "no report from %s (pid %ld): ", base, (long)run->root);
	if (exe && *exe && fnmatch(exe, base, 0))
		fprintf(out, "not under test, --exe '%s' leaves it out\n", exe);
	else if (run->status == 128 + SIGKILL)
		fputs("killed by SIGKILL, which leaves a process no moment to write one\n", out);
	else
		fputs("it wrote none (the report could not be written?)\n", out);
}

/* The report of an image that exec replaced (a %e pattern keeps each image's). */
static int replaced(const struct fp_mproc *p)
{
	return !p->signal && !p->has_code && p->complete;
}

static int has_pid(const struct fp_merged *m, uint64_t pid)
{
	for (size_t i = 0; i < m->ndocs; i++)
		if (m->procs[i].pid == pid)
			return 1;
	return 0;
}

/* One process and, under it, its children, deepest first by pid. */
static void print_tree(FILE *out, const struct fp_merged *m, size_t i, unsigned depth,
		       unsigned char *shown)
{
	const struct fp_mproc *p = &m->procs[i];
	uint64_t seq;

	shown[i] = 1;
	fprintf(out, P "%*s%s (pid %" PRIu64 ") ", 2 + 2 * (int)(depth < 16 ? depth : 16), "",
		p->exe ? p->exe : "?", p->pid);
	print_ending(out, p);
	if (p->crash && !fp_json_u64(fp_json_get(p->crash, "last_injection_seq"), &seq))
		fprintf(out, " after injected failure #%" PRIu64, seq);
	fprintf(out, "; injected %" PRIu64 "%s\n", p->injected,
		p->complete ? "" : "; the report is incomplete");
	for (;;) {
		size_t next = m->ndocs;

		for (size_t k = 0; k < m->ndocs; k++)
			if (!shown[k] && m->procs[k].ppid == p->pid &&
			    (next == m->ndocs || m->procs[k].pid < m->procs[next].pid ||
			     (m->procs[k].pid == m->procs[next].pid && replaced(&m->procs[k]))))
				next = k;
		if (next == m->ndocs)
			break;
		print_tree(out, m, next, depth + 1, shown);
	}
}

/* The process tree: CMD first, then any process whose parent wrote no report. */
static void print_processes(FILE *out, const struct fp_merged *m, pid_t root)
{
	unsigned char *shown = calloc(m->ndocs, 1);

	if (!shown)
		return;
	size_t images = 0;

	for (size_t i = 0; i < m->ndocs; i++)
		images += replaced(&m->procs[i]);
	if (images)
		fprintf(out, P "%zu process%s (%zu reports: an image exec replaced writes its own):\n",
			m->ndocs - images, m->ndocs - images == 1 ? "" : "es", m->ndocs);
	else
		fprintf(out, P "%zu process%s:\n", m->ndocs, m->ndocs == 1 ? "" : "es");
	for (size_t i = 0; i < m->ndocs; i++)
		if (m->procs[i].pid == (uint64_t)root)
			print_tree(out, m, i, 0, shown);
	for (size_t i = 0; i < m->ndocs; i++)
		if (!shown[i] && !has_pid(m, m->procs[i].ppid))
			print_tree(out, m, i, 0, shown);
	for (size_t i = 0; i < m->ndocs; i++)	/* a cycle of reused pids */
		if (!shown[i])
			print_tree(out, m, i, 0, shown);
	free(shown);
}

static void print_calls(FILE *out, const struct fp_merged *m)
{
	uint64_t total = 0;
	int first = 1;

	for (unsigned c = 0; c < FP_CALL_COUNT; c++)
		total += m->calls[c];
	fprintf(out, P "calls %" PRIu64, total);
	for (unsigned c = 0; c < FP_CALL_COUNT; c++) {
		if (!m->calls[c])
			continue;
		fprintf(out, "%s%s %" PRIu64, first ? " (" : ", ", fp_call_name(c), m->calls[c]);
		first = 0;
	}
	fputs(first ? "\n" : ")\n", out);
}

/* The injection numbered @seq in @doc, and its site there; NULL if not recorded. */
static const struct fp_json *injection(const struct fp_json *doc, uint64_t seq,
				       const struct fp_json **site)
{
	const struct fp_json *inj = fp_json_get(doc, "injections");
	const struct fp_json *sites = fp_json_get(doc, "sites");

	*site = NULL;
	for (size_t i = 0; inj && inj->type == FP_JSON_ARR && i < inj->n; i++) {
		const char *id;

		if (fp_json_path_u64(inj->items[i], "seq", 0) != seq)
			continue;
		id = fp_json_str(fp_json_get(inj->items[i], "site"));
		for (size_t k = 0; id && sites && sites->type == FP_JSON_ARR && k < sites->n; k++) {
			const char *sid = fp_json_str(fp_json_get(sites->items[k], "id"));

			if (sid && !strcmp(sid, id))
				*site = sites->items[k];
		}
		return inj->items[i];
	}
	return NULL;
}

/* The frames shown, queued to be named offline (a crash record may have no symbols). */
static void name_frames(const struct fp_merged *m)
{
	size_t shown = 0;

	for (size_t i = 0; i < m->ndocs; i++) {
		const struct fp_json *c = m->procs[i].crash, *site = NULL;
		uint64_t seq;

		fp_lines_objects(fp_json_get(m->docs[i], "objects"));
		if (!c)
			continue;
		fp_lines_want(fp_json_get(c, "frames"), 1, 1);
		if (!fp_json_u64(fp_json_get(c, "last_injection_seq"), &seq) &&
		    injection(m->docs[i], seq, &site) && site)
			fp_lines_want(fp_json_get(site, "frames"), SITE_FRAMES, 1);
	}
	for (size_t i = 0; i < m->nsites && shown < FP_SUMMARY_TOP_SITES; i++)
		if (m->sites[i].injected) {
			fp_lines_want(m->sites[i].frames, SITE_FRAMES, 1);
			shown++;
		}
	fp_lines_run();
}

/*
 * Where each process crashed, after which injected failure, and that
 * failure's call and site: what to fix is usually that site's NULL check.
 */
static void print_crashes(FILE *out, const struct fp_merged *m)
{
	for (size_t i = 0; i < m->ndocs; i++) {
		const struct fp_json *c = m->procs[i].crash, *frames, *inj, *site = NULL;
		const char *name, *kind;
		uint64_t seq;

		if (!c)
			continue;
		frames = fp_json_get(c, "frames");
		name = fp_json_str(fp_json_get(c, "name"));
		kind = fp_json_str(fp_json_get(c, "kind"));
		if (m->ndocs == 1)
			fputs(P "crash: ", out);
		else
			fprintf(out, P "crash in %s (pid %" PRIu64 "): ",
				m->procs[i].exe ? m->procs[i].exe : "?", m->procs[i].pid);
		fputs(name ? name : "a fatal signal", out);
		if (kind && strcmp(kind, "signal"))	/* FAILPOOL_CHECK ended it */
			fprintf(out, " (%s)", kind);
		if (frames && frames->type == FP_JSON_ARR && frames->n) {
			fputs(" in ", out);
			print_frames(out, frames, 1);
		}
		if (fp_json_u64(fp_json_get(c, "last_injection_seq"), &seq)) {
			fputs(", with no failure injected before it\n", out);
			continue;
		}
		fprintf(out, ", after injected failure #%" PRIu64 "\n", seq);
		inj = injection(m->docs[i], seq, &site);
		if (!inj)
			continue;	/* past the first 1000 the report keeps */
		fprintf(out, P "  injected failure #%" PRIu64 ": %s(%" PRIu64 ") at site %s",
			seq, fp_json_str(fp_json_get(inj, "call")) ?: "?",
			fp_json_path_u64(inj, "size", 0),
			fp_json_str(fp_json_get(inj, "site")) ?: "?");
		if (site) {
			fputs(": ", out);
			print_frames(out, fp_json_get(site, "frames"), SITE_FRAMES);
		}
		fputc('\n', out);
	}
}

static void print_sites(FILE *out, const struct fp_merged *m)
{
	size_t n = 0, shown = 0;

	for (size_t i = 0; i < m->nsites; i++)
		n += m->sites[i].injected > 0;
	if (n)
		fprintf(out, P "top injected sites (injected, site id, caller):\n");
	/* m->sites is ordered by injected failures, most first. */
	for (size_t i = 0; i < m->nsites && shown < FP_SUMMARY_TOP_SITES; i++) {
		if (!m->sites[i].injected)
			continue;
		fprintf(out, P "  %8" PRIu64 "  %016" PRIx64 "  ", m->sites[i].injected, m->sites[i].id);
		print_frames(out, m->sites[i].frames, SITE_FRAMES);
		fputc('\n', out);
		shown++;
	}
	if (n > FP_SUMMARY_TOP_SITES)
		fprintf(out, P "  ... and %zu more sites with injected failures\n",
			n - FP_SUMMARY_TOP_SITES);
}

/* One line per pool: how much of its reserve was used, and whether it ran out. */
static void print_pools(FILE *out, const struct fp_merged *m)
{
	for (size_t i = 0; i < m->npools; i++) {
		const struct fp_mpool *p = &m->pools[i];

		fprintf(out, P "pool %s: %" PRIu64 " allocs, %" PRIu64 " from the reserve, "
			"%" PRIu64 " of %" PRIu64 " elements used at most, %" PRIu64
			" waits, %" PRIu64 " exhausted\n", p->name, p->allocs, p->hits,
			p->min >= p->low ? p->min - p->low : 0, p->min, p->waits, p->exhausted);
	}
}

int fp_summary_print(FILE *out, char *const *paths, size_t n, const struct fp_summary_run *run)
{
	struct fp_merged m;
	char buf[64];
	int root_seen = 0;

	if (n && fp_merge_load(paths, n, &m)) {
		fp_merge_free(&m);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		root_seen |= m.procs[i].pid == (uint64_t)run->root;
	if (!root_seen)
		print_no_report(out, run);
	if (n) {
		name_frames(&m);
		if (n == 1 && root_seen) {
			fprintf(out, P "%s (pid %" PRIu64 ") ", m.procs[0].exe ? m.procs[0].exe : "?",
				m.procs[0].pid);
			print_ending(out, &m.procs[0]);
			fputs(m.procs[0].complete ? "\n" : "; the report is incomplete\n", out);
		} else {
			print_processes(out, &m, run->root);
		}
		fprintf(out, P "seed %s\n", m.seed ? m.seed : "?");
		fprintf(out, P "eligible %" PRIu64 ", injected %" PRIu64 ", real failures %" PRIu64 "\n",
			m.eligible, m.injected, m.real_failures);
		print_calls(out, &m);
		fprintf(out, P "peak live %s%s\n", human(m.peak, buf, sizeof(buf)),
			n > 1 ? " (the most of any one process)" : "");
		print_crashes(out, &m);
		print_sites(out, &m);
		print_pools(out, &m);
		fp_merge_free(&m);
	}
	if (run->kept && *run->kept)
		fprintf(out, P "%s\n", run->kept);
	return 0;
}
