/*
 * A C program whose constructor calls malloc itself, and which walks the
 * loaded objects with dl_iterate_phdr as an unwinder linked in would:
 * nothing in it is a C++ runtime's emergency pool, so under the shim its
 * constructor's malloc is the program's first eligible one.
 * Prints "ctor: ok|null", then "main: ok|null" for one malloc in main.
 */
#include <link.h>
#include <stdio.h>
#include <stdlib.h>

static void *from_ctor;

__attribute__((constructor)) static void take(void)
{
	from_ctor = malloc(72704);
}

static int count(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)info;
	(void)size;
	++*(int *)arg;
	return 0;
}

int main(void)
{
	int objects = 0;
	void *p = malloc(100);

	dl_iterate_phdr(count, &objects);
	printf("ctor: %s\nmain: %s\n", from_ctor ? "ok" : "null", p ? "ok" : "null");
	free(p);
	free(from_ctor);
	return objects > 0 ? 0 : 1;
}
