/* lib/match.c: the site rule language, parsing and matching. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "match.h"
#include "../tap.h"

static struct fp_rules rules;
static char err[256];

static int parse(const char *text)
{
	err[0] = '\0';
	return fp_rules_parse(text, ';', &rules, err, sizeof(err));
}

static void bad(const char *text, const char *want)
{
	is_int(parse(text), -EINVAL, "'%s' is rejected", text);
	is_str(err, want, "... with the message");
}

/* A stack: main <- parse_config <- xstrdup, in prog and libutil.so. */
static const struct fp_match_frame stack[] = {
	{ "libutil.so.1", "xstrdup", NULL },
	{ "prog", "_ZN6Config5parseEv", "Config::parse()" },
	{ "prog", "main", NULL },
};

static int matches(const char *text, unsigned n, uint64_t site)
{
	if (parse(text)) {
		diag("parse failed: %s", err);
		return -1;
	}
	return fp_rules_match(&rules, stack, n, site);
}

int main(void)
{
	is_int(parse(""), 0, "empty text: no rules");
	is_int(rules.n, 0, "... n = 0");
	is_int(fp_rules_match(&rules, stack, 3, 1), 1, "... every stack matches");

	is_int(parse("func:a*;!lib:libz.so*;site:0xDEADbeef;lib:x"), 0, "four rules");
	is_int(rules.n, 4, "... n = 4");
	is_int(rules.positives, 3, "... 3 positive");
	ok(rules.need_funcs && rules.rule[1].kind == FP_RULE_LIB &&
	   rules.rule[2].kind == FP_RULE_SITE, "... needs funcs; rules 2 and 3 are lib: and site:");
	is_int(rules.rule[1].negate, 1, "... rule 2 negated");
	is_str(rules.rule[1].pattern, "libz.so*", "... rule 2 pattern");
	is_u64(rules.rule[2].site, 0xdeadbeefULL, "... rule 3 site id");
	is_int(parse("site:ffffffffffffffff"), 0, "16 hex digits");
	is_u64(rules.rule[0].site, UINT64_MAX, "... value");
	is_int(fp_rules_parse("func:a|!lib:b", '|', &rules, err, sizeof(err)), 0, "'|' separator (pools)");
	is_int(rules.n, 2, "... two rules");

	bad("main", "rule 1 'main': no ':' (use func:GLOB, lib:GLOB or site:HEX)");
	bad("func:a;;func:b", "rule 2 '': empty rule");
	bad("func:a;", "rule 2 '': empty rule");
	bad("file:x", "rule 1 'file:x': unknown kind 'file' (use func:, lib: or site:)");
	bad("!func:", "rule 1 '!func:': empty pattern");
	bad("site:xyz", "rule 1 'site:xyz': not a site id (up to 16 hex digits)");
	bad("site:1ffffffffffffffff", "rule 1 'site:1ffffffffffffffff': not a site id (up to 16 hex digits)");
	{
		char many[FP_RULES_TEXT];
		size_t len = 0;

		for (int i = 0; i <= FP_RULES_MAX; i++)
			len += (size_t)snprintf(many + len, sizeof(many) - len, "%sfunc:f%d", i ? ";" : "", i);
		is_int(parse(many), -EINVAL, "%d rules are too many", FP_RULES_MAX + 1);
		is_str(err, "more than 64 rules", "... message");
	}

	is_int(matches("func:xstrdup", 3, 1), 1, "func: on the innermost frame");
	is_int(matches("func:main", 3, 1), 1, "func: on an outer frame");
	is_int(matches("func:main", 2, 1), 0, "func: beyond the frames given (depth) does not match");
	is_int(matches("func:Config::*", 3, 1), 1, "func: on the demangled name");
	is_int(matches("func:_ZN6Config*", 3, 1), 1, "func: on the mangled name");
	is_int(matches("func:parse", 3, 1), 0, "func: is a whole-name glob");
	is_int(matches("lib:libutil.so*", 3, 1), 1, "lib: glob");
	is_int(matches("lib:libz*", 3, 1), 0, "lib: no such object");
	is_int(matches("site:2a", 3, 42), 1, "site: equal id");
	is_int(matches("site:2a", 3, 43), 0, "site: other id");
	is_int(matches("!func:main", 3, 1), 0, "negation alone excludes a matching stack");
	is_int(matches("!func:nothere", 3, 1), 1, "negation alone keeps other stacks");
	is_int(matches("lib:prog;!func:xstrdup", 3, 1), 0, "a negative match wins over a positive one");
	is_int(matches("func:nothere;lib:prog", 3, 1), 1, "any positive rule is enough");
	is_int(matches("func:nothere;lib:nothere", 3, 1), 0, "no positive rule matched");
	is_int(fp_rules_match(&rules, NULL, 0, 1), 0, "no frames: positives cannot match");
	return done_testing();
}
