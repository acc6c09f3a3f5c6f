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
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
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

static void *churn(void *arg)
{
	unsigned long i = (unsigned long)(size_t)arg;

	while (!stop) {
		void *p = grow((int)(i++ % 12), 24);

		free(p);
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
	fprintf(stderr, "usage: lastwords segv-worker N | two-crash | exit-race HOW | "
		"fork-storm S | sleep | churn N | thread-overflow\n");
	return 2;
}
