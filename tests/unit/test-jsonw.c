/*
 * lib/jsonw.c: exact bytes for nesting, commas, escaping, numbers, errors;
 * the memory sink gives the fd sink's bytes, grows, and reports overflow.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonw.h"
#include "../tap.h"

static struct fp_jsonw w;
static char path[] = "/tmp/fp-test-jsonw.XXXXXX";
static char out[65536];

static void start(void)
{
	int fd = open(path, O_RDWR | O_TRUNC);

	fp_jsonw_init(&w, fd);
}

/* Flush, read back what was written. */
static const char *finish(void)
{
	ssize_t n;

	fp_jsonw_flush(&w);
	n = pread(w.fd, out, sizeof(out) - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(w.fd);
	return out;
}

static const char *str(const char *s, size_t n)
{
	start();
	fp_jsonw_strn(&w, s, n);
	return finish();
}

/* The memory sink's allocator, counting, and failing on demand. */
static unsigned allocs, frees, fail_alloc;

static void *count_alloc(size_t size)
{
	if (fail_alloc)
		return NULL;
	allocs++;
	return malloc(size);
}

static void count_free(void *p)
{
	frees++;
	free(p);
}

static const struct fp_jsonw_mem counting = { count_alloc, count_free };

/* Strings through the memory sink, starting in a 4-byte buffer. */
static char mem_out[65536];

static const char *mem_str(const char *s, size_t n)
{
	static struct fp_jsonw m;
	char small[4];

	fp_jsonw_init_mem(&m, small, sizeof(small), &counting);
	fp_jsonw_strn(&m, s, n);
	memcpy(mem_out, m.buf, m.len);
	mem_out[m.len] = '\0';
	fp_jsonw_mem_free(&m);
	return mem_out;
}

static const struct {
	const char *s;
	size_t n;
} samples[] = {
	{ "a\"b\\c/d", 7 }, { "\n\t\r\b\f", 5 }, { "\x01\x1f\x7f", 3 }, { "a\0b", 3 },
	{ "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15 }, { "\xff\xfe", 2 },
	{ "\xc3", 1 }, { "\xc0\xaf", 2 }, { "\xed\xa0\x80", 3 }, { "\xf4\x90\x80\x80", 4 },
	{ "std::map<std::string, int>::operator[](std::string const&)+0x1f", 63 },
};

static void test_mem_sink(void)
{
	static struct fp_jsonw m;
	static char big[3 * FP_JSONW_BUF + 17];
	char fixed[8];
	int same = 1;

	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		char *fd_out = strdup(str(samples[i].s, samples[i].n));

		if (strcmp(fd_out, mem_str(samples[i].s, samples[i].n))) {
			same = 0;
			diag("sample %zu: fd sink '%s', memory sink '%s'", i, fd_out, mem_out);
		}
		free(fd_out);
	}
	ok(same, "the memory sink escapes every sample exactly as the fd sink");
	is_u64(allocs, frees, "... and frees every buffer it grew into (%u)", allocs);
	ok(allocs > 0, "... having grown out of its 4-byte buffer");

	/* Growth from the writer's own buffer, far past it, content whole. */
	allocs = frees = 0;
	memset(big, 'x', sizeof(big) - 1);
	fp_jsonw_init_mem(&m, NULL, 0, &counting);
	ok(m.buf == m.fdbuf, "no buffer given: the writer's own to start with");
	fp_jsonw_arr_begin(&m);
	/* In 64-byte writes: plain runs are copied whole, and a growth per write would show. */
	fp_jsonw_str_begin(&m);
	for (size_t i = 0; i < sizeof(big) - 1; i += 64)
		fp_jsonw_str_add(&m, big + i, sizeof(big) - 1 - i < 64 ? sizeof(big) - 1 - i : 64);
	fp_jsonw_str_end(&m);
	fp_jsonw_str(&m, "\"");
	fp_jsonw_arr_end(&m);
	fp_jsonw_raw(&m, "\n", 1);
	is_u64(m.len, sizeof(big) - 1 + 2 + 1 + 4 + 2 + 1, "grown to the whole text (%zu bytes)", m.len);
	for (size_t i = 2; i < sizeof(big) + 1; i++)
		same &= m.buf[i] == 'x';
	ok(same && memcmp(m.buf, "[\"x", 3) == 0 && memcmp(m.buf + m.len - 9, "x\",\"\\\"\"]\n", 9) == 0,
	   "... with its content, commas, escapes and the raw newline");
	ok(allocs >= 2 && allocs <= 4, "... in %u doublings, not one per write", allocs);
	is_u64(fp_jsonw_flush(&m), 0, "flush of the memory sink: no error");
	ok(m.len > 0, "... and the text stays for the caller");
	fp_jsonw_mem_free(&m);
	is_u64(frees, allocs, "mem_free gives back the grown buffer");
	ok(m.buf == m.fdbuf && m.len == 0, "... and leaves the writer on its own buffer, empty");

	/* Fixed (signal-safe): what does not fit is an error, never an overrun. */
	allocs = 0;
	fixed[sizeof(fixed) - 1] = 'G';
	fp_jsonw_init_mem(&m, fixed, sizeof(fixed) - 1, NULL);
	fp_jsonw_str(&m, "abc");
	is_u64(m.len, 5, "fixed buffer: a string that fits");
	fp_jsonw_str(&m, "def");
	ok(m.err == -ENOSPC && fp_jsonw_flush(&m) == -ENOSPC, "... one that does not: -ENOSPC");
	ok(m.len <= sizeof(fixed) - 1 && fixed[sizeof(fixed) - 1] == 'G' && allocs == 0,
	   "... nothing written past the buffer, nothing allocated");

	/* An allocator that fails: -ENOMEM. */
	fail_alloc = 1;
	fp_jsonw_init_mem(&m, fixed, sizeof(fixed), &counting);
	fp_jsonw_str(&m, "too long for eight");
	ok(m.err == -ENOMEM, "growth that cannot be had: -ENOMEM");
	fp_jsonw_mem_free(&m);
	fail_alloc = 0;

	/* A string in pieces is the string whole. */
	fp_jsonw_init_mem(&m, NULL, 0, &counting);
	fp_jsonw_arr_begin(&m);
	fp_jsonw_null(&m);
	fp_jsonw_str_begin(&m);
	fp_jsonw_str_add(&m, "f\"n", 3);
	fp_jsonw_str_add(&m, "", 0);
	fp_jsonw_str_add(&m, "+0x1f", 5);
	fp_jsonw_str_end(&m);
	fp_jsonw_arr_end(&m);
	m.buf[m.len] = '\0';
	is_str(m.buf, "[null,\"f\\\"n+0x1f\"]", "a string in pieces: one value, escaped, after a comma");
	fp_jsonw_mem_free(&m);
}

int main(void)
{
	int fd = mkstemp(path);

	if (fd < 0) {
		printf("1..0 # SKIP cannot create a temporary file\n");
		return 0;
	}
	close(fd);

	start();
	fp_jsonw_obj_begin(&w);
	fp_jsonw_obj_end(&w);
	is_str(finish(), "{}", "empty object");

	start();
	fp_jsonw_obj_begin(&w);
	fp_jsonw_key(&w, "a");
	fp_jsonw_u64(&w, 1);
	fp_jsonw_key(&w, "b");
	fp_jsonw_arr_begin(&w);
	fp_jsonw_u64(&w, 2);
	fp_jsonw_obj_begin(&w);
	fp_jsonw_obj_end(&w);
	fp_jsonw_arr_begin(&w);
	fp_jsonw_arr_end(&w);
	fp_jsonw_null(&w);
	fp_jsonw_bool(&w, 1);
	fp_jsonw_bool(&w, 0);
	fp_jsonw_arr_end(&w);
	fp_jsonw_key(&w, "c");
	fp_jsonw_obj_begin(&w);
	fp_jsonw_key(&w, "d");
	fp_jsonw_str(&w, "e");
	fp_jsonw_obj_end(&w);
	fp_jsonw_obj_end(&w);
	is_str(finish(), "{\"a\":1,\"b\":[2,{},[],null,true,false],\"c\":{\"d\":\"e\"}}",
	       "nesting and commas");

	start();
	fp_jsonw_arr_begin(&w);
	fp_jsonw_u64(&w, UINT64_MAX);
	fp_jsonw_i64(&w, INT64_MIN);
	fp_jsonw_i64(&w, -1);
	fp_jsonw_i64(&w, 0);
	fp_jsonw_u64(&w, 0);
	fp_jsonw_double(&w, 0.001);
	fp_jsonw_double(&w, 0.1);
	fp_jsonw_double(&w, 1.0 / 3.0);
	fp_jsonw_double(&w, 0);
	fp_jsonw_double(&w, 1e300 * 1e300);
	fp_jsonw_hex(&w, 0xdeadbeef);
	fp_jsonw_hex(&w, UINT64_MAX);
	fp_jsonw_str(&w, NULL);
	fp_jsonw_arr_end(&w);
	is_str(finish(), "[18446744073709551615,-9223372036854775808,-1,0,0,0.001,0.1,"
	       "0.33333333333333331,0,null,\"00000000deadbeef\",\"ffffffffffffffff\",null]",
	       "numbers, hex ids, null string");

	start();
	fp_jsonw_arr_begin(&w);
	fp_jsonw_value_raw(&w, "{\"x\":1}", 7);
	fp_jsonw_value_raw(&w, "{\"x\":2}", 7);
	fp_jsonw_obj_begin(&w);
	fp_jsonw_key(&w, "k");
	fp_jsonw_value_raw(&w, "[3]", 3);
	fp_jsonw_obj_end(&w);
	fp_jsonw_arr_end(&w);
	is_str(finish(), "[{\"x\":1},{\"x\":2},{\"k\":[3]}]",
	       "a raw value takes a value's separators: commas between, none after a key");
	is_u64(fp_jsonw_plain_len("libc.so.6", 9), 9, "plain: a basename needs no escape");
	is_u64(fp_jsonw_plain_len("a\"b", 3), 1, "plain: up to a quote");
	is_u64(fp_jsonw_plain_len("a\\b", 3), 1, "plain: up to a backslash");
	is_u64(fp_jsonw_plain_len("ab\x7f", 3), 2, "plain: up to DEL");
	is_u64(fp_jsonw_plain_len("\xc3\xa9", 2), 0, "plain: not UTF-8, valid as it is but checked");
	is_u64(fp_jsonw_plain_len("a\nb", 3), 1, "plain: up to a control byte");
	is_u64(fp_jsonw_plain_len("ab", 1), 1, "plain: within its @n bytes only");

	is_str(str("a\"b\\c/d", 7), "\"a\\\"b\\\\c/d\"", "quote and backslash escaped, slash kept");
	is_str(str("\n\t\r\b\f", 5), "\"\\n\\t\\r\\b\\f\"", "short escapes");
	is_str(str("\x01\x1f\x7f", 3), "\"\\u0001\\u001f\\u007f\"", "control bytes as \\u00XX");
	is_str(str("a\0b", 3), "\"a\\u0000b\"", "NUL inside a string");
	is_str(str("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15),
	       "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"", "valid UTF-8 passes through");
	/* A byte that is not UTF-8 as the lone low surrogate U+DC00 + byte (surrogateescape). */
	is_str(str("\xff\xfe", 2), "\"\\udcff\\udcfe\"", "invalid bytes as \\udcXX");
	is_str(str("\xe9t\xe9", 3), "\"\\udce9t\\udce9\"", "Latin-1 \\xe9 as \\udce9, not U+00E9");
	is_str(str("\x80", 1), "\"\\udc80\"", "a lone continuation byte as \\udc80");
	is_str(str("\xc3", 1), "\"\\udcc3\"", "truncated sequence escaped");
	is_str(str("\xc0\xaf", 2), "\"\\udcc0\\udcaf\"", "overlong encoding escaped");
	is_str(str("\xed\xa0\x80", 3), "\"\\udced\\udca0\\udc80\"", "UTF-16 surrogate escaped");
	is_str(str("\xf4\x90\x80\x80", 4), "\"\\udcf4\\udc90\\udc80\\udc80\"", "beyond U+10FFFF escaped");

	/* Longer than the buffer: flushed in pieces, nothing lost. */
	{
		static char big[3 * FP_JSONW_BUF + 17];
		const char *got;
		int same = 1;

		memset(big, 'x', sizeof(big) - 1);
		start();
		fp_jsonw_str(&w, big);
		got = finish();
		is_u64(strlen(got), sizeof(big) - 1 + 2, "a string of %zu bytes written whole", sizeof(big) - 1);
		for (size_t i = 1; i + 1 < strlen(got); i++)
			same &= got[i] == 'x';
		ok(same && got[0] == '"' && got[strlen(got) - 1] == '"', "... with its content");
	}

	/* Keys are escaped too. */
	start();
	fp_jsonw_obj_begin(&w);
	fp_jsonw_key(&w, "k\"");
	fp_jsonw_str(&w, "v");
	fp_jsonw_obj_end(&w);
	is_str(finish(), "{\"k\\\"\":\"v\"}", "keys escaped");

	/* A write error is remembered and returned. */
	{
		int pipefd[2];

		ok(pipe(pipefd) == 0, "pipe");
		close(pipefd[0]);
		signal(SIGPIPE, SIG_IGN);
		fp_jsonw_init(&w, pipefd[1]);
		fp_jsonw_str(&w, "lost");
		ok(fp_jsonw_flush(&w) < 0, "flush to a broken pipe fails");
		fp_jsonw_str(&w, "more");
		ok(fp_jsonw_flush(&w) < 0, "... and keeps failing");
		close(pipefd[1]);
		fp_jsonw_init(&w, -1);
		fp_jsonw_null(&w);
		ok(fp_jsonw_flush(&w) < 0, "flush to a closed fd fails");
	}
	test_mem_sink();
	unlink(path);
	return done_testing();
}
