/*
 * badfree: frees that glibc aborts on and jemalloc does not notice, for
 * FAILPOOL_CHECK=frees. Each mode does one bad thing in a function of its
 * own (so the crash record can name it) and prints "survived" when the
 * heap let it pass.
 *
 * usage: badfree double|interior|stack|realloc-freed|realloc-interior|
 *                memalign-double|clean
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Each function keeps its own frame (no tail call) and its own body (a
 * distinct store: the compiler may not fold two identical functions).
 */
static volatile int trail;
#define KEEP_FRAME()	(trail = __LINE__)

/* Through a volatile pointer: the compiler may not reason about the frees. */
static void (*volatile do_free)(void *) = free;
static void *(*volatile do_realloc)(void *, size_t) = realloc;

__attribute__((noinline)) static char *make_block(void)
{
	char *p = malloc(16);

	if (p)
		strcpy(p, "block");
	return p;
}

__attribute__((noinline)) static void first_free(char *p)
{
	do_free(p);
	KEEP_FRAME();
}

__attribute__((noinline)) static void second_free(char *p)
{
	do_free(p);
	KEEP_FRAME();
}

__attribute__((noinline)) static void free_interior(void)
{
	char *p = malloc(64);

	do_free(p + 16);
	KEEP_FRAME();
}

__attribute__((noinline)) static void free_stack(void)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "on the stack");
	do_free(buf);
	KEEP_FRAME();
}

__attribute__((noinline)) static void realloc_freed(void)
{
	char *p = make_block();

	first_free(p);
	p = do_realloc(p, 64);
	printf("%s\n", p ? "moved" : "null");
}

__attribute__((noinline)) static void realloc_interior(void)
{
	char *p = malloc(64);

	p = do_realloc(p + 8, 128);
	printf("%s\n", p ? "moved" : "null");
}

__attribute__((noinline)) static void memalign_double(void)
{
	void *p = memalign(64, 100);

	do_free(p);
	do_free(p);
	KEEP_FRAME();
}

/* Every entry point, every legal free: the check must say nothing. */
__attribute__((noinline)) static void clean(void)
{
	void *p[16];
	int n = 0;

	p[n++] = malloc(10);
	p[n++] = calloc(3, 7);
	p[n++] = realloc(NULL, 20);
	p[n] = realloc(malloc(5), 4000);		/* grows: may move */
	p[n] = realloc(p[n], 8);			/* shrinks: may stay */
	n++;
	p[n++] = reallocarray(NULL, 4, 8);
	if (posix_memalign(&p[n], 256, 33) == 0)
		n++;
	p[n++] = aligned_alloc(64, 128);
	p[n++] = memalign(32, 50);
	p[n++] = valloc(100);
	p[n++] = pvalloc(100);
	p[n] = realloc(malloc(1), 0);		/* frees, returns NULL */
	free(p[n]);
	free(NULL);
	for (int i = 0; i < n; i++)
		free(p[i]);
	/* The same addresses handed out again and freed again: fine each time. */
	for (int i = 0; i < 1000; i++)
		free(malloc((size_t)(i % 100) + 1));
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "clean";

	if (!strcmp(mode, "double")) {
		char *p = make_block();

		first_free(p);
		second_free(p);
	} else if (!strcmp(mode, "interior")) {
		free_interior();
	} else if (!strcmp(mode, "stack")) {
		free_stack();
	} else if (!strcmp(mode, "realloc-freed")) {
		realloc_freed();
	} else if (!strcmp(mode, "realloc-interior")) {
		realloc_interior();
	} else if (!strcmp(mode, "memalign-double")) {
		memalign_double();
	} else if (!strcmp(mode, "clean")) {
		clean();
	} else {
		fprintf(stderr, "badfree: unknown mode '%s'\n", mode);
		return 2;
	}
	printf("survived\n");
	return 0;
}
