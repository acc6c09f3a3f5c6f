/*
 * Last words on a signal: a fatal signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE,
 * SIGABRT) leaves a crash record in FAILPOOL_LOG and the report
 * (complete=false); a termination signal (SIGTERM, SIGINT, SIGHUP, SIGQUIT,
 * SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ,
 * SIGIO, SIGPWR, SIGSTKFLT and the real-time signals) leaves the report. Then the signal takes its course with the disposition
 * the program had. Signals the program handles or ignores stay its own.
 */
#ifndef FP_CRASH_H
#define FP_CRASH_H

#include <signal.h>

/**
 * fp_crash_init() - take over the fatal signals (@crashes) and the
 * termination signals (@terminations) whose disposition is the default,
 * except @toggle_signal (0 for none), which the shim's constructor gives
 * its own handler.
 * Context: first call (inside malloc, maybe before constructors), once:
 * a crash in a library constructor that runs before the shim's own still
 * leaves its record.
 */
void fp_crash_init(int crashes, int terminations, int toggle_signal);

/**
 * fp_crash_terminating_set() - add every termination signal to @set: a
 * report being written holds them back, so that one report follows the
 * other rather than interrupting it.
 * Context: any, async-signal-safe.
 */
void fp_crash_terminating_set(sigset_t *set);

/**
 * fp_crash_sigaction() - sigaction(2) as the program sees it: a signal the
 * shim holds reads as the default the program left it at; setting a
 * handler hands it back; setting the default keeps the shim's.
 * Context: the program's sigaction(2), outside malloc.
 * Return: as sigaction(2).
 */
int fp_crash_sigaction(int sig, const struct sigaction *act, struct sigaction *old);

/**
 * fp_crash_signal() - signal(3) (@flags SA_RESTART, BSD semantics) and
 * sysv_signal(3) (SA_RESETHAND | SA_NODEFER) over fp_crash_sigaction().
 * Context: the program's signal(2) family, outside malloc.
 * Return: the previous handler, or SIG_ERR.
 */
sighandler_t fp_crash_signal(int sig, sighandler_t handler, int flags);

#endif
