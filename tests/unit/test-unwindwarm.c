/*
 * Warming libunwind's caches with return addresses this process has not
 * unwound through (lib/unwindwarm.c, what a run server does with the
 * baseline's frames): a stack traced through warmed frames afterwards
 * reads no more through the step-by-step path than a trace of it cached
 * by libunwind itself, gives the addresses an unwarmed trace gives, and a stack through frames not warmed still
 * takes the slow path. Addresses without unwind rules are not warmed.
 */
#include "config.h"

#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unwind.h"
#include "../tap.h"

#define DEPTH	6

/* Bumped after each call, so no call is a tail call; by 2 on the cold side, so no two functions fold into one. */
static volatile int sink;

/* The trace from here: return addresses, innermost first. */
static __attribute__((noinline)) int trace(void **ips)
{
	int n = fp_unwind_backtrace(ips, DEPTH);

	sink++;	/* not a tail call: this frame stays */
	return n;
}

static __attribute__((noinline)) int warm_1(void **ips) { int n = trace(ips); sink++; return n; }
static __attribute__((noinline)) int warm_2(void **ips) { int n = warm_1(ips); sink++; return n; }
static __attribute__((noinline)) int warm_3(void **ips) { int n = warm_2(ips); sink++; return n; }

static __attribute__((noinline)) int cold_1(void **ips) { int n = trace(ips); sink += 2; return n; }
static __attribute__((noinline)) int cold_2(void **ips) { int n = cold_1(ips); sink += 2; return n; }
static __attribute__((noinline)) int cold_3(void **ips) { int n = cold_2(ips); sink += 2; return n; }

/*
 * The trace's sixth address is where these were called from: read, never
 * looked up, so the child's and this process's traces differ only there.
 */
static __attribute__((noinline)) int run_warm(void **ips) { int n = warm_3(ips); sink++; return n; }
static __attribute__((noinline)) int run_cold(void **ips) { int n = cold_3(ips); sink += 2; return n; }

/* The chain run_warm -> ... -> trace, traced by a child: this process never traces it. */
static int addresses_from_a_child(uintptr_t *ips)
{
	void *got[DEPTH];
	int fd[2], n = 0, status;
	pid_t pid;

	if (pipe(fd))
		return 0;
	pid = fork();
	if (pid == 0) {
		int k = run_warm(got);

		(void)!write(fd[1], &k, sizeof(k));
		(void)!write(fd[1], got, sizeof(got));
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], &n, sizeof(n)) != sizeof(n) || read(fd[0], got, sizeof(got)) != sizeof(got))
		n = 0;
	close(fd[0]);
	waitpid(pid, &status, 0);
	for (int i = 0; i < n; i++)
		ips[i] = (uintptr_t)got[i];
	return n;
}

/* Words read the slow way by one trace through @chain. */
static unsigned long slow_reads(int (*chain)(void **), void **ips, int *n)
{
	unsigned long before = fp_unwind_slow_reads;

	*n = chain(ips);
	return fp_unwind_slow_reads - before;
}

int main(void)
{
	uintptr_t ips[DEPTH + 2];
	void *again[DEPTH], *again2[DEPTH], *cold[DEPTH];
	unsigned long first, cached;
	int n, k, k2;
	char *anon;

	ok(fp_unwind_load() == 0, "libunwind loaded");
	n = addresses_from_a_child(ips);
	ok(n == DEPTH, "a child traced %d frames of the chain", n);

	/* Not code anywhere: an anonymous page, and an address below the first page. */
	anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ips[n] = (uintptr_t)anon + 16;
	ips[n + 1] = 8;
	is_int((int)fp_unwind_warm_ips(ips, (size_t)n + 2), n,
	       "every return address of the chain warmed; none without unwind rules");
	ok(!fp_unwind_has_rules((uintptr_t)anon + 16) && fp_unwind_has_rules(ips[0] - 1),
	   "unwind rules: none in an anonymous page, some in the test's code");
	munmap(anon, 4096);

	first = slow_reads(run_warm, again, &k);
	cached = slow_reads(run_warm, again2, &k2);
	is_int((int)first, (int)cached,
	       "the warmed chain's first trace here reads what a trace of it cached reads (%lu words)",
	       cached);
	ok(k == n && k2 == n && again[0] == (void *)ips[0] && again[1] == (void *)ips[1] &&
	   again[2] == (void *)ips[2] && again[3] == (void *)ips[3] && again[4] == (void *)ips[4],
	   "... and the same return addresses as the child's trace");

	first = slow_reads(run_cold, cold, &k);
	ok(first >= cached + 4, "a chain not warmed: its four new frames read the slow way (%lu words)",
	   first);
	ok(k == DEPTH && cold[0] == again[0] && cold[1] != again[1],
	   "... through the same innermost function, then its own frames");

	/* Warming again changes nothing: entries already there stay. */
	is_int((int)fp_unwind_warm_ips(ips, (size_t)n), n, "warming the same frames again: no harm");
	return done_testing();
}
