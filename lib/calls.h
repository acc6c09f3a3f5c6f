/* Interposed entry points as an enum, from calls.def. */
#ifndef FP_CALLS_H
#define FP_CALLS_H

#include <stdint.h>

enum fp_call {
#define FP_CALL(id, name, can_fail) FP_CALL_##id,
#include "calls.def"
#undef FP_CALL
	FP_CALL_COUNT
};

/* Bit set of enum fp_call values. */
typedef uint32_t fp_callset;
#define FP_CALLSET_ALL	((fp_callset)((1u << FP_CALL_COUNT) - 1))
#define FP_CALLBIT(c)	((fp_callset)1u << (c))

/**
 * fp_call_name() - the user-visible name of an entry point.
 * @call: an enum fp_call value.
 *
 * Context: any, async-signal-safe.
 * Return: a static string such as "malloc" or "new[]".
 */
const char *fp_call_name(enum fp_call call);

/**
 * fp_call_can_fail() - whether @call allocates, and so may be injected.
 * Context: any, async-signal-safe.
 * Return: 1 or 0.
 */
int fp_call_can_fail(enum fp_call call);

#endif
