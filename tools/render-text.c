/* The text tables of `failpool report` (and of `failpool soak`). */
#include "config.h"
#include "render.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "parse.h"

const char *fp_render_bytes(uint64_t n, char *buf, size_t size)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	unsigned i = 0;

	while (v >= 1024 && i + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024;
		i++;
	}
	if (!i)
		snprintf(buf, size, "%" PRIu64 " B", n);
	else
		snprintf(buf, size, "%.1f %s", v, unit[i]);
	return buf;
}

const char *fp_render_ending(const struct fp_mproc *p, char *buf, size_t size)
{
	const char *name = p->signal ? fp_signal_name(p->signal) : NULL;

	if (p->signal)
		snprintf(buf, size, "killed by signal %d (%s)", p->signal, name ? name : "?");
	else if (p->has_code)
		snprintf(buf, size, "exited with status %" PRId64, p->code);
	else
		snprintf(buf, size, "replaced by exec");
	return buf;
}

static void frames(FILE *out, const struct fp_msite *s, const char *indent)
{
	const struct fp_json *f = s->frames;
	char buf[1024];

	for (size_t k = 0; f && f->type == FP_JSON_ARR && k < f->n && k < 4; k++) {
		fp_lines_frame(buf, sizeof(buf), f->items[k], 1);
		fprintf(out, "%s%s%s\n", k ? indent : "", k ? "< " : "", buf);
	}
	if (!f || !f->n)
		fputs("(other sites)\n", out);
}

static int by_calls(const void *a, const void *b)
{
	const struct fp_msite *x = *(const struct fp_msite *const *)a;
	const struct fp_msite *y = *(const struct fp_msite *const *)b;

	if (x->calls != y->calls)
		return x->calls > y->calls ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void sites_table(FILE *out, const struct fp_merged *m, int by_injected)
{
	const struct fp_msite **order = calloc(m->nsites + 1, sizeof(*order));
	size_t n = 0;
	char b[32];

	if (!order)
		return;
	/* m->sites is by injected, then calls: the first table is its head. */
	for (size_t i = 0; i < m->nsites; i++)
		if (!by_injected || m->sites[i].injected)
			order[n++] = &m->sites[i];
	if (!by_injected)
		qsort(order, n, sizeof(*order), by_calls);
	if (n > FP_RENDER_TOP)
		n = FP_RENDER_TOP;
	if (n) {
		fprintf(out, "\nTop sites by %s\n", by_injected ? "injected failures" : "calls");
		fprintf(out, "  %8s %10s %10s  %-16s  %-8s  %s\n", "injected", "calls", "bytes",
			"site", "pool", "frames (innermost first)");
	}
	for (size_t i = 0; i < n; i++) {
		const struct fp_msite *s = order[i];

		fprintf(out, "  %8" PRIu64 " %10" PRIu64 " %10s  %016" PRIx64 "  %-8s  ", s->injected,
			s->calls, fp_render_bytes(s->bytes, b, sizeof(b)), s->id,
			s->pool ? s->pool : "-");
		frames(out, s, "                                                               ");
	}
	free(order);
}

static void pools_table(FILE *out, const struct fp_merged *m)
{
	char b[32];

	if (!m->npools)
		return;
	fprintf(out, "\nPools\n  %-12s %6s %9s %9s %9s %9s %7s %7s %6s %11s  %s\n", "name", "min",
		"size", "allocs", "hits", "exhausted", "low", "max out", "waits", "max wait",
		"suggested min");
	for (size_t i = 0; i < m->npools; i++) {
		const struct fp_mpool *p = &m->pools[i];
		int floor;
		uint64_t sug = fp_mpool_suggest(p, &floor);

		fprintf(out, "  %-12s %6" PRIu64 " %9s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %7" PRIu64
			" %7" PRIu64 " %6" PRIu64 " %8.1f ms  %s%" PRIu64 "\n", p->name, p->min,
			fp_render_bytes(p->size, b, sizeof(b)), p->allocs, p->hits, p->exhausted,
			p->low, p->min - (p->low < p->min ? p->low : p->min), p->waits,
			(double)p->wait_ns_max / 1e6, floor ? ">= " : "", sug);
	}
}

void fp_render_text(FILE *out, const struct fp_merged *m)
{
	char b[64], e[64];
	uint64_t calls = 0;

	fprintf(out, "failpool report: %zu process%s, seed %s\n", m->ndocs, m->ndocs == 1 ? "" : "es",
		m->seed ? m->seed : "?");
	for (size_t i = 0; i < m->ndocs; i++) {
		const struct fp_mproc *p = &m->procs[i];

		fprintf(out, "  %-16s pid %-8" PRIu64 " %s%s, %" PRIu64 " injected\n",
			p->exe ? p->exe : "?", p->pid, fp_render_ending(p, e, sizeof(e)),
			p->complete ? "" : " (report incomplete)", p->injected);
	}
	for (unsigned c = 0; c < FP_CALL_COUNT; c++)
		calls += m->calls[c];
	fprintf(out, "\nTotals\n  %-18s %" PRIu64, "calls", calls);
	for (unsigned c = 0, first = 1; c < FP_CALL_COUNT; c++)
		if (m->calls[c]) {
			fprintf(out, "%s%s %" PRIu64, first ? " (" : ", ", fp_call_name(c), m->calls[c]);
			first = 0;
		}
	fprintf(out, "%s\n", calls ? ")" : "");
	fprintf(out, "  %-18s %s\n", "bytes allocated", fp_render_bytes(m->bytes, b, sizeof(b)));
	fprintf(out, "  %-18s %s\n", "peak live", fp_render_bytes(m->peak, b, sizeof(b)));
	fprintf(out, "  %-18s %" PRIu64 "\n  %-18s %" PRIu64 "\n  %-18s %" PRIu64 "\n",
		"eligible", m->eligible, "injected", m->injected, "real failures", m->real_failures);
	for (size_t i = 0; i < m->ndocs; i++) {
		const struct fp_json *c = m->procs[i].crash, *f;
		char buf[1024];
		uint64_t seq;

		if (!c)
			continue;
		f = fp_json_get(c, "frames");
		fprintf(out, "\nCrash in %s (pid %" PRIu64 "): %s", m->procs[i].exe ? m->procs[i].exe : "?",
			m->procs[i].pid, fp_json_str(fp_json_get(c, "name")) ?: "signal");
		if (!fp_json_u64(fp_json_get(c, "last_injection_seq"), &seq))
			fprintf(out, " after injected failure #%" PRIu64, seq);
		fputc('\n', out);
		for (size_t k = 0; f && f->type == FP_JSON_ARR && k < f->n && k < 8; k++) {
			fp_lines_frame(buf, sizeof(buf), f->items[k], 1);
			fprintf(out, "  %s%s\n", k ? "< " : "", buf);
		}
	}
	sites_table(out, m, 1);
	sites_table(out, m, 0);
	pools_table(out, m);
}
