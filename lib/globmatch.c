/* Byte-wise globs (see globmatch.h). */
#include "config.h"
#include "globmatch.h"

#include <stddef.h>

/* A bracket expression at @p (just past '['): does it hold @c? *@end is set past its ']'. */
static int bracket(const char *p, unsigned char c, const char **end)
{
	int negate = 0, hit = 0, first = 1;

	if (*p == '!' || *p == '^') {
		negate = 1;
		p++;
	}
	while (*p && (*p != ']' || first)) {	/* a ']' first is a member */
		unsigned char lo, hi;

		first = 0;
		if (*p == '\\' && p[1])
			p++;
		lo = hi = (unsigned char)*p++;
		if (*p == '-' && p[1] && p[1] != ']') {
			p++;
			if (*p == '\\' && p[1])
				p++;
			hi = (unsigned char)*p++;
		}
		if (c >= lo && c <= hi)
			hit = 1;
	}
	if (*p != ']')
		return -1;	/* no closing ']': '[' is an ordinary character */
	*end = p + 1;
	return hit != negate;
}

int fp_glob_match(const char *pattern, const char *s)
{
	const char *p = pattern, *star_p = NULL, *star_s = NULL;

	for (;;) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (!*p)
				return 1;
			star_p = p;
			star_s = s;
			continue;
		}
		if (*s) {
			const char *next = p + 1;
			int ok;

			if (*p == '?') {
				ok = 1;
			} else if (*p == '[') {
				ok = bracket(p + 1, (unsigned char)*s, &next);
				if (ok < 0) {	/* literal '[' */
					ok = *s == '[';
					next = p + 1;
				}
			} else if (*p == '\\') {
				ok = p[1] && p[1] == *s;	/* a trailing '\\' matches nothing */
				next = p + 2;
			} else {
				ok = *p && *p == *s;
			}
			if (ok) {
				p = next;
				s++;
				continue;
			}
		} else if (!*p) {
			return 1;
		}
		/* A mismatch: let the last '*' take one more character. */
		if (!star_p || !*star_s)
			return 0;
		p = star_p;
		s = ++star_s;
	}
}
