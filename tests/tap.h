/*
 * A small TAP producer for the unit tests. Header-only: each test file
 * includes it once. Failed checks print where and what, as
 * "# Failed assertion at file:line: got X, want Y".
 */
#ifndef FP_TAP_H
#define FP_TAP_H

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned tap_run, tap_failed;

static void tap_line(int pass, const char *file, int line, const char *fmt,
		     va_list ap)
{
	tap_run++;
	if (!pass)
		tap_failed++;
	printf("%sok %u - ", pass ? "" : "not ", tap_run);
	vprintf(fmt, ap);
	printf("\n");
	if (!pass)
		printf("# Failed assertion at %s:%d\n", file, line);
	fflush(stdout);
}

static inline void plan(unsigned n)
{
	printf("1..%u\n", n);
}

static inline void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static inline int tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_line(pass, file, line, fmt, ap);
	va_end(ap);
	return pass;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_u64(got, want, ...) do {						\
	uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);			\
	if (!tap_ok(g_ == w_, __FILE__, __LINE__, __VA_ARGS__))			\
		diag("got %" PRIu64 ", want %" PRIu64, g_, w_);			\
} while (0)

#define is_int(got, want, ...) do {						\
	long long g_ = (long long)(got), w_ = (long long)(want);		\
	if (!tap_ok(g_ == w_, __FILE__, __LINE__, __VA_ARGS__))			\
		diag("got %lld, want %lld", g_, w_);				\
} while (0)

#define is_str(got, want, ...) do {						\
	const char *g_ = (got), *w_ = (want);					\
	if (!tap_ok(g_ && w_ && strcmp(g_, w_) == 0, __FILE__, __LINE__, __VA_ARGS__)) \
		diag("got '%s', want '%s'", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)

#define is_double(got, want, tol, ...) do {					\
	double g_ = (got), w_ = (want);						\
	if (!tap_ok(fabs(g_ - w_) <= (tol), __FILE__, __LINE__, __VA_ARGS__))	\
		diag("got %.17g, want %.17g (+-%g)", g_, w_, (double)(tol));	\
} while (0)

static inline void skip(unsigned n, const char *why)
{
	while (n--)
		printf("ok %u # SKIP %s\n", ++tap_run, why);
}

/* Print the plan after the fact and return the exit status. */
static inline int done_testing(void)
{
	printf("1..%u\n", tap_run);
	return tap_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
