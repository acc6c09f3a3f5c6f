/* The tool's JSON reader (tools/json.c): every type, escapes, \u and
 * surrogate pairs, nesting, number conversion, and errors with where. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../tap.h"
#include "../../lib/jsonw.h"
#include "../../tools/json.h"

static struct fp_json *parse(const char *s, char *err, size_t size)
{
	return fp_json_parse(s, strlen(s), err, size);
}

static void test_types(void)
{
	char err[128] = "";
	struct fp_json *j = parse(" {\"n\": null, \"t\": true, \"f\": false, \"i\": 42,"
				  " \"d\": -1.5e2, \"s\": \"x\", \"a\": [1, [2], {}], \"o\": {\"k\": \"v\"},"
				  " \"t\": false}\n", err, sizeof(err));
	uint64_t u = 0;
	double d = 0;

	ok(j != NULL, "an object with every type parses (%s)", err);
	if (!j)
		return;
	is_int(j->type, FP_JSON_OBJ, "root: object");
	is_u64(j->n, 9, "members kept in order, repeats too");
	is_str(j->items[0]->key, "n", "first member's key");
	is_int(fp_json_get(j, "n")->type, FP_JSON_NULL, "null");
	is_int(fp_json_get(j, "t")->type, FP_JSON_BOOL, "bool");
	is_int(fp_json_get(j, "t")->boolean, 0, "a repeated key: the last one");
	is_int(fp_json_get(j, "f")->boolean, 0, "false");
	is_int(fp_json_u64(fp_json_get(j, "i"), &u), 0, "42 is a u64");
	is_u64(u, 42, "42");
	is_str(fp_json_get(j, "d")->text, "-1.5e2", "a number kept as written");
	is_int(fp_json_double(fp_json_get(j, "d"), &d), 0, "as a double");
	is_double(d, -150, 0, "-1.5e2");
	is_int(fp_json_u64(fp_json_get(j, "d"), &u), -EINVAL, "a negative number is no u64");
	is_str(fp_json_str(fp_json_get(j, "s")), "x", "string");
	ok(!fp_json_str(fp_json_get(j, "i")), "a number is no string");
	is_int(fp_json_get(j, "a")->type, FP_JSON_ARR, "array");
	is_u64(fp_json_get(j, "a")->n, 3, "three elements");
	ok(fp_json_get(j, "a")->items[0]->key == NULL, "elements have no key");
	is_u64(fp_json_path_u64(j, "a.1.0", 0), 2, "a path through arrays");
	is_str(fp_json_str(fp_json_path(j, "o.k")), "v", "a path through objects");
	ok(fp_json_path(j, "") == j, "an empty path: the root");
	ok(!fp_json_path(j, "a.3"), "an index past the end: none");
	ok(!fp_json_path(j, "a.x"), "a name in an array: none");
	ok(!fp_json_path(j, "o.k.z"), "a step into a string: none");
	ok(!fp_json_get(fp_json_get(j, "a"), "k"), "get on an array: none");
	is_u64(fp_json_path_u64(j, "missing", 7), 7, "missing: the default");
	fp_json_free(j);
	fp_json_free(NULL);
}

static void test_numbers(void)
{
	static const struct {
		const char *text;
		int rc;
		uint64_t v;
	} cases[] = {
		{ "0", 0, 0 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "1e3", 0, 1000 },
		{ "2.0", 0, 2 },
		{ "2.5", -EINVAL, 0 },
		{ "-0", 0, 0 },
		{ "-1", -EINVAL, 0 },
		{ "1e30", -ERANGE, 0 },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[128] = "";
		struct fp_json *j = parse(cases[i].text, err, sizeof(err));
		uint64_t v = 0;

		ok(j && j->type == FP_JSON_NUM, "%s parses", cases[i].text);
		is_int(fp_json_u64(j, &v), cases[i].rc, "%s: u64 rc", cases[i].text);
		if (!cases[i].rc)
			is_u64(v, cases[i].v, "%s: value", cases[i].text);
		fp_json_free(j);
	}
	is_int(fp_json_u64(NULL, NULL), -EINVAL, "NULL: no number");
}

static void test_strings(void)
{
	char err[128] = "";
	struct fp_json *j = parse("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u00e9\\u20ac\", \"\\ud83d\\ude00\","
				  " \"\\ud800x\", \"\\udc00\", \"nul\\u0000in\", \"\xc3\xa9\"]",
				  err, sizeof(err));

	ok(j != NULL, "escapes parse (%s)", err);
	if (!j)
		return;
	is_str(j->items[0]->text, "a\"b\\c/d\b\f\n\r\t", "the simple escapes");
	is_str(j->items[1]->text, "\xc3\xa9\xe2\x82\xac", "\\u: 2- and 3-byte UTF-8");
	is_str(j->items[2]->text, "\xf0\x9f\x98\x80", "a surrogate pair: one 4-byte character");
	is_str(j->items[3]->text, "\xef\xbf\xbdx", "a lone high surrogate: U+FFFD");
	is_str(j->items[4]->text, "\xef\xbf\xbd", "a lone low surrogate below U+DC80: U+FFFD");
	is_u64(j->items[5]->len, 6, "\\u0000 kept: the length counts it");
	ok(!memcmp(j->items[5]->text, "nul\0in", 6), "\\u0000 inside the text");
	is_str(j->items[6]->text, "\xc3\xa9", "raw UTF-8 passes through");
	fp_json_free(j);
}

/* \udc80..\udcff alone: the byte lib/jsonw.c could not write as UTF-8. */
static void test_byte_escapes(void)
{
	char err[128] = "";
	struct fp_json *j = parse("[\"s/\\udce9/x/\", \"\\udc80\\udcff\", \"\\ud800\\udce9\", \"\\udce9\\u00e9\"]",
				  err, sizeof(err));

	ok(j != NULL, "byte escapes parse (%s)", err);
	if (!j)
		return;
	is_str(j->items[0]->text, "s/\xe9/x/", "\\udce9 alone: the byte 0xe9");
	is_str(j->items[1]->text, "\x80\xff", "\\udc80 and \\udcff: the bytes 0x80 and 0xff");
	is_str(j->items[2]->text, "\xf0\x90\x83\xa9", "after a high surrogate: the pair's character");
	is_str(j->items[3]->text, "\xe9\xc3\xa9", "\\udce9 the byte, \\u00e9 the character");
	fp_json_free(j);
}

/* Whatever bytes lib/jsonw.c is given, tools/json.c reads back the same bytes. */
static void test_round_trip(void)
{
	static const char *const texts[] = {
		"caf\xe9", "s/\xe9/x/", "\xff\xfe\x80", "\xc3", "\xc0\xaf", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\xc3\xa9\xe9",
		"\x01\x1f\x7f\"\\\n", "\xed\xb3\xa9",
	};
	char all[256], doc[2048], err[128];
	unsigned bad = 0;

	for (unsigned i = 0; i < 256; i++)
		all[i] = (char)(255 - i);
	for (size_t i = 0; i <= sizeof(texts) / sizeof(texts[0]); i++) {
		const char *t = i < sizeof(texts) / sizeof(texts[0]) ? texts[i] : all;
		size_t n = t == all ? sizeof(all) : strlen(t);
		struct fp_jsonw w;
		struct fp_json *j;

		fp_jsonw_init_mem(&w, doc, sizeof(doc), NULL);
		fp_jsonw_strn(&w, t, n);
		j = fp_jsonw_flush(&w) ? NULL : fp_json_parse(doc, w.len, err, sizeof(err));
		if (!j || j->len != n || memcmp(j->text, t, n)) {
			diag("text %zu does not read back", i);
			bad++;
		}
		fp_json_free(j);
	}
	is_int(bad, 0, "every byte string, each of the 256 bytes too, reads back exactly");
}

static void test_nesting(void)
{
	char deep[600], err[128] = "";
	struct fp_json *j;
	size_t n = 0;

	for (int i = 0; i < 256; i++)
		deep[n++] = '[';
	for (int i = 0; i < 256; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	j = parse(deep, err, sizeof(err));
	ok(j != NULL, "256 levels deep parse (%s)", err);
	fp_json_free(j);
	memmove(deep + 1, deep, n + 1);
	deep[0] = '[';
	deep[n + 1] = ']';
	deep[n + 2] = '\0';
	ok(!parse(deep, err, sizeof(err)), "257 levels: rejected");
	is_str(err, "line 1 column 257: nested deeper than 256", "257 levels: why and where");
}

static void test_errors(void)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "", "line 1 column 1: unexpected end of input" },
		{ "{\"a\": 1,}", "line 1 column 9: expected a member name" },
		{ "{\"a\" 1}", "line 1 column 6: expected ':'" },
		{ "[1 2]", "line 1 column 4: expected ',' or ']'" },
		{ "{\n  \"a\": tru}", "line 2 column 8: unexpected character 't'" },
		{ "\"abc", "line 1 column 1: unterminated string" },
		{ "\"a\\qb\"", "line 1 column 4: bad escape '\\q'" },
		{ "\"\\u12g4\"", "line 1 column 3: bad \\u escape" },
		{ "\"a\tb\"", "line 1 column 3: control character in string" },
		{ "01", "line 1 column 2: trailing characters after the document" },
		{ "1.", "line 1 column 3: bad number: no digit after '.'" },
		{ "1e+", "line 1 column 4: bad number: no digit in exponent" },
		{ "-x", "line 1 column 1: bad number" },
		{ "{} x", "line 1 column 4: trailing characters after the document" },
		{ "@", "line 1 column 1: unexpected character '@'" },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[128] = "";
		struct fp_json *j = parse(cases[i].text, err, sizeof(err));

		ok(!j, "rejected: '%s'", cases[i].text);
		is_str(err, cases[i].err, "'%s': why and where", cases[i].text);
		fp_json_free(j);
	}
}

/* The skip callback: ids starting with 'k' are known. */
static int known(void *ctx, const char *id)
{
	++*(unsigned *)ctx;
	return id[0] == 'k';
}

static void test_skipping(void)
{
	unsigned asked = 0;
	const struct fp_json_skip sk = { "frames", "id", known, &asked };
	const char *doc = "{\"sites\": [{\"id\": \"k1\", \"frames\": [{\"o\": \"a]}\\\"[{\"}, [[1]], {}], \"calls\": 3},"
			  " {\"id\": \"n2\", \"frames\": [{\"o\": \"b\"}], \"calls\": 4},"
			  " {\"frames\": [1, 2], \"id\": \"k3\"}],"
			  " \"crash\": {\"frames\": [5]}}";
	char err[128] = "";
	struct fp_json *j = fp_json_parse_skipping(doc, strlen(doc), &sk, err, sizeof(err));
	const struct fp_json *f;
	uint64_t calls = 0;

	ok(j != NULL, "a document parses with members passed over (%s)", err);
	if (!j)
		return;
	f = fp_json_path(j, "sites.0.frames");
	ok(f && f->type == FP_JSON_ARR && f->n == 0,
	   "a known site's frames: passed over, brackets and quotes in strings matched, an empty array");
	ok(!fp_json_u64(fp_json_path(j, "sites.0.calls"), &calls) && calls == 3, "... the members after it read");
	f = fp_json_path(j, "sites.1.frames");
	ok(f && f->n == 1 && !strcmp(fp_json_str(fp_json_path(f, "0.o")), "b"), "an unknown site's frames read");
	f = fp_json_path(j, "sites.2.frames");
	ok(f && f->n == 2, "frames before the id: read (nothing to decide by yet)");
	f = fp_json_path(j, "crash.frames");
	ok(f && f->n == 1, "an object without an id: its frames read");
	is_int((int)asked, 2, "the callback asked once per site with an id before its frames");
	fp_json_free(j);

	j = fp_json_parse(doc, strlen(doc), err, sizeof(err));
	ok(j && fp_json_path(j, "sites.0.frames")->n == 3, "... which, parsed whole, are there");
	fp_json_free(j);
	{
		/* A string ending in an escaped backslash, then one holding a bracket. */
		const char *d2 = "{\"id\": \"k\", \"frames\": [{\"o\": \"x\\\\\"}, \"]\", \"\\\\\\\"]\"], \"n\": 7}";
		uint64_t n = 0;

		j = fp_json_parse_skipping(d2, strlen(d2), &sk, err, sizeof(err));
		ok(j && fp_json_path(j, "frames")->n == 0 && !fp_json_u64(fp_json_path(j, "n"), &n) && n == 7,
		   "passed over: a string ending in an escaped backslash, strings holding ']' (%s)", err);
		fp_json_free(j);
	}
	j = fp_json_parse_skipping("{\"id\": \"k\", \"frames\": [[\"]\"], ", 26, &sk, err, sizeof(err));
	ok(j == NULL && strstr(err, "unexpected end of input"), "a passed-over array cut short: an error (%s)", err);
	fp_json_free(j);
}

int main(void)
{
	test_skipping();
	test_types();
	test_numbers();
	test_strings();
	test_byte_escapes();
	test_round_trip();
	test_nesting();
	test_errors();
	return done_testing();
}
