/*
 * fds: the descriptors a program gets, and a program that closes them all.
 *
 *   fds first     allocates (from a few call sites), then prints the
 *                 descriptor its first open() gets: "open: N"
 *   fds closeall DATA
 *                 closes every descriptor from 3 up (close_range), opens DATA
 *                 (it gets the lowest number, 3), then allocates from four
 *                 new threads (new stacks to unwind) and prints "threads:
 *                 ok", then the size of DATA: "data: N bytes" (nothing but
 *                 the program writes DATA, so 0)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void *volatile sink;

static __attribute__((noinline)) void alloc_deep(int depth)
{
	if (depth > 0) {
		alloc_deep(depth - 1);
		return;
	}
	for (int i = 0; i < 100; i++) {
		void *p = malloc(16 + (size_t)i);

		sink = p;
		free(p);
	}
}

static void *worker(void *arg)
{
	alloc_deep((int)(long)arg);
	return NULL;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 2 && strcmp(argv[1], "first") == 0) {
		alloc_deep(3);
		printf("open: %d\n", open("/dev/null", O_RDONLY));
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "closeall") == 0) {
		pthread_t t[4];
		struct stat st;
		int fd;

		alloc_deep(2);
		close_range(3, ~0U, 0);
		fd = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0600);
		for (long i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, worker, (void *)(i + 1));
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		alloc_deep(5);
		printf("threads: ok\n");
		if (fd < 0 || fstat(fd, &st))
			return 1;
		printf("data: %lld bytes\n", (long long)st.st_size);
		return 0;
	}
	fprintf(stderr, "usage: fds first | fds closeall DATA\n");
	return 2;
}
