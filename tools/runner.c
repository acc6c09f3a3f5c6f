/* Process-group runs with a timeout (see runner.h). */
#include "config.h"
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

int fp_run_start_io(struct fp_run *r, char *const *cmd, const char *preload,
		    char *const *vars, const char *const *keep, const struct fp_run_io *io)
{
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->start_ns = fp_now_ns();
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		const int flags = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC;
		int fd = open(io->out, flags, 0644);
		int err = io->err ? open(io->err, flags, 0644) : fd;
		int in = open(io->in ? io->in : "/dev/null", O_RDONLY | O_CLOEXEC);

		setpgid(0, 0);
		if (fd >= 0)
			dup2(fd, STDOUT_FILENO);
		if (err >= 0)
			dup2(err, STDERR_FILENO);
		if (in >= 0)
			dup2(in, STDIN_FILENO);
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		set_env(preload, vars, keep);
		execvp(cmd[0], cmd);
		_exit(errno == ENOENT ? 127 : 126);
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
