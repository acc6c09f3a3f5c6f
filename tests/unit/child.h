/*
 * One booted process per scenario: the shim boots once per process, so a
 * test of a configuration runs it in a child (fork), which prints its own
 * TAP lines and hands its counts back to the parent through a pipe. A
 * child that dies is one failed test. Include after ../tap.h.
 */
#ifndef FP_TEST_CHILD_H
#define FP_TEST_CHILD_H

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/**
 * in_child() - run @scenario in a child process and count its tests here.
 * @what: the scenario's name, for the failure line when the child dies.
 */
static inline void in_child(const char *what, void (*scenario)(void))
{
	unsigned counts[2];
	int fd[2], status = 0;
	pid_t pid;

	fflush(stdout);
	if (pipe(fd))
		abort();
	pid = fork();
	if (pid == 0) {
		close(fd[0]);
		scenario();
		fflush(stdout);
		counts[0] = tap_run;
		counts[1] = tap_failed;
		if (write(fd[1], counts, sizeof(counts)) != (ssize_t)sizeof(counts))
			_exit(1);
		_exit(0);	/* no exit handlers: the child's report is the test's business */
	}
	close(fd[1]);
	if (read(fd[0], counts, sizeof(counts)) == (ssize_t)sizeof(counts)) {
		tap_run = counts[0];
		tap_failed = counts[1];
	}
	close(fd[0]);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: the child ended normally", what);
}

#endif
