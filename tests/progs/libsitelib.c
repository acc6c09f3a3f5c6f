/*
 * libsitelib: a shared library that allocates, dlopened by tests/progs/sites
 * so that rules can name it (lib:libsitelib.so) and its sites can be
 * followed across dlclose.
 */
#include <stdlib.h>

static int is_null(void *p);

/* Allocate @n blocks of @size bytes, free them; return how many were NULL. */
__attribute__((noinline)) int sitelib_alloc(int n, size_t size)
{
	int nulls = 0;

	for (int i = 0; i < n; i++) {
		void *p = malloc(size);

		nulls += is_null(p);
		free(p);
	}
	return nulls;
}

/*
 * A static function after the last export: in a stripped copy no symbol
 * covers it, and the tool must not name it after sitelib_alloc.
 */
static __attribute__((noinline, used)) int is_null(void *p)
{
	__asm__ volatile("" ::: "memory");
	return p == NULL;
}
