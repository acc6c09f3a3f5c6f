/*
 * lib/jeprof.c: the logarithm, exponential and rounding that jemalloc's
 * heap profiler gets from the shim instead of libm, against libm itself
 * (linked here, never into the shim), and its unwinder with no stack.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "jeprof.h"
#include "../tap.h"

/* Doubles in the order of the reals, as integers: ulps apart is a difference. */
static int64_t ordered(double x)
{
	int64_t b;

	memcpy(&b, &x, sizeof(b));
	return b < 0 ? INT64_MIN - b : b;
}

static uint64_t ulps_apart(double a, double b)
{
	int64_t d;

	if (isnan(a) && isnan(b))
		return 0;
	if (isnan(a) || isnan(b))
		return UINT64_MAX;
	d = ordered(a) - ordered(b);
	return (uint64_t)(d < 0 ? -d : d);
}

/* A fixed stream of 64-bit values (splitmix64): the same sweep every run. */
static uint64_t next(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static double bits_to_double(uint64_t b)
{
	double x;

	memcpy(&x, &b, sizeof(x));
	return x;
}

#define SWEEP	1000000

/* The larger of @worst and how far ours is from libm's at @x. */
static uint64_t worse(uint64_t worst, double (*ours)(double), double (*libm)(double), double x)
{
	uint64_t u = ulps_apart(ours(x), libm(x));

	return u > worst ? u : worst;
}

static void test_log(void)
{
	uint64_t state = 1, worst = 0, wrong_sign = 0;

	for (unsigned i = 0; i < SWEEP; i++) {
		/* every positive double: normal, subnormal, huge, near 1 */
		double x = bits_to_double(next(&state) >> 1);
		double near1 = 1 + ((double)(next(&state) >> 11) / 0x1p53 - 0.5) / 64;

		worst = worse(worse(worst, fp_jeprof_log, log, x), fp_jeprof_log, log, near1);
		wrong_sign += (fp_jeprof_log(near1) < 0) != (near1 < 1);
	}
	ok(worst <= 1, "log: within 1 ulp of libm's over %u positive doubles and %u near 1 (worst %llu)",
	   SWEEP, SWEEP, (unsigned long long)worst);
	is_u64(wrong_sign, 0, "log: negative below 1, positive above");
	ok(fp_jeprof_log(1) == 0 && !signbit(fp_jeprof_log(1)), "log(1) = +0");
	ok(fp_jeprof_log(0) == -INFINITY && fp_jeprof_log(-0.0) == -INFINITY, "log(+-0) = -inf");
	ok(isnan(fp_jeprof_log(-1)) && isnan(fp_jeprof_log(-INFINITY)), "log of a negative: NaN");
	ok(fp_jeprof_log(INFINITY) == INFINITY, "log(inf) = inf");
	ok(isnan(fp_jeprof_log(NAN)), "log(NaN) = NaN");
	is_u64(ulps_apart(fp_jeprof_log(0x1p-1074), log(0x1p-1074)), 0,
	       "log of the smallest subnormal: libm's");
	is_u64(ulps_apart(fp_jeprof_log(0x1.fffffffffffffp+1023), log(0x1.fffffffffffffp+1023)), 0,
	       "log of the largest double: libm's");
	is_u64(ulps_apart(fp_jeprof_log(2), M_LN2), 0, "log(2) = ln 2");
}

static void test_exp(void)
{
	uint64_t state = 2, worst = 0;

	for (unsigned i = 0; i < SWEEP; i++) {
		/* the whole finite range, and the small arguments a sampler uses */
		double wide = ((double)(next(&state) >> 11) / 0x1p53 - 0.5) * 1500;
		double small = ((double)(next(&state) >> 11) / 0x1p53 - 0.5) * 4;

		worst = worse(worse(worst, fp_jeprof_exp, exp, wide), fp_jeprof_exp, exp, small);
	}
	ok(worst <= 1, "exp: within 1 ulp of libm's over %u arguments in [-750, 750] and %u in [-2, 2] (worst %llu)",
	   SWEEP, SWEEP, (unsigned long long)worst);
	ok(fp_jeprof_exp(0) == 1 && fp_jeprof_exp(-0.0) == 1, "exp(+-0) = 1");
	ok(fp_jeprof_exp(INFINITY) == INFINITY && fp_jeprof_exp(710) == INFINITY,
	   "exp beyond the largest double: inf");
	ok(fp_jeprof_exp(-INFINITY) == 0 && fp_jeprof_exp(-746) == 0, "exp below the smallest: 0");
	ok(isnan(fp_jeprof_exp(NAN)), "exp(NaN) = NaN");
	ok(fp_jeprof_exp(-745) == 0x1p-1074, "exp(-745): the smallest subnormal, as libm's");
	is_u64(ulps_apart(fp_jeprof_exp(709.78), exp(709.78)), 0, "exp(709.78): libm's, near the top");
	is_u64(ulps_apart(fp_jeprof_exp(-1), exp(-1)), 0, "exp(-1) = 1/e");
}

static void test_round(void)
{
	uint64_t state = 3, differ = 0;

	for (unsigned i = 0; i < SWEEP; i++) {
		double x = ((double)(next(&state) >> 11) / 0x1p53 - 0.5) * 2000;
		double y = bits_to_double(next(&state));

		differ += memcmp(&(double){ fp_jeprof_round(x) }, &(double){ round(x) }, sizeof(x)) != 0;
		differ += ulps_apart(fp_jeprof_round(y), round(y)) != 0;
	}
	is_u64(differ, 0, "round: libm's, bit for bit, over %u arguments in [-1000, 1000] and %u doubles",
	       SWEEP, SWEEP);
	ok(fp_jeprof_round(0.5) == 1 && fp_jeprof_round(-0.5) == -1 && fp_jeprof_round(2.5) == 3,
	   "round: halfway cases away from zero");
	ok(fp_jeprof_round(0.49999999999999994) == 0, "round(0.49999999999999994) = 0 (not floor(x + 0.5))");
	ok(signbit(fp_jeprof_round(-0.0)) && signbit(fp_jeprof_round(-0.25)), "round keeps the sign of zero");
	ok(fp_jeprof_round(0x1p52 + 1) == 0x1p52 + 1, "round: integers above 2^52 unchanged");
	ok(fp_jeprof_round(-INFINITY) == -INFINITY && isnan(fp_jeprof_round(NAN)), "round: inf and NaN unchanged");
}

static int steps;

static int count_step(struct _Unwind_Context *ctx, void *arg)
{
	(void)ctx;
	(void)arg;
	steps++;
	return 0;
}

int main(void)
{
	int data;

	test_log();
	test_exp();
	test_round();
	/* This program links jemalloc's profiler glue without the shim's core. */
	is_int(fp_jeprof_unwind_backtrace(count_step, &data), 5,
	       "without the shim's core: _URC_END_OF_STACK at once");
	is_int(steps, 0, "... and no frame");
	return done_testing();
}
