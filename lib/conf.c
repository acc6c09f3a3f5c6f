/*
 * FAILPOOL_* -> struct fp_conf. Used by the shim before main (so: no malloc,
 * no stdio) and by the tool, so both reject exactly the same values.
 */
#include "config.h"
#include "conf.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confnames.h"
#include "fp.h"
#include "match.h"
#include "parse.h"
#include "poolspec.h"

static const char *const call_names[FP_CALL_COUNT] = {
#define FP_CALL(id, name, can_fail) [FP_CALL_##id] = name,
#include "calls.def"
#undef FP_CALL
};

static const unsigned char call_fails[FP_CALL_COUNT] = {
#define FP_CALL(id, name, can_fail) [FP_CALL_##id] = can_fail,
#include "calls.def"
#undef FP_CALL
};

const char *fp_call_name(enum fp_call call)
{
	return (unsigned)call < FP_CALL_COUNT ? call_names[call] : "?";
}

int fp_call_can_fail(enum fp_call call)
{
	return (unsigned)call < FP_CALL_COUNT && call_fails[call];
}

const struct fp_conf_var fp_conf_vars[] = {
#define FP_VAR(NAME, key, load, flag, metavar, use, help) { "FAILPOOL_" #NAME, #key, help },
#include "vars.def"
#undef FP_VAR
};
const unsigned fp_conf_nvars = FP_ARRAY_SIZE(fp_conf_vars);

void fp_conf_defaults(struct fp_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->burst = 1;
	c->times = FP_UNLIMITED;
	c->calls = FP_CALLSET_ALL;
	c->depth = FP_DEPTH_DEFAULT;
	c->enable = 1;
}

static int fail(struct fp_conf_error *err, const char *var, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct fp_conf_error *err, const char *var, const char *fmt, ...)
{
	va_list ap;

	err->var = var;
	va_start(ap, fmt);
	/* vsnprintf with plain %s/%llu conversions does not allocate. */
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Quote at most 64 bytes of a user value in a message. */
#define SHOWN(v) ((int)(strlen(v) > 64 ? 64 : strlen(v))), (v), (strlen(v) > 64 ? "..." : "")

static int load_count(const char *var, const char *v, uint64_t min,
		      uint64_t *out, struct fp_conf_error *err)
{
	int rc = fp_parse_u64(v, out);

	if (rc == -ERANGE)
		return fail(err, var, "out of range (at most 18446744073709551615): '%.*s%s'", SHOWN(v));
	if (rc)
		return fail(err, var, "not a non-negative integer: '%.*s%s'", SHOWN(v));
	if (*out < min)
		return fail(err, var, "must be at least %llu: '%.*s%s'",
			    (unsigned long long)min, SHOWN(v));
	return 0;
}

static int load_call_list(const char *var, const char *v, fp_callset *out,
			  struct fp_conf_error *err)
{
	fp_callset set = 0;
	const char *p = v;

	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		int found = 0;

		if (n == 3 && memcmp(p, "new", 3) == 0) {
			set |= FP_CALLBIT(FP_CALL_NEW) | FP_CALLBIT(FP_CALL_NEW_ARRAY);
			found = 1;
		}
		for (unsigned i = 0; !found && i < FP_CALL_COUNT; i++) {
			if (strlen(call_names[i]) == n && memcmp(p, call_names[i], n) == 0) {
				set |= FP_CALLBIT(i);
				found = 1;
			}
		}
		if (!found)
			return fail(err, var,
				    n ? "unknown function '%.*s' (known: malloc calloc realloc reallocarray free posix_memalign aligned_alloc memalign valloc pvalloc malloc_usable_size new new[] delete delete[])"
				      : "empty name in list%.*s",
				    (int)(n > 64 ? 64 : n), p);
		if (!end)
			break;
		p = end + 1;
	}
	*out = set;
	return 0;
}

static int load_string(const char *var, const char *v, char *dst, size_t size,
		       struct fp_conf_error *err)
{
	size_t n = strlen(v);

	if (n >= size)
		return fail(err, var, "too long (%zu bytes, at most %zu)", n, size - 1);
	memcpy(dst, v, n + 1);
	return 0;
}

/* Paths may use %p, %e and %%; anything else is a typo worth stopping for. */
static int load_path(const char *var, const char *v, char *dst, size_t size,
		     struct fp_conf_error *err)
{
	if (!*v)
		return fail(err, var, "empty path");
	for (const char *p = v; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (*p != 'p' && *p != 'e' && *p != '%')
			return fail(err, var, "unknown escape '%%%.1s' (use %%p, %%e or %%%%): '%.*s%s'",
				    *p ? p : "", SHOWN(v));
	}
	return load_string(var, v, dst, size, err);
}

/*
 * Signals a toggle handler must not take over. The fault signals and SIGABRT
 * carry the crash record, and a fault handler that returns re-runs the
 * faulting instruction forever; glibc keeps 32 and 33 below SIGRTMIN for
 * itself (SIGCANCEL, SIGSETXID), so catching them breaks pthread_cancel and
 * setuid in threaded programs.
 */
#define FAULT "reports a crash (the crash record needs it, and a fault would repeat forever)"
static const struct { int sig; const char *why; } refused[] = {
	{ SIGKILL, "cannot be caught" }, { SIGSTOP, "cannot be caught" },
	{ SIGSEGV, FAULT }, { SIGBUS, FAULT }, { SIGILL, FAULT }, { SIGFPE, FAULT },
	{ SIGABRT, "is how abort() ends a program (the crash record needs it)" },
	{ 32, "is reserved by glibc (thread cancellation and timers)" },
	{ 33, "is reserved by glibc (setuid and its kin in threaded programs)" },
};
#undef FAULT

static int check_toggle(const char *var, const char *v, int sig,
			struct fp_conf_error *err)
{
	const char *name = fp_signal_name(sig);
	char num[24];

	if (!name) {
		snprintf(num, sizeof(num), "signal %d", sig);
		name = num;
	}
	for (unsigned i = 0; i < FP_ARRAY_SIZE(refused); i++)
		if (refused[i].sig == sig)
			return fail(err, var, "%s %s: '%.*s%s'",
				    name, refused[i].why, SHOWN(v));
	return 0;
}

/* Scratch for validating rules: conf loading is single-threaded (boot, tool). */
static struct fp_rules rules;

/*
 * The loaders named in lib/vars.def: each checks one value and sets its
 * field of @c, or fills @err. Context: boot (before main, no allocation)
 * and the tool, like fp_conf_load().
 */
typedef int loader(struct fp_conf *c, const char *var, const char *v,
		   struct fp_conf_error *err);

static int load_rate(struct fp_conf *c, const char *var, const char *v,
		     struct fp_conf_error *err)
{
	if (fp_parse_real(v, &c->rate) || c->rate > 1.0)
		return fail(err, var, "not a number in [0,1]: '%.*s%s'", SHOWN(v));
	return 0;
}

static int load_seed(struct fp_conf *c, const char *var, const char *v,
		     struct fp_conf_error *err)
{
	int rc = load_count(var, v, 0, &c->seed, err);

	c->seed_set = !rc;
	return rc;
}

static int load_every(struct fp_conf *c, const char *var, const char *v,
		      struct fp_conf_error *err)
{
	return load_count(var, v, 1, &c->every, err);
}

static int load_after(struct fp_conf *c, const char *var, const char *v,
		      struct fp_conf_error *err)
{
	return load_count(var, v, 0, &c->after, err);
}

static int load_nth(struct fp_conf *c, const char *var, const char *v,
		    struct fp_conf_error *err)
{
	return load_count(var, v, 1, &c->nth, err);
}

static int load_burst(struct fp_conf *c, const char *var, const char *v,
		      struct fp_conf_error *err)
{
	if (strcmp(v, "inf") == 0)
		c->burst = FP_UNLIMITED;
	else if (load_count(var, v, 1, &c->burst, err))
		return fail(err, var, "not an integer >= 1 or 'inf': '%.*s%s'", SHOWN(v));
	return 0;
}

static int load_times(struct fp_conf *c, const char *var, const char *v,
		      struct fp_conf_error *err)
{
	return load_count(var, v, 0, &c->times, err);
}

static int load_limit(struct fp_conf *c, const char *var, const char *v,
		      struct fp_conf_error *err)
{
	int rc = fp_parse_size(v, &c->limit);

	if (rc == -ERANGE)
		return fail(err, var, "out of range: '%.*s%s'", SHOWN(v));
	if (rc)
		return fail(err, var, "not a size in bytes (suffix K, M, G or T, also as KB or KiB): '%.*s%s'", SHOWN(v));
	c->limit_set = 1;
	return 0;
}

static int load_calls(struct fp_conf *c, const char *var, const char *v,
		      struct fp_conf_error *err)
{
	return load_call_list(var, v, &c->calls, err);
}

static int load_sites(struct fp_conf *c, const char *var, const char *v,
		      struct fp_conf_error *err)
{
	char why[200];

	if (fp_rules_parse(v, ';', &rules, why, sizeof(why)))
		return fail(err, var, "%s", why);
	memcpy(c->sites, v, strlen(v) + 1);
	return 0;
}

/* An empty FAILPOOL_POOLS is no pools, as if unset. */
static int load_pools(struct fp_conf *c, const char *var, const char *v,
		      struct fp_conf_error *err)
{
	char why[200];

	if (!*v)
		return 0;
	if (strlen(v) >= sizeof(c->pools))
		return fail(err, var, "longer than %zu bytes", sizeof(c->pools) - 1);
	if (fp_pools_check(v, why, sizeof(why)) < 0)
		return fail(err, var, "%s", why);
	memcpy(c->pools, v, strlen(v) + 1);
	return 0;
}

static int load_depth(struct fp_conf *c, const char *var, const char *v,
		      struct fp_conf_error *err)
{
	uint64_t n;

	if (fp_parse_u64(v, &n) || n < 1 || n > FP_DEPTH_MAX)
		return fail(err, var, "not an integer in 1..%d: '%.*s%s'",
			    FP_DEPTH_MAX, SHOWN(v));
	c->depth = (unsigned)n;
	return 0;
}

static int load_report(struct fp_conf *c, const char *var, const char *v,
		       struct fp_conf_error *err)
{
	return load_path(var, v, c->report, sizeof(c->report), err);
}

static int load_log(struct fp_conf *c, const char *var, const char *v,
		    struct fp_conf_error *err)
{
	return load_path(var, v, c->log, sizeof(c->log), err);
}

static int load_exe(struct fp_conf *c, const char *var, const char *v,
		    struct fp_conf_error *err)
{
	if (!*v)
		return fail(err, var, "empty pattern");
	return load_string(var, v, c->exe, sizeof(c->exe), err);
}

static int load_enable(struct fp_conf *c, const char *var, const char *v,
		       struct fp_conf_error *err)
{
	if (strcmp(v, "0") && strcmp(v, "1"))
		return fail(err, var, "not 0 or 1: '%.*s%s'", SHOWN(v));
	c->enable = v[0] == '1';
	return 0;
}

static int load_toggle_signal(struct fp_conf *c, const char *var, const char *v,
			      struct fp_conf_error *err)
{
	if (fp_parse_signal(v, &c->toggle_signal))
		return fail(err, var, "not a signal name or number: '%.*s%s'", SHOWN(v));
	return check_toggle(var, v, c->toggle_signal, err);
}

static int load_verbose(struct fp_conf *c, const char *var, const char *v,
			struct fp_conf_error *err)
{
	if (strcmp(v, "0") && strcmp(v, "1") && strcmp(v, "2"))
		return fail(err, var, "not 0, 1 or 2: '%.*s%s'", SHOWN(v));
	c->verbose = v[0] - '0';
	return 0;
}

static int load_check(struct fp_conf *c, const char *var, const char *v,
		      struct fp_conf_error *err)
{
	if (strcmp(v, "none") && strcmp(v, "frees"))
		return fail(err, var, "not none or frees: '%.*s%s'", SHOWN(v));
	c->check = strcmp(v, "frees") == 0 ? FP_CHECK_FREES : FP_CHECK_NONE;
	return 0;
}

/* Row i of lib/vars.def is loaded by loaders[i]. */
static loader *const loaders[] = {
#define FP_VAR(NAME, key, load, flag, metavar, use, help) load,
#include "vars.def"
#undef FP_VAR
};

_Static_assert(FP_ARRAY_SIZE(loaders) == FP_ARRAY_SIZE(fp_conf_vars),
	       "one loader per variable");

int fp_conf_load(struct fp_conf *c, char *(*get)(const char *name),
		 struct fp_conf_error *err)
{
	fp_conf_defaults(c);
	for (unsigned i = 0; i < FP_ARRAY_SIZE(loaders); i++) {
		const char *v = get(fp_conf_vars[i].name);
		int rc = v ? loaders[i](c, fp_conf_vars[i].name, v, err) : 0;

		if (rc)
			return rc;
	}
	/* BURST only widens NTH's failure: alone it would be ignored without a word. */
	if (get("FAILPOOL_BURST") && !c->nth)
		return fail(err, "FAILPOOL_BURST",
			    "needs FAILPOOL_NTH, the first allocation of the burst");
	return 0;
}

int fp_conf_load_environ(struct fp_conf *c, struct fp_conf_error *err)
{
	int rc = fp_conf_check_names(environ, err);

	if (!rc)
		rc = fp_conf_load(c, getenv, err);
	/* Nothing half-set: the shim passes straight through until it exits. */
	if (rc)
		fp_conf_defaults(c);
	return rc;
}

/* Append @s escaped, stopping before the first byte whose escape does not fit. */
static unsigned escape_into(char *buf, unsigned n, unsigned cap, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char e[4];
		unsigned len = 2;

		e[0] = '\\';
		if (ch == '\n' || ch == '\t' || ch == '\r') {
			e[1] = ch == '\n' ? 'n' : ch == '\t' ? 't' : 'r';
		} else if (ch < 0x20 || ch == 0x7f) {
			e[1] = 'x';
			e[2] = hex[ch >> 4];
			e[3] = hex[ch & 15];
			len = 4;
		} else {
			e[0] = (char)ch;
			len = 1;
		}
		if (n + len > cap)
			break;
		memcpy(buf + n, e, len);
		n += len;
	}
	return n;
}

unsigned fp_conf_format_error(const struct fp_conf_error *err, char *buf,
			      unsigned size)
{
	/* Room for the newline and the NUL, whatever the message holds. */
	unsigned cap = size >= 2 ? size - 2 : 0, n = 0;

	if (!size)
		return 0;
	n = escape_into(buf, n, cap, "failpool: ");
	n = escape_into(buf, n, cap, err->var);
	n = escape_into(buf, n, cap, ": ");
	n = escape_into(buf, n, cap, err->msg);
	if (size >= 2)
		buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

int fp_conf_injects(const struct fp_conf *c)
{
	return c->rate > 0 || c->every || c->nth || c->limit_set;
}
