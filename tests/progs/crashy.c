/*
 * crashy: programs that die, for the crash-evidence tests.
 *
 *   crashy unchecked      4 checked allocations (load_item), then
 *                         use_unchecked() writes through malloc's result
 *                         without checking it
 *   crashy ownhandler     the same with its own SIGSEGV handler installed,
 *                         which prints "caught" and _exit(3)s
 *   crashy abort          an allocation, then abort()
 *   crashy fpe            an allocation, then an integer division by zero
 *   crashy overflow       an allocation, then unbounded recursion in deep()
 *   crashy wait N         N allocations in fail_loop(), "ready", then waits
 *                         for a signal
 *   crashy exec PROG ARG...  an allocation in before_exec(), then execv()
 *   crashy execlp PROG ARG   the same through execlp(PROG, PROG, ARG, NULL)
 *   crashy toggle N       N allocations, raise(SIGUSR1), N more, raise it
 *                         again, N more; prints "off F on F off F" with the
 *                         NULLs of each phase
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

static void *(*volatile do_malloc)(size_t) = malloc;
static volatile int zero;

NOINLINE int load_item(int i)
{
	char *p = do_malloc(32);

	if (!p)
		return -1;
	p[0] = (char)i;
	free(p);
	return 0;
}

NOINLINE void use_unchecked(void)
{
	volatile char *p = do_malloc(64);

	p[0] = 1;	/* the bug: no NULL check */
	free((void *)p);
}

static void caught(int sig)
{
	static const char msg[] = "caught\n";

	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(4);
	_exit(3);
}

NOINLINE int fail_loop(int n)
{
	int nulls = 0;

	for (int i = 0; i < n; i++) {
		void *p = do_malloc(16);

		nulls += !p;
		free(p);
	}
	return nulls;
}

NOINLINE int deep(int n)
{
	volatile char frame[256];

	frame[0] = (char)n;
	return deep(n + 1) + frame[0];
}

NOINLINE void before_exec(void)
{
	free(do_malloc(24));
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 2 && (strcmp(argv[1], "unchecked") == 0 || strcmp(argv[1], "ownhandler") == 0)) {
		if (strcmp(argv[1], "ownhandler") == 0) {
			struct sigaction sa;

			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = caught;
			sigaction(SIGSEGV, &sa, NULL);
		}
		for (int i = 0; i < 4; i++)
			if (load_item(i))
				puts("load_item failed, handled");
		use_unchecked();
		puts("survived");
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "abort") == 0) {
		free(do_malloc(8));
		abort();
	}
	if (argc == 2 && strcmp(argv[1], "overflow") == 0) {
		free(do_malloc(8));
		return deep(0);
	}
	if (argc == 2 && strcmp(argv[1], "fpe") == 0) {
		free(do_malloc(8));
		return 10 / zero;
	}
	if (argc == 3 && strcmp(argv[1], "wait") == 0) {
		printf("nulls %d\n", fail_loop(atoi(argv[2])));
		puts("ready");
		for (;;)
			pause();
	}
	if (argc >= 3 && strcmp(argv[1], "exec") == 0) {
		before_exec();
		execv(argv[2], argv + 2);
		perror("crashy: execv");
		return 127;
	}
	if (argc == 4 && strcmp(argv[1], "execlp") == 0) {
		before_exec();
		execlp(argv[2], argv[2], argv[3], (char *)NULL);
		perror("crashy: execlp");
		return 127;
	}
	if (argc == 3 && strcmp(argv[1], "toggle") == 0) {
		int n = atoi(argv[2]), a, b, c;

		a = fail_loop(n);
		raise(SIGUSR1);
		b = fail_loop(n);
		raise(SIGUSR1);
		c = fail_loop(n);
		printf("off %d on %d off %d\n", a, b, c);
		return 0;
	}
	fprintf(stderr, "usage: crashy unchecked|ownhandler|abort|fpe|overflow | wait N | exec PROG ARG... | toggle N\n");
	return 2;
}
