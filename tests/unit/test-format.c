/* The tool's formatters (tools/format.c): frames in each form README lists
 * ("`failpool report` and `failpool soak`"), byte counts, endings. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "../tap.h"
#include "../../tools/format.h"

static const char *frame(const struct fp_model_frame *f, int with_line)
{
	static char buf[256];

	return fp_format_frame(buf, sizeof(buf), f, with_line);
}

static void test_frames(void)
{
	struct fp_model_frame bare = { .object = "app", .offset = "0x1234" };
	struct fp_model_frame unknown = { .offset = "0x10" };
	struct fp_model_frame sym = { .object = "app", .offset = "0x1234", .symbol = "parse+0x12",
				      .own_symbol = 1 };
	struct fp_model_frame lined = sym;
	struct fp_model_frame offline = { .object = "app", .offset = "0x1234",
					  .symbol = "_ZN1a5parseEv+0x12", .func = "a::parse()",
					  .file = "/src/a.cc", .line = 42, .named = 1 };
	struct fp_model_frame inl = { .object = "app", .offset = "0x50", .symbol = "outer+0x8",
				      .func = "inner", .inlined_into = "outer", .file = "b.c",
				      .line = 7, .named = 1 };
	struct fp_model_frame inl_own = inl;
	struct fp_model_frame nosym = { .object = "app", .offset = "0x60", .file = "c.c",
					.line = 3, .named = 1 };
	char small[8];

	is_str(frame(&bare, 1), "app+0x1234", "no symbol: object+offset");
	is_str(frame(&unknown, 0), "?+0x10", "no object: ?");
	is_str(frame(&sym, 0), "parse+0x12 (app)", "a symbol: func+0xoff (object)");
	is_str(frame(&sym, 1), "parse+0x12 (app)", "no line known: the same with_line");
	lined.file = "/src/p.c";
	lined.line = 9;
	lined.func = "parse";
	is_str(frame(&lined, 1), "parse /src/p.c:9", "a line: func file:line");
	is_str(frame(&lined, 0), "parse+0x12 (app)", "the short form omits it");
	is_str(frame(&offline, 1), "a::parse() /src/a.cc:42",
	       "named offline: DWARF's demangled function");
	is_str(frame(&inl, 1), "inner b.c:7 (inlined into outer)", "inlined");
	inl_own.own_symbol = 1;
	inl_own.symbol = "outer_own+0x8";
	is_str(frame(&inl_own, 1), "inner b.c:7 (inlined into outer_own)",
	       "inlined: the report's own name for the outer function");
	is_str(frame(&nosym, 1), "app+0x60 c.c:3", "a line but no function: object+offset file:line");
	fp_format_frame(small, sizeof(small), &sym, 0);
	is_str(small, "parse+0", "truncated to the buffer, terminated");
}

static void test_bytes(void)
{
	char b[64];

	is_str(fp_format_bytes(0, 0, b, sizeof(b)), "0 B", "0");
	is_str(fp_format_bytes(1023, 0, b, sizeof(b)), "1023 B", "below a KiB");
	is_str(fp_format_bytes(1024, 0, b, sizeof(b)), "1.0 KiB", "a KiB");
	is_str(fp_format_bytes(12595, 0, b, sizeof(b)), "12.3 KiB", "12.3 KiB");
	is_str(fp_format_bytes(5u << 20, 0, b, sizeof(b)), "5.0 MiB", "MiB");
	is_str(fp_format_bytes(UINT64_MAX, 0, b, sizeof(b)), "16.0 EiB", "the largest");
	is_str(fp_format_bytes(512, 1, b, sizeof(b)), "512 bytes", "exact, small");
	is_str(fp_format_bytes(40960, 1, b, sizeof(b)), "40960 bytes (40.0 KiB)", "exact, with units");
}

static void test_endings(void)
{
	struct fp_model_exit code = { .how = "exit", .has_code = 1, .code = 3 };
	struct fp_model_exit sig = { .how = "signal", .by_signal = 1, .signal = 11 };
	struct fp_model_exit odd = { .how = "signal", .by_signal = 1, .signal = 200 };
	struct fp_model_exit exec = { .how = "exit" };
	char b[64];

	is_str(fp_format_ending(&code, b, sizeof(b)), "exited with status 3", "an exit");
	is_str(fp_format_ending(&sig, b, sizeof(b)), "killed by signal 11 (SIGSEGV)", "a signal");
	is_str(fp_format_ending(&odd, b, sizeof(b)), "killed by signal 200 (?)", "an unknown signal");
	is_str(fp_format_ending(&exec, b, sizeof(b)), "replaced by exec", "no code: exec");
}

int main(void)
{
	test_frames();
	test_bytes();
	test_endings();
	return done_testing();
}
