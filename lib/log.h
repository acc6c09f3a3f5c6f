/* FAILPOOL_LOG lines and FAILPOOL_VERBOSE messages: write(2) only. */
#ifndef FP_LOG_H
#define FP_LOG_H

#include <stdint.h>

#include "calls.h"
#include "site.h"

/**
 * fp_log_injection() - tell the log and stderr, as configured, that failure
 * @seq was injected into @call of @size bytes at @site. Call it under the
 * reentrancy guard: it symbolizes the site.
 */
void fp_log_injection(uint64_t seq, enum fp_call call, uint64_t size,
		      struct fp_site *site);

struct fp_ending;

/**
 * fp_log_crash() - one line {"crash": {"signal", "name", "pid",
 * "last_injection_seq", "frames"}} to FAILPOOL_LOG, written at once.
 */
void fp_log_crash(const struct fp_ending *end);

#endif
