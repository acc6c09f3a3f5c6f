/*
 * fp-spawn: run a command many times for `make bench` and say how long it
 * took and how much memory it held. The bench's whole-process, resident
 * memory and bare-runs rows use it instead of a shell loop, so that the
 * shell's own fork and exec do not dilute the figures, and so that the
 * allocator under test (VAR=VALUE settings such as LD_PRELOAD) reaches the
 * command only, never this program.
 *
 *   fp-spawn [-n RUNS] [-j JOBS] [VAR=VALUE...] -- CMD [ARG...]
 *
 * Runs CMD RUNS times (default 1), JOBS at a time (default 1), each with
 * the environment plus the VAR=VALUE settings, standard input and output
 * on /dev/null. Prints "<elapsed ns> <largest maximum resident set KiB>"
 * over all runs. Exit status 0 when every run exited 0; otherwise 1, with
 * the first failure's status on standard error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int usage(void)
{
	fprintf(stderr, "usage: fp-spawn [-n RUNS] [-j JOBS] [VAR=VALUE...] -- CMD [ARG...]\n");
	return 2;
}

/* environ with each VAR=VALUE of SETS in place of an existing VAR=. */
static char **make_env(char **sets, int nsets)
{
	size_t n = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + (size_t)nsets + 1, sizeof(*env));
	if (!env)
		return NULL;
	n = 0;
	for (char **e = environ; *e; e++) {
		int replaced = 0;

		for (int s = 0; s < nsets && !replaced; s++) {
			size_t len = (size_t)(strchr(sets[s], '=') - sets[s]) + 1;

			replaced = strncmp(*e, sets[s], len) == 0;
		}
		if (!replaced)
			env[n++] = *e;
	}
	for (int s = 0; s < nsets; s++)
		env[n++] = sets[s];
	return env;
}

/* Waits for one child; 0 when it exited 0. Context: the only thread. */
static int reap(long *max_rss_kib)
{
	struct rusage ru;
	int status;
	pid_t pid;

	do
		pid = wait4(-1, &status, 0, &ru);
	while (pid < 0 && errno == EINTR);
	if (pid < 0) {
		perror("fp-spawn: wait4");
		return -1;
	}
	if (ru.ru_maxrss > *max_rss_kib)
		*max_rss_kib = ru.ru_maxrss;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		fprintf(stderr, "fp-spawn: a run was killed by signal %d\n", WTERMSIG(status));
	else
		fprintf(stderr, "fp-spawn: a run exited %d\n", WEXITSTATUS(status));
	return -1;
}

int main(int argc, char **argv)
{
	long runs = 1, jobs = 1, started = 0, running = 0, max_rss_kib = 0;
	posix_spawn_file_actions_t io;
	struct timespec t0, t1;
	int opt, first_set, failed = 0;
	char **env;

	while ((opt = getopt(argc, argv, "+n:j:")) != -1) {
		if (opt == 'n')
			runs = strtol(optarg, NULL, 10);
		else if (opt == 'j')
			jobs = strtol(optarg, NULL, 10);
		else
			return usage();
	}
	/* getopt() steps over a "--" that ends the options: no settings then. */
	if (optind > 1 && strcmp(argv[optind - 1], "--") == 0)
		optind--;
	first_set = optind;
	while (optind < argc && strcmp(argv[optind], "--") != 0 && strchr(argv[optind], '='))
		optind++;
	if (optind + 1 >= argc || strcmp(argv[optind], "--") != 0 || runs < 1 || jobs < 1)
		return usage();
	env = make_env(argv + first_set, optind - first_set);
	if (!env || posix_spawn_file_actions_init(&io) != 0 ||
	    posix_spawn_file_actions_addopen(&io, 0, "/dev/null", O_RDONLY, 0) != 0 ||
	    posix_spawn_file_actions_addopen(&io, 1, "/dev/null", O_WRONLY, 0) != 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (started < runs || running > 0) {
		if (started < runs && running < jobs && !failed) {
			pid_t pid;
			int err = posix_spawnp(&pid, argv[optind + 1], &io, NULL, argv + optind + 1, env);

			if (err) {
				fprintf(stderr, "fp-spawn: %s: %s\n", argv[optind + 1], strerror(err));
				failed = 1;
				started = runs;
				continue;
			}
			started++;
			running++;
			continue;
		}
		if (running == 0)
			break;
		if (reap(&max_rss_kib) < 0) {
			failed = 1;
			started = runs;	/* start no more; wait for the rest */
		}
		running--;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%lld %ld\n", (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL +
	       (t1.tv_nsec - t0.tv_nsec), max_rss_kib);
	return failed;
}
