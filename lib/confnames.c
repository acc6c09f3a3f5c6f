/*
 * Unknown FAILPOOL_* names: a misspelt variable must stop the program like a
 * bad value, not be ignored. Runs in the shim's boot (before main, nothing
 * allocated) and in the tool.
 */
#include "config.h"
#include "confnames.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"

/* The tool's own variable (which shim to preload): the shim never reads it. */
static const char tool_var[] = "FAILPOOL_LIB";
#define PREFIX_LEN	(sizeof("FAILPOOL_") - 1)
/* Longer names than this are never close to a known one. */
#define SUGGEST_MAX	40

static int lower_ch(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + 'a' - 'A' : ch;
}

/*
 * Edit distance with adjacent transpositions (RTA for RAT counts 1), case
 * folded so that FAILPOOL_rate suggests FAILPOOL_RATE; three rows on the
 * stack because the shim runs this before anything can be allocated.
 */
static unsigned distance(const char *a, size_t na, const char *b, size_t nb)
{
	unsigned rows[3][SUGGEST_MAX + 1], *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

	for (size_t j = 0; j <= nb; j++)
		prev[j] = (unsigned)j;
	for (size_t i = 1; i <= na; i++) {
		cur[0] = (unsigned)i;
		for (size_t j = 1; j <= nb; j++) {
			unsigned cost = lower_ch(a[i - 1]) != lower_ch(b[j - 1]);
			unsigned d = prev[j - 1] + cost;

			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (i > 1 && j > 1 && lower_ch(a[i - 1]) == lower_ch(b[j - 2]) &&
			    lower_ch(a[i - 2]) == lower_ch(b[j - 1]) && prev2[j - 2] + 1 < d)
				d = prev2[j - 2] + 1;
			cur[j] = d;
		}
		{
			unsigned *t = prev2;

			prev2 = prev;
			prev = cur;
			cur = t;
		}
	}
	return prev[nb];
}

/* Every name the environment may hold: lib/vars.def's, and the tool's. */
static const char *known_name(unsigned i)
{
	return i < fp_conf_nvars ? fp_conf_vars[i].name : i == fp_conf_nvars ? tool_var : NULL;
}

const char *fp_conf_suggest(const char *name, size_t n)
{
	const char *best = NULL;
	unsigned best_d = ~0u;

	if (n < PREFIX_LEN || n - PREFIX_LEN > SUGGEST_MAX)
		return NULL;
	for (unsigned i = 0; known_name(i); i++) {
		const char *k = known_name(i) + PREFIX_LEN;
		size_t nk = strlen(k), nu = n - PREFIX_LEN;
		unsigned d = distance(name + PREFIX_LEN, nu, k, nk);

		/* One edit in four letters: RAT, SEDE, TOGGLE_SIG; not DEBUG for DEPTH. */
		if (d <= 1 + (nu > nk ? nu : nk) / 4 && d < best_d) {
			best = known_name(i);
			best_d = d;
		}
	}
	return best;
}

int fp_conf_check_names(char *const *env, struct fp_conf_error *err)
{
	for (; env && *env; env++) {
		const char *e = *env, *near;
		size_t n = strcspn(e, "="), shown = n;
		unsigned i;

		if (n < PREFIX_LEN || memcmp(e, "FAILPOOL_", PREFIX_LEN))
			continue;
		for (i = 0; known_name(i); i++)
			if (strlen(known_name(i)) == n && !memcmp(known_name(i), e, n))
				break;
		if (known_name(i))
			continue;
		if (shown >= sizeof(err->name))
			shown = sizeof(err->name) - 4;
		memcpy(err->name, e, shown);
		strcpy(err->name + shown, n > shown ? "..." : "");
		near = fp_conf_suggest(e, n);
		err->var = err->name;
		snprintf(err->msg, sizeof(err->msg), "unknown variable%s%s%s",
			 near ? " (did you mean " : "", near ? near : "", near ? "?)" : "");
		return -EINVAL;
	}
	return 0;
}
