/* lib/sigctx.h: a debug build aborts when a shim lock is taken in a shim signal handler. */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sigctx.h"
#include "../tap.h"

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

/* Run @f in a child with stderr closed. Return: its wait status. */
static int in_child(void (*f)(void))
{
	pid_t pid = fork();
	int status = -1;

	if (pid == 0) {
		close(2);
		f();
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return status;
}

static void lock_outside(void)
{
	fp_lock(&m);
	pthread_mutex_unlock(&m);
}

static void lock_inside(void)
{
	fp_sigctx_enter();
	fp_lock(&m);
	pthread_mutex_unlock(&m);
}

static void lock_after(void)
{
	fp_sigctx_enter();
	fp_sigctx_leave();
	fp_lock_check();
}

/* A real handler that takes a lock, as a crash handler must not. */
static void handler(int sig)
{
	fp_sigctx_enter();
	fp_lock(&m);
	pthread_mutex_unlock(&m);
	fp_sigctx_leave();
}

static void lock_in_handler(void)
{
	signal(SIGUSR1, handler);
	raise(SIGUSR1);
}

int main(void)
{
	int st;

	st = in_child(lock_outside);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a lock outside signal context is taken");
	st = in_child(lock_inside);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "a lock under the mark aborts (SIGABRT)");
	st = in_child(lock_after);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the mark is gone after fp_sigctx_leave()");
	st = in_child(lock_in_handler);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "a lock in a marked signal handler aborts");
	is_int(fp_sigctx_depth, 0, "the parent was never marked");
	return done_testing();
}
