/* lib/globmatch.c: the same answers as fnmatch(pattern, s, 0) in the C locale. */
#include "config.h"

#include <fnmatch.h>

#include "globmatch.h"
#include "../tap.h"

static const char *const patterns[] = {
	"", "*", "?", "a", "abc", "a*", "*c", "a*c", "a?c", "*b*", "**", "a**c", "*a*b*c*",
	"[abc]", "[!abc]", "[^abc]", "[a-c]x", "[]]", "[!]]", "[a-]", "[\\]]", "\\*", "\\?", "a\\",
	"[", "[abc", "lib*.so*", "libz.so.?", "parse_*", "*_alloc", "?*?", "[0-9]*", "*[xyz]",
	"a[b-d]e*f?", "*.so.[0-9]", "[[]", "x*y*z",
};

static const char *const strings[] = {
	"", "a", "b", "c", "ab", "abc", "abbc", "ac", "axc", "bab", "]", "-", "*", "?", "[",
	"a\\", "x", "ax", "libz.so.1", "libfoo.so", "libssl.so.3", "parse_config", "other_alloc",
	"abcabc", "zzz", "0abc", "acef1", "abef1", "ade_f1", "libc.so.6", "xyz", "xaybzc",
	"[abc",
};

int main(void)
{
	unsigned bad = 0, n = 0;

	for (unsigned i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		for (unsigned j = 0; j < sizeof(strings) / sizeof(strings[0]); j++) {
			int want = fnmatch(patterns[i], strings[j], 0) == 0;
			int got = fp_glob_match(patterns[i], strings[j]);

			n++;
			if (got != want) {
				bad++;
				diag("pattern '%s' string '%s': got %d, fnmatch says %d", patterns[i],
				     strings[j], got, want);
			}
		}
	is_int(bad, 0, "%u pattern/string pairs: every answer as fnmatch's in the C locale", n);
	ok(fp_glob_match("lib*.so*", "libstdc++.so.6"), "lib*.so* matches libstdc++.so.6");
	ok(!fp_glob_match("parse_*", "xparse_config"), "parse_* does not match xparse_config");
	ok(fp_glob_match("caf\xc3\xa9*", "caf\xc3\xa9-au-lait"), "UTF-8 bytes match as bytes");
	ok(fp_glob_match("*\xc3\xa9", "caf\xc3\xa9"), "... at the end too");
	return done_testing();
}
