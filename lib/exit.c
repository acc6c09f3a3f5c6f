/*
 * The report's trigger at the end of a process image: exit, _exit,
 * quick_exit, an exec (lib/exec.c) or a fatal signal (lib/crash.c). Once
 * per image, never in a vfork child; a signal handler's report is the last
 * word.
 */
#include "config.h"
#include "exit.h"

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "crash.h"
#include "fp.h"
#include "guard.h"
#include "report.h"
#include "settings.h"
#include "thread.h"

static pid_t owner_pid;			/* the image's; vfork children differ */
static _Atomic int reported;		/* exit or exec wrote (or writes) it */
static _Atomic int writing;		/* an exit or exec report is being written */
static _Atomic int signalled;		/* a signal handler has the last word */

void fp_exit_init(void)
{
	owner_pid = getpid();
}

void fp_exit_fork_child(void)
{
	owner_pid = getpid();
	atomic_store(&reported, 0);
}

static void on_exit_report(int status, void *arg)
{
	fp_exit(status);
}

/* quick_exit(): registered first, so it runs after the program's handlers. */
static _Atomic int quick_status;

static void on_quick_exit_report(void)
{
	fp_exit(atomic_load(&quick_status));
}

void fp_exit_quick(int status)
{
	static void (*_Atomic real)(int);
	void (*f)(int) = atomic_load_explicit(&real, memory_order_acquire);

	atomic_store(&quick_status, status);
	if (!f) {
		fp_guard_enter();
		*(void **)&f = dlsym(RTLD_NEXT, "quick_exit");
		fp_guard_leave();
		if (!f)
			fp_bug("quick_exit not found after the shim");
		atomic_store_explicit(&real, f, memory_order_release);
	}
	f(status);
	__builtin_unreachable();
}

void fp_exit_register(void)
{
	on_exit(on_exit_report, NULL);
	at_quick_exit(on_quick_exit_report);
}

/* Whether this process image writes reports; a vfork child shares our memory, not our pid. */
static int mine_to_write(void)
{
	return fp_settings_ready() && fp_settings()->reporting && getpid() == owner_pid;
}

int fp_exit_report(const struct fp_ending *end)
{
	sigset_t stop, old;

	if (!mine_to_write() || atomic_load(&signalled) || atomic_exchange(&reported, 1))
		return 0;
	fp_guard_enter();
	/* A termination signal on this thread waits: its report follows this one. */
	sigemptyset(&stop);
	fp_crash_terminating_set(&stop);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	/* One snapshot: every figure of the report describes the same calls. */
	fp_thread_freeze(FP_FREEZE_MS);
	atomic_store(&writing, 1);
	fp_report_write(end);
	atomic_store(&writing, 0);
	fp_thread_thaw();
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	fp_guard_leave();
	return 1;
}

int fp_exit_report_signal(const struct fp_ending *end)
{
	struct timespec tick = { 0, 1000 * 1000 };

	if (!mine_to_write())
		return 0;
	atomic_store(&signalled, 1);
	/* An exit's report being written: ours, written after it, is the last word. */
	for (unsigned i = 0; i < 2000 && atomic_load(&writing); i++)
		nanosleep(&tick, NULL);
	fp_thread_freeze(FP_FREEZE_SIGNAL_MS);
	fp_report_write_async(end);
	return 1;
}

void fp_exit(int code)
{
	struct fp_ending end = { .how = FP_END_EXIT, .code = code & 0xff };

	fp_exit_report(&end);	/* code: what the parent's wait() sees */
}

void fp_exit_exec_failed(void)
{
	/* The image goes on: its exit writes the report again, up to date. */
	if (getpid() == owner_pid)
		atomic_store(&reported, 0);
}

