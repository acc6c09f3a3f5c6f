/*
 * sigprocmask() under the shim, as glibc has it: the program's masks are
 * its own whatever the shim's unwinding does with libunwind's (unwind.h).
 * Allocations at new sites in between make the shim unwind, new addresses
 * and all. Prints one line per check; exit status 0 when all hold.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failed;

static void check(int cond, const char *what)
{
	printf("%s %s\n", cond ? "ok" : "FAIL", what);
	if (!cond)
		failed = 1;
}

/* Allocations from distinct call chains: each a new site to unwind. */
static __attribute__((noinline)) void *deep(int n)
{
	void *p = n ? deep(n - 1) : malloc(24);

	__asm__ volatile("" ::: "memory");
	return p;
}

static void allocate(void)
{
	for (int i = 0; i < 12; i++)
		free(deep(i));
}

static int mask_is(const sigset_t *want)
{
	sigset_t now;

	if (pthread_sigmask(SIG_SETMASK, NULL, &now))
		return 0;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&now, sig) != sigismember(want, sig))
			return 0;
	return 1;
}

int main(void)
{
	sigset_t usr1, old, got, none;

	sigemptyset(&none);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	allocate();
	check(mask_is(&none), "nothing masked after the first allocations");
	check(sigprocmask(SIG_BLOCK, &usr1, &old) == 0, "SIG_BLOCK SIGUSR1 returns 0");
	check(!sigismember(&old, SIGUSR1), "the old mask had no SIGUSR1");
	allocate();
	check(mask_is(&usr1), "exactly SIGUSR1 masked after allocating at new sites");
	check(sigprocmask(SIG_SETMASK, NULL, &got) == 0 && sigismember(&got, SIGUSR1) &&
	      !sigismember(&got, SIGUSR2), "the mask read back: SIGUSR1, not SIGUSR2");
	errno = 0;
	check(sigprocmask(12345, &usr1, NULL) == -1 && errno == EINVAL, "a bad how: -1, EINVAL");
	errno = 0;
	check(sigprocmask(SIG_UNBLOCK, &usr1, NULL) == 0 && errno == 0,
	      "SIG_UNBLOCK returns 0 and leaves errno alone");
	allocate();
	check(mask_is(&none), "nothing masked at the end");
	return failed;
}
