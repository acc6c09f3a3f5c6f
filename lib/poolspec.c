/* FAILPOOL_POOLS parsing: used by the shim before main and by the tool. */
#include "config.h"
#include "poolspec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "match.h"
#include "parse.h"

static int bad(char *err, unsigned errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(char *err, unsigned errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int name_ok(const char *s, size_t n)
{
	if (!n || n >= FP_POOL_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

/* One "key=value" of pool @p (@n bytes at @s). */
static int set_key(struct fp_pool_spec *p, const char *s, size_t n, int *seen,
		   char *err, unsigned errlen)
{
	static const char *const keys[] = { "site", "min", "size", "wait" };
	const char *eq = memchr(s, '=', n);
	char value[FP_POOL_SITE_MAX];
	size_t klen, vlen;
	unsigned k;
	int rc;

	if (!eq)
		return bad(err, errlen, "pool '%s': '%.*s' is not key=value", p->name, (int)n, s);
	klen = (size_t)(eq - s);
	vlen = n - klen - 1;
	for (k = 0; k < 4; k++)
		if (strlen(keys[k]) == klen && memcmp(keys[k], s, klen) == 0)
			break;
	if (k == 4)
		return bad(err, errlen, "pool '%s': unknown key '%.*s' (use site, min, size, wait)",
			   p->name, (int)klen, s);
	if (seen[k]++)
		return bad(err, errlen, "pool '%s': %s given twice", p->name, keys[k]);
	if (vlen >= sizeof(value))
		return bad(err, errlen, "pool '%s': %s value too long", p->name, keys[k]);
	memcpy(value, eq + 1, vlen);
	value[vlen] = '\0';
	switch (k) {
	case 0: {
		static struct fp_rules rules;	/* large; the shim boots single-threaded */
		char why[200];

		if (!vlen)
			return bad(err, errlen, "pool '%s': site= is empty", p->name);
		if (fp_rules_parse(value, '|', &rules, why, sizeof(why)))
			return bad(err, errlen, "pool '%s': site: %s", p->name, why);
		memcpy(p->site, value, vlen + 1);
		return 0;
	}
	case 1:
		if (fp_parse_u64(value, &p->min) || p->min < 1 || p->min > FP_POOL_MIN_MAX)
			return bad(err, errlen, "pool '%s': min is not an integer in 1..%d: '%s'",
				   p->name, FP_POOL_MIN_MAX, value);
		return 0;
	case 2:
		rc = fp_parse_size(value, &p->size);
		if (rc || p->size < 1 || p->size > FP_POOL_SIZE_MAX)
			return bad(err, errlen, "pool '%s': size is not a size in 1..1G bytes (suffix K, M or G allowed): '%s'",
				   p->name, value);
		return 0;
	default:
		if (fp_parse_duration(value, &p->wait_ns))
			return bad(err, errlen, "pool '%s': wait is not 0, a duration (500ms, 5s) or forever: '%s'",
				   p->name, value);
		return 0;
	}
}

/* Whether @s begins a site rule rather than a pool: a ';' put between a pool's rules. */
static int looks_like_rule(const char *s)
{
	return !strncmp(s, "func:", 5) || !strncmp(s, "lib:", 4) || !strncmp(s, "site:", 5) ||
	       *s == '!';
}

#define RULES_HINT " (separate a pool's site rules with |)"

int fp_pools_next(const char **cursor, unsigned index, struct fp_pool_spec *p,
		  char *err, unsigned errlen)
{
	const char *s = *cursor, *end, *colon, *item;
	int seen[4] = { 0 };
	int rc;

	if (!*s) {
		/* After the first pool, s - 1 is the ';' that ended it. */
		if (index > 1 && s[-1] == ';')
			return bad(err, errlen, "pool %u is empty", index);
		return 0;
	}
	end = strchr(s, ';');
	if (!end)
		end = s + strlen(s);
	*cursor = *end ? end + 1 : end;
	memset(p, 0, sizeof(*p));
	if (end == s)
		return bad(err, errlen, "pool %u is empty", index);
	if (index > 1 && looks_like_rule(s))
		return bad(err, errlen, "pool %u '%.*s' is a site rule, not a pool" RULES_HINT,
			   index, (int)(end - s), s);
	colon = memchr(s, ':', (size_t)(end - s));
	if (!colon)
		return bad(err, errlen, "pool %u '%.*s': no ':' after the name (use name:site=RULES,min=N,size=BYTES[,wait=T])",
			   index, (int)(end - s), s);
	if (!name_ok(s, (size_t)(colon - s)))
		return bad(err, errlen, "pool %u: bad name '%.*s' (1 to %d letters, digits, '_', '-' or '.')",
			   index, (int)(colon - s), s, FP_POOL_NAME_MAX - 1);
	memcpy(p->name, s, (size_t)(colon - s));
	for (item = colon + 1; item <= end; ) {
		const char *comma = memchr(item, ',', (size_t)(end - item));
		const char *stop = comma ? comma : end;

		if (stop == item)
			return bad(err, errlen, "pool '%s': empty key=value", p->name);
		if ((rc = set_key(p, item, (size_t)(stop - item), seen, err, errlen)))
			return rc;
		item = stop + 1;
	}
	if (!seen[0])
		return bad(err, errlen, "pool '%s': site= is required", p->name);
	if (!seen[1])
		return bad(err, errlen, "pool '%s': min= is required%s", p->name,
			   *end && looks_like_rule(end + 1) ? RULES_HINT : "");
	if (!seen[2])
		return bad(err, errlen, "pool '%s': size= is required%s", p->name,
			   *end && looks_like_rule(end + 1) ? RULES_HINT : "");
	return 1;
}

int fp_pools_check(const char *text, char *err, unsigned errlen)
{
	static struct fp_pool_spec spec;
	char names[FP_POOLS_MAX][FP_POOL_NAME_MAX];
	const char *cursor = text;
	unsigned n = 0;
	int rc;

	while ((rc = fp_pools_next(&cursor, n + 1, &spec, err, errlen)) == 1) {
		if (n == FP_POOLS_MAX)
			return bad(err, errlen, "more than %d pools", FP_POOLS_MAX);
		for (unsigned i = 0; i < n; i++)
			if (strcmp(names[i], spec.name) == 0)
				return bad(err, errlen, "pool '%s' defined twice", spec.name);
		memcpy(names[n++], spec.name, FP_POOL_NAME_MAX);
	}
	if (rc < 0)
		return rc;
	if (!n)
		return bad(err, errlen, "no pool in '%s'", text);
	return (int)n;
}
