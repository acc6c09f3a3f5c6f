/*
 * The shim's only way to stderr. A diagnostic goes to fd 2 only while fd 2
 * is still the stream the program started with, and never in secure
 * execution (README "Compatibility and limits").
 */
#ifndef FP_SAY_H
#define FP_SAY_H

#include <stddef.h>

/**
 * fp_say_init() - note what fd 2 is now (its device and inode), and
 * whether the process runs in secure-execution mode (AT_SECURE). Once per
 * process image, at boot; later calls do nothing.
 * Context: boot, before anything is said; no allocation.
 */
void fp_say_init(void);

/**
 * fp_say_secure() - does the process run in secure-execution mode
 * (set-user-ID, set-group-ID, file capabilities)?
 * Context: any, async-signal-safe.
 * Return: 1 or 0.
 */
int fp_say_secure(void);

/**
 * fp_say() - write @len bytes of @msg to fd 2, whole (short writes and
 * EINTR are retried), when fd 2 is still the stream noted by fp_say_init()
 * and the process is not in secure execution; otherwise nothing.
 * Context: any, signal handlers included: fstat(2) and write(2) only.
 */
void fp_say(const char *msg, size_t len);

/**
 * fp_say_str() - fp_say() of a NUL-terminated string.
 * Context: any, signal handlers included.
 */
void fp_say_str(const char *msg);

#endif
