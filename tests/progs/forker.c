/*
 * forker: fork without exec.
 *
 *   forker fork N          parent: N mallocs, fork; then parent and child
 *                          each make N more and print which of those failed
 *                          ("parent|child failed F hash H", H a hash of the
 *                          failing indices); the child exits 3; prints
 *                          "parent PID", "child PID status 3"
 *   forker forkexit N      N x free(malloc(32)), fork; the child calls
 *                          _exit(0) at once, allocating nothing; prints
 *                          "parent PID", "child PID status 0"
 *   forker vfork           vfork; the child calls _exit(5) at once;
 *                          prints "parent PID", "vfork-child PID status 5"
 *   forker loop N          N children at once, each a few mallocs and
 *                          exit(0); prints "loop N ok K" (K exited 0)
 *   forker threadfork N    a second thread mallocs and frees without pause
 *                          while main forks N children one after another
 *                          (each allocates and exits); "threadfork N ok K"
 *
 * Exits 0 when everything went as described, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void *(*volatile v_malloc)(size_t) = malloc;
static void (*volatile v_free)(void *) = free;

static char outbuf[1 << 16];

/* n mallocs of @size, each freed. Return: FNV-1a hash of the failing indices. */
static unsigned long long allocate(unsigned long n, size_t size, unsigned long *failed)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (unsigned long i = 0; i < n; i++) {
		char *p = v_malloc(size);

		if (p) {
			memset(p, 1, size);
		} else {
			h = (h ^ i) * 0x100000001b3ULL;
			if (failed)
				++*failed;
		}
		v_free(p);
	}
	return h;
}

static int status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

static unsigned long num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (end == s || *end) {
		fprintf(stderr, "forker: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

/* Print "parent PID" and fork. Return: fork()'s value; exits 1 when it fails. */
static pid_t announce_fork(void)
{
	pid_t pid;

	printf("parent %ld\n", (long)getpid());
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	return pid;
}

static atomic_int stop;

static void *churn(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop))
		allocate(16, 64, NULL);
	return NULL;
}

/* Wait for @pid, retrying on EINTR. Return: its status code, -1 on error. */
static int reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status_code(st);
}

int main(int argc, char **argv)
{
	pid_t pid;
	unsigned long n, ok = 0;

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (argc == 3 && strcmp(argv[1], "fork") == 0) {
		int code;

		unsigned long f = 0;
		unsigned long long h;

		n = num(argv[2]);
		allocate(n, 100, NULL);
		pid = announce_fork();
		h = allocate(n, 100, &f);
		if (pid == 0) {
			printf("child failed %lu hash %016llx\n", f, h);
			exit(3);
		}
		code = reap(pid);
		printf("parent failed %lu hash %016llx\n", f, h);
		printf("child %ld status %d\n", (long)pid, code);
		return code == 3 ? 0 : 1;
	}
	if (argc == 3 && strcmp(argv[1], "forkexit") == 0) {
		n = num(argv[2]);
		allocate(n, 32, NULL);
		pid = announce_fork();
		if (pid == 0)
			_exit(0);
		printf("child %ld status %d\n", (long)pid, reap(pid));
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "vfork") == 0) {
		int code;

		allocate(10, 100, NULL);
		printf("parent %ld\n", (long)getpid());
		fflush(stdout);
		pid = vfork();
		if (pid < 0) {
			perror("vfork");
			return 1;
		}
		if (pid == 0)
			_exit(5);
		code = reap(pid);
		allocate(10, 100, NULL);
		printf("vfork-child %ld status %d\n", (long)pid, code);
		return code == 5 ? 0 : 1;
	}
	if (argc == 3 && strcmp(argv[1], "loop") == 0) {
		static pid_t pids[1000];

		n = num(argv[2]);
		if (n > 1000) {
			fprintf(stderr, "forker: at most 1000 children\n");
			return 2;
		}
		fflush(stdout);
		for (unsigned long i = 0; i < n; i++) {
			while ((pids[i] = fork()) < 0 && errno == EAGAIN)
				usleep(1000);
			if (pids[i] < 0) {
				perror("fork");
				return 1;
			}
			if (pids[i] == 0) {
				allocate(20, 100 + i, NULL);
				exit(0);
			}
		}
		for (unsigned long i = 0; i < n; i++)
			ok += reap(pids[i]) == 0;
		printf("loop %lu ok %lu\n", n, ok);
		return ok == n ? 0 : 1;
	}
	if (argc == 3 && strcmp(argv[1], "threadfork") == 0) {
		pthread_t t;

		n = num(argv[2]);
		if (pthread_create(&t, NULL, churn, NULL)) {
			printf("pthread_create failed\n");
			return 1;
		}
		fflush(stdout);
		for (unsigned long i = 0; i < n; i++) {
			pid = fork();
			if (pid < 0) {
				perror("fork");
				break;
			}
			if (pid == 0) {
				allocate(20, 100, NULL);
				exit(0);
			}
			ok += reap(pid) == 0;
		}
		atomic_store(&stop, 1);
		pthread_join(t, NULL);
		printf("threadfork %lu ok %lu\n", n, ok);
		return ok == n ? 0 : 1;
	}
	fprintf(stderr, "usage: forker fork N | forkexit N | vfork | loop N | threadfork N\n");
	return 2;
}
