/*
 * explore's run server, the shim's side (see serve.h, serveproto.h). It
 * runs before the shim reads FAILPOOL_*, under the reentrancy guard, so
 * that nothing it does is counted and each run's boot reads its own
 * environment. Runs are cloned with CLONE_PARENT: explore is their parent,
 * as it is an exec'd run's, and reaps them. A run differs from an exec'd
 * one in where its environment is (not on its stack, nor in
 * /proc/self/environ) and in addresses (README, "Run servers").
 */
#include "config.h"
#include "serve.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guard.h"
#include "je.h"
#include "serveproto.h"
#include "servewarm.h"
#include "settings.h"
#include "unwind.h"

extern char **environ;

static void reply(int fd, int kind, pid_t pid, int status)
{
	const struct fp_serve_reply r = { kind, pid, status };

	/* explore is gone: no one to serve, nothing of the program's has run. */
	if (send(fd, &r, sizeof(r), MSG_NOSIGNAL) != (ssize_t)sizeof(r))
		_exit(0);
}

/* The number of threads of this process (field 20 of /proc/self/stat); 0 if unknown. */
static long threads(void)
{
	char buf[1024], *p;
	ssize_t n;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (!(p = strrchr(buf, ')')))
		return 0;
	for (int field = 2; field < 20 && p; field++)
		p = strchr(p + 1, ' ');
	return p ? strtol(p + 1, NULL, 10) : 0;
}

/*
 * Whether environ is still, string for string, what the process started
 * with (/proc/self/environ): a library constructor that ran before the
 * shim's may have changed it without allocating (unsetenv()), and a run
 * gets explore's environment, not what that constructor would have made
 * of it (say, LD_PRELOAD removed to keep the shim from its children).
 * Context: the shim's constructor, before boot: no allocation.
 */
static int environ_as_started(void)
{
	char buf[4096];
	char **e = environ;
	size_t at = 0;		/* in *e */
	ssize_t n;
	int same = 1, fd = open("/proc/self/environ", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !e)
		return 0;
	while (same && (n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n && same; i++) {
			if (!*e || (*e)[at] != buf[i])
				same = 0;
			else if (buf[i])
				at++;
			else {
				e++;
				at = 0;
			}
		}
	close(fd);
	return same && !n && !*e && !at;
}

/*
 * Whether a descriptor other than @fd is close-on-exec: none came through
 * exec with the flag, so a library constructor that ran before the shim's
 * opened it; every run cloned from here would share its open file (its
 * offset, say) where exec'd runs each open their own.
 * Context: the shim's constructor, before boot: no allocation.
 */
static int opened_here(int fd)
{
	union {
		struct dirent64 e;
		char room[4096];
	} buf;
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC), found = 0;
	long n;

	if (dir < 0)
		return 1;
	while (!found && (n = syscall(SYS_getdents64, dir, &buf, sizeof(buf))) > 0)
		for (long at = 0; at < n && !found; ) {
			struct dirent64 *e = (struct dirent64 *)(buf.room + at);
			char *end;
			long one = strtol(e->d_name, &end, 10);

			at += e->d_reclen;
			if (*e->d_name >= '0' && *e->d_name <= '9' && !*end && one != dir && one != fd) {
				int flags = fcntl((int)one, F_GETFD);

				found = flags >= 0 && (flags & FD_CLOEXEC);
			}
		}
	close(dir);
	return found || n < 0;
}

/* The descriptor explore gave, if it is a socket of the protocol's kind. */
static int serve_fd(const char *v)
{
	char *end;
	long fd = strtol(v, &end, 10);
	int type = 0;
	socklen_t len = sizeof(type);

	if (*v < '0' || *v > '9' || *end || fd > 65535 ||
	    getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &len) || type != SOCK_SEQPACKET)
		return -1;
	return (int)fd;
}

/*
 * The calling thread's TID slot in glibc's thread descriptor (the kernel
 * was given it at start-up, set_tid_address) and its robust-futex list:
 * what glibc's own fork sets up in a child, for the clone below.
 */
static int *tid_slot;
static void *robust_head;
static size_t robust_len;

/* What every run would load while booting: done once, here. */
static int prepare(void)
{
	if (prctl(PR_GET_TID_ADDRESS, &tid_slot, 0, 0, 0) || !tid_slot ||
	    syscall(SYS_get_robust_list, 0, &robust_head, &robust_len))
		return -1;
	if (fp_unwind_load())
		return -1;
	fp_unwind_warm();
	return fp_je_arena_init();
}

/*
 * The environment of a request, NUL-terminated strings up to an empty
 * one, as an array of the run's own (the request's buffer is the run's
 * too: its strings stay where they are).
 */
static char **env_of(char *buf, size_t len)
{
	size_t n = 0, bytes;
	char **env, *p;

	for (p = buf; p < buf + len && *p; p += strlen(p) + 1)
		n++;
	bytes = (n + 1) * sizeof(*env);
	env = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (env == MAP_FAILED)
		return NULL;
	n = 0;
	for (p = buf; p < buf + len && *p; p += strlen(p) + 1)
		env[n++] = p;
	env[n] = NULL;
	return env;
}

/*
 * In the run: its pid said (by the run itself: the server, which the new
 * run may preempt, would say it later), its streams, its own process
 * group, its environment; the server's socket closed. A gated run then
 * waits until explore opens its gate (a byte), or ends unrun when explore
 * closes it instead.
 */
static void become_run(int fd, const int fds[4], char *buf, size_t len)
{
	uint32_t id;
	char **env, go;
	ssize_t n;

	memcpy(&id, buf, sizeof(id));
	reply(fd, FP_SERVE_STARTED, getpid(), (int32_t)id);
	env = env_of(buf + sizeof(id), len - sizeof(id));
	close(fd);
	setpgid(0, 0);
	for (int i = 0; i < 3; i++)
		dup2(fds[i], i);
	for (int i = 0; i < 3; i++)
		if (fds[i] > 2)
			close(fds[i]);
	if (!env)
		_exit(127);
	environ = env;
	if (fds[3] < 0)
		return;
	do
		n = read(fds[3], &go, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(0);
	close(fds[3]);
}

static int is_warm(const char *buf)
{
	uint32_t id;

	memcpy(&id, buf, sizeof(id));
	return id == FP_SERVE_WARM;
}

/* One request into @buf (@cap bytes): its length, its three streams and its gate (-1: none); 0 at EOF. */
static ssize_t receive(int fd, char *buf, size_t cap, int fds[4])
{
	union {
		struct cmsghdr h;
		char room[CMSG_SPACE(4 * sizeof(int))];
	} ctl;
	struct iovec iov = { buf, cap - 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = &ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	ssize_t n;

	do
		n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	c = CMSG_FIRSTHDR(&m);
	fds[0] = fds[1] = fds[2] = fds[3] = -1;
	if (!c && n >= (ssize_t)sizeof(uint32_t) && !(m.msg_flags & MSG_TRUNC) && is_warm(buf))
		return n;
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    (c->cmsg_len != CMSG_LEN(3 * sizeof(int)) && c->cmsg_len != CMSG_LEN(4 * sizeof(int))) ||
	    (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		for (; c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
				for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++)
					close(((int *)CMSG_DATA(c))[i]);
		return -1;
	}
	fds[3] = -1;
	memcpy(fds, CMSG_DATA(c), c->cmsg_len - CMSG_LEN(0));
	buf[n] = '\0';
	return n;
}

/*
 * fork() as glibc's _Fork() makes it (no fork handlers: this process is
 * single-threaded and in none of jemalloc's calls, so there is no lock for
 * them to take, and they would write every arena's mutexes, a copy-on-write
 * fault per page on both sides of every run), but with explore as the
 * run's parent: getppid() is what an exec'd run's would be, a signal to
 * the parent reaches explore, and explore reaps it.
 */
static pid_t clone_run(void)
{
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | CLONE_CHILD_SETTID |
				   CLONE_CHILD_CLEARTID | SIGCHLD, NULL, NULL, tid_slot, NULL);

	if (pid == 0)
		syscall(SYS_set_robust_list, robust_head, robust_len);
	return pid;
}

/* Requests until EOF; returns in each run, never in the server. */
static void serve(int fd)
{
	char *buf = mmap(NULL, FP_SERVE_REQ_MAX + 1, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED) {
		reply(fd, FP_SERVE_NO, 0, errno);
		_exit(0);
	}
	reply(fd, FP_SERVE_HELLO, 0, 0);
	for (;;) {
		int fds[4];
		ssize_t n = receive(fd, buf, FP_SERVE_REQ_MAX + 1, fds);
		pid_t pid;

		if (n == 0)
			_exit(0);
		if (n < (ssize_t)sizeof(uint32_t)) {
			if (n > 0)
				for (int i = 0; i < 4; i++)
					if (fds[i] >= 0)
						close(fds[i]);
			reply(fd, FP_SERVE_FAILED, 0, EINVAL);
			continue;
		}
		if (is_warm(buf)) {
			fp_serve_warm((const unsigned char *)buf + sizeof(uint32_t),
				      (size_t)n - sizeof(uint32_t));
			continue;
		}
		pid = clone_run();
		if (pid == 0) {
			become_run(fd, fds, buf, (size_t)n);
			return;
		}
		for (int i = 0; i < 4; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		if (pid < 0)
			reply(fd, FP_SERVE_FAILED, 0, errno);
	}
}

void fp_serve_maybe(void)
{
	const char *v;
	int fd;

	/* Secure execution: the variable is not ours to obey, nor to act on. */
	if (getauxval(AT_SECURE) || !(v = getenv(FP_SERVE_VAR)))
		return;
	if ((fd = serve_fd(v)) < 0) {
		/* Not explore's: the program runs as if it were not there. */
		unsetenv(FP_SERVE_VAR);
		return;
	}
	fp_guard_enter();
	if (atomic_load(&fp_state) != FP_STATE_NEW || threads() != 1 || !environ_as_started() ||
	    opened_here(fd) || prepare()) {
		reply(fd, FP_SERVE_NO, 0, 0);
		_exit(0);
	}
	serve(fd);
	fp_guard_leave();
}
