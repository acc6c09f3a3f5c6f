/*
 * manysites: 3^8 = 6561 distinct allocation sites at the default depth of
 * 8 frames: every path through eight levels of three functions ends in one
 * malloc, each freed at once. For explore's scale tests.
 */
#include <stdlib.h>

#define NOINLINE __attribute__((noinline, noclone))

/* Through a volatile pointer: a malloc/free pair is not elided. */
static void *(*volatile do_malloc)(size_t) = malloc;

static NOINLINE void level(int depth, unsigned path);

static volatile unsigned seen_a;	/* a body of its own: not folded into another */

static NOINLINE void via_a(int depth, unsigned path)
{
	seen_a++;
	level(depth, path);
	__asm__ volatile("" ::: "memory");	/* not a tail call: a frame each */
}

static volatile unsigned seen_b;	/* a body of its own: not folded into another */

static NOINLINE void via_b(int depth, unsigned path)
{
	seen_b++;
	level(depth, path);
	__asm__ volatile("" ::: "memory");
}

static volatile unsigned seen_c;	/* a body of its own: not folded into another */

static NOINLINE void via_c(int depth, unsigned path)
{
	seen_c++;
	level(depth, path);
	__asm__ volatile("" ::: "memory");
}

static NOINLINE void level(int depth, unsigned path)
{
	if (depth == 0) {
		free(do_malloc(16));
		return;
	}
	switch (path % 3) {
	case 0: via_a(depth - 1, path / 3); break;
	case 1: via_b(depth - 1, path / 3); break;
	default: via_c(depth - 1, path / 3); break;
	}
}

int main(void)
{
	for (unsigned path = 0; path < 6561; path++)
		level(8, path);
	return 0;
}
