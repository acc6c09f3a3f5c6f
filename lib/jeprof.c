/*
 * jemalloc's heap profiler without libm and libgcc_s (see jeprof.h).
 *
 * The logarithm and the exponential reduce their argument to a small
 * interval around 1 (or 0) by powers of two, then sum a series there:
 * exact enough for a sampling rate, and only ever used by a profiler.
 * Stacks come from lib/profstack.c.
 */
#include "config.h"
#include "jeprof.h"

#include <string.h>

/* ln 2 split so that k * LN2_HI is exact for any binary exponent k. */
#define LN2_HI		6.93147180369123816490e-01	/* 0x3fe62e42fee00000 */
#define LN2_LO		1.90821492927058770002e-10	/* ln 2 - LN2_HI */
#define INV_LN2		1.44269504088896338700e+00

/* Above this e^x is beyond the largest double, below the other 0. */
#define EXP_OVERFLOW	7.09782712893383973096e+02
#define EXP_UNDERFLOW	(-7.45133219101941108420e+02)

static uint64_t bits_of(double x)
{
	uint64_t b;

	memcpy(&b, &x, sizeof(b));
	return b;
}

static double double_of(uint64_t b)
{
	double x;

	memcpy(&x, &b, sizeof(x));
	return x;
}

/* 1 / j!, for the exponential's series. */
static const double inverse_factorial[] = {
	1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040,
	1.0 / 40320, 1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800,
	1.0 / 479001600, 1.0 / 6227020800, 1.0 / 87178291200,
};

/* 2^n for a normal exponent n, -1022 <= n <= 1023. */
static double two_to(int n)
{
	return double_of((uint64_t)(n + 1023) << 52);
}

double fp_jeprof_log(double x)
{
	uint64_t b = bits_of(x);
	int e;
	double f, s, z, r, hfsq, k;

	if (x != x)
		return x + x;
	if (x == 0)
		return -__builtin_inf();
	if (x < 0)
		return __builtin_nan("");
	if (x == __builtin_inf())
		return x;
	e = 0;
	if (!(b >> 52)) {		/* subnormal: make it normal first */
		x *= two_to(54);
		e = -54;
		b = bits_of(x);
	}
	e += (int)(b >> 52) - 1023;
	/* x = 2^e * m with m in [sqrt(2)/2, sqrt(2)): log m is small. */
	b = (b & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1023) << 52);
	if (double_of(b) > 1.41421356237309504880) {
		b -= UINT64_C(1) << 52;
		e++;
	}
	f = double_of(b) - 1;		/* exact */
	/*
	 * log(1 + f) = log((1 + s) / (1 - s)) with s = f / (2 + f)
	 *            = 2s + s * R,  R = sum over j >= 1 of 2 s^2j / (2j + 1);
	 * written as f - (f^2/2 - s (f^2/2 + R)) so that f, the large part,
	 * is added last and exactly. |s| < 0.172: eleven terms of R suffice.
	 */
	s = f / (2 + f);
	z = s * s;
	r = 0;
	for (int j = 11; j >= 1; j--)	/* Horner's */
		r = z * (2.0 / (2 * j + 1) + r);
	hfsq = 0.5 * f * f;
	k = e;
	return k * LN2_HI - ((hfsq - (s * (hfsq + r) + k * LN2_LO)) - f);
}

double fp_jeprof_exp(double x)
{
	double hi, lo, r, q, y;
	int k;

	if (x != x)
		return x + x;
	if (x > EXP_OVERFLOW)
		return __builtin_inf();
	if (x < EXP_UNDERFLOW)
		return 0;
	/* x = k ln 2 + r with |r| <= ln 2 / 2: e^x = 2^k e^r. */
	k = (int)(x * INV_LN2 + (x < 0 ? -0.5 : 0.5));
	hi = x - k * LN2_HI;		/* exact */
	lo = k * LN2_LO;
	r = hi - lo;
	/* e^r = 1 + r + r^2 q(r), Taylor's series to r^14 (|r| < 0.347). */
	q = 0;
	for (int j = 14; j >= 2; j--)	/* Horner's: q = sum of r^(j-2) / j! */
		q = q * r + inverse_factorial[j];
	y = 1 + (hi - (lo - r * r * q));
	if (k > 1023)
		return y * 2 * two_to(k - 1);
	if (k < -1022)
		return y * two_to(k + 1000) * two_to(-1000);
	return y * two_to(k);
}

double fp_jeprof_round(double x)
{
	double a = __builtin_fabs(x), t;

	if (!(a < 0x1p52))
		return x;	/* an integer already, inf or NaN */
	t = (double)(int64_t)a;
	if (a - t >= 0.5)	/* exact: a and t are within 1 of each other */
		t += 1;
	return __builtin_copysign(t, x);
}

/* A frame as the callback sees it: what fp_jeprof_unwind_getip() reads. */
struct frame {
	uintptr_t ip;
};

#define URC_NO_REASON		0
#define URC_END_OF_STACK	5
/* jemalloc's deepest profiled stack (PROF_BT_MAX). */
#define JEPROF_FRAMES		128
/* The walk's frames above our caller's: two, never this many. */
#define JEPROF_OWN_FRAMES	8

/*
 * lib/profstack.h, in the shim's core, declared weak here: a unit test
 * that links jemalloc without the core's object gets no stack (this object
 * comes after the core on its command line), where the shim links the
 * core whole.
 */
extern int fp_profstack_walk(void **ips, int max) __attribute__((weak));

int fp_jeprof_unwind_backtrace(fp_jeprof_trace_fn step, void *arg)
{
	void *ips[JEPROF_FRAMES + JEPROF_OWN_FRAMES];
	void *caller = __builtin_return_address(0);
	int n, first = 0;

	/*
	 * jemalloc's warm-up, from its initialisation, collects nothing
	 * (no @arg) and holds its init lock: opening libunwind there would
	 * allocate, and wait for that lock.
	 */
	if (!arg || !fp_profstack_walk)
		return URC_END_OF_STACK;
	n = fp_profstack_walk(ips, JEPROF_FRAMES + JEPROF_OWN_FRAMES);
	/* From our caller on, as libgcc_s's: the walk's own frames left out. */
	while (first < n && first < JEPROF_OWN_FRAMES && ips[first] != caller)
		first++;
	if (first == n || first == JEPROF_OWN_FRAMES)
		first = 0;
	for (int i = first; i < n && i - first < JEPROF_FRAMES; i++) {
		struct frame f = { (uintptr_t)ips[i] };

		if (step((struct _Unwind_Context *)&f, arg) != URC_NO_REASON)
			break;
	}
	return URC_END_OF_STACK;
}

uintptr_t fp_jeprof_unwind_getip(struct _Unwind_Context *ctx)
{
	return ((const struct frame *)ctx)->ip;
}
