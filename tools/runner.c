/* Process-group runs with a timeout (see runner.h). */
#include "config.h"
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

uint64_t fp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int kept(const char *var, const char *const *keep)
{
	size_t n = strcspn(var, "=");

	for (; *keep; keep++)
		if (strlen(*keep) == n && strncmp(*keep, var, n) == 0)
			return 1;
	return 0;
}

/* In the child: the environment of the run. */
static void set_env(const char *preload, char *const *vars, const char *const *keep)
{
	char name[256];

	for (char **e = environ; e && *e;) {
		size_t n = strcspn(*e, "=");

		if (strncmp(*e, "FAILPOOL_", 9) == 0 && n < sizeof(name) && !kept(*e, keep)) {
			memcpy(name, *e, n);
			name[n] = '\0';
			unsetenv(name);	/* environ shifts: look at the same slot again */
			continue;
		}
		e++;
	}
	for (; vars && *vars; vars++)
		putenv(*vars);
	setenv("LD_PRELOAD", preload, 1);
}

int fp_run_start(struct fp_run *r, char *const *cmd, const char *preload,
		 char *const *vars, const char *const *keep, const char *out)
{
	const struct fp_run_io io = { .out = out };

	return fp_run_start_io(r, cmd, preload, vars, keep, &io);
}

/* The environment of a run, built in the parent: environ as set_env() leaves it. */
char **fp_run_env(const char *preload, char *const *vars, const char *const *keep)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ && environ[n])
		n++;
	for (char *const *v = vars; v && *v; v++)
		n++;
	env = malloc((n + 2) * sizeof(*env));
	if (!env)
		return NULL;
	for (char **e = environ; e && *e; e++) {
		size_t len = strcspn(*e, "=");
		int replaced = !strncmp(*e, "LD_PRELOAD=", 11) ||
			       (!strncmp(*e, "FAILPOOL_", 9) && !kept(*e, keep));

		for (char *const *v = vars; v && *v && !replaced; v++)
			replaced = !strncmp(*v, *e, len + 1);
		if (!replaced)
			env[k++] = *e;
	}
	for (char *const *v = vars; v && *v; v++)
		env[k++] = *v;
	if (asprintf(&env[k], "LD_PRELOAD=%s", preload) < 0) {
		free(env);
		return NULL;
	}
	env[++k] = NULL;
	return env;
}

/*
 * posix_spawn: the child shares the parent's memory until it execs (no
 * copy of the page tables, no copy-on-write faults in the parent), which
 * explore pays on every run. 0 when started; an error number otherwise,
 * the command's own (not found, not executable) included.
 */
static int spawn(struct fp_run *r, char *const *cmd, const char *preload,
		 char *const *vars, const char *const *keep, const struct fp_run_io *io)
{
	const int flags = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t dfl;
	char **env = fp_run_env(preload, vars, keep);
	int rc = ENOMEM;

	if (!env)
		return rc;
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGQUIT);
	if (!posix_spawn_file_actions_init(&fa)) {
		if (!posix_spawnattr_init(&at)) {
			if (!(rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO,
					io->in ? io->in : "/dev/null", O_RDONLY, 0)) &&
			    !(rc = posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, io->out, flags, 0644)) &&
			    !(rc = io->err ? posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, io->err,
									     flags, 0644) :
				   posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO)) &&
			    !(rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF)) &&
			    !(rc = posix_spawnattr_setpgroup(&at, 0)) &&
			    !(rc = posix_spawnattr_setsigdefault(&at, &dfl)))
				rc = posix_spawnp(&r->pid, cmd[0], &fa, &at, cmd, env);
			posix_spawnattr_destroy(&at);
		}
		posix_spawn_file_actions_destroy(&fa);
	}
	fp_run_env_free(env);
	return rc;
}

void fp_run_env_free(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		if (!env[i + 1])
			free(env[i]);	/* the LD_PRELOAD= fp_run_env() made, last */
	free(env);
}

/* @fds[0..2] closed, the descriptor shared by stdout and stderr once. */
void fp_run_close_streams(const int fds[3])
{
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0 && (i < 2 || fds[2] != fds[1]))
			close(fds[i]);
}

int fp_run_open_streams(const struct fp_run_io *io, int fds[3])
{
	const int flags = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC;
	int e;

	fds[0] = open(io->in ? io->in : "/dev/null", O_RDONLY | O_CLOEXEC);
	fds[1] = fds[0] < 0 ? -1 : open(io->out, flags, 0644);
	fds[2] = fds[1] < 0 ? -1 : io->err ? open(io->err, flags, 0644) : fds[1];
	if (fds[2] >= 0)
		return 0;
	e = errno;
	fp_run_close_streams(fds);
	errno = e;
	return -e;
}

int fp_run_start_io(struct fp_run *r, char *const *cmd, const char *preload,
		    char *const *vars, const char *const *keep, const struct fp_run_io *io)
{
	int fds[3], rc;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->start_ns = fp_now_ns();
	if (spawn(r, cmd, preload, vars, keep, io) == 0)
		return 0;
	/*
	 * The slow way, whose child reports what went wrong as a shell does
	 * (127 not found, 126 cannot execute). Its streams are opened here
	 * first: a stream that cannot be opened (a --stdin file removed since)
	 * is the run's error, never a reason to give it the tool's own.
	 */
	r->pid = 0;
	if ((rc = fp_run_open_streams(io, fds)))
		return rc;
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		for (int i = 0; i < 3; i++)
			dup2(fds[i], i);
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		set_env(preload, vars, keep);
		execvp(cmd[0], cmd);
		_exit(errno == ENOENT ? 127 : 126);
	}
	rc = pid < 0 ? -errno : 0;
	fp_run_close_streams(fds);
	if (rc) {
		errno = -rc;
		return rc;
	}
	setpgid(pid, pid);	/* either side may win the race; both ask for the same */
	r->pid = pid;
	return 0;
}

/* Wait for every run of @runs, or (@one) until at least one more has ended. */
static void wait_runs(struct fp_run *runs, unsigned n, uint64_t timeout_ns, int one)
{
	/* Woken by SIGCHLD as a run ends, not by the next tick: short runs are most of explore's. */
	const struct timespec tick = { 0, 5000000 };
	sigset_t chld, before;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &before);
	for (;;) {
		unsigned pending = 0, ended = 0;
		uint64_t now = fp_now_ns();

		for (unsigned i = 0; i < n; i++) {
			struct fp_run *r = &runs[i];
			int st;
			pid_t p;

			if (!r->pid || r->done)
				continue;
			p = waitpid(r->pid, &st, WNOHANG);
			if (p == r->pid) {
				r->status = st;
				r->done = 1;
				r->seconds = (double)(fp_now_ns() - r->start_ns) / 1e9;
				kill(-r->pid, SIGKILL);	/* anything it left behind */
				ended++;
				continue;
			}
			if (p < 0 && errno != EINTR) {
				r->done = 1;
				r->status = 0;
				ended++;
				continue;
			}
			if (timeout_ns && now - r->start_ns > timeout_ns && !r->timed_out) {
				r->timed_out = 1;
				r->killed_ns = now + (r->last_words ? 2000000000u : 0);
				if (r->last_words)
					kill(r->pid, r->last_words);
			}
			if (r->timed_out && now >= r->killed_ns) {
				kill(-r->pid, SIGKILL);
				kill(r->pid, SIGKILL);
			}
			pending++;
		}
		if (!pending || (one && ended))
			break;
		sigtimedwait(&chld, NULL, &tick);
	}
	sigprocmask(SIG_SETMASK, &before, NULL);
}

void fp_run_wait(struct fp_run *runs, unsigned n, uint64_t timeout_ns)
{
	wait_runs(runs, n, timeout_ns, 0);
}

void fp_run_wait_any(struct fp_run *runs, unsigned n, uint64_t timeout_ns)
{
	wait_runs(runs, n, timeout_ns, 1);
}
