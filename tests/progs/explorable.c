/*
 * explorable: programs for `failpool explore`.
 *
 *   explorable hang      wait_for_memory() waits forever when its allocation
 *                        fails; the others are checked
 *   explorable errpath   load_config() fails cleanly (exit 1) when its
 *                        allocation fails, but the message report_error()
 *                        allocates on that error path is used unchecked
 *   explorable clean     every allocation checked: exit 3 when one fails
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

static void *(*volatile do_malloc)(size_t) = malloc;

NOINLINE char *checked(size_t n)
{
	char *p = do_malloc(n);

	if (!p) {
		fputs("out of memory\n", stderr);
		exit(3);
	}
	return p;
}

NOINLINE char *wait_for_memory(size_t n)
{
	char *p;

	while (!(p = do_malloc(n)))
		pause();	/* the bug: nobody will ever free anything */
	return p;
}

NOINLINE void report_error(const char *what)
{
	char *msg = do_malloc(128);

	snprintf(msg, 128, "cannot %s", what);	/* the bug: msg unchecked */
	fprintf(stderr, "%s\n", msg);
	free(msg);
}

NOINLINE int load_config(void)
{
	char *buf = do_malloc(256);

	if (!buf) {
		report_error("load the configuration");
		return -1;
	}
	strcpy(buf, "ok");
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	static char out[256];

	setvbuf(stdout, out, _IOFBF, sizeof(out));
	if (argc == 2 && strcmp(argv[1], "hang") == 0) {
		char *a = checked(16), *b = wait_for_memory(32), *c = checked(48);

		printf("hang: all three\n");
		free(a);
		free(b);
		free(c);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "errpath") == 0) {
		char *a = checked(16);

		free(a);
		if (load_config())
			return 1;
		puts("errpath: configured");
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "clean") == 0) {
		char *a = checked(16), *b = checked(24), *c = checked(32);

		puts("clean: done");
		free(a);
		free(b);
		free(c);
		return 0;
	}
	fprintf(stderr, "usage: explorable hang|errpath|clean\n");
	return 2;
}
