/*
 * Life cycle of the shim in a process: the first allocation boots the
 * configuration (no loader, no malloc), the constructor finishes what needs
 * the loader, fork handlers give a child its own identity, exit writes the
 * report.
 */
#include "config.h"
#include "runtime.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chain.h"
#include "crash.h"
#include "globmatch.h"
#include "guard.h"
#include "heapcheck.h"
#include "hooks.h"
#include "je.h"
#include "log.h"
#include "pathpat.h"
#include "pool.h"
#include "prng.h"
#include "report.h"
#include "say.h"
#include "site.h"
#include "startup.h"
#include "stats.h"
#include "thread.h"
#include "unwind.h"

extern char **environ;

struct fp_runtime fp_rt = { .log_fd = -1 };
_Atomic int fp_state = FP_STATE_NEW;
int fp_passthrough;
_Atomic int fp_enabled = 1;

/* How long a snapshot waits for other threads' counting to finish. */
#define FREEZE_MS		1000
#define FREEZE_SIGNAL_MS	100

static _Atomic int reported;		/* exit or exec wrote (or writes) it */
static _Atomic int writing;		/* an exit or exec report is being written */
static _Atomic int signalled;		/* a signal handler has the last word */
static _Atomic uint64_t forks;
static __thread uint64_t fork_order;

static uint64_t default_seed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return fp_mix64((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec) ^
	       fp_mix64((uint64_t)getpid());
}

static void read_exe_name(void)
{
	char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	const char *base = path;

	if (n <= 0) {
		strcpy(fp_rt.exe, "?");
		return;
	}
	path[n] = '\0';
	memcpy(fp_rt.exe_path, path, (size_t)n + 1);
	for (ssize_t i = 0; i < n; i++)
		if (path[i] == '/')
			base = path + i + 1;
	n = (ssize_t)strlen(base);
	if (n >= (ssize_t)sizeof(fp_rt.exe))
		n = sizeof(fp_rt.exe) - 1;
	memcpy(fp_rt.exe, base, (size_t)n);
	fp_rt.exe[n] = '\0';
}

/* Relative report and log paths stay where they were asked for after chdir(). */
static char boot_cwd[FP_CONF_PATH_MAX];

int fp_rt_expand(const char *tmpl, char *out, unsigned size)
{
	unsigned n = 0;

	if (tmpl[0] != '/' && boot_cwd[0]) {
		n = (unsigned)strlen(boot_cwd);
		if (n + 2 >= size)
			return -ENAMETOOLONG;
		memcpy(out, boot_cwd, n);
		if (out[n - 1] != '/')
			out[n++] = '/';
	}

	return fp_pathpat_expand(tmpl, (unsigned long)getpid(), fp_rt.exe, 0, out + n, size - n);
}

static void open_log(void)
{
	if (fp_rt.log_fd >= 0)
		fp_log_close(fp_rt.log_fd);
	fp_rt.log_fd = fp_log_open(fp_rt.conf.log);
}

/*
 * What a counting process needs: rules, sites, stats, live bytes, pools.
 * Return: 0, or -ENOMEM when a pool cannot be made (conf_err says why).
 */
static int boot_counting(int injects)
{
	struct fp_conf *c = &fp_rt.conf;
	char why[256];
	int sites;

	if (fp_rules_parse(c->sites, ';', &fp_rt.rules, why, sizeof(why)))
		fp_bug("FAILPOOL_SITES passed validation but not parsing");
	fp_rt.stats = fp_rt.reporting;
	fp_rt.track_live = fp_rt.reporting || c->limit_set;
	sites = fp_rt.reporting || fp_rt.rules.n || c->pools[0] || c->check ||
		(injects && (fp_rt.log_fd >= 0 || c->verbose));
	fp_rt.site_depth = sites ? c->depth : 0;
	fp_rt.quick = fp_rt.site_depth == 1 && !fp_rt.stats && !fp_rt.track_live &&
		      !c->check;
	fp_je_arena_init();
	if (c->check == FP_CHECK_FREES)
		fp_heapcheck_init();
	if (fp_rt.stats)
		fp_stats_init();
	if (fp_rt.site_depth > 1)
		fp_chain_init();
	if (c->pools[0] && fp_pool_init_all(c->pools, fp_rt.conf_err.msg,
					    sizeof(fp_rt.conf_err.msg))) {
		fp_rt.conf_err.var = "FAILPOOL_POOLS";
		return -ENOMEM;
	}
	fp_site_init(c->depth, fp_rt.rules.need_funcs || fp_pool_need_funcs());
	fp_startup_init();
	return 0;
}

int fp_rt_boot(void)
{
	int state = FP_STATE_NEW;
	struct fp_conf *c = &fp_rt.conf;
	uint64_t live, peak;
	int injects;

	if (!atomic_compare_exchange_strong(&fp_state, &state, FP_STATE_BOOTING))
		return state == FP_STATE_READY;
	/* The loader's own early allocations come before libc has an environment. */
	if (!environ) {
		atomic_store(&fp_state, FP_STATE_NEW);
		return 0;
	}
	fp_guard_enter();
	fp_say_init();		/* what stderr is, before anything is said */
	fp_je_limit_init();
	/*
	 * Secure execution (set-user-ID, set-group-ID, capabilities): the
	 * invoking user's FAILPOOL_* are not ours to obey, as the loader
	 * ignores their LD_PRELOAD. Nothing read, nothing written: the
	 * defaults are passthrough with no report and no log.
	 */
	if (fp_say_secure())
		fp_conf_defaults(c);
	else if (fp_conf_load_environ(c, &fp_rt.conf_err))
		fp_rt.conf_bad = 1;
	/* getcwd() into a buffer is a plain system call: no allocation. */
	if (((c->report[0] && c->report[0] != '/') || (c->log[0] && c->log[0] != '/')) &&
	    !getcwd(boot_cwd, sizeof(boot_cwd)))
		boot_cwd[0] = '\0';
	fp_rt.seed = c->seed_set ? c->seed : default_seed();
	fp_rt.pid = getpid();
	read_exe_name();
	fp_rt.active = !c->exe[0] || fp_glob_match(c->exe, fp_rt.exe);
	fp_rt.failable = 0;
	for (unsigned i = 0; i < FP_CALL_COUNT; i++)
		if (fp_call_can_fail(i) && (c->calls & FP_CALLBIT(i)))
			fp_rt.failable |= FP_CALLBIT(i);
	atomic_store(&fp_enabled, c->enable);
	/* Blocks handed out raw before boot are live too: keep their bytes. */
	live = atomic_load(&fp_rt.policy.live);
	peak = atomic_load(&fp_rt.policy.peak);
	fp_policy_init(&fp_rt.policy, c, fp_rt.seed);
	atomic_store(&fp_rt.policy.live, live);
	atomic_store(&fp_rt.policy.peak, peak);
	fp_rt.reporting = fp_rt.active && c->report[0];
	injects = fp_conf_injects(c);
	/* The log holds injected failures and crash records: a crash can come anyway. */
	if (fp_rt.active)
		open_log();
	fp_passthrough = fp_rt.conf_bad || !fp_rt.active ||
			 (!injects && !fp_rt.reporting && !c->pools[0] && !c->check);
	/*
	 * libunwind, privately, before anything unwinds, and before the
	 * start-up census, so that it and its dependencies count as failpool's.
	 */
	if (!fp_rt.conf_bad && (!fp_passthrough || fp_rt.reporting || fp_rt.log_fd >= 0))
		(void)fp_unwind_load();
	if (!fp_passthrough && boot_counting(injects)) {
		fp_rt.conf_bad = 1;	/* the constructor says why, exit 125 */
		fp_passthrough = 1;
	}
	/* Every counting thread needs its record (snapshots, forks); alternate stacks only for crashes. */
	if (!fp_rt.conf_bad && (!fp_passthrough || fp_rt.reporting || fp_rt.log_fd >= 0))
		fp_thread_init(fp_rt.reporting || fp_rt.log_fd >= 0);
	/* From the first call: a library constructor may crash before ours runs. */
	if (!fp_rt.conf_bad && (fp_rt.reporting || fp_rt.log_fd >= 0))
		fp_crash_init(1, fp_rt.reporting);
	fp_guard_leave();
	atomic_store_explicit(&fp_state, FP_STATE_READY, memory_order_release);
	fp_hooks_setup();
	return 1;
}

static void on_exit_report(int status, void *arg)
{
	fp_rt_exit(status);
}

/* quick_exit(): registered first, so it runs after the program's handlers. */
static _Atomic int quick_status;

static void on_quick_exit_report(void)
{
	fp_rt_exit(atomic_load(&quick_status));
}

void fp_rt_quick_exit(int status)
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

/* Whether this process image writes reports; a vfork child shares our memory, not our pid. */
static int mine_to_write(void)
{
	return fp_rt_ready() && fp_rt.reporting && getpid() == fp_rt.pid;
}

int fp_rt_report(const struct fp_ending *end)
{
	sigset_t stop, old;

	if (!mine_to_write() || atomic_load(&signalled) || atomic_exchange(&reported, 1))
		return 0;
	fp_guard_enter();
	/* A termination signal on this thread waits: its report follows this one. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	/* One snapshot: every figure of the report describes the same calls. */
	fp_thread_freeze(FREEZE_MS);
	atomic_store(&writing, 1);
	fp_report_write(end);
	atomic_store(&writing, 0);
	fp_thread_thaw();
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	fp_guard_leave();
	return 1;
}

int fp_rt_report_signal(const struct fp_ending *end)
{
	struct timespec tick = { 0, 1000 * 1000 };

	if (!mine_to_write())
		return 0;
	atomic_store(&signalled, 1);
	/* An exit's report being written: ours, written after it, is the last word. */
	for (unsigned i = 0; i < 2000 && atomic_load(&writing); i++)
		nanosleep(&tick, NULL);
	fp_thread_freeze(FREEZE_SIGNAL_MS);
	fp_report_write_async(end);
	return 1;
}

void fp_rt_exit(int code)
{
	struct fp_ending end = { .how = FP_END_EXIT, .code = code & 0xff };

	fp_rt_report(&end);	/* code: what the parent's wait() sees */
}

void fp_rt_exec_failed(void)
{
	/* The image goes on: its exit writes the report again, up to date. */
	if (getpid() == fp_rt.pid)
		atomic_store(&reported, 0);
}

/*
 * A child must not inherit half an update, a held lock or a half-named
 * frame: other threads finish what they are counting and wait for the
 * fork. Registered last, so it runs before every other prepare handler
 * (the pools', jemalloc's), while their locks are still free.
 */
static void fork_prepare(void)
{
	fork_order = atomic_fetch_add(&forks, 1) + 1;
	fp_thread_freeze(FREEZE_MS);
}

static void fork_parent(void)
{
	fp_thread_thaw();
}

static void fork_child(void)
{
	fp_thread_fork_child();
	fp_rt.pid = getpid();
	fp_policy_fork_child(&fp_rt.policy, fork_order);
	atomic_store(&forks, 0);
	atomic_store(&reported, 0);
	if (fp_rt.log_fd >= 0 && strstr(fp_rt.conf.log, "%p"))
		open_log();
}

/*
 * stdio's list lock before the allocator's locks (glibc bug 19431, which
 * glibc's own malloc avoids by taking its locks after the list lock): glibc's
 * fork takes _IO_list_lock only after the prepare handlers, jemalloc's among
 * them, have taken jemalloc's mutexes; a thread in fflush(NULL) holding the
 * list lock and waiting for a FILE whose owner is blocked in realloc (inside
 * getline) then never lets fork go on. Registered last of all, so that it
 * runs first, before the freeze of the shim's counting threads too (a frozen
 * thread may hold a FILE). The lock is recursive: glibc takes it again.
 * Registered in every configuration, passthrough included: jemalloc's
 * handler is there regardless.
 */
extern void _IO_list_lock(void);
extern void _IO_list_unlock(void);
extern void _IO_list_resetlock(void);

static void stdio_prepare(void)
{
	_IO_list_lock();
}

static void stdio_parent(void)
{
	_IO_list_unlock();
}

/*
 * The child has one thread, this one: the lock is free again whatever
 * count it had (glibc resets it itself in a child of a threaded process).
 */
static void stdio_child(void)
{
	_IO_list_resetlock();
}

static void toggle(int sig)
{
	atomic_fetch_xor_explicit(&fp_enabled, 1, memory_order_relaxed);
}

void fp_rt_constructor(void)
{
	char msg[FP_CONF_LINE_MAX];

	while (!fp_rt_boot()) {
		if (!environ)
			return;		/* cannot happen after libc's init; stay raw */
		sched_yield();		/* another thread is booting */
	}
	if (fp_rt.conf_bad) {
		fp_say(msg, fp_conf_format_error(&fp_rt.conf_err, msg, sizeof(msg)));
		_exit(125);
	}
	fp_guard_enter();
	if (fp_je_resolve())
		fp_say_str("failpool: jemalloc's malloc not found; using mallocx\n");
	fp_guard_leave();
	fp_hooks_setup();	/* now with jemalloc's own functions */
	if (fp_passthrough) {
		pthread_atfork(stdio_prepare, stdio_parent, stdio_child);
		return;
	}
	if (fp_npools)
		pthread_atfork(fp_pool_fork_prepare, fp_pool_fork_parent,
			       fp_pool_fork_child);
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	pthread_atfork(stdio_prepare, stdio_parent, stdio_child);
	if (fp_rt.site_depth)
		fp_site_note_startup();
	if (fp_rt.reporting) {
		on_exit(on_exit_report, NULL);
		at_quick_exit(on_quick_exit_report);
	}
	fp_startup_done();
	if (fp_rt.conf.toggle_signal) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = toggle;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(fp_rt.conf.toggle_signal, &sa, NULL);
	}
}

int fp_rt_dlclose(void *handle)
{
	static int (*_Atomic real)(void *);
	int (*f)(void *) = atomic_load_explicit(&real, memory_order_acquire);

	if (fp_rt_ready() && !fp_passthrough && fp_rt.site_depth) {
		struct fp_thread *t = fp_thread_enter();

		fp_guard_enter();
		fp_site_name_unloadable();
		fp_guard_leave();
		fp_thread_leave(t);
	}
	if (!f) {
		fp_guard_enter();
		f = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
		fp_guard_leave();
		if (!f)
			fp_bug("dlclose not found after the shim");
		atomic_store_explicit(&real, f, memory_order_release);
	}
	return f(handle);
}
