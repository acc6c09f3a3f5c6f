/*
 * The boot of the shim in a process: the first allocation reads the
 * configuration (no loader, no malloc) and starts what it needs; the
 * constructor finishes what needs the loader and registers the fork, exit
 * and toggle-signal handlers.
 */
#include "config.h"
#include "boot.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain.h"
#include "clock.h"
#include "crash.h"
#include "exit.h"
#include "fork.h"
#include "globmatch.h"
#include "guard.h"
#include "heapcheck.h"
#include "hooks.h"
#include "je.h"
#include "log.h"
#include "policy.h"
#include "pool.h"
#include "prng.h"
#include "request.h"
#include "say.h"
#include "series.h"
#include "serve.h"
#include "settings.h"
#include "site.h"
#include "startup.h"
#include "stats.h"
#include "thread.h"
#include "unwind.h"

extern char **environ;

/* Why the configuration is bad: reported, exit 125, by the constructor. */
static struct fp_conf_error conf_err;
static int conf_bad;
/* The settings are written here only. */
static struct fp_settings *const cfg = &fp_settings_store;

static uint64_t default_seed(void)
{
	return fp_mix64(fp_clock_realtime_ns()) ^
	       fp_mix64((uint64_t)getpid());
}

static void read_exe_name(void)
{
	char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	const char *base = path;

	if (n <= 0) {
		strcpy(cfg->exe, "?");
		return;
	}
	path[n] = '\0';
	memcpy(cfg->exe_path, path, (size_t)n + 1);
	for (ssize_t i = 0; i < n; i++)
		if (path[i] == '/')
			base = path + i + 1;
	n = (ssize_t)strlen(base);
	if (n >= (ssize_t)sizeof(cfg->exe))
		n = sizeof(cfg->exe) - 1;
	memcpy(cfg->exe, base, (size_t)n);
	cfg->exe[n] = '\0';
}


static void open_log(void)
{
	fp_log_start(cfg->conf.log);
}


/*
 * What a counting process needs: rules, sites, stats, live bytes, pools.
 * Return: 0, or -ENOMEM when a pool cannot be made (conf_err says why).
 */
static int boot_counting(int injects)
{
	struct fp_conf *c = &cfg->conf;
	char why[256];
	int sites;

	if (fp_rules_parse(c->sites, ';', &cfg->rules, why, sizeof(why)))
		fp_bug("FAILPOOL_SITES passed validation but not parsing");
	cfg->stats = cfg->reporting;
	cfg->track_live = cfg->reporting || c->limit_set;
	/* LIMIT keeps its figure exact at every call: the bytes go before the block. */
	cfg->live_after_free = cfg->track_live && !c->limit_set;
	sites = cfg->reporting || cfg->rules.n || c->pools[0] || c->check ||
		(injects && (fp_log_on() || c->verbose));
	cfg->site_depth = sites ? c->depth : 0;
	cfg->quick = cfg->site_depth == 1 && !cfg->stats && !cfg->track_live &&
		      !c->check;
	fp_je_arena_init();
	if (cfg->live_after_free)
		fp_je_freed_init();
	if (c->check == FP_CHECK_FREES)
		fp_heapcheck_init();
	if (cfg->stats)
		fp_stats_init();
	if (cfg->site_depth > 1)
		fp_chain_init();
	if (c->pools[0] && fp_pool_init_all(c->pools, conf_err.msg,
					    sizeof(conf_err.msg))) {
		conf_err.var = "FAILPOOL_POOLS";
		return -ENOMEM;
	}
	fp_site_init(c->depth, cfg->rules.need_funcs || fp_pool_need_funcs());
	/* Stacks deeper than the caller, and names (func:, VERBOSE, the heap check's messages). */
	if (cfg->site_depth > 1 || c->check || c->verbose || cfg->rules.need_funcs ||
	    fp_pool_need_funcs())
		(void)fp_unwind_load();
	fp_startup_init();
	if (cfg->stats)
		fp_series_start();	/* the report's series: its first sample */
	return 0;
}

int fp_boot(void)
{
	int state = FP_STATE_NEW;
	struct fp_conf *c = &cfg->conf;
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
	else if (fp_conf_load_environ(c, &conf_err))
		conf_bad = 1;
	fp_settings_set_cwd();
	cfg->seed = c->seed_set ? c->seed : default_seed();
	fp_exit_init();
	read_exe_name();
	cfg->active = !c->exe[0] || fp_glob_match(c->exe, cfg->exe);
	cfg->failable = 0;
	for (unsigned i = 0; i < FP_CALL_COUNT; i++)
		if (fp_call_can_fail(i) && (c->calls & FP_CALLBIT(i)))
			cfg->failable |= FP_CALLBIT(i);
	atomic_store(&fp_enabled, c->enable);
	/* Blocks handed out raw before boot are live too: keep their bytes. */
	live = atomic_load(&fp_process_policy.live);
	peak = atomic_load(&fp_process_policy.peak);
	fp_policy_init(&fp_process_policy, c, cfg->seed);
	atomic_store(&fp_process_policy.live, live);
	atomic_store(&fp_process_policy.peak, peak);
	cfg->reporting = cfg->active && c->report[0];
	injects = fp_conf_injects(c);
	/* The log holds injected failures and crash records: a crash can come anyway. */
	if (cfg->active)
		open_log();
	if (fp_log_on() || c->verbose)
		fp_req_on_injection = fp_log_injection;
	fp_passthrough = conf_bad || !cfg->active ||
			 (!injects && !cfg->reporting && !c->pools[0] && !c->check);
	/*
	 * libunwind, privately, before anything unwinds, and before the
	 * start-up census, so that it and its dependencies count as failpool's:
	 * here for crash stacks (a signal handler cannot load it), in
	 * boot_counting() when sites need stacks or names.
	 */
	if (!conf_bad && (cfg->reporting || fp_log_on()))
		(void)fp_unwind_load();
	if (!fp_passthrough && boot_counting(injects)) {
		conf_bad = 1;	/* the constructor says why, exit 125 */
		fp_passthrough = 1;
	}
	/* Every counting thread needs its record (snapshots, forks); alternate stacks only for crashes. */
	if (!conf_bad && (!fp_passthrough || cfg->reporting || fp_log_on()))
		fp_thread_init(cfg->reporting || fp_log_on());
	/* From the first call: a library constructor may crash before ours runs. */
	if (!conf_bad && (cfg->reporting || fp_log_on()))
		fp_crash_init(1, cfg->reporting, c->toggle_signal);
	fp_guard_leave();
	atomic_store_explicit(&fp_state, FP_STATE_READY, memory_order_release);
	fp_hooks_setup();
	return 1;
}


static void toggle(int sig)
{
	atomic_fetch_xor_explicit(&fp_enabled, 1, memory_order_relaxed);
}


void fp_boot_constructor(void)
{
	char msg[FP_CONF_LINE_MAX];

	fp_serve_maybe();	/* explore's runs start here when it asks */
	while (!fp_boot()) {
		if (!environ)
			return;		/* cannot happen after libc's init; stay raw */
		sched_yield();		/* another thread is booting */
	}
	if (conf_bad) {
		fp_say(msg, fp_conf_format_error(&conf_err, msg, sizeof(msg)));
		_exit(125);
	}
	fp_je_init();		/* its fork handlers before the shim's */
	fp_fork_register(!fp_passthrough);
	if (fp_passthrough)
		return;
	if (cfg->site_depth)
		fp_frame_note_startup();
	if (cfg->reporting)
		fp_exit_register();
	fp_startup_done();
	if (cfg->conf.toggle_signal) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = toggle;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(cfg->conf.toggle_signal, &sa, NULL);
	}
}

