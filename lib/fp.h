/* Shared macros and small types of failpool. No logic lives here. */
#ifndef FP_FP_H
#define FP_FP_H

#include <stddef.h>
#include <stdint.h>

#define FP_LIKELY(x)	__builtin_expect(!!(x), 1)
#define FP_UNLIKELY(x)	__builtin_expect(!!(x), 0)
#define FP_EXPORT	__attribute__((visibility("default")))
/* Defined in another file of the same object: no GOT load to reach it. */
#define FP_HIDDEN	__attribute__((visibility("hidden")))
#define FP_NOINLINE	__attribute__((noinline))
#define FP_COLD		__attribute__((cold, noinline))
#define FP_CACHELINE	64
#define FP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Results we deliberately drop (write(2) of a diagnostic, say). */
#define FP_IGNORE(x)	do { if (x) { } } while (0)

/* "no limit" for 64-bit settings such as FAILPOOL_TIMES. */
#define FP_UNLIMITED	UINT64_MAX

/**
 * fp_bug() - report an impossible state and abort; never returns.
 * @what: a static description.
 * Context: any, async-signal-safe (fp_say(), then abort()).
 */
void fp_bug(const char *what) __attribute__((noreturn, cold));

#endif
