/*
 * envlist: what a run can tell of how it was started
 * (tests/integration/explore-serve.sh). Prints its parent's pid, then
 * every variable of its environment but FAILPOOL_*, in order, each copied
 * with strdup (a site); a failed copy says so on stderr and exits 1.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int main(void)
{
	printf("parent %d\n", (int)getppid());
	for (char **e = environ; *e; e++) {
		char *copy;

		if (!strncmp(*e, "FAILPOOL_", 9))
			continue;
		if (!(copy = strdup(*e))) {
			fputs("envlist: out of memory\n", stderr);
			return 1;
		}
		puts(copy);
		free(copy);
	}
	return 0;
}
