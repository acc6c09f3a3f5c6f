/*
 * jemalloc's heap profiler under the shim (run with MALLOC_CONF=prof:true,
 * prof_active:true,lg_prof_sample:0): 64 blocks of 4096 bytes from
 * allocate_here(), a profile dumped to argv[1] through the prof.dump
 * mallctl, then read back. Prints a line for each of the profile's stacks
 * that pass through allocate_here(): the objects and bytes it holds and
 * the program's own functions on it, outermost last:
 *   "64 262144 allocate_here<main<_start"
 * (the shim's own allocations under allocate_here(), if it counts, are
 * stacks of their own).
 * Linked with -rdynamic, so that dladdr() names the program's functions.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCKS	64
#define SIZE	4096

typedef int (*mallctl_fn)(const char *name, void *old, size_t *oldlen, void *new, size_t newlen);

__attribute__((noinline)) void *allocate_here(size_t size)
{
	void *p = malloc(size);

	__asm__ volatile("" ::: "memory");	/* a call, not a tail call */
	return p;
}

/* The program's functions among the stack's addresses, joined by '<'. */
static int names_of(char *line, const void *exe_base, char *names, size_t size)
{
	int ours = 0;

	names[0] = '\0';
	for (char *tok = strtok(line + 1, " \n"); tok; tok = strtok(NULL, " \n")) {
		Dl_info info;
		char *ip = (char *)strtoull(tok, NULL, 16);

		if (!dladdr(ip - 1, &info) || info.dli_fbase != exe_base || !info.dli_sname)
			continue;
		ours |= strcmp(info.dli_sname, "allocate_here") == 0;
		if (names[0])
			strncat(names, "<", size - strlen(names) - 1);
		strncat(names, info.dli_sname, size - strlen(names) - 1);
	}
	return ours;
}

int main(int argc, char **argv)
{
	mallctl_fn mallctl = (mallctl_fn)dlsym(RTLD_DEFAULT, "mallctl");
	static void *keep[BLOCKS];
	const char *path = argc > 1 ? argv[1] : "heapprof.heap";
	char line[8192], names[1024] = "";
	Dl_info self;
	int in_ours = 0;
	FILE *f;

	if (!mallctl) {
		puts("no mallctl");
		return 1;
	}
	for (int i = 0; i < BLOCKS; i++)
		keep[i] = allocate_here(SIZE);
	if (mallctl("prof.dump", NULL, NULL, &path, sizeof(path))) {
		puts("prof.dump failed");
		return 1;
	}
	if (!dladdr((void *)main, &self) || !(f = fopen(path, "r"))) {
		puts("no profile");
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long n, b;

		if (line[0] == '@') {
			in_ours = names_of(line, self.dli_fbase, names, sizeof(names));
		} else if (in_ours && sscanf(line, " t*: %lu: %lu", &n, &b) == 2) {
			printf("%lu %lu %s\n", n, b, names);
			in_ours = 0;
		}
	}
	fclose(f);
	return 0;
}
