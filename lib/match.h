/*
 * Site rules (FAILPOOL_SITES, and a pool's site= key):
 *   rules = rule { SEP rule }     SEP is ';' (FAILPOOL_SITES) or '|' (pools)
 *   rule  = [ '!' ] kind ':' pattern
 *   kind  = 'func' | 'lib' | 'site'
 * func:GLOB matches when some frame's function name (mangled or demangled)
 * matches the glob (globmatch.h: fnmatch's syntax, byte by byte); lib:GLOB when some frame's object basename does;
 * site:HEX when the stack's site id equals HEX. With no positive rule every
 * stack matches; a stack matching any '!' rule never matches.
 * Parsing allocates nothing (the rules point into a copy held by the set).
 */
#ifndef FP_MATCH_H
#define FP_MATCH_H

#include <stdint.h>

#define FP_RULES_MAX	64
#define FP_RULES_TEXT	4096

enum fp_rule_kind { FP_RULE_FUNC, FP_RULE_LIB, FP_RULE_SITE };

struct fp_rule {
	enum fp_rule_kind kind;
	int negate;
	const char *pattern;		/* NUL-terminated, inside fp_rules.text */
	uint64_t site;			/* FP_RULE_SITE */
};

struct fp_rules {
	unsigned n;
	unsigned positives;
	unsigned need_funcs;		/* some rule is func: */
	struct fp_rule rule[FP_RULES_MAX];
	char text[FP_RULES_TEXT];
};

/* What a rule looks at in one frame. */
struct fp_match_frame {
	const char *object;		/* basename */
	const char *function;		/* NULL when unknown */
	const char *demangled;		/* NULL when not a C++ name */
};

/**
 * fp_rules_parse() - parse @text into @rules.
 * @sep: ';' or '|'
 * @err: on failure, a message naming the bad rule ("rule 2 'x:y': unknown
 *       kind 'x' (use func:, lib: or site:)")
 * Context: boot, maybe inside the first malloc: allocation-free.
 * Return: 0, or -EINVAL.
 */
int fp_rules_parse(const char *text, char sep, struct fp_rules *rules,
		   char *err, unsigned errlen);

/**
 * fp_rules_match() - does a stack match the rules?
 * @frames: the stack's first frames above the interposed function
 * @site:   the stack's site id
 * Context: inside malloc, under the reentrancy guard (site creation): locale-
 * free, allocation-free.
 * Return: 1 or 0.
 */
int fp_rules_match(const struct fp_rules *rules,
		   const struct fp_match_frame *frames, unsigned n,
		   uint64_t site);

#endif
