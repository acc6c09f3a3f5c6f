/* Site rules: parsing (allocation-free, shared with the tool) and matching. */
#include "config.h"
#include "match.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "globmatch.h"
#include "parse.h"

static int bad(char *err, unsigned errlen, unsigned index, const char *rule,
	       const char *what)
{
	snprintf(err, errlen, "rule %u '%.64s%s': %s", index, rule,
		 strlen(rule) > 64 ? "..." : "", what);
	return -EINVAL;
}

static int parse_rule(struct fp_rule *r, char *text, unsigned index,
		      char *err, unsigned errlen)
{
	char *colon, *kind = text;
	char shown[FP_RULES_TEXT];
	uint64_t id;

	snprintf(shown, sizeof(shown), "%s", text);
	r->negate = 0;
	if (*kind == '!') {
		r->negate = 1;
		kind++;
	}
	colon = strchr(kind, ':');
	if (!*text)
		return bad(err, errlen, index, shown, "empty rule");
	if (!colon)
		return bad(err, errlen, index, shown, "no ':' (use func:GLOB, lib:GLOB or site:HEX)");
	*colon = '\0';
	r->pattern = colon + 1;
	if (strcmp(kind, "func") == 0) {
		r->kind = FP_RULE_FUNC;
	} else if (strcmp(kind, "lib") == 0) {
		r->kind = FP_RULE_LIB;
	} else if (strcmp(kind, "site") == 0) {
		r->kind = FP_RULE_SITE;
	} else {
		char what[128];

		snprintf(what, sizeof(what), "unknown kind '%.32s' (use func:, lib: or site:)", kind);
		return bad(err, errlen, index, shown, what);
	}
	if (!*r->pattern)
		return bad(err, errlen, index, shown, "empty pattern");
	if (r->kind == FP_RULE_SITE) {
		char hex[24];

		if (strlen(r->pattern) > 18)
			return bad(err, errlen, index, shown, "not a site id (up to 16 hex digits)");
		snprintf(hex, sizeof(hex), "%s%s",
			 strncmp(r->pattern, "0x", 2) && strncmp(r->pattern, "0X", 2) ? "0x" : "",
			 r->pattern);
		if (fp_parse_u64(hex, &id))
			return bad(err, errlen, index, shown, "not a site id (up to 16 hex digits)");
		r->site = id;
	}
	return 0;
}

int fp_rules_parse(const char *text, char sep, struct fp_rules *rules,
		   char *err, unsigned errlen)
{
	size_t len = strlen(text);
	char *p;
	int rc;

	memset(rules, 0, offsetof(struct fp_rules, text));
	if (len >= sizeof(rules->text)) {
		snprintf(err, errlen, "too long (%zu bytes, at most %zu)", len,
			 sizeof(rules->text) - 1);
		return -EINVAL;
	}
	memcpy(rules->text, text, len + 1);
	if (!len)
		return 0;
	for (p = rules->text;;) {
		char *end = strchr(p, sep);
		struct fp_rule *r;

		if (end)
			*end = '\0';
		if (rules->n == FP_RULES_MAX) {
			snprintf(err, errlen, "more than %d rules", FP_RULES_MAX);
			return -EINVAL;
		}
		r = &rules->rule[rules->n];
		rc = parse_rule(r, p, rules->n + 1, err, errlen);
		if (rc)
			return rc;
		rules->n++;
		rules->positives += !r->negate;
		rules->need_funcs |= r->kind == FP_RULE_FUNC;
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

static int rule_matches(const struct fp_rule *r,
			const struct fp_match_frame *frames, unsigned n,
			uint64_t site)
{
	if (r->kind == FP_RULE_SITE)
		return site == r->site;
	for (unsigned i = 0; i < n; i++) {
		const struct fp_match_frame *f = &frames[i];

		if (r->kind == FP_RULE_LIB) {
			if (f->object && fp_glob_match(r->pattern, f->object))
				return 1;
		} else if ((f->function && fp_glob_match(r->pattern, f->function)) ||
			   (f->demangled && fp_glob_match(r->pattern, f->demangled))) {
			return 1;
		}
	}
	return 0;
}

int fp_rules_match(const struct fp_rules *rules,
		   const struct fp_match_frame *frames, unsigned n,
		   uint64_t site)
{
	int positive = rules->positives == 0;

	for (unsigned i = 0; i < rules->n; i++) {
		const struct fp_rule *r = &rules->rule[i];

		if (r->negate) {
			if (rule_matches(r, frames, n, site))
				return 0;
		} else if (!positive && rule_matches(r, frames, n, site)) {
			positive = 1;
		}
	}
	return positive;
}
