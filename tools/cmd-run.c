/*
 * failpool run [options] [--] CMD [ARG...]: set FAILPOOL_* from the flags,
 * check them with the shim's own validator, preload the shim into CMD
 * alone, pass signals on to it while waiting, summarise the reports of
 * its process tree, and exit with its status (128+N when signal N killed
 * it).
 */
#include "config.h"
#include "cmds.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "enterable.h"
#include "fp.h"
#include "options.h"
#include "runpaths.h"
#include "runreports.h"
#include "seed.h"
#include "shimpath.h"
#include "summary.h"

#define USAGE "Usage: failpool run [options] [--] CMD [ARG...]\n"
/*
 * As env and timeout do, for every error of failpool's own (usage,
 * configuration, a CMD the shim cannot enter): a status CMD itself is
 * unlikely to give.
 */
#define RUN_CONFIG_ERROR 125

/* The child, for forwarding signals; 0 before the fork and once reaped. */
static volatile sig_atomic_t child_pid;
static pid_t self_pid;

static int is_fault(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE ||
	       sig == SIGILL || sig == SIGTRAP || sig == SIGSYS;
}

static int is_stop(int sig)
{
	return sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/*
 * Pass on a signal someone sent with kill(2) or sigqueue(3) (si_code <= 0);
 * one from the kernel (SI_KERNEL: the terminal's ^C, ^\, ^Z reach the whole
 * foreground process group, CMD included) is not sent twice. A stop signal
 * stops failpool too, after CMD, so that the shell sees the job stopped.
 */
static void forward(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	pid_t pid = (pid_t)child_pid;

	(void)uc;
	if (si && si->si_code > 0 && is_fault(sig)) {
		/* A real fault in failpool itself: die of it. */
		signal(sig, SIG_DFL);
		return;
	}
	if (pid > 0 && si && si->si_code <= 0 && si->si_pid != self_pid) {
		if (si->si_code == SI_QUEUE)
			sigqueue(pid, sig, si->si_value);
		else
			kill(pid, sig);
	}
	if (is_stop(sig))
		kill(self_pid, SIGSTOP);
	errno = saved;
}

static void run_help(FILE *out)
{
	fputs(USAGE "\nRun CMD with the failpool shim preloaded and the given settings, then\n"
	      "print on stderr a summary of the reports of every process it started (a\n"
	      "tree; each crash with the injected failure before it). Signals sent to\n"
	      "failpool are passed on to CMD. Exits with CMD's status (128+N if signal N\n"
	      "killed it); 125 for a usage or configuration error, or a CMD the shim cannot\n"
	      "enter (statically linked, set-user-ID or set-group-ID, or built with a\n"
	      "sanitizer that replaces malloc); 126 CMD not executable, 127 not found.\n\n"
	      "Options (each sets the FAILPOOL_* variable named; see failpool(1)):\n", out);
	fp_opts_help(out, 0);
	fputs("  --print-env            print the environment CMD would be given (LD_PRELOAD\n"
	      "                         and FAILPOOL_*, one NAME=VALUE a line) and exit\n"
	      "  -q, --quiet            no summary\n"
	      "  -h, --help             this help\n"
	      "  -V, --version          the version\n", out);
}

static int bad_usage(const char *fmt, const char *arg)
{
	fp_usage_error("run", USAGE, fmt, arg);
	return RUN_CONFIG_ERROR;
}

struct saved_signals {
	struct sigaction act[NSIG];
	unsigned char set[NSIG];
	sigset_t mask;
};

/*
 * While CMD runs, every catchable signal but SIGCHLD is passed on to it
 * (forward()), except one inherited as ignored (nohup): CMD inherits that
 * too. Blocked until child_pid is set, so none is lost.
 */
static void forward_while_waiting(struct saved_signals *s)
{
	struct sigaction fwd = { .sa_sigaction = forward };
	sigset_t block;

	self_pid = getpid();
	sigemptyset(&block);
	sigfillset(&fwd.sa_mask);
	fwd.sa_flags = SA_SIGINFO | SA_RESTART;
	memset(s->set, 0, sizeof(s->set));
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD)
			continue;
		if (sigaction(sig, NULL, &s->act[sig]) < 0 ||
		    s->act[sig].sa_handler == SIG_IGN)
			continue;
		sigaddset(&block, sig);
	}
	sigprocmask(SIG_BLOCK, &block, &s->mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&block, sig) == 1 &&
		    sigaction(sig, &fwd, NULL) == 0)
			s->set[sig] = 1;
	/* An inherited SIG_IGN for SIGCHLD would make waitpid() fail. */
	sigaction(SIGCHLD, NULL, &s->act[SIGCHLD]);
	if (s->act[SIGCHLD].sa_handler == SIG_IGN) {
		struct sigaction dfl = { .sa_handler = SIG_DFL };

		sigemptyset(&dfl.sa_mask);
		sigaction(SIGCHLD, &dfl, NULL);
		s->set[SIGCHLD] = 1;
	}
}

/* Dispositions back as they were; the mask too if @mask. */
static void restore_signals(const struct saved_signals *s, int mask)
{
	for (int sig = 1; sig < NSIG; sig++)
		if (s->set[sig])
			sigaction(sig, &s->act[sig], NULL);
	if (mask)
		sigprocmask(SIG_SETMASK, &s->mask, NULL);
}

/* fork + execvp; on exec failure *exec_errno is set and -1 returned. */
static pid_t spawn(char **cmd, const char *preload, struct saved_signals *s,
		   int *exec_errno)
{
	int pipefd[2], err = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		*exec_errno = errno;
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		restore_signals(s, 1);
		if (setenv("LD_PRELOAD", preload, 1) == 0)
			execvp(cmd[0], cmd);
		err = errno;
		FP_IGNORE(write(pipefd[1], &err, sizeof(err)));
		_exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
	}
	if (pid < 0)
		err = errno;
	else
		child_pid = pid;
	close(pipefd[1]);
	sigprocmask(SIG_SETMASK, &s->mask, NULL);
	if (pid < 0) {
		close(pipefd[0]);
		*exec_errno = err;
		return -1;
	}
	do
		n = read(pipefd[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == (ssize_t)sizeof(err)) {
		child_pid = 0;
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		*exec_errno = err;
		return -1;
	}
	return pid;
}

/*
 * CMD's status, once it has ended. It is waited for without reaping first,
 * then reaped with the signals blocked and child_pid cleared: a signal
 * arriving meanwhile is never sent to a recycled pid.
 */
static int wait_status(pid_t pid, const struct saved_signals *s, int *signal_out)
{
	siginfo_t si;
	sigset_t all;
	int st;

	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "failpool: waitid: %s\n", strerror(errno));
			break;
		}
	}
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	child_pid = 0;
	restore_signals(s, 0);
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "failpool: waitpid: %s\n", strerror(errno));
			sigprocmask(SIG_SETMASK, &s->mask, NULL);
			return 125;
		}
	}
	sigprocmask(SIG_SETMASK, &s->mask, NULL);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st)) {
		*signal_out = WTERMSIG(st);
		return 128 + WTERMSIG(st);
	}
	return 125;
}

/* @v shell-quoted when it needs to be: '...' with each ' as '\''. */
static void put_quoted(FILE *out, const char *v)
{
	if (*v && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			   "0123456789_@%+=:,./-") == strlen(v)) {
		fputs(v, out);
		return;
	}
	fputc('\'', out);
	for (; *v; v++) {
		if (*v == '\'')
			fputs("'\\''", out);
		else
			fputc(*v, out);
	}
	fputc('\'', out);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * --print-env: the environment CMD would be given, one NAME=VALUE a line,
 * for gdb's `set environment`, a ctest ENVIRONMENT property, a systemd
 * unit or a shell: LD_PRELOAD, then every FAILPOOL_* the shim reads, by
 * name (FAILPOOL_LIB is the tool's own).
 */
static int print_environment(FILE *out, const char *preload)
{
	extern char **environ;
	size_t n = 0, cap = 0;
	char **vars = NULL;

	for (char **e = environ; *e; e++) {
		if (strncmp(*e, "FAILPOOL_", 9) || !strncmp(*e, "FAILPOOL_LIB=", 13))
			continue;
		if (n == cap) {
			char **more = realloc(vars, (cap = cap ? 2 * cap : 16) * sizeof(*vars));

			if (!more) {
				free(vars);
				return RUN_CONFIG_ERROR;
			}
			vars = more;
		}
		vars[n++] = *e;
	}
	if (n)		/* vars is NULL without FAILPOOL_* variables: no qsort(NULL, 0) */
		qsort(vars, n, sizeof(*vars), by_name);
	fputs("LD_PRELOAD=", out);
	put_quoted(out, preload);
	fputc('\n', out);
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(vars[i], '=');

		fprintf(out, "%.*s", (int)(eq - vars[i] + 1), vars[i]);
		put_quoted(out, eq + 1);
		fputc('\n', out);
	}
	free(vars);
	return fflush(out) || ferror(out) ? RUN_CONFIG_ERROR : FP_EXIT_OK;
}

static int parse_args(int argc, char **argv, struct fp_optvals *v, int *quiet,
		      int *print_env, int *cmd_index)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int rc;

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			*quiet = 1;
			continue;
		}
		if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			printf("failpool %s\n", PACKAGE_VERSION);
			return FP_EXIT_OK;
		}
		if (!strcmp(a, "--print-env")) {
			*print_env = 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			run_help(stdout);
			return FP_EXIT_OK;
		}
		rc = fp_opt_parse(v, argc, argv, &i);
		if (rc < 0) {
			fputs(USAGE "Try 'failpool run --help' for the options.\n", stderr);
			return RUN_CONFIG_ERROR;
		}
		if (rc > 0)
			continue;
		if (a[0] == '-' && a[1])
			return bad_usage("unknown option '%s'", a);
		break;
	}
	if (i >= argc)
		return bad_usage("%s", "no command to run");
	*cmd_index = i;
	return -1;
}

/*
 * CMD has ended: this run's reports (none stale, none from another run)
 * summarised as one process tree, or only kept (--quiet).
 */
static void summarise(struct fp_runreports *r, pid_t pid, int status, int sig,
		      const char *cmd, int quiet)
{
	char kept[PATH_MAX * 3];
	struct fp_summary_run run = { pid, status, sig, cmd, kept };

	/* A closed stderr must not kill the tool before its directory is removed. */
	signal(SIGPIPE, SIG_IGN);
	if (quiet && !r->fixed) {	/* nothing to read: the reports stay where they are */
		fp_runreports_done(r);
		return;
	}
	fp_runreports_collect(r, pid);
	fp_runreports_kept(r, kept, sizeof(kept));
	if (!quiet)
		fp_summary_print(stderr, r->paths, r->n, &run);
	fp_runreports_done(r);
}

int fp_cmd_run(int argc, char **argv)
{
	char real[PATH_MAX], why[PATH_MAX + 128];
	struct fp_optvals vals = { { 0 } };
	struct saved_signals saved;
	struct fp_runreports reports;
	struct fp_conf conf;
	int quiet = 0, print_env = 0, cmd_index = 0, rc, exec_errno = 0, resolved, sig = 0;
	char *preload;
	char **cmd;
	pid_t pid;

	rc = parse_args(argc, argv, &vals, &quiet, &print_env, &cmd_index);
	if (rc < 0)
		rc = fp_opts_setenv(&vals) ? RUN_CONFIG_ERROR : -1;
	fp_optvals_free(&vals);
	if (rc >= 0)
		return rc;
	if (fp_opts_validate(&conf))
		return RUN_CONFIG_ERROR;
	cmd = argv + cmd_index;
	resolved = fp_resolve_cmd(cmd[0], real) == 0;
	if (resolved && fp_run_is_directory(cmd[0], real))
		return 126;
	if (resolved && fp_unenterable(real, why, sizeof(why))) {
		fprintf(stderr, "failpool: not run: %s.\n", why);
		return RUN_CONFIG_ERROR;
	}

	preload = fp_preload_value();
	if (!preload)
		return RUN_CONFIG_ERROR;
	if (print_env) {
		rc = print_environment(stdout, preload);
		free(preload);
		return rc;
	}
	if (fp_run_check_report() || fp_seed_export(&conf) ||
	    fp_runreports_setup(&reports, !quiet)) {
		free(preload);
		return RUN_CONFIG_ERROR;
	}

	forward_while_waiting(&saved);
	pid = spawn(cmd, preload, &saved, &exec_errno);
	free(preload);
	if (pid < 0) {
		restore_signals(&saved, 1);
		fp_runreports_done(&reports);
		fprintf(stderr, "failpool: %s: %s\n", cmd[0], strerror(exec_errno));
		return exec_errno == ENOENT || exec_errno == ENOTDIR ? 127 : 126;
	}
	rc = wait_status(pid, &saved, &sig);
	summarise(&reports, pid, rc, sig, resolved ? real : cmd[0], quiet);
	return rc;
}
