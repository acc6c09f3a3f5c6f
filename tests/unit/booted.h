/*
 * One booted process per scenario, for the tests linked through the seams
 * (tests/unit/fake-je.h): the shim boots once per process, so a test of a
 * configuration runs it in a child (fork), which prints its own TAP lines
 * and hands its counts back to the parent through a pipe. A child that
 * dies is one failed test. Include once, after ../tap.h.
 */
#ifndef FP_TEST_BOOTED_H
#define FP_TEST_BOOTED_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "boot.h"
#include "startup.h"

/*
 * Call sites. lib/ is linked into the test, so its own code counts as the
 * shim's and is never a site; libc's code is a program's. With
 * FAILPOOL_DEPTH=1 a site is keyed by the caller's address.
 */
#define SITE_A	((const void *)((const char *)(uintptr_t)qsort + 1))
#define SITE_B	((const void *)((const char *)(uintptr_t)bsearch + 1))
#define SITE_C	((const void *)((const char *)(uintptr_t)strtol + 1))

/* The allocation path's boot seam (alloc.h): lib/boot.c's, as preload/init.c has it. */
int fp_alloc_boot(void)
{
	return fp_boot();
}

/**
 * boot_with() - put @vars ("NAME=VALUE" separated by spaces) in the
 * environment, boot, and end the start-up census as the constructor would.
 */
static inline void boot_with(const char *vars)
{
	char *copy = strdup(vars), *save = NULL;

	for (char *kv = strtok_r(copy, " ", &save); kv; kv = strtok_r(NULL, " ", &save))
		putenv(strdup(kv));
	free(copy);
	if (!fp_boot())
		abort();
	fp_startup_done();
}

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
