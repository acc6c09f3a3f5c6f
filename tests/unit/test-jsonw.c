/* lib/jsonw.c: exact bytes for nesting, commas, escaping, numbers, errors. */
#include "config.h"

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

	is_str(str("a\"b\\c/d", 7), "\"a\\\"b\\\\c/d\"", "quote and backslash escaped, slash kept");
	is_str(str("\n\t\r\b\f", 5), "\"\\n\\t\\r\\b\\f\"", "short escapes");
	is_str(str("\x01\x1f\x7f", 3), "\"\\u0001\\u001f\\u007f\"", "control bytes as \\u00XX");
	is_str(str("a\0b", 3), "\"a\\u0000b\"", "NUL inside a string");
	is_str(str("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15),
	       "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"", "valid UTF-8 passes through");
	is_str(str("\xff\xfe", 2), "\"\\u00ff\\u00fe\"", "invalid bytes escaped");
	is_str(str("\xc3", 1), "\"\\u00c3\"", "truncated sequence escaped");
	is_str(str("\xc0\xaf", 2), "\"\\u00c0\\u00af\"", "overlong encoding escaped");
	is_str(str("\xed\xa0\x80", 3), "\"\\u00ed\\u00a0\\u0080\"", "UTF-16 surrogate escaped");
	is_str(str("\xf4\x90\x80\x80", 4), "\"\\u00f4\\u0090\\u0080\\u0080\"", "beyond U+10FFFF escaped");

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
	unlink(path);
	return done_testing();
}
