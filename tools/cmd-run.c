/*
 * failpool run [options] [--] CMD [ARG...]: set FAILPOOL_* from the flags,
 * check them with the shim's own validator, preload the shim into CMD
 * alone, pass signals on to it while waiting, summarise its report, and exit
 * with its status (128+N when signal N killed it).
 */
#include "config.h"
#include "cmds.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "fp.h"
#include "options.h"
#include "pathpat.h"
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
	      "print a summary of its report on stderr. Signals sent to failpool are passed\n"
	      "on to CMD. Exits with CMD's status (128+N if signal N killed it); 125 for a\n"
	      "usage or configuration error, or a CMD the shim cannot enter (statically\n"
	      "linked, set-user-ID or set-group-ID); 126 CMD not executable, 127 not found.\n\n"
	      "Options (each sets the FAILPOOL_* variable named; see failpool(1)):\n", out);
	fp_opts_help(out, 0);
	fputs("  -q, --quiet            no summary\n"
	      "  -h, --help             this help\n", out);
}

static int bad_usage(const char *fmt, const char *arg)
{
	fp_usage_error("run", USAGE, fmt, arg);
	return RUN_CONFIG_ERROR;
}

/* A temporary directory for the report: "" on failure (no summary then). */
static int make_temp_report(char *dir, size_t size)
{
	const char *tmp = getenv("TMPDIR");
	char tmpl[2 * PATH_MAX + 16];

	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(dir, size, "%s/failpool.XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "failpool: cannot create a temporary report directory in %s: %s; no summary\n",
			tmp, strerror(errno));
		dir[0] = '\0';
		return -1;
	}
	/* %p: the direct child's report, not its children's. */
	fp_pathpat_literal(dir, tmpl, sizeof(tmpl) - 16);
	strcat(tmpl, "/%p.json");
	return setenv("FAILPOOL_REPORT", tmpl, 1);
}

static void remove_temp_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int fd;

	if (!d)
		return;
	fd = dirfd(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(fd, e->d_name, 0);
	closedir(d);
	rmdir(dir);
}

/* Where execvp() finds @cmd, made canonical; 0 on success. */
static int resolve_cmd(const char *cmd, char *out)
{
	const char *path = getenv("PATH");
	char cand[PATH_MAX];

	if (strchr(cmd, '/'))
		return realpath(cmd, out) ? 0 : -1;
	if (!path)
		path = "/bin:/usr/bin";
	for (;;) {
		const char *colon = strchr(path, ':');
		int n = colon ? (int)(colon - path) : (int)strlen(path);
		struct stat st;

		snprintf(cand, sizeof(cand), "%.*s%s%s", n, path, n ? "/" : "", cmd);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(cand, X_OK) == 0)
			return realpath(cand, out) ? 0 : -1;
		if (!colon)
			return -1;
		path = colon + 1;
	}
}

/*
 * Whether the ELF file @fd asks for a program interpreter (PT_INTERP): 1 if
 * it does, 0 if not (statically linked, static-pie too: nothing loads the
 * shim into it), -1 if it is no ELF file of this machine's byte order.
 */
static int elf_has_interp(int fd)
{
	union {
		unsigned char id[EI_NIDENT];
		Elf64_Ehdr e64;
		Elf32_Ehdr e32;
	} h;
	uint64_t phoff;
	unsigned phnum, phentsize;
	ssize_t n = pread(fd, &h, sizeof(h), 0);

	if (n < (ssize_t)sizeof(h.e32) || memcmp(h.id, ELFMAG, SELFMAG) ||
	    h.id[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB))
		return -1;
	if (h.id[EI_CLASS] == ELFCLASS64 && n == (ssize_t)sizeof(h.e64)) {
		phoff = h.e64.e_phoff;
		phnum = h.e64.e_phnum;
		phentsize = h.e64.e_phentsize;
	} else if (h.id[EI_CLASS] == ELFCLASS32) {
		phoff = h.e32.e_phoff;
		phnum = h.e32.e_phnum;
		phentsize = h.e32.e_phentsize;
	} else {
		return -1;
	}
	if (phentsize < sizeof(uint32_t))
		return -1;
	for (unsigned i = 0; i < phnum; i++) {
		uint32_t type;

		/* p_type comes first in both classes. */
		if (pread(fd, &type, sizeof(type), (off_t)(phoff + (uint64_t)i * phentsize)) !=
		    (ssize_t)sizeof(type))
			return -1;
		if (type == PT_INTERP)
			return 1;
	}
	return 0;
}

/*
 * Why the shim cannot enter the program @path runs (after its "#!"
 * interpreters, up to 4 deep, as the kernel follows them): a sentence in
 * @why and 1, or 0 when it can or when that cannot be told (exec decides).
 */
static int unenterable(const char *path, int depth, char *why, size_t size)
{
	char head[256], interp[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd, rc = 0;

	if (depth > 4 || access(path, X_OK) != 0)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = pread(fd, head, sizeof(head) - 1, 0);
	if (n > 2 && head[0] == '#' && head[1] == '!') {
		char *p = head + 2, *e;

		head[n] = '\0';
		p += strspn(p, " \t");
		e = p + strcspn(p, " \t\n");
		snprintf(interp, sizeof(interp), "%.*s", (int)(e - p), p);
		close(fd);
		return *interp && unenterable(interp, depth + 1, why, size);
	}
	if (fstat(fd, &st) == 0 && elf_has_interp(fd) >= 0) {
		if (st.st_mode & S_ISUID) {
			snprintf(why, size, "%s is set-user-ID, and the loader ignores LD_PRELOAD in such a program", path);
			rc = 1;
		} else if ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP)) {
			snprintf(why, size, "%s is set-group-ID, and the loader ignores LD_PRELOAD in such a program", path);
			rc = 1;
		} else if (elf_has_interp(fd) == 0) {
			snprintf(why, size, "%s is statically linked, so no shim can be preloaded into it", path);
			rc = 1;
		}
	}
	close(fd);
	return rc;
}

/*
 * The report of the child @pid. With %e in the template, the shim used the
 * basename of /proc/self/exe of the image that ended last under that pid:
 * CMD's resolved basename when CMD is a program, which the tool computes.
 * It cannot know it when CMD is a script (the image is its interpreter,
 * maybe found by env) or execs another program (each image writes its own
 * report, same pid): then try CMD's literal basename, then any file the
 * template matches, newest first.
 */
static void report_path(const char *tmpl, pid_t pid, const char *cmd,
			char *out, size_t size)
{
	char real[PATH_MAX], pat[PATH_MAX * 2];
	const char *base = strrchr(cmd, '/');
	glob_t g;

	if (!strstr(tmpl, "%e")) {
		fp_pathpat_expand(tmpl, (unsigned long)pid, "", 0, out, size);
		return;
	}
	if (resolve_cmd(cmd, real) == 0) {
		fp_pathpat_expand(tmpl, (unsigned long)pid, strrchr(real, '/') + 1, 0, out, size);
		if (access(out, F_OK) == 0)
			return;
	}
	fp_pathpat_expand(tmpl, (unsigned long)pid, base ? base + 1 : cmd, 0, out, size);
	if (access(out, F_OK) == 0)
		return;
	fp_pathpat_expand(tmpl, (unsigned long)pid, "*", FP_PATHPAT_GLOB, pat, sizeof(pat));
	if (glob(pat, 0, NULL, &g) == 0) {
		struct timespec best = { 0, 0 };

		for (size_t i = 0; i < g.gl_pathc; i++) {
			struct stat st;

			if (stat(g.gl_pathv[i], &st) == 0 &&
			    (st.st_mtim.tv_sec > best.tv_sec ||
			     (st.st_mtim.tv_sec == best.tv_sec &&
			      st.st_mtim.tv_nsec >= best.tv_nsec))) {
				best = st.st_mtim;
				snprintf(out, size, "%s", g.gl_pathv[i]);
			}
		}
		globfree(&g);
	}
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
static int wait_status(pid_t pid, const struct saved_signals *s)
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
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 125;
}

static int parse_args(int argc, char **argv, struct fp_optvals *v, int *quiet,
		      int *cmd_index)
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

int fp_cmd_run(int argc, char **argv)
{
	char tmpdir[PATH_MAX] = "", report[PATH_MAX * 2], real[PATH_MAX];
	char why[PATH_MAX + 128];
	struct fp_optvals vals = { { 0 } };
	struct saved_signals saved;
	struct fp_conf conf;
	int quiet = 0, cmd_index = 0, rc, exec_errno = 0;
	const char *tmpl;
	char *preload;
	char **cmd;
	pid_t pid;

	rc = parse_args(argc, argv, &vals, &quiet, &cmd_index);
	if (rc < 0)
		rc = fp_opts_setenv(&vals) ? RUN_CONFIG_ERROR : -1;
	fp_optvals_free(&vals);
	if (rc >= 0)
		return rc;
	if (fp_opts_validate(&conf))
		return RUN_CONFIG_ERROR;
	cmd = argv + cmd_index;
	if (resolve_cmd(cmd[0], real) == 0 && unenterable(real, 0, why, sizeof(why))) {
		fprintf(stderr, "failpool: not run: %s.\n", why);
		return RUN_CONFIG_ERROR;
	}

	preload = fp_preload_value();
	if (!preload)
		return RUN_CONFIG_ERROR;

	tmpl = getenv("FAILPOOL_REPORT");
	if (!quiet && (!tmpl || !*tmpl)) {
		make_temp_report(tmpdir, sizeof(tmpdir));
		tmpl = getenv("FAILPOOL_REPORT");
	}

	forward_while_waiting(&saved);
	pid = spawn(cmd, preload, &saved, &exec_errno);
	free(preload);
	if (pid < 0) {
		restore_signals(&saved, 1);
		if (tmpdir[0])
			remove_temp_dir(tmpdir);
		fprintf(stderr, "failpool: %s: %s\n", cmd[0], strerror(exec_errno));
		return exec_errno == ENOENT || exec_errno == ENOTDIR ? 127 : 126;
	}
	rc = wait_status(pid, &saved);

	if (!quiet && tmpl && *tmpl) {
		const char *base = strrchr(cmd[0], '/');

		report_path(tmpl, pid, cmd[0], report, sizeof(report));
		if (access(report, F_OK) != 0)
			fprintf(stderr, "failpool: no report from %s (pid %ld): %s does not exist\n",
				base ? base + 1 : cmd[0], (long)pid, report);
		else
			fp_summary_print(stderr, report, tmpdir[0] ? NULL : report);
	}
	if (tmpdir[0])
		remove_temp_dir(tmpdir);
	return rc;
}
