/*
 * findings: programs whose out-of-memory bugs `failpool explore` must class
 * and group (tests/integration/explore-findings.sh).
 *
 *   findings swallow   sums five numbers it allocates; a failed allocation
 *                      is silently counted as 0: status 0, a wrong sum
 *   findings pid       the same, but prints its pid first: the output of
 *                      two clean runs differs, so it cannot be judged
 *   findings xmalloc   five callers of xmalloc(), which abort()s on NULL:
 *                      one bug, five sites
 *   findings deref     five callers of fill(), which writes through its
 *                      unchecked argument: one crash, five sites
 *   findings needs     crashes on a failed allocation only when FINDINGS_MODE
 *                      is "strict" and ./findings.conf (relative: the
 *                      working directory) holds "crash"
 *   findings stdin     reads standard input: "crash" makes one unchecked
 *                      allocation; anything else, checked ones
 *   findings chdir     changes to / first, then allocates as clean programs do
 *   findings wrapped   three callers of zalloc(), which returns NULL on a
 *                      failure as a wrapper does, each swallowing it its own
 *                      way (an empty name, a count of 0, a line left out),
 *                      the third reached by two paths: four sites, three
 *                      silent bugs
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

static void *(*volatile do_malloc)(size_t) = malloc;

NOINLINE int *number(int v)
{
	int *p = do_malloc(sizeof(*p) * 4);

	if (p)
		*p = v;
	return p;
}

static int sum_of_five(void)
{
	int sum = 0;

	for (int i = 1; i <= 5; i++) {
		int *p = number(i);

		/* The bug: a failure is taken for 0 and nobody is told. */
		sum += p ? *p : 0;
		free(p);
	}
	return sum;
}

NOINLINE void *xmalloc(size_t n)
{
	void *p = do_malloc(n);

	if (!p)
		abort();
	return p;
}

NOINLINE void fill(char *p)
{
	memset(p, 'x', 16);	/* the bug: p unchecked */
}

/* Five callers: five sites, all ending in the same place. */
#define CALLER(n, body)                                                 \
	NOINLINE void caller##n(void)                                   \
	{                                                               \
		body;                                                   \
		__asm__ volatile("" ::: "memory");                      \
	}
#define XM(n) CALLER(n, free(xmalloc(8 + n)))
#define DR(n) CALLER(n, char *p = do_malloc(32 + n); fill(p); free(p))
XM(1) XM(2) XM(3) XM(4) XM(5)
#undef CALLER
#define CALLER(n, body)                                                 \
	NOINLINE void deref##n(void)                                    \
	{                                                               \
		body;                                                   \
		__asm__ volatile("" ::: "memory");                      \
	}
DR(1) DR(2) DR(3) DR(4) DR(5)

/* A wrapper that passes a failure on as NULL: the callers must check. */
NOINLINE void *zalloc(size_t n)
{
	void *p = do_malloc(n);

	if (p)
		memset(p, 0, n);	/* not a tail call: zalloc keeps its frame */
	return p;
}

/* Swallowed as an empty name. */
NOINLINE void print_name(void)
{
	char *name = zalloc(16);

	printf("name: %s\n", name ? strcpy(name, "alpha") : "");
	free(name);
}

/* Swallowed as nothing to count. */
NOINLINE void print_count(void)
{
	int *counts = zalloc(4 * sizeof(*counts));
	int total = 0;

	for (int i = 0; counts && i < 4; i++)
		total += counts[i] = i + 1;
	printf("count: %d\n", total);
	free(counts);
}

/* Swallowed by leaving the line out. */
NOINLINE void print_line(const char *what)
{
	char *line = zalloc(64);

	if (line) {
		snprintf(line, 64, "line: %s", what);
		puts(line);
	}
	free(line);
	__asm__ volatile("" ::: "memory");
}

/* Two paths to print_line(): two sites, one place the failure is swallowed. */
NOINLINE void from_top(void)
{
	print_line("top");
	__asm__ volatile("" ::: "memory");
}

NOINLINE void from_bottom(void)
{
	print_line("bottom");
	__asm__ volatile("" ::: "memory");
}

static int needs(void)
{
	const char *mode = getenv("FINDINGS_MODE");
	char line[64] = "";
	FILE *f = fopen("findings.conf", "r");
	char *p;

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	p = do_malloc(64);
	if (!p && mode && !strcmp(mode, "strict") && !strncmp(line, "crash", 5))
		fill(p);
	free(p);
	puts("needs: done");
	return 0;
}

static int from_stdin(void)
{
	char line[64] = "";
	char *p;

	if (!fgets(line, sizeof(line), stdin))
		line[0] = '\0';
	p = do_malloc(64);
	if (!strncmp(line, "crash", 5))
		fill(p);
	free(p);
	puts("stdin: done");
	return 0;
}

int main(int argc, char **argv)
{
	const char *m = argc == 2 ? argv[1] : "";

	if (!strcmp(m, "swallow") || !strcmp(m, "pid")) {
		if (!strcmp(m, "pid"))
			printf("pid %d\n", (int)getpid());
		printf("sum %d\n", sum_of_five());
		return 0;
	}
	if (!strcmp(m, "xmalloc")) {
		caller1(), caller2(), caller3(), caller4(), caller5();
		puts("xmalloc: done");
		return 0;
	}
	if (!strcmp(m, "deref")) {
		deref1(), deref2(), deref3(), deref4(), deref5();
		puts("deref: done");
		return 0;
	}
	if (!strcmp(m, "wrapped")) {
		print_name();
		print_count();
		from_top();
		from_bottom();
		return 0;
	}
	if (!strcmp(m, "needs"))
		return needs();
	if (!strcmp(m, "stdin"))
		return from_stdin();
	if (!strcmp(m, "chdir")) {
		char *p;

		if (chdir("/"))
			return 3;
		p = do_malloc(16);
		if (!p)
			return 3;
		free(p);
		puts("chdir: done");
		return 0;
	}
	fprintf(stderr, "usage: findings swallow|pid|xmalloc|deref|needs|stdin|chdir|wrapped\n");
	return 2;
}
