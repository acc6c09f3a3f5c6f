/*
 * libsitelib: a shared library that allocates, dlopened by tests/progs/sites
 * so that rules can name it (lib:libsitelib.so) and its sites can be
 * followed across dlclose.
 */
#include <stdlib.h>

/* Allocate @n blocks of @size bytes, free them; return how many were NULL. */
__attribute__((noinline)) int sitelib_alloc(int n, size_t size)
{
	int nulls = 0;

	for (int i = 0; i < n; i++) {
		void *p = malloc(size);

		if (!p)
			nulls++;
		free(p);
	}
	return nulls;
}
