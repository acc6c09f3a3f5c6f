/*
 * sites: allocations from known functions, for the site tests.
 *
 *   sites funcs N        N mallocs each from parse_config(), from a static
 *                        function (static_helper) and from other_alloc(),
 *                        then N from libsitelib.so's sitelib_alloc() (dlopened
 *                        and dlclosed); prints
 *                        "parse_config F static_helper F other_alloc F sitelib F"
 *                        with the number of NULLs of each
 *   sites twopaths N     N rounds of leaf() reached through path_a() then
 *                        through path_b(): the same immediate caller, at the
 *                        same stack depth, under different callers; prints
 *                        "path_a F path_b F"
 *   sites threads N      two threads, N mallocs each from thread_alloc();
 *                        prints "thread_alloc F"
 *   sites churn N        N rounds of 4 threads started and joined, 100
 *                        mallocs each from thread_alloc(); prints
 *                        "thread_alloc F"
 *   sites errno N        N mallocs at recursion depths 0..8 with errno set
 *                        before each; prints "errno kept" or "errno changed K"
 *   sites depths N       leaf() reached through a recursion 1..N levels deep
 *                        (the same immediate caller at N stack depths), twice
 *                        over; prints "depths F"
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

/* Calls through a volatile pointer: the compiler may not fold them. */
static void *(*volatile do_malloc)(size_t) = malloc;

static int count_null(void *p)
{
	free(p);
	return p == NULL;
}

NOINLINE int parse_config(int n)
{
	int nulls = 0;

	for (int i = 0; i < n; i++)
		nulls += count_null(do_malloc(32));
	return nulls;
}

NOINLINE static int static_helper(int n)
{
	int nulls = 0;

	for (int i = 0; i < n; i++)
		nulls += count_null(do_malloc(48));
	__asm__ volatile("" ::: "memory");	/* keep it a real function */
	return nulls;
}

NOINLINE int other_alloc(int n)
{
	int nulls = 0;

	for (int i = 0; i < n; i++)
		nulls += count_null(do_malloc(64));
	return nulls;
}

static int run_library(int n)
{
	char path[PATH_MAX], *slash;
	int (*f)(int, size_t);
	ssize_t len = readlink("/proc/self/exe", path, sizeof(path) - 32);
	void *h;
	int nulls;

	if (len < 0)
		return -1;
	path[len] = '\0';
	slash = strrchr(path, '/');
	strcpy(slash + 1, ".libs/libsitelib.so");
	h = dlopen(path, RTLD_NOW);
	if (!h) {
		fprintf(stderr, "sites: %s\n", dlerror());
		exit(2);
	}
	f = (int (*)(int, size_t))dlsym(h, "sitelib_alloc");
	nulls = f(n, 80);
	dlclose(h);
	return nulls;
}

NOINLINE int leaf(void)
{
	return count_null(do_malloc(24));
}

/* Two callers with identical frames: leaf() sees the same stack pointer. */
NOINLINE int path_a(void)
{
	int r = leaf();

	__asm__ volatile("" ::: "memory");
	return r;
}

NOINLINE int path_b(void)
{
	int r = leaf();

	__asm__ volatile("" ::: "memory");
	return r;
}

NOINLINE int descend(int levels)
{
	int r = levels ? descend(levels - 1) : leaf();

	__asm__ volatile("" ::: "memory");
	return r;
}

NOINLINE void *thread_alloc(void *arg)
{
	long n = (long)arg, nulls = 0;

	for (long i = 0; i < n; i++)
		nulls += count_null(do_malloc(40));
	return (void *)nulls;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 0;

	setvbuf(stdout, NULL, _IOFBF, 4096);
	if (argc != 3 || n < 0)
		goto usage;
	if (strcmp(argv[1], "funcs") == 0) {
		int a = parse_config(n), b = static_helper(n), c = other_alloc(n);

		printf("parse_config %d static_helper %d other_alloc %d sitelib %d\n",
		       a, b, c, run_library(n));
	} else if (strcmp(argv[1], "twopaths") == 0) {
		int a = 0, b = 0;

		for (int i = 0; i < n; i++) {
			a += path_a();
			b += path_b();
		}
		printf("path_a %d path_b %d\n", a, b);
	} else if (strcmp(argv[1], "threads") == 0) {
		pthread_t t[2];
		void *r[2];

		for (int i = 0; i < 2; i++)
			pthread_create(&t[i], NULL, thread_alloc, (void *)(long)n);
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], &r[i]);
		printf("thread_alloc %ld\n", (long)r[0] + (long)r[1]);
	} else if (strcmp(argv[1], "churn") == 0) {
		long nulls = 0;

		for (int round = 0; round < n; round++) {
			pthread_t t[4];
			void *r;

			for (int i = 0; i < 4; i++)
				pthread_create(&t[i], NULL, thread_alloc, (void *)100L);
			for (int i = 0; i < 4; i++) {
				pthread_join(t[i], &r);
				nulls += (long)r;
			}
		}
		printf("thread_alloc %ld\n", nulls);
	} else if (strcmp(argv[1], "errno") == 0) {
		int changed = 0;

		for (int i = 0; i < n; i++) {
			/* leaf() mallocs and frees at a new depth (a new site) each time */
			errno = 1234;
			descend(i % 9);
			changed += errno != 1234;
			errno = 1234;
			free(do_malloc(16 + (size_t)i));
			changed += errno != 1234;
		}
		if (changed)
			printf("errno changed %d\n", changed);
		else
			puts("errno kept");
	} else if (strcmp(argv[1], "depths") == 0) {
		volatile int rounds = 2;	/* not unrolled: one call site */
		int f = 0;

		for (int round = 0; round < rounds; round++)
			for (int d = 0; d < n; d++)
				f += descend(d);
		printf("depths %d\n", f);
	} else {
		goto usage;
	}
	return 0;
usage:
	fprintf(stderr, "usage: sites funcs|twopaths|threads|churn|depths N\n");
	return 2;
}
