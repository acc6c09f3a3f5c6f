/*
 * secure: linked against the shim (DT_NEEDED, absolute RUNPATH), so that the
 * shim is loaded even in secure-execution mode, where the loader ignores
 * LD_PRELOAD. Prints "secure S" (getauxval(AT_SECURE)), makes N (argv[1],
 * default 10) allocations and prints "done N failed F".
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10, failed = 0;

	printf("secure %lu\n", getauxval(AT_SECURE));
	for (int i = 0; i < n; i++) {
		void *volatile p = malloc(100);

		failed += p == NULL;
		free(p);
	}
	printf("done %d failed %d\n", n, failed);
	return 0;
}
