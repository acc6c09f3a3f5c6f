/* What the text and HTML renderers both say (see render-util.h). */
#include "config.h"
#include "render-util.h"

#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "calls.h"
#include "format.h"

/* Append to @buf at *@len, cut at @size (always NUL-terminated). */
static __attribute__((format(printf, 4, 5))) void add(char *buf, size_t size, size_t *len,
						      const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len + 1 >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	*len = n < 0 ? *len : *len + (size_t)n < size ? *len + (size_t)n : size - 1;
}

/* Whether @w has a control byte (a newline would break a table's line). */
static int has_control(const char *w)
{
	for (; *w; w++)
		if ((unsigned char)*w < 0x20 || *w == 0x7f)
			return 1;
	return 0;
}

/*
 * A word as the shell reads it back: bare when it is plain, in single
 * quotes otherwise, and as $'...' with escapes when it holds control bytes.
 */
static void add_word(char *buf, size_t size, size_t *len, const char *w)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789-_./:=+,@%";

	if (*w && !w[strspn(w, plain)]) {
		add(buf, size, len, "%s", w);
		return;
	}
	if (has_control(w)) {
		add(buf, size, len, "$'");
		for (; *w; w++) {
			unsigned char c = (unsigned char)*w;

			if (c == '\n')
				add(buf, size, len, "\\n");
			else if (c == '\t')
				add(buf, size, len, "\\t");
			else if (c == '\\' || c == '\'')
				add(buf, size, len, "\\%c", c);
			else if (c < 0x20 || c == 0x7f)
				add(buf, size, len, "\\x%02x", c);
			else
				add(buf, size, len, "%c", c);
		}
		add(buf, size, len, "'");
		return;
	}
	add(buf, size, len, "'");
	for (; *w; w++)
		add(buf, size, len, *w == '\'' ? "'\\''" : "%c", *w);
	add(buf, size, len, "'");
}

const char *fp_render_cmdline(const struct fp_model_proc *p, char *buf, size_t size)
{
	size_t len = 0, n = p->argc;

	buf[0] = '\0';
	while (n > 1 && !*p->argv[n - 1])
		n--;
	for (size_t i = 0; i < n; i++) {
		if (i)
			add(buf, size, &len, " ");
		add_word(buf, size, &len, p->argv[i]);
	}
	if (!n)
		snprintf(buf, size, "?");
	return buf;
}

/* Whether @v lists every entry point (FAILPOOL_CALLS's default), said "all" for short. */
static int every_call(const struct fp_json *v)
{
	fp_callset seen = 0;

	if (v->type != FP_JSON_ARR || v->n != FP_CALL_COUNT)
		return 0;
	for (size_t i = 0; i < v->n; i++)
		for (unsigned c = 0; c < FP_CALL_COUNT; c++)
			if (v->items[i]->type == FP_JSON_STR && !strcmp(v->items[i]->text, fp_call_name(c)))
				seen |= (fp_callset)1 << c;
	return seen == FP_CALLSET_ALL;
}

/* A config value: scalars as written, lists joined by ','. */
static void add_value(char *buf, size_t size, size_t *len, const struct fp_json *v)
{
	switch (v->type) {
	case FP_JSON_BOOL:
		add(buf, size, len, "%s", v->boolean ? "true" : "false");
		break;
	case FP_JSON_ARR:
		if (every_call(v)) {
			add(buf, size, len, "all");
			break;
		}
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				add(buf, size, len, ",");
			add_value(buf, size, len, v->items[i]);
		}
		break;
	case FP_JSON_OBJ:
		add(buf, size, len, "{...}");
		break;
	default:
		add(buf, size, len, "%s", v->text ? v->text : "");
	}
}

/* Whether @a and @b are written the same. */
static int same_value(const struct fp_json *a, const struct fp_json *b)
{
	char x[1024], y[1024];
	size_t lx = 0, ly = 0;

	if (!a || !b || a->type != b->type)
		return 0;
	x[0] = y[0] = '\0';
	add_value(x, sizeof(x), &lx, a);
	add_value(y, sizeof(y), &ly, b);
	return !strcmp(x, y);
}

const char *fp_render_settings(const struct fp_model_proc *p, const struct fp_model_proc *base,
			       char *buf, size_t size)
{
	const struct fp_json *c = p->config;
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; c && c->type == FP_JSON_OBJ && i < c->n; i++) {
		const struct fp_json *v = c->items[i];

		if (base ? same_value(v, fp_json_get(base->config, v->key)) : v->type == FP_JSON_NULL)
			continue;
		add(buf, size, &len, "%s%s ", len ? ", " : "", v->key);
		if (v->type == FP_JSON_NULL)
			add(buf, size, &len, "off");
		else
			add_value(buf, size, &len, v);
	}
	return buf;
}

const struct fp_model_frame *fp_render_first_named(const struct fp_model_frames *f)
{
	for (size_t k = 0; k < f->n; k++)
		if (f->v[k].func || f->v[k].symbol)
			return &f->v[k];
	return f->n ? &f->v[0] : NULL;
}

/* "func (file:line)", "func+0x12 (object)" or "object+0xoff": one frame, short. */
static void add_frame(char *buf, size_t size, size_t *len, const struct fp_model_frame *f)
{
	const char *fn = f->func ? f->func : f->symbol;
	const char *file = f->file ? strrchr(f->file, '/') : NULL;

	if (fn && f->file)
		add(buf, size, len, "%.*s (%s:%u)", (int)strcspn(fn, "+"), fn,
		    file ? file + 1 : f->file, f->line);
	else if (fn)
		add(buf, size, len, "%s (%s)", fn, f->object ? f->object : "?");
	else
		add(buf, size, len, "%s+%s", f->object ? f->object : "?", f->offset ? f->offset : "?");
}

const char *fp_render_site_label(const struct fp_model_site *s, unsigned callers, char *buf,
				 size_t size)
{
	const struct fp_model_frame *named = fp_render_first_named(&s->frames);
	size_t len = 0, last = 0;

	buf[0] = '\0';
	if (!s->frames.n) {
		add(buf, size, &len, "(no stack)");
	} else {
		/* An unnamed innermost frame stays first: the named one is only where it was called from. */
		add_frame(buf, size, &len, &s->frames.v[0]);
		if (named != &s->frames.v[0] && (named->func || named->symbol)) {
			add(buf, size, &len, " < %s", named == &s->frames.v[1] ? "" : "... < ");
			add_frame(buf, size, &len, named);
			last = (size_t)(named - s->frames.v);
		}
		for (size_t k = last + 1; k <= last + callers && k < s->frames.n; k++) {
			add(buf, size, &len, " < ");
			add_frame(buf, size, &len, &s->frames.v[k]);
		}
	}
	add(buf, size, &len, " #%016" PRIx64, s->id);
	return buf;
}

unsigned fp_render_site_callers(const struct fp_model_site *s)
{
	const struct fp_model_frame *named = fp_render_first_named(&s->frames);
	size_t last = named && named != s->frames.v && (named->func || named->symbol) ?
		      (size_t)(named - s->frames.v) : 0;

	return s->frames.n > last + 1 ? (unsigned)(s->frames.n - last - 1) : 0;
}

int fp_render_crash_site(const struct fp_model_proc *p, uint64_t *site)
{
	for (size_t i = 0; p->crash && p->crash->has_last_injection_seq && i < p->ninjections; i++)
		if (p->injections[i].seq == p->crash->last_injection_seq && p->injections[i].has_site) {
			*site = p->injections[i].site;
			return 0;
		}
	return -1;
}

/*
 * How @p ended, worst first: 3 crashed (a crash record, or a signal of a
 * fault: SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS, SIGTRAP), 2
 * killed (any other signal: SIGPIPE at the end of a pipe, SIGTERM, ...),
 * 1 failed (a status other than 0), 0 fine.
 */
static int badness(const struct fp_model_proc *p)
{
	static const int faults[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS, SIGTRAP };

	if (p->crash)
		return 3;
	if (p->exit.by_signal) {
		for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
			if (p->exit.signal == faults[i])
				return 3;
		return 2;
	}
	return p->exit.has_code && p->exit.code ? 1 : 0;
}

static const char *did_not_end_well(const struct fp_model_proc *p)
{
	static const char *const words[] = { NULL, "failed", "killed", "crashed" };

	return words[badness(p)];
}

const char *fp_render_verdict(const struct fp_model *m, char *buf, size_t size, int *bad)
{
	const struct fp_model_proc *worst = NULL;
	char e[64];
	size_t len = 0;

	/*
	 * A crash first; else a process that failed after an injected failure
	 * rather than the parent that only passed its status on (a script's
	 * shell exiting 2 because its child did).
	 */
	for (size_t i = 0; i < m->nprocs && !(worst && badness(worst) == 3); i++) {
		int b = badness(&m->procs[i]);

		if (b && (!worst || b > badness(worst) ||
			  (b == badness(worst) && m->procs[i].injected && !worst->injected)))
			worst = &m->procs[i];
	}
	*bad = worst != NULL;
	buf[0] = '\0';
	if (!worst) {
		add(buf, size, &len, "survived: %s ended normally, %" PRIu64 " failure%s injected",
		    m->nprocs == 1 ? "the process" : "every process", m->totals.injected,
		    m->totals.injected == 1 ? "" : "s");
		/* It survived, but a reserve was too small: soak calls that a finding. */
		for (size_t i = 0; i < m->npools; i++)
			if (m->pools[i].exhausted)
				add(buf, size, &len, "; pool %s ran out %" PRIu64 " time%s",
				    m->pools[i].name ? m->pools[i].name : "?", m->pools[i].exhausted,
				    m->pools[i].exhausted == 1 ? "" : "s");
		return buf;
	}
	add(buf, size, &len, "%s: %s (pid %" PRIu64 ") %s", did_not_end_well(worst),
	    worst->exe ? worst->exe : "?", worst->pid, fp_format_ending(&worst->exit, e, sizeof(e)));
	if (worst->crash && worst->crash->has_last_injection_seq) {
		uint64_t site;

		add(buf, size, &len, " after injected failure #%" PRIu64,
		    worst->crash->last_injection_seq);
		if (!fp_render_crash_site(worst, &site))
			add(buf, size, &len, " at site %016" PRIx64, site);
	} else if (worst->crash) {
		add(buf, size, &len, " with no failure injected before it");
	}
	return buf;
}
