/*
 * The shim's only reads of time: a monotonic clock for waits with a
 * deadline (a thread freeze, a pool's timed wait) and the real-time clock
 * for the default seed and a file name's fallback randomness. One module,
 * so that a unit test can link a fake in its place (tests/unit/fake-clock.c)
 * and step time instead of waiting for it.
 */
#ifndef FP_CLOCK_H
#define FP_CLOCK_H

#include <stdint.h>

/**
 * fp_clock_monotonic_ns() - nanoseconds of CLOCK_MONOTONIC.
 * Context: any: inside malloc, before constructors, signal handlers
 * (clock_gettime(2) is async-signal-safe and allocation-free).
 */
uint64_t fp_clock_monotonic_ns(void);

/**
 * fp_clock_realtime_ns() - nanoseconds of CLOCK_REALTIME since the epoch.
 * Context: any, as fp_clock_monotonic_ns().
 */
uint64_t fp_clock_realtime_ns(void);

#endif
