/*
 * Fatal signals: when SIGSEGV, SIGBUS, SIGILL, SIGFPE or SIGABRT would kill
 * the process, first a crash record (the signal, the last injected failure,
 * the faulting stack) goes to FAILPOOL_LOG and the report is written with
 * complete=false; then the signal takes its course with the disposition
 * the program had, so the exit status and core dumps are unchanged.
 * Signals the program handles itself stay the program's.
 */
#ifndef FP_CRASH_H
#define FP_CRASH_H

/**
 * fp_crash_init() - install the handlers for the fatal signals that still
 * have their default disposition, and an alternate stack for this thread.
 * Call from the constructor, when a report or a log is kept.
 */
void fp_crash_init(void);

/**
 * fp_crash_thread_init() - give the calling thread an alternate signal
 * stack of the shim's, unless it has one; fp_crash_thread_exit() takes it
 * back. Only needed when fp_crash_init() installed handlers.
 */
void fp_crash_thread_init(void);
void fp_crash_thread_exit(void);

#endif
