/* Runs cloned by a run server, explore's children (see runserver.h and lib/serveproto.h). */
#include "config.h"
#include "runserver.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "serveproto.h"

/* The descriptor the server's end takes in it: high, out of the program's way. */
static int server_side_fd(void)
{
	struct rlimit rl;
	rlim_t top = 1023;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur - 1 < top)
		top = rl.rlim_cur - 1;
	return (int)top;
}

/* One reply within @timeout_ms (-1: no limit); 0, or -1 when none came. */
static int get_reply(int fd, struct fp_serve_reply *m, int timeout_ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	int rc;

	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc <= 0)
		return -1;
	do
		rc = (int)recv(fd, m, sizeof(*m), 0);
	while (rc < 0 && errno == EINTR);
	return rc == (int)sizeof(*m) ? 0 : -1;
}

int fp_runserver_spawn(struct fp_runserver *sv, char *const *cmd, const char *preload,
		       const char *const *keep)
{
	int sp[2], target = server_side_fd(), rc = -1;
	char var[64], *vars[2] = { var, NULL }, **env;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t dfl;

	memset(sv, 0, sizeof(*sv));
	sv->fd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp))
		return -1;
	snprintf(var, sizeof(var), "%s=%d", FP_SERVE_VAR, target);
	env = fp_run_env(preload, vars, keep);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGQUIT);
	if (env && !posix_spawn_file_actions_init(&fa)) {
		if (!posix_spawnattr_init(&at)) {
			if (!posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0) &&
			    !posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0) &&
			    !posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO) &&
			    !posix_spawn_file_actions_adddup2(&fa, sp[1], target) &&
			    !posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF) &&
			    !posix_spawnattr_setpgroup(&at, 0) &&
			    !posix_spawnattr_setsigdefault(&at, &dfl))
				rc = posix_spawnp(&sv->pid, cmd[0], &fa, &at, cmd, env) ? -1 : 0;
			posix_spawnattr_destroy(&at);
		}
		posix_spawn_file_actions_destroy(&fa);
	}
	fp_run_env_free(env);
	close(sp[1]);
	sv->fd = sp[0];
	if (rc)
		fp_runserver_stop(sv);
	return rc;
}

int fp_runserver_ready(struct fp_runserver *sv, uint64_t timeout_ns)
{
	struct fp_serve_reply m;
	int ms = timeout_ns ? (int)(timeout_ns / 1000000) : -1;

	if (sv->fd < 0)
		return -1;
	if (!sv->ready && (get_reply(sv->fd, &m, ms) || m.kind != FP_SERVE_HELLO)) {
		fp_runserver_stop(sv);
		return -1;
	}
	sv->ready = 1;
	return 0;
}

/* The request: its @id, @env's strings, each NUL-terminated, then an empty one. */
static char *request(uint32_t id, char *const *env, size_t *len)
{
	size_t n = sizeof(id) + 1;
	char *buf, *p;

	for (char *const *e = env; *e; e++)
		n += strlen(*e) + 1;
	if (n > FP_SERVE_REQ_MAX || !(buf = malloc(n)))
		return NULL;
	memcpy(buf, &id, sizeof(id));
	p = buf + sizeof(id);
	for (char *const *e = env; *e; e++)
		p = stpcpy(p, *e) + 1;
	*p = '\0';
	*len = n;
	return buf;
}

/* @fds: stdin, stdout, stderr, and the gate's read end or -1. */
static int send_request(int fd, const char *buf, size_t len, const int fds[4])
{
	unsigned nfds = fds[3] >= 0 ? 4 : 3;
	union {
		struct cmsghdr h;
		char room[CMSG_SPACE(4 * sizeof(int))];
	} ctl;
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = &ctl, .msg_controllen = CMSG_SPACE(nfds * sizeof(int)) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	ssize_t n;

	memset(&ctl, 0, sizeof(ctl));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
	memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	do
		n = sendmsg(fd, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

int fp_runserver_warm(struct fp_runserver *sv, const void *body, size_t len)
{
	uint32_t id = FP_SERVE_WARM;
	struct iovec iov[2] = { { &id, sizeof(id) }, { (void *)body, len } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n;

	if (sv->fd < 0 || sizeof(id) + len > FP_SERVE_REQ_MAX)
		return -1;
	do
		n = sendmsg(sv->fd, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)(sizeof(id) + len) ? 0 : -1;
}

int fp_runserver_send(struct fp_runserver *sv, struct fp_run *r, const char *preload,
		      char *const *vars, const char *const *keep, const struct fp_run_io *io,
		      int gated)
{
	char **env = fp_run_env(preload, vars, keep);
	uint32_t id = ++sv->last_id;
	size_t len = 0;
	char *buf = env ? request(id, env, &len) : NULL;
	int fds[4] = { -1, -1, -1, -1 }, gate[2] = { -1, -1 }, rc;

	fp_run_env_free(env);
	memset(r, 0, sizeof(*r));
	r->serve_id = id;
	/* An environment too big for a request: this run the ordinary way, the server kept. */
	if (!buf)
		return -ECONNRESET;
	/* A socket, not a pipe: a gate whose run died is written without SIGPIPE. */
	if (gated && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, gate)) {
		free(buf);
		return -ENOMEM;
	}
	if ((rc = fp_run_open_streams(io, fds))) {
		free(buf);
		if (gated) {
			close(gate[0]);
			close(gate[1]);
		}
		return rc;
	}
	fds[3] = gate[0];
	r->start_ns = fp_now_ns();
	rc = send_request(sv->fd, buf, len, fds);
	/* Its streams and gate are the run's now, in the server and then in the run. */
	fp_run_close_streams(fds);
	free(buf);
	if (gated) {
		close(gate[0]);
		r->gated = 1;
		r->gate = gate[1];
	}
	if (rc) {
		fp_runserver_cancel(r);
		fp_runserver_stop(sv);
		return -ECONNRESET;
	}
	return 0;
}

int fp_runserver_started(struct fp_runserver *sv, struct fp_run *r)
{
	struct fp_serve_reply m;
	unsigned i;

	/* Runs answer in any order: another run's answer waits in the stash. */
	for (i = 0; i < sv->nstash && (uint32_t)sv->stash[i].status != r->serve_id; i++)
		;
	if (i < sv->nstash) {
		m = sv->stash[i];
		sv->stash[i] = sv->stash[--sv->nstash];
	} else {
		for (;;) {
			if (get_reply(sv->fd, &m, -1) || m.kind != FP_SERVE_STARTED || m.pid <= 0) {
				fp_runserver_stop(sv);
				return -ECONNRESET;
			}
			if ((uint32_t)m.status == r->serve_id)
				break;
			if (sv->nstash == FP_RUNSERVER_STASH) {
				fp_runserver_stop(sv);
				return -ECONNRESET;
			}
			sv->stash[sv->nstash++] = m;
		}
	}
	r->pid = m.pid;
	r->served = 1;
	setpgid(m.pid, m.pid);	/* either side may win the race; both ask for the same */
	return 0;
}

void fp_runserver_go(struct fp_run *r)
{
	if (!r->gated)
		return;
	/* A run that went meanwhile (killed) is waited for as it is. */
	(void)!send(r->gate, "g", 1, MSG_NOSIGNAL);
	close(r->gate);
	r->gated = 0;
	r->start_ns = fp_now_ns();
}

void fp_runserver_cancel(struct fp_run *r)
{
	if (!r->gated)
		return;
	close(r->gate);	/* EOF: it ends unrun */
	r->gated = 0;
	if (r->pid > 0)
		while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
			;
	r->pid = 0;
}

void fp_runserver_stop(struct fp_runserver *sv)
{
	if (sv->fd >= 0)
		close(sv->fd);	/* EOF: it exits when its run, if any, has */
	if (sv->pid > 0) {
		kill(-sv->pid, SIGKILL);
		kill(sv->pid, SIGKILL);
		while (waitpid(sv->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	sv->pid = 0;
	sv->fd = -1;
	sv->ready = 0;
	sv->nstash = 0;
}
