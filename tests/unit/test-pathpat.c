/*
 * lib/pathpat.c (%p, %e, %% in FAILPOOL_REPORT and FAILPOOL_LOG: README,
 * "Variables") and lib/writeall.c (whole writes).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pathpat.h"
#include "writeall.h"
#include "../tap.h"

static void expands(const char *tmpl, unsigned long pid, const char *exe, unsigned flags,
		    const char *want)
{
	char out[256];

	is_int(fp_pathpat_expand(tmpl, pid, exe, flags, out, sizeof(out)), 0, "'%s' expands", tmpl);
	is_str(out, want, "... to '%s'", want);
}

static void test_pathpat(void)
{
	char out[16];

	expands("/tmp/r.json", 1, "x", 0, "/tmp/r.json");
	expands("/tmp/%e.%p.json", 4242, "sort", 0, "/tmp/sort.4242.json");
	expands("%p", 0, "", 0, "0");
	expands("%p", 18446744073709551615UL, "", 0, "18446744073709551615");
	expands("100%%-%e", 7, "a%pb", 0, "100%-a%pb");
	expands("odd%", 7, "", 0, "odd%");
	expands("%d", 7, "", 0, "d");
	expands("/t[1]/*?\\%e.%p", 9, "*", FP_PATHPAT_GLOB, "/t\\[1]/\\*\\?\\\\*.9");
	expands("/t[1]/%%%e", 9, "*", FP_PATHPAT_GLOB, "/t\\[1]/%*");
	expands("/r*/%e.%p.json", 9, "*", FP_PATHPAT_GLOB | FP_PATHPAT_ANYPID, "/r\\*/*.*.json");

	is_int(fp_pathpat_expand("/tmp/%p.json", 12345, "", 0, out, sizeof(out)), 0,
	       "15 bytes fit in 16");
	is_str(out, "/tmp/12345.json", "... all of them");
	is_int(fp_pathpat_expand("/tmp/%p.json", 123456, "", 0, out, sizeof(out)), -ENAMETOOLONG,
	       "16 bytes do not fit in 16");
	is_str(out, "/tmp/123456.jso", "... what fitted, NUL-terminated");
	is_int(fp_pathpat_expand("/tmp/%e", 1, "a-long-program", 0, out, sizeof(out)), -ENAMETOOLONG,
	       "an executable's name that does not fit");
	is_str(out, "/tmp/", "... is left out whole");
	is_int(fp_pathpat_expand("x", 1, "", 0, out, 0), -ENAMETOOLONG, "no room at all");

	{
		char tmpl[32], back[32];

		is_int(fp_pathpat_literal("/tmp/50%/a%p", tmpl, sizeof(tmpl)), 0, "literal text");
		is_str(tmpl, "/tmp/50%%/a%%p", "... each '%%' doubled");
		fp_pathpat_expand(tmpl, 1, "x", 0, back, sizeof(back));
		is_str(back, "/tmp/50%/a%p", "... and expanded back to itself");
		is_int(fp_pathpat_literal("ab%", tmpl, 4), -ENAMETOOLONG, "a '%%' doubled does not fit");
		is_str(tmpl, "ab", "... left out whole");
	}
}

static void test_write_all(void)
{
	static char big[1 << 20];
	int fds[2];
	pid_t pid;
	ssize_t n;

	if (pipe(fds)) {
		ok(0, "pipe");
		return;
	}
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	/* 1 MiB through a 64 KiB pipe: short writes until the reader has read it all. */
	pid = fork();
	if (pid == 0) {
		static char in[sizeof(big)];
		size_t have = 0;

		close(fds[1]);
		while ((n = read(fds[0], in + have, sizeof(in) - have)) > 0)
			have += (size_t)n;
		_exit(have == sizeof(big) && !memcmp(in, big, sizeof(big)) ? 0 : 1);
	}
	close(fds[0]);
	is_int(fp_write_all(fds[1], big, sizeof(big)), 0, "1 MiB into a pipe: whole");
	close(fds[1]);
	{
		int status = -1;

		waitpid(pid, &status, 0);
		is_int(status, 0, "... the reader got every byte, in order");
	}

	is_int(fp_write_all(-1, "x", 1), -EBADF, "a bad descriptor: -EBADF");
	if (pipe(fds)) {
		ok(0, "pipe");
		return;
	}
	close(fds[0]);
	signal(SIGPIPE, SIG_IGN);
	is_int(fp_write_all(fds[1], "x", 1), -EPIPE, "no reader: -EPIPE");
	close(fds[1]);
	is_int(fp_write_all(-1, "", 0), 0, "nothing to write: 0, nothing done");
}

int main(void)
{
	test_pathpat();
	test_write_all();
	return done_testing();
}
