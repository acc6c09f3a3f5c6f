/*
 * forkstdio: fork() against stdio in a threaded program (glibc bug 19431,
 * glibc's tst-malloc-fork-deadlock). Threads read one long line with getline
 * (its buffer grows with realloc while the FILE is locked), one thread calls
 * fflush(NULL) (the stdio list lock, then each FILE's lock), four threads
 * fork (children _exit at once).
 *
 *   forkstdio FILE SECONDS
 *
 * FILE is written with one 50,000-character line. Prints "forks: N" and
 * exits 0 when the time is up; a deadlock never ends (run it under timeout).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LINE	50000
#define READERS	4
#define FORKERS	4

static const char *path;
static atomic_int stop;
static atomic_long forks;

static void *reader(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		FILE *f = fopen(path, "r");
		char *line = NULL;
		size_t size = 0;

		if (!f)
			abort();
		if (getline(&line, &size, f) != LINE + 1)
			abort();
		free(line);
		fclose(f);
	}
	return NULL;
}

static void *flusher(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop))
		fflush(NULL);
	return NULL;
}

static void *forker(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid < 0)
			abort();
		waitpid(pid, NULL, 0);
		atomic_fetch_add(&forks, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[READERS + 1 + FORKERS];
	unsigned n = 0;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: forkstdio FILE SECONDS\n");
		return 2;
	}
	path = argv[1];
	f = fopen(path, "w");
	if (!f)
		return 1;
	for (int i = 0; i < LINE; i++)
		putc('x', f);
	putc('\n', f);
	fclose(f);
	for (int i = 0; i < READERS; i++)
		pthread_create(&t[n++], NULL, reader, NULL);
	pthread_create(&t[n++], NULL, flusher, NULL);
	for (int i = 0; i < FORKERS; i++)
		pthread_create(&t[n++], NULL, forker, NULL);
	sleep((unsigned)atoi(argv[2]));
	atomic_store(&stop, 1);
	for (unsigned i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("forks: %ld\n", atomic_load(&forks));
	return 0;
}
