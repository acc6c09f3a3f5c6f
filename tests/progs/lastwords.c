/*
 * lastwords: processes that end while other threads are busy, for the
 * tests of the shim's last words (crash records, reports at signals and
 * exits, fork snapshots).
 *
 *   lastwords segv-worker N   N threads allocate from several stacks; a
 *                             worker is sent SIGSEGV while it allocates
 *   lastwords two-crash       two threads dereference NULL at once
 *   lastwords exit-race HOW   4 threads allocate (and fail: run it with
 *                             RATE) while main ends after a few ms: HOW is
 *                             exit, _exit, return or thread-exit (exit()
 *                             from a worker)
 *   lastwords fork-storm S    4 threads allocate from deep distinct stacks
 *                             while 4 threads fork (children allocate and
 *                             _exit) for S seconds; prints "forks N"
 *   lastwords sleep           prints "ready", then sleeps until a signal
 *   lastwords churn N         N threads (main among them) allocate from
 *                             several stacks until a signal ends the process;
 *                             prints "ready" once they run
 *   lastwords thread-overflow a thread recurses without bound
 *   lastwords pipe N          N-1 threads allocate while main writes to
 *                             stdout, allocating between writes, until the
 *                             reader goes away (SIGPIPE)
 *   lastwords pipe-ignored    ignores SIGPIPE, writes 3 times to a pipe
 *                             whose reader is closed; prints "EPIPE E" with
 *                             the writes that failed with EPIPE, exits 0
 *   lastwords alarm N         N threads (main among them) allocate until
 *                             alarm(1) ends the process
 *   lastwords view            prints the disposition the program reads for
 *                             SIGPIPE, SIGALRM, SIGUSR1, SIGXCPU, SIGRTMIN+2
 *                             ("dfl" or "other"), handles SIGUSR1 once
 *                             ("handled"), sets it back to SIG_DFL and
 *                             raises it
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

static volatile int stop;
static char *volatile *volatile null_ptr;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Allocations from a few distinct stacks: depth picks the chain. */
static NOINLINE void *grow(int depth, size_t size)
{
	void *p;

	if (depth > 0) {
		p = grow(depth - 1, size + 1);
		__asm__ volatile("" ::: "memory");	/* not a tail call */
		return p;
	}
	return malloc(size);
}

static _Atomic unsigned long churned;	/* allocations by churn() */

static void *churn(void *arg)
{
	unsigned long i = (unsigned long)(size_t)arg;

	while (!stop) {
		void *p = grow((int)(i++ % 12), 24);

		free(p);
		churned++;
	}
	return NULL;
}

static int segv_worker(int n)
{
	pthread_t t[16];

	for (int i = 0; i < n && i < 16; i++)
		pthread_create(&t[i], NULL, churn, (void *)(size_t)i);
	sleep_ms(30);
	pthread_kill(t[n > 1 ? 1 : 0], SIGSEGV);
	sleep_ms(5000);
	return 3;	/* not reached: SIGSEGV ends the process */
}

static pthread_barrier_t two;

static NOINLINE void *crash_now(void *arg)
{
	pthread_barrier_wait(&two);
	**null_ptr = (char)(size_t)arg;
	return NULL;
}

static int two_crash(void)
{
	pthread_t a, b;

	pthread_barrier_init(&two, NULL, 2);
	pthread_create(&a, NULL, crash_now, (void *)1);
	pthread_create(&b, NULL, crash_now, (void *)2);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 3;
}

static void *exit_from_worker(void *arg)
{
	sleep_ms(20);
	exit(0);
	return arg;
}

static int exit_race(const char *how)
{
	pthread_t t[5];

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, churn, (void *)(size_t)i);
	if (strcmp(how, "thread-exit") == 0) {
		pthread_create(&t[4], NULL, exit_from_worker, NULL);
		pthread_join(t[4], NULL);
	}
	sleep_ms(20);
	if (strcmp(how, "exit") == 0)
		exit(0);
	if (strcmp(how, "_exit") == 0)
		_exit(0);
	return 0;
}

static void *forking(void *arg)
{
	unsigned long *count = arg;

	while (!stop) {
		pid_t pid = fork();

		if (pid == 0) {
			free(grow(3, 100));
			_exit(0);
		}
		if (pid > 0 && waitpid(pid, NULL, 0) == pid)
			(*count)++;
	}
	return NULL;
}

static int fork_storm(int seconds)
{
	pthread_t a[4], f[4];
	unsigned long counts[4] = { 0 }, total = 0;

	for (int i = 0; i < 4; i++)
		pthread_create(&a[i], NULL, churn, (void *)(size_t)(i * 3));
	for (int i = 0; i < 4; i++)
		pthread_create(&f[i], NULL, forking, &counts[i]);
	sleep_ms(seconds * 1000L);
	stop = 1;
	for (int i = 0; i < 4; i++) {
		pthread_join(a[i], NULL);
		pthread_join(f[i], NULL);
		total += counts[i];
	}
	printf("forks %s\n", total > 0 ? "N" : "0");
	if (getenv("LASTWORDS_COUNT"))
		printf("%lu\n", total);
	return 0;
}

static NOINLINE int deep(volatile char *prev)
{
	volatile char frame[256];

	frame[0] = prev ? prev[0] : 1;
	return deep(frame) + frame[0];
}

static void *overflow(void *arg)
{
	free(malloc(32));
	return (void *)(size_t)deep(arg);
}

/* Writes until the reader has gone: SIGPIPE at its default ends the process. */
static int pipe_writer(int n)
{
	static const char line[] = "lastwords\n";
	pthread_t t;

	for (int i = 1; i < n; i++)
		pthread_create(&t, NULL, churn, (void *)(size_t)i);
	while (churned < 1000UL * (unsigned long)(n - 1))
		sched_yield();
	for (unsigned long i = 0;; i++) {
		free(grow((int)(i % 12), 40));
		if (write(1, line, sizeof(line) - 1) < 0)
			return 3;	/* EPIPE: SIGPIPE did not end it */
	}
}

static int pipe_ignored(void)
{
	int fds[2], epipe = 0;

	signal(SIGPIPE, SIG_IGN);
	free(malloc(10));
	if (pipe(fds))
		return 4;
	close(fds[0]);
	for (int i = 0; i < 3; i++)
		if (write(fds[1], "x\n", 2) < 0 && errno == EPIPE)
			epipe++;
	printf("EPIPE %d\n", epipe);
	return 0;
}

static void on_usr1(int sig)
{
	static const char msg[] = "handled\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(4);
}

static int view(void)
{
	const int sigs[] = { SIGPIPE, SIGALRM, SIGUSR1, SIGXCPU, SIGRTMIN + 2 };

	free(malloc(10));
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa;

		sigaction(sigs[i], NULL, &sa);
		printf("%s%s", i ? " " : "", sa.sa_handler == SIG_DFL ? "dfl" : "other");
	}
	printf("\n");
	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	signal(SIGUSR1, SIG_DFL);
	raise(SIGUSR1);
	return 3;	/* not reached: SIGUSR1 ends the process */
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 3 && strcmp(argv[1], "segv-worker") == 0)
		return segv_worker(atoi(argv[2]));
	if (argc == 2 && strcmp(argv[1], "two-crash") == 0)
		return two_crash();
	if (argc == 3 && strcmp(argv[1], "exit-race") == 0)
		return exit_race(argv[2]);
	if (argc == 3 && strcmp(argv[1], "fork-storm") == 0)
		return fork_storm(atoi(argv[2]));
	if (argc == 2 && strcmp(argv[1], "sleep") == 0) {
		free(malloc(10));
		printf("ready\n");
		for (;;)
			pause();
	}
	if (argc == 3 && strcmp(argv[1], "churn") == 0) {
		pthread_t t;

		for (int i = 1; i < atoi(argv[2]); i++)
			pthread_create(&t, NULL, churn, (void *)(size_t)i);
		printf("ready\n");
		churn(NULL);
		return 3;
	}
	if (argc == 2 && strcmp(argv[1], "thread-overflow") == 0) {
		pthread_t t;

		pthread_create(&t, NULL, overflow, NULL);
		pthread_join(t, NULL);
		return 3;
	}
	if (argc == 3 && strcmp(argv[1], "pipe") == 0)
		return pipe_writer(atoi(argv[2]));
	if (argc == 2 && strcmp(argv[1], "pipe-ignored") == 0)
		return pipe_ignored();
	if (argc == 3 && strcmp(argv[1], "alarm") == 0) {
		pthread_t t;

		for (int i = 1; i < atoi(argv[2]); i++)
			pthread_create(&t, NULL, churn, (void *)(size_t)i);
		alarm(1);
		churn(NULL);
		return 3;	/* not reached: SIGALRM ends the process */
	}
	if (argc == 2 && strcmp(argv[1], "view") == 0)
		return view();
	fprintf(stderr, "usage: lastwords segv-worker N | two-crash | exit-race HOW | "
		"fork-storm S | sleep | churn N | thread-overflow | pipe N | pipe-ignored | "
		"alarm N | view\n");
	return 2;
}
