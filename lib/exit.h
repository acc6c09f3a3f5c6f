/*
 * The report's trigger at the end of a process image (lib/exit.c): exit,
 * _exit, quick_exit, exec and fatal signals all end here.
 */
#ifndef FP_EXIT_H
#define FP_EXIT_H

#include "ending.h"

/**
 * fp_exit_init() - this process image (its pid) is the one that reports.
 * Context: boot, allocation-free.
 */
void fp_exit_init(void);

/**
 * fp_exit_fork_child() - a fork child is an image of its own: its pid, no
 * report written yet.
 * Context: a fork child's handler (one thread).
 */
void fp_exit_fork_child(void);

/**
 * fp_exit_register() - write the report at exit(3) and quick_exit(3):
 * registered at the constructor, before the program's handlers, so that
 * the report is written after them.
 * Context: the constructor.
 */
void fp_exit_register(void);

/**
 * fp_exit_report() - write the report of this process image, ending as @end
 * says: once per image, never in a vfork child, only when reporting.
 * Context: exit, _exit, exec; takes the thread freeze (not a signal handler).
 * Return: 1 when written (or attempted), 0 when not this image's to write.
 */
int fp_exit_report(const struct fp_ending *end);

/**
 * fp_exit_report_signal() - write the report from a signal handler that has
 * the last word: after an exit's report being written, no lock, nothing
 * named, nothing allocated.
 * Context: signal handler, under the reentrancy guard.
 * Return: 1 when written (or attempted), 0 when not this image's to write.
 */
int fp_exit_report_signal(const struct fp_ending *end);

/**
 * fp_exit() - the process ends with exit status @code: write the report.
 * Context: exit handlers, _exit(2) and _Exit(2).
 */
void fp_exit(int code);

/**
 * fp_exit_quick() - quick_exit(3): the report is written after the
 * program's at_quick_exit handlers, with @status.
 * Context: the program's quick_exit(3), outside malloc.
 */
void fp_exit_quick(int status) __attribute__((noreturn));

/**
 * fp_exit_exec_failed() - an exec reported the image and then failed: the
 * image's exit reports again.
 * Context: the program's failed exec, outside malloc.
 */
void fp_exit_exec_failed(void);

#endif
