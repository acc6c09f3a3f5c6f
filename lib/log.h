/*
 * FAILPOOL_LOG lines and FAILPOOL_VERBOSE messages. Each line is built whole
 * in memory (with the report's JSON writer and frame formatter) and goes
 * out with one write(2): in a log opened O_APPEND, lines of several threads
 * and processes never interleave, and none is ever cut short.
 */
#ifndef FP_LOG_H
#define FP_LOG_H

#include <stdint.h>

#include "calls.h"
#include "site.h"

/**
 * fp_log_open() - open the log named by the FAILPOOL_LOG template @tmpl
 * (%p %e %% expanded) for appending; when it cannot be opened, say so on
 * stderr. A new log may complain once again. The descriptor sits at 1000
 * or above, close-on-exec, out of the range a program gets next.
 * Context: allocation-free; may run inside the first malloc.
 * Return: the descriptor, or -1 (@tmpl empty, or the open failed).
 */
int fp_log_open(const char *tmpl);

/* The log's descriptor (log.c's alone to change), -1 when there is no log. */
extern int fp_log_fd;

/**
 * fp_log_on() - is there a log?
 * Context: any, async-signal-safe.
 */
static inline int fp_log_on(void)
{
	return fp_log_fd >= 0;
}

/**
 * fp_log_start() - (re)open the log of template @tmpl (boot, and a fork
 * child when the name has %p), closing the one before.
 * Context: boot (allocation-free; maybe inside the first malloc) or a fork
 * child's handler.
 */
void fp_log_start(const char *tmpl);

/**
 * fp_log_close() - close @fd, the log fp_log_open() gave, unless the
 * program has closed it and the number is now one of the program's own.
 * Context: a fork child's handler.
 */
void fp_log_close(int fd);

/**
 * fp_log_injection() - tell the log and stderr, as configured, that failure
 * @seq was injected into @call of @size bytes at @site: one line
 * {"seq", "pid", "call", "size", "site", "frames"} whatever its length.
 * Context: inside malloc, under the reentrancy guard: it names the site's
 * frames and takes memory from the shim's own arena.
 */
void fp_log_injection(uint64_t seq, enum fp_call call, uint64_t size,
		      struct fp_site *site);

struct fp_ending;

/**
 * fp_log_crash() - one line {"crash": {"signal", "name", "pid",
 * "last_injection_seq", "frames"}} to FAILPOOL_LOG, written at once; frames
 * not named before the crash have "symbol": null.
 * Context: async-signal-safe (no lock, no allocation): a fatal-signal
 * handler. Not reentrant: one thread at a time (the caller sees to it).
 */
void fp_log_crash(const struct fp_ending *end);

/**
 * fp_log_complain() - "failpool: @var: cannot @what '@path': <strerror of
 * @err>" on stderr, one write(2).
 * Context: async-signal-safe (the untranslated message, no snprintf).
 */
void fp_log_complain(const char *var, const char *what, const char *path, int err);

#endif
