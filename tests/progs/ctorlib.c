/*
 * ctorlib: linked with libctorlib, whose constructor does what CTORLIB
 * says before main (tests/integration/explore-serve-trial.sh). It
 * prints what it reads from the file the constructor opened (if any),
 * allocates, then runs itself as "child", which allocates too: a child
 * that is not interposed has no sites.
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
extern int ctorlib_fd;

int main(int argc, char **argv)
{
	char *args[] = { argv[0], "child", NULL }, text[64];
	char *block;
	ssize_t n;
	pid_t pid;
	int st;

	if (argc == 2 && !strcmp(argv[1], "child")) {
		int ok;

		if (!(block = malloc(24)))
			return 1;
		snprintf(block, 24, "%d", (int)getpid());
		ok = atoi(block) == (int)getpid();
		free(block);
		return !ok;
	}
	if (ctorlib_fd >= 0) {
		n = read(ctorlib_fd, text, sizeof(text) - 1);
		text[n > 0 ? n : 0] = '\0';
		printf("read %zd bytes: %s\n", n, text);
		fflush(stdout);
	}
	block = malloc(16);	/* a failure is handled: the child runs all the same */
	if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, environ) ||
	    waitpid(pid, &st, 0) != pid)
		return 2;
	free(block);
	return block ? 0 : 3;
}
