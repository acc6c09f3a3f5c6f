/* Formatters shared by every output of the tool (see format.h). */
#include "config.h"
#include "format.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

static int is_address(const char *s)
{
	return s[0] == '0' && s[1] == 'x' && s[2] && !s[2 + strspn(s + 2, "0123456789abcdef")];
}

/* @sym without its "+0xoff". */
static const char *bare(const char *sym, char *buf, size_t size)
{
	const char *plus = sym ? strrchr(sym, '+') : NULL;

	if (!plus || !is_address(plus + 1))
		return sym;
	snprintf(buf, size, "%.*s", (int)(plus - sym), sym);
	return buf;
}

const char *fp_format_frame(char *buf, size_t size, const struct fp_model_frame *f,
			    int with_line)
{
	const char *obj = f->object ? f->object : "?";
	const char *off = f->offset ? f->offset : "?";
	char b1[512], b2[512];

	if (with_line && f->file) {
		const char *fn = bare(f->symbol, b1, sizeof(b1));

		/* The report's own name for the outer function wins over DWARF's. */
		if (f->inlined_into && f->func)
			snprintf(buf, size, "%s %s:%u (inlined into %s)", f->func, f->file, f->line,
				 f->own_symbol ? bare(f->symbol, b2, sizeof(b2)) : f->inlined_into);
		else if (fn || f->func)
			snprintf(buf, size, "%s %s:%u", f->own_symbol || !f->func ? fn : f->func,
				 f->file, f->line);
		else
			snprintf(buf, size, "%s+%s %s:%u", obj, off, f->file, f->line);
	} else if (f->symbol) {
		snprintf(buf, size, "%s (%s)", f->symbol, obj);
	} else {
		snprintf(buf, size, "%s+%s", obj, off);
	}
	return buf;
}

const char *fp_format_bytes(uint64_t n, int exact, char *buf, size_t size)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)n / 1024;
	unsigned u = 0;

	if (n < 1024) {
		snprintf(buf, size, exact ? "%" PRIu64 " bytes" : "%" PRIu64 " B", n);
		return buf;
	}
	while (v >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024;
		u++;
	}
	if (exact)
		snprintf(buf, size, "%" PRIu64 " bytes (%.1f %s)", n, v, unit[u]);
	else
		snprintf(buf, size, "%.1f %s", v, unit[u]);
	return buf;
}

const char *fp_format_ending(const struct fp_model_exit *e, char *buf, size_t size)
{
	const char *name = e->signal ? fp_signal_name(e->signal) : NULL;

	if (e->signal)
		snprintf(buf, size, "killed by signal %d (%s)", e->signal, name ? name : "?");
	else if (e->has_code)
		snprintf(buf, size, "exited with status %" PRId64, e->code);
	else
		snprintf(buf, size, "replaced by exec");
	return buf;
}
