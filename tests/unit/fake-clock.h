/*
 * The clock seam (lib/clock.h): a unit test links tests/unit/fake-clock.c
 * in place of lib/clock.c. Time stands still unless the test moves it:
 * the monotonic clock reads FAKE_CLOCK_MONOTONIC_NS plus an offset that
 * the test sets and that each read moves on by fake_clock_step_ns, so a
 * deadline passes after a known number of reads, without waiting. (A
 * pool's timed wait sleeps on the kernel's clock: not for these tests.)
 * The real-time clock reads FAKE_CLOCK_REALTIME_NS.
 */
#ifndef FP_FAKE_CLOCK_H
#define FP_FAKE_CLOCK_H

#include <stdint.h>

#define FAKE_CLOCK_MONOTONIC_NS	1000000000000ULL
#define FAKE_CLOCK_REALTIME_NS	1700000000123456789ULL

extern uint64_t fake_clock_offset_ns, fake_clock_step_ns;
extern unsigned fake_clock_reads;

#endif
