/*
 * explorestream: a program for explore's streamed runs. Six steps, each
 * with a checked allocation; the error path of a step allocates twice
 * (sites only a run that fails the step reveals), and a failure of the
 * first of those allocates once more (revealed one level further down).
 * The error paths of the earlier steps take longer, so with several jobs
 * later runs end before earlier ones. Prints one digit per step.
 *
 * Environment (every run inherits it; explore only replaces FAILPOOL_*):
 *   EXPLORESTREAM_STOP=SIGNAL:FILE  the first run to fail step 3 sends
 *                     SIGNAL (a number) to its parent (explore), if it
 *                     can create FILE (so a resumed exploration is not
 *                     stopped again)
 *   EXPLORESTREAM_HANG=1            a failure of step 2 hangs
 *   EXPLORESTREAM_UNLINK=FILE       a failure of step 1 removes FILE
 *   EXPLORESTREAM_STDIN=1           prints the first line of stdin first
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

/* Through a volatile pointer: a malloc/free pair is not elided. */
static void *(*volatile do_malloc)(size_t) = malloc;

static void on_error(int step)
{
	const char *stop = getenv("EXPLORESTREAM_STOP");
	const char *gone = getenv("EXPLORESTREAM_UNLINK");
	int fd;

	if (step == 3 && stop && strchr(stop, ':') &&
	    (fd = open(strchr(stop, ':') + 1, O_WRONLY | O_CREAT | O_EXCL, 0644)) >= 0) {
		close(fd);
		kill(getppid(), atoi(stop));
		pause();	/* explore ends this run */
	}
	if (step == 2 && getenv("EXPLORESTREAM_HANG"))
		pause();
	if (step == 1 && gone)
		unlink(gone);
	usleep((unsigned)(6 - step) * 30000);
}

#define STEP(n)								\
	static NOINLINE int step##n(void)				\
	{								\
		char *p = do_malloc(16 + n), *q, *r;			\
									\
		if (p) {						\
			free(p);					\
			return 0;					\
		}							\
		on_error(n);						\
		q = do_malloc(100 + n);					\
		if (!q) {						\
			free(do_malloc(200 + n));			\
			return 2;					\
		}							\
		r = do_malloc(300 + n);					\
		free(r);						\
		free(q);						\
		return 1;						\
	}

STEP(0)
STEP(1)
STEP(2)
STEP(3)
STEP(4)
STEP(5)

int main(void)
{
	char line[256];

	if (getenv("EXPLORESTREAM_STDIN"))
		printf("stdin: %s\n", fgets(line, sizeof(line), stdin) ? strtok(line, "\n") : "(none)");
	printf("%d%d%d%d%d%d\n", step0(), step1(), step2(), step3(), step4(), step5());
	return 0;
}
