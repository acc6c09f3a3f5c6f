/*
 * threadoom: real exhaustion under RLIMIT_AS, then a thread's first
 * allocation (glibc's tst-malloc-thread-fail is the model; jemalloc issue
 * #2289: that allocation crashed inside jemalloc instead of failing).
 *
 *   threadoom before   the thread is created first and waits; memory is
 *                      exhausted; then the thread allocates
 *   threadoom after    a thread is created and joined (its stack stays in
 *                      glibc's cache), memory is exhausted, then a new
 *                      thread is created (on the cached stack) and allocates
 *
 * Prints one line per step: the thread's malloc and calloc results
 * ("NULL ENOMEM" is expected, or "ptr" if memory came back), or
 * "create: EAGAIN" when the thread cannot be created. Exit 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static sem_t go;
static void *(*volatile v_malloc)(size_t) = malloc;
static void *(*volatile v_calloc)(size_t, size_t) = calloc;
static char line[256];

static const char *result(void *p, int e)
{
	return p ? "ptr" : e == ENOMEM ? "NULL ENOMEM" : "NULL errno?";
}

static void *worker(void *arg)
{
	void *p, *q;
	int e1, e2;

	if (arg)
		sem_wait(&go);
	errno = 0;
	p = v_malloc(100);
	e1 = errno;
	errno = 0;
	q = v_calloc(10, 1000);
	e2 = errno;
	snprintf(line, sizeof(line), "thread: malloc(100) %s, calloc(10,1000) %s",
		 result(p, e1), result(q, e2));
	free(p);
	free(q);
	return NULL;
}

static void *idle(void *arg)
{
	return arg;
}

/* Fill memory under a limit of the current size plus 64 MiB. */
static void exhaust(void)
{
	struct rlimit rl;
	unsigned long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f || fscanf(f, "%lu", &pages) != 1)
		exit(3);
	fclose(f);
	rl.rlim_cur = rl.rlim_max = pages * 4096 + (64 << 20);
	if (setrlimit(RLIMIT_AS, &rl))
		exit(3);
	for (size_t s = 1 << 20; s >= 16; s /= 2)
		while (v_malloc(s))
			;
	printf("main: exhausted\n");
}

int main(int argc, char **argv)
{
	pthread_t t;
	int rc;

	setvbuf(stdout, NULL, _IONBF, 0);
	sem_init(&go, 0, 0);
	if (argc == 2 && !strcmp(argv[1], "before")) {
		if (pthread_create(&t, NULL, worker, &go))
			return 3;
		exhaust();
		sem_post(&go);
	} else if (argc == 2 && !strcmp(argv[1], "after")) {
		if (pthread_create(&t, NULL, idle, NULL) || pthread_join(t, NULL))
			return 3;
		exhaust();
		rc = pthread_create(&t, NULL, worker, NULL);
		if (rc) {
			printf("create: %s\n", rc == EAGAIN ? "EAGAIN" : "error");
			return 0;
		}
	} else {
		fprintf(stderr, "usage: threadoom before|after\n");
		return 2;
	}
	pthread_join(t, NULL);
	printf("%s\n", line);
	return 0;
}
