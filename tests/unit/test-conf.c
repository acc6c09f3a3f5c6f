/* lib/conf.c: defaults, every variable good and bad, exact messages. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "conf.h"
#include "confnames.h"
#include "fp.h"
#include "../tap.h"

/* A fake environment: NULL-terminated pairs. */
static const char *const *env;

static char *lookup(const char *name)
{
	for (const char *const *p = env; p && p[0]; p += 2)
		if (strcmp(p[0], name) == 0)
			return (char *)p[1];
	return NULL;
}

static struct fp_conf c;
static struct fp_conf_error err;

static int load(const char *const *pairs)
{
	env = pairs;
	memset(&err, 0, sizeof(err));
	return fp_conf_load(&c, lookup, &err);
}

#define LOAD(...) load((const char *const[]){ __VA_ARGS__, NULL })

static void good(const char *var, const char *value)
{
	int rc = LOAD(var, value);

	is_int(rc, 0, "%s=%s is accepted", var, value);
	if (rc)
		diag("error: %s: %s", err.var ? err.var : "?", err.msg);
}

/* A bad value names its variable and says what is wrong, with @part in it. */
static void bad(const char *var, const char *value, const char *part)
{
	int rc = LOAD(var, value);

	is_int(rc, -EINVAL, "%s='%s' is rejected", var, value);
	is_str(err.var, var, "... naming %s", var);
	ok(strstr(err.msg, part) != NULL, "... message '%s' contains '%s'", err.msg, part);
}

int main(void)
{
	char line[512];
	unsigned n;

	/* Defaults. */
	is_int(LOAD(NULL), 0, "no variables: ok");
	is_double(c.rate, 0, 0, "rate defaults to 0");
	ok(!c.seed_set, "seed unset by default");
	is_u64(c.every, 0, "every off");
	is_u64(c.after, 0, "after 0");
	is_u64(c.nth, 0, "nth off");
	is_u64(c.burst, 1, "burst 1");
	is_u64(c.times, FP_UNLIMITED, "times unlimited");
	ok(!c.limit_set, "limit off");
	is_u64(c.calls, FP_CALLSET_ALL, "all calls eligible");
	is_int(c.depth, 8, "depth 8");
	is_int(c.enable, 1, "enabled");
	is_int(c.toggle_signal, 0, "no toggle signal");
	is_int(c.verbose, 0, "quiet");
	ok(!c.report[0] && !c.log[0] && !c.exe[0], "no report, log, exe");
	ok(!fp_conf_injects(&c), "nothing configured injects nothing");

	/* RATE */
	good("FAILPOOL_RATE", "0.25");
	is_double(c.rate, 0.25, 0, "rate 0.25");
	ok(fp_conf_injects(&c), "a rate injects");
	good("FAILPOOL_RATE", "1");
	good("FAILPOOL_RATE", "0");
	ok(!fp_conf_injects(&c), "rate 0 injects nothing");
	bad("FAILPOOL_RATE", "-0.1", "not a number in [0,1]: '-0.1'");
	bad("FAILPOOL_RATE", "1.5", "not a number in [0,1]");
	bad("FAILPOOL_RATE", "abc", "'abc'");
	bad("FAILPOOL_RATE", "", "not a number");

	/* SEED */
	good("FAILPOOL_SEED", "18446744073709551615");
	ok(c.seed_set && c.seed == UINT64_MAX, "seed max");
	good("FAILPOOL_SEED", "0x10");
	is_u64(c.seed, 16, "hex seed");
	bad("FAILPOOL_SEED", "18446744073709551616", "out of range");
	bad("FAILPOOL_SEED", "-5", "not a non-negative integer");

	/* EVERY AFTER NTH BURST TIMES */
	good("FAILPOOL_EVERY", "3");
	is_u64(c.every, 3, "every 3");
	ok(fp_conf_injects(&c), "every injects");
	bad("FAILPOOL_EVERY", "0", "at least 1");
	bad("FAILPOOL_EVERY", "x", "not a non-negative integer");
	good("FAILPOOL_AFTER", "0");
	good("FAILPOOL_AFTER", "1000");
	is_u64(c.after, 1000, "after 1000");
	ok(!fp_conf_injects(&c), "after alone injects nothing");
	bad("FAILPOOL_AFTER", "1k", "not a non-negative integer");
	good("FAILPOOL_NTH", "5");
	is_u64(c.nth, 5, "nth 5");
	bad("FAILPOOL_NTH", "0", "at least 1");
	is_int(LOAD("FAILPOOL_NTH", "5", "FAILPOOL_BURST", "inf"), 0, "NTH=5 BURST=inf is accepted");
	is_u64(c.burst, FP_UNLIMITED, "burst inf");
	is_int(LOAD("FAILPOOL_NTH", "5", "FAILPOOL_BURST", "4"), 0, "NTH=5 BURST=4 is accepted");
	is_u64(c.burst, 4, "burst 4");
	bad("FAILPOOL_BURST", "4", "needs FAILPOOL_NTH");
	bad("FAILPOOL_BURST", "0", "'inf'");
	bad("FAILPOOL_BURST", "infinity", "'inf'");
	good("FAILPOOL_TIMES", "0");
	is_u64(c.times, 0, "times 0 is valid");
	bad("FAILPOOL_TIMES", "-1", "not a non-negative integer");

	/* LIMIT */
	good("FAILPOOL_LIMIT", "10M");
	ok(c.limit_set && c.limit == 10485760, "limit 10M = 10485760");
	ok(fp_conf_injects(&c), "a limit injects");
	good("FAILPOOL_LIMIT", "0");
	ok(c.limit_set && c.limit == 0, "limit 0 is a limit");
	bad("FAILPOOL_LIMIT", "10X", "not a size in bytes");
	bad("FAILPOOL_LIMIT", "99999999999G", "out of range");

	/* CALLS */
	good("FAILPOOL_CALLS", "malloc,new");
	is_u64(c.calls, FP_CALLBIT(FP_CALL_MALLOC) | FP_CALLBIT(FP_CALL_NEW) |
	       FP_CALLBIT(FP_CALL_NEW_ARRAY), "malloc,new: malloc and every new form");
	good("FAILPOOL_CALLS", "new[]");
	is_u64(c.calls, FP_CALLBIT(FP_CALL_NEW_ARRAY), "new[]: array forms only");
	good("FAILPOOL_CALLS", "free,malloc_usable_size,delete");
	good("FAILPOOL_CALLS", "pvalloc");
	is_u64(c.calls, FP_CALLBIT(FP_CALL_PVALLOC), "pvalloc alone");
	bad("FAILPOOL_CALLS", "malloc,bogus", "unknown function 'bogus'");
	bad("FAILPOOL_CALLS", "malloc,,calloc", "empty name");
	bad("FAILPOOL_CALLS", "", "empty name");
	bad("FAILPOOL_CALLS", "Malloc", "unknown function 'Malloc'");

	/* SITES: the rule language (details in test-match). */
	good("FAILPOOL_SITES", "func:parse_*;!lib:libz.so*;site:00000000deadbeef");
	is_str(c.sites, "func:parse_*;!lib:libz.so*;site:00000000deadbeef", "sites kept as written");
	good("FAILPOOL_SITES", "");
	bad("FAILPOOL_SITES", "main", "rule 1 'main': no ':'");
	bad("FAILPOOL_SITES", "func:a;file:b", "rule 2 'file:b': unknown kind 'file' (use func:, lib: or site:)");

	/* POOLS: README, "Pools: mempool reserves". */
	good("FAILPOOL_POOLS", "p:site=func:x,min=1,size=64");
	is_str(c.pools, "p:site=func:x,min=1,size=64", "pools kept as written");
	good("FAILPOOL_POOLS", "net:site=func:rx_*|lib:libssl*,min=32,size=2K,wait=500ms;io.log:site=site:deadbeef,min=1,size=1M,wait=forever");
	good("FAILPOOL_POOLS", "p:size=64,min=3,site=!func:x,wait=0");
	good("FAILPOOL_POOLS", "");
	bad("FAILPOOL_POOLS", "p", "pool 1 'p': no ':' after the name");
	bad("FAILPOOL_POOLS", ":site=func:x,min=1,size=64", "pool 1: bad name ''");
	bad("FAILPOOL_POOLS", "a b:site=func:x,min=1,size=64", "pool 1: bad name 'a b'");
	bad("FAILPOOL_POOLS", "p:site=func:x,min=1", "pool 'p': size= is required");
	bad("FAILPOOL_POOLS", "p:site=func:x,size=1", "pool 'p': min= is required");
	bad("FAILPOOL_POOLS", "p:min=1,size=1", "pool 'p': site= is required");
	bad("FAILPOOL_POOLS", "p:site=func:x,min=0,size=64", "pool 'p': min is not an integer in 1..1000000: '0'");
	bad("FAILPOOL_POOLS", "p:site=func:x,min=1,size=0", "pool 'p': size is not a size in 1..1G bytes");
	bad("FAILPOOL_POOLS", "p:site=func:x,min=1,size=2G", "pool 'p': size is not a size in 1..1G bytes");
	bad("FAILPOOL_POOLS", "p:site=func:x,min=1,size=8,wait=soon", "pool 'p': wait is not 0, a duration (500ms, 5s) or forever: 'soon'");
	bad("FAILPOOL_POOLS", "p:site=func:x,min=1,size=8,colour=red", "pool 'p': unknown key 'colour' (use site, min, size, wait)");
	bad("FAILPOOL_POOLS", "p:site=func:x,min=1,min=2,size=8", "pool 'p': min given twice");
	bad("FAILPOOL_POOLS", "p:site=fun:x,min=1,size=8", "pool 'p': site: rule 1 'fun:x': unknown kind 'fun'");
	bad("FAILPOOL_POOLS", "p:site=func:x|,min=1,size=8", "pool 'p': site: rule 2 '': empty rule");
	bad("FAILPOOL_POOLS", "p:site=func:x,,min=1,size=8", "pool 'p': empty key=value");
	bad("FAILPOOL_POOLS", "p:site=func:x,min=1,size=8;p:site=func:y,min=1,size=8", "pool 'p' defined twice");
	bad("FAILPOOL_POOLS", "p:site=func:x,min=1,size=8;", "pool 2 is empty");
	bad("FAILPOOL_POOLS", "a:site=func:x,min=1,size=8;b:site=func:x,min=1,size=8;c:site=func:x,min=1,size=8;d:site=func:x,min=1,size=8;e:site=func:x,min=1,size=8;f:site=func:x,min=1,size=8;g:site=func:x,min=1,size=8;h:site=func:x,min=1,size=8;i:site=func:x,min=1,size=8;j:site=func:x,min=1,size=8;k:site=func:x,min=1,size=8;l:site=func:x,min=1,size=8;m:site=func:x,min=1,size=8;n:site=func:x,min=1,size=8;o:site=func:x,min=1,size=8;p:site=func:x,min=1,size=8;q:site=func:x,min=1,size=8", "more than 16 pools");

	/* DEPTH */
	good("FAILPOOL_DEPTH", "1");
	good("FAILPOOL_DEPTH", "64");
	is_int(c.depth, 64, "depth 64");
	bad("FAILPOOL_DEPTH", "0", "not an integer in 1..64");
	bad("FAILPOOL_DEPTH", "65", "not an integer in 1..64");

	/* REPORT, LOG: escapes. */
	good("FAILPOOL_REPORT", "/tmp/r.%p.%e.%%.json");
	is_str(c.report, "/tmp/r.%p.%e.%%.json", "report template kept unexpanded");
	bad("FAILPOOL_REPORT", "", "empty path");
	bad("FAILPOOL_REPORT", "/tmp/%d.json", "unknown escape '%d'");
	bad("FAILPOOL_LOG", "/tmp/x%", "unknown escape");
	good("FAILPOOL_LOG", "/tmp/log.%p");

	/* EXE, ENABLE, TOGGLE_SIGNAL, VERBOSE */
	good("FAILPOOL_EXE", "sort*");
	is_str(c.exe, "sort*", "exe glob");
	bad("FAILPOOL_EXE", "", "empty pattern");
	good("FAILPOOL_ENABLE", "0");
	is_int(c.enable, 0, "enable 0");
	bad("FAILPOOL_ENABLE", "2", "not 0 or 1");
	bad("FAILPOOL_ENABLE", "yes", "not 0 or 1");
	good("FAILPOOL_TOGGLE_SIGNAL", "USR2");
	is_int(c.toggle_signal, SIGUSR2, "toggle USR2");
	bad("FAILPOOL_TOGGLE_SIGNAL", "SIGFOO", "not a signal");
	{
		/* Signals the program cannot do without (README, "Variables"). */
		static const char *const refused[][2] = {
			{ "KILL", "SIGKILL cannot be caught: 'KILL'" },
			{ "19", "SIGSTOP cannot be caught: '19'" },
			{ "SEGV", "SIGSEGV reports a crash" }, { "SIGBUS", "SIGBUS reports a crash" },
			{ "ILL", "SIGILL reports a crash" }, { "fpe", "SIGFPE reports a crash" },
			{ "6", "SIGABRT is how abort() ends a program" },
			{ "32", "signal 32 is reserved by glibc" }, { "33", "signal 33 is reserved by glibc" },
		};

		for (unsigned i = 0; i < FP_ARRAY_SIZE(refused); i++)
			bad("FAILPOOL_TOGGLE_SIGNAL", refused[i][0], refused[i][1]);
	}
	good("FAILPOOL_TOGGLE_SIGNAL", "RTMIN");
	is_int(c.toggle_signal, SIGRTMIN, "RTMIN (34 with glibc) is free");
	good("FAILPOOL_TOGGLE_SIGNAL", "HUP");
	good("FAILPOOL_VERBOSE", "2");
	is_int(c.verbose, 2, "verbose 2");
	bad("FAILPOOL_VERBOSE", "3", "not 0, 1 or 2");
	is_int(c.check, FP_CHECK_NONE, "check none by default");
	good("FAILPOOL_CHECK", "frees");
	is_int(c.check, FP_CHECK_FREES, "check frees");
	good("FAILPOOL_CHECK", "none");
	is_int(c.check, FP_CHECK_NONE, "check none");
	bad("FAILPOOL_CHECK", "all", "not none or frees: 'all'");

	/* The first bad variable is reported; earlier good ones do not mask it. */
	is_int(LOAD("FAILPOOL_RATE", "0.5", "FAILPOOL_EVERY", "0"), -EINVAL, "a good and a bad variable");
	is_str(err.var, "FAILPOOL_EVERY", "... the bad one is named");

	/* Exact message format. */
	LOAD("FAILPOOL_RATE", "2");
	n = fp_conf_format_error(&err, line, sizeof(line));
	is_str(line, "failpool: FAILPOOL_RATE: not a number in [0,1]: '2'\n", "exact one-line message");
	is_u64(n, strlen(line), "its length");
	n = fp_conf_format_error(&err, line, 16);
	ok(n == 15 && line[14] == '\n' && line[15] == '\0', "a short buffer still ends the line");

	/* Control bytes in a quoted value are escaped: still one line. */
	LOAD("FAILPOOL_RATE", "0.1\nx\ty\r\001\177z");
	n = fp_conf_format_error(&err, line, sizeof(line));
	is_str(line, "failpool: FAILPOOL_RATE: not a number in [0,1]: '0.1\\nx\\ty\\r\\x01\\x7fz'\n",
	       "newline, tab, CR, \\x01 and DEL escaped");
	n = fp_conf_format_error(&err, line, 55);
	is_str(line, "failpool: FAILPOOL_RATE: not a number in [0,1]: '0.1\n",
	       "a short buffer cuts before an escape that does not fit");
	{
		char raw[100], esc[FP_CONF_LINE_MAX];

		memset(raw, 1, sizeof(raw) - 1);
		raw[sizeof(raw) - 1] = '\0';
		LOAD("FAILPOOL_RATE", raw);
		n = fp_conf_format_error(&err, esc, sizeof(esc));
		ok(n == strlen(esc) && esc[n - 1] == '\n' && strchr(esc, '\n') == esc + n - 1 &&
		   strstr(esc, "'\\x01\\x01") && strstr(esc, "\\x01...'\n"),
		   "a long run of control bytes: one whole line, cut at 64 bytes");
		LOAD("FAILPOOL_RATE", "a\nb\\c");
		n = fp_conf_format_error(&err, esc, sizeof(esc));
		is_str(esc, "failpool: FAILPOOL_RATE: not a number in [0,1]: 'a\\nb\\c'\n",
		       "a newline escaped, a backslash left as it is");
	}

	/* A very long bad value is cut, not overflowed. */
	{
		char longv[2000];

		memset(longv, 'x', sizeof(longv) - 1);
		longv[sizeof(longv) - 1] = '\0';
		bad("FAILPOOL_RATE", longv, "...");
		ok(strlen(err.msg) < sizeof(err.msg), "message fits");
	}

	/* Unknown FAILPOOL_* names (README, "Variables"), the closest known one suggested. */
	{
		char *none[] = { "PATH=/bin", "FAILPOOL=/usr/bin/failpool", "FAILPOOLX=1",
				 "FAILPOOL_LIB=/x/libfailpool.so", "FAILPOOL_RATE=0.5", NULL };
		char *typo[] = { "HOME=/", "FAILPOOL_SEED=1", "FAILPOOL_RAT=0.1", "FAILPOOL_X=1", NULL };
		char *bare[] = { "FAILPOOL_DEBUG", NULL };
		char *all[64] = { NULL };
		char longname[200];
		char *lng[] = { longname, NULL };
		static const char *const near[][2] = {
			{ "FAILPOOL_RAT", "FAILPOOL_RATE" }, { "FAILPOOL_rate", "FAILPOOL_RATE" },
			{ "FAILPOOL_SEDE", "FAILPOOL_SEED" }, { "FAILPOOL_SITE", "FAILPOOL_SITES" },
			{ "FAILPOOL_TOGGLE_SIG", "FAILPOOL_TOGGLE_SIGNAL" },
			{ "FAILPOOL_VERBOSITY", "FAILPOOL_VERBOSE" }, { "FAILPOOL_REPROT", "FAILPOOL_REPORT" },
			{ "FAILPOOL_LIBS", "FAILPOOL_LIB" }, { "FAILPOOL_EXEC", "FAILPOOL_EXE" },
			{ "FAILPOOL_DEBUG", NULL }, { "FAILPOOL_FOO", NULL }, { "FAILPOOL_", NULL },
			{ "FAILPOOL_SIGNAL", NULL },
		};

		is_int(fp_conf_check_names(none, &err), 0,
		       "other variables, FAILPOOL itself and FAILPOOL_LIB (the tool's) are not errors");
		for (unsigned i = 0; i < fp_conf_nvars && i + 1 < FP_ARRAY_SIZE(all); i++)
			all[i] = (char *)fp_conf_vars[i].name;
		is_int(fp_conf_check_names(all, &err), 0, "every name of the table is known");
		is_int(fp_conf_check_names(NULL, &err), 0, "no environment at all");
		is_int(fp_conf_check_names(typo, &err), -EINVAL, "FAILPOOL_RAT is an error");
		n = fp_conf_format_error(&err, line, sizeof(line));
		is_str(line, "failpool: FAILPOOL_RAT: unknown variable (did you mean FAILPOOL_RATE?)\n",
		       "... named, with the closest known name");
		is_int(fp_conf_check_names(bare, &err), -EINVAL, "a name without '=' counts too");
		is_str(err.var, "FAILPOOL_DEBUG", "... named");
		is_str(err.msg, "unknown variable", "... nothing close enough to suggest");
		memset(longname, 'A', sizeof(longname));
		memcpy(longname, "FAILPOOL_", 9);
		strcpy(longname + 150, "=1");
		is_int(fp_conf_check_names(lng, &err), -EINVAL, "a 150-byte name");
		ok(strlen(err.var) == FP_CONF_NAME_MAX - 1 && !strcmp(err.var + FP_CONF_NAME_MAX - 4, "..."),
		   "... cut to %d bytes with '...': %s", FP_CONF_NAME_MAX - 1, err.var);
		for (unsigned i = 0; i < FP_ARRAY_SIZE(near); i++) {
			const char *got = fp_conf_suggest(near[i][0], strlen(near[i][0]));

			is_str(got ? got : "(none)", near[i][1] ? near[i][1] : "(none)",
			       "suggestion for %s", near[i][0]);
		}
		is_str(fp_conf_suggest("FAILPOOL_RATEX=1", 14), "FAILPOOL_RATE", "only the name's bytes count");
		ok(!fp_conf_suggest("FAILPOOL_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 69),
		   "a very long name: no suggestion");
	}

	/* Every variable has a report key. */
	ok(fp_conf_nvars == 19, "19 variables described");
	for (unsigned i = 0; i < fp_conf_nvars; i++)
		ok(strncmp(fp_conf_vars[i].name, "FAILPOOL_", 9) == 0 && fp_conf_vars[i].key[0] &&
		   fp_conf_vars[i].help[0], "%s described", fp_conf_vars[i].name);

	/*
	 * Table-driven, one good and one bad value per row of lib/vars.def at
	 * least, with the whole message: a variable added to the table without
	 * its cases here fails below.
	 */
	{
		/* @with: a variable @var needs beside it (BURST: NTH), set to "1". */
		static const struct { const char *var, *value, *msg, *with; } cases[] = {
			{ "FAILPOOL_RATE", "0.5", NULL },
			{ "FAILPOOL_RATE", "", "not a number in [0,1]: ''" },
			{ "FAILPOOL_SEED", "0", NULL },
			{ "FAILPOOL_SEED", "1e3", "not a non-negative integer: '1e3'" },
			{ "FAILPOOL_EVERY", "1", NULL },
			{ "FAILPOOL_EVERY", "0", "must be at least 1: '0'" },
			{ "FAILPOOL_AFTER", "0", NULL },
			{ "FAILPOOL_AFTER", "", "not a non-negative integer: ''" },
			{ "FAILPOOL_NTH", "18446744073709551615", NULL },
			{ "FAILPOOL_NTH", "18446744073709551616", "out of range (at most 18446744073709551615): '18446744073709551616'" },
			{ "FAILPOOL_BURST", "inf", NULL, "FAILPOOL_NTH" },
			{ "FAILPOOL_BURST", "-1", "not an integer >= 1 or 'inf': '-1'" },
			{ "FAILPOOL_BURST", "2", "needs FAILPOOL_NTH, the first allocation of the burst" },
			{ "FAILPOOL_TIMES", "7", NULL },
			{ "FAILPOOL_TIMES", "7x", "not a non-negative integer: '7x'" },
			{ "FAILPOOL_LIMIT", "1G", NULL },
			{ "FAILPOOL_LIMIT", "", "not a size in bytes (suffix K, M, G or T, also as KB or KiB): ''" },
			{ "FAILPOOL_CALLS", "realloc,delete[]", NULL },
			{ "FAILPOOL_CALLS", "mmap", "unknown function 'mmap' (known: malloc calloc realloc reallocarray free posix_memalign aligned_alloc memalign valloc pvalloc malloc_usable_size new new[] delete delete[])" },
			{ "FAILPOOL_SITES", "lib:libz*", NULL },
			{ "FAILPOOL_SITES", "func:", "rule 1 'func:': empty pattern" },
			{ "FAILPOOL_POOLS", "", NULL },
			{ "FAILPOOL_POOLS", "p:site=func:x,min=1", "pool 'p': size= is required" },
			{ "FAILPOOL_DEPTH", "8", NULL },
			{ "FAILPOOL_DEPTH", "", "not an integer in 1..64: ''" },
			{ "FAILPOOL_REPORT", "r.json", NULL },
			{ "FAILPOOL_REPORT", "%x", "unknown escape '%x' (use %p, %e or %%): '%x'" },
			{ "FAILPOOL_LOG", "%%.log", NULL },
			{ "FAILPOOL_LOG", "", "empty path" },
			{ "FAILPOOL_EXE", "[ab]*", NULL },
			{ "FAILPOOL_EXE", "", "empty pattern" },
			{ "FAILPOOL_ENABLE", "1", NULL },
			{ "FAILPOOL_ENABLE", "", "not 0 or 1: ''" },
			{ "FAILPOOL_TOGGLE_SIGNAL", "SIGUSR1", NULL },
			{ "FAILPOOL_TOGGLE_SIGNAL", "USR9", "not a signal name or number: 'USR9'" },
			{ "FAILPOOL_VERBOSE", "0", NULL },
			{ "FAILPOOL_VERBOSE", "01", "not 0, 1 or 2: '01'" },
			{ "FAILPOOL_CHECK", "none", NULL },
			{ "FAILPOOL_CHECK", "", "not none or frees: ''" },
		};

		for (unsigned v = 0; v < fp_conf_nvars; v++) {
			unsigned goods = 0, bads = 0;

			for (unsigned i = 0; i < FP_ARRAY_SIZE(cases); i++)
				if (!strcmp(cases[i].var, fp_conf_vars[v].name))
					cases[i].msg ? bads++ : goods++;
			ok(goods && bads, "%s: a good and a bad case below", fp_conf_vars[v].name);
		}
		for (unsigned i = 0; i < FP_ARRAY_SIZE(cases); i++) {
			int rc = cases[i].with ? LOAD(cases[i].var, cases[i].value, cases[i].with, "1")
					       : LOAD(cases[i].var, cases[i].value);

			if (!cases[i].msg) {
				is_int(rc, 0, "%s='%s' is accepted", cases[i].var, cases[i].value);
				continue;
			}
			is_int(rc, -EINVAL, "%s='%s' is rejected", cases[i].var, cases[i].value);
			is_str(err.var, cases[i].var, "... naming it");
			is_str(err.msg, cases[i].msg, "... saying what is wrong");
		}
	}

	/* Variables are checked in the table's order, whatever the environment's. */
	is_int(LOAD("FAILPOOL_CHECK", "x", "FAILPOOL_DEPTH", "0", "FAILPOOL_RATE", "2"), -EINVAL,
	       "three bad variables");
	is_str(err.var, "FAILPOOL_RATE", "... the table's first is named");
	is_int(LOAD("FAILPOOL_CHECK", "x", "FAILPOOL_DEPTH", "0"), -EINVAL, "two bad variables");
	is_str(err.var, "FAILPOOL_DEPTH", "... DEPTH before CHECK");
	is_int(LOAD("FAILPOOL_SEED", "9", "FAILPOOL_NTH", "3", "FAILPOOL_DEPTH", "2", "FAILPOOL_CHECK", "frees"),
	       0, "four good variables together");
	ok(c.seed_set && c.seed == 9 && c.nth == 3 && c.depth == 2 && c.check == FP_CHECK_FREES &&
	   c.rate == 0 && c.burst == 1, "... each sets its own field and no other");

	/* Call names and which of them can fail. */
	is_str(fp_call_name(FP_CALL_MALLOC), "malloc", "call name malloc");
	is_str(fp_call_name(FP_CALL_NEW_ARRAY), "new[]", "call name new[]");
	ok(fp_call_can_fail(FP_CALL_CALLOC) && !fp_call_can_fail(FP_CALL_FREE) &&
	   !fp_call_can_fail(FP_CALL_MALLOC_USABLE_SIZE) && !fp_call_can_fail(FP_CALL_DELETE),
	   "free, delete and malloc_usable_size never fail");
	return done_testing();
}
