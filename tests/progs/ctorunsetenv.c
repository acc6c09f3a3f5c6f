/*
 * ctorunsetenv: linked with libctorunsetenv, whose constructor removes
 * LD_PRELOAD before main. It allocates, then runs itself as "child",
 * which allocates too: the child is not interposed, so only the parent's
 * allocation is a site (tests/integration/explore-serve-trial.sh).
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
extern int ctorunsetenv_linked;

int main(int argc, char **argv)
{
	char *args[] = { argv[0], "child", NULL };
	char *block;
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
	block = malloc(16);	/* a failure is handled: the child runs all the same */
	if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, environ) ||
	    waitpid(pid, &st, 0) != pid)
		return 2;
	free(block);
	return ctorunsetenv_linked + (block ? 0 : 3);
}
