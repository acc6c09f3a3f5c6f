/*
 * Lifecycle pieces through their own functions (README, "Variables" and
 * "The report"): FAILPOOL_REPORT's %p %e %% and a relative path kept
 * under the boot's working directory after chdir(2); the report written
 * before an exec, again at the exit when the exec failed, once per image
 * otherwise, and a forked child's own; site rules deciding a new site's
 * eligibility (func:, lib:, negation); and calls under the reentrancy
 * guard served raw, never counted.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

#include "exec.h"
#include "exit.h"
#include "fork.h"
#include "guard.h"
#include "policy.h"
#include "settings.h"
#include "site.h"
#include "stats.h"
#include "fake-je.h"
#include "../tap.h"
#include "booted.h"

static char dir[] = "/tmp/fp-test-lifecycle.XXXXXX";

/* Does file @path hold @text? */
static int has(const char *path, const char *text)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return strstr(buf, text) != NULL;
}

static void paths(void)
{
	char out[PATH_MAX], want[PATH_MAX + 64];
	char *argv[] = { "failpool-test", NULL };

	if (chdir(dir))
		abort();
	boot_with("FAILPOOL_REPORT=r-%p.json");
	is_str(fp_settings()->exe, "test-lifecycle", "the executable's basename");
	if (chdir("/"))
		abort();
	is_int(fp_settings_expand("r-%p-%e-%%.json", out, sizeof(out)), 0, "a relative template expands");
	snprintf(want, sizeof(want), "%s/r-%d-test-lifecycle-%%.json", dir, (int)getpid());
	is_str(out, want, "... under the boot's directory, after chdir(\"/\")");
	fp_settings_expand("/x/%e", out, sizeof(out));
	is_str(out, "/x/test-lifecycle", "an absolute one stays absolute");
	is_int(fp_settings_expand("r.json", out, (unsigned)strlen(dir) + 2), -ENAMETOOLONG,
	       "too long for the buffer: -ENAMETOOLONG");

	snprintf(want, sizeof(want), "%s/r-%d.json", dir, (int)getpid());
	errno = 0;
	is_int(fp_exec_execve("/nonexistent/failpool-test", argv, environ), -1, "a failed exec: -1");
	is_int(errno, ENOENT, "... errno ENOENT, as execve left it");
	ok(has(want, "\"complete\":true,\"exit\":{\"how\":\"exit\",\"code\":null,"),
	   "... the report was written before it: complete, no exit code");
	unlink(want);
	fp_exit(0x107);
	ok(has(want, "\"exit\":{\"how\":\"exit\",\"code\":7,\"signal\":null}"),
	   "the image goes on: its exit(0x107) writes the report again, code 7");
	unlink(want);
	fp_exit(0);
	ok(access(want, F_OK) != 0, "a second exit of the same image writes nothing");
}

/* After fork(2) the child is a process image of its own: its report, its pid. */
static void forked(void)
{
	char mine[PATH_MAX], theirs[PATH_MAX], want[64];
	int status = -1;
	pid_t pid;

	snprintf(mine, sizeof(mine), "FAILPOOL_REPORT=%s/f-%%p.json", dir);
	boot_with(mine);
	fp_fork_register(1);
	snprintf(mine, sizeof(mine), "%s/f-%d.json", dir, (int)getpid());
	fp_exit(0);
	ok(access(mine, F_OK) == 0, "the parent's exit: its report");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		fp_exit(5);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	snprintf(theirs, sizeof(theirs), "%s/f-%d.json", dir, (int)pid);
	snprintf(want, sizeof(want), "\"pid\":%d,\"ppid\":%d,", (int)pid, (int)getpid());
	ok(has(theirs, want), "the child's exit after the parent's: a report of its own pid and ppid");
	ok(has(theirs, "\"code\":5,"), "... with its own exit code");
	unlink(theirs);
	unlink(mine);
}

static void rules(void)
{
	const void *a = SITE_A, *b = SITE_B, *ab[] = { SITE_B, SITE_A };

	boot_with("FAILPOOL_DEPTH=2 FAILPOOL_RATE=1 FAILPOOL_SITES=func:qsort;lib:libc.so*;!func:bsearch");
	ok(fp_site_find(&a, 1)->matches, "func:qsort and lib:libc.so*: qsort's site matches");
	ok(!fp_site_find(&b, 1)->matches, "!func:bsearch: bsearch's site never matches");
	ok(!fp_site_find(ab, 2)->matches, "... nor a stack with bsearch in it");
	errno = 0;
	ok(!fp_alloc_malloc(8, SITE_A) && errno == ENOMEM, "RATE=1: a call from qsort fails");
}

static void guarded(void)
{
	struct fp_totals t;
	void *p;

	boot_with("FAILPOOL_REPORT=/nonexistent/r.json FAILPOOL_RATE=1 FAILPOOL_DEPTH=1");
	fp_guard_enter();
	p = fp_alloc_malloc(40, SITE_A);
	fp_guard_leave();
	ok(p != NULL, "under the guard RATE=1 fails nothing: the shim's own call is raw");
	is_u64(atomic_load(&fp_process_policy.live), 48, "... its 48 bytes are live");
	fp_stats_sum(&t);
	is_u64(t.calls[FP_CALL_MALLOC], 0, "... and it is not counted");
	fp_guard_enter();
	fp_alloc_free(p, FP_CALL_FREE, SITE_A, NULL);
	fp_guard_leave();
	is_u64(atomic_load(&fp_process_policy.live), 0, "a raw free: nothing live");
	ok(!fp_alloc_malloc(40, SITE_A), "outside the guard RATE=1 fails the call");
}

int main(void)
{
	if (!mkdtemp(dir))
		abort();
	in_child("paths and exits", paths);
	in_child("fork", forked);
	in_child("site rules", rules);
	in_child("reentrancy guard", guarded);
	rmdir(dir);
	return done_testing();
}
