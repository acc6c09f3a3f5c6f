/* lib/clock.h, steppable (fake-clock.h). */
#include "config.h"
#include "fake-clock.h"

#include "clock.h"

uint64_t fake_clock_offset_ns, fake_clock_step_ns;
unsigned fake_clock_reads;

uint64_t fp_clock_monotonic_ns(void)
{
	__atomic_fetch_add(&fake_clock_reads, 1, __ATOMIC_RELAXED);
	return FAKE_CLOCK_MONOTONIC_NS +
	       __atomic_fetch_add(&fake_clock_offset_ns, fake_clock_step_ns, __ATOMIC_RELAXED);
}

uint64_t fp_clock_realtime_ns(void)
{
	__atomic_fetch_add(&fake_clock_reads, 1, __ATOMIC_RELAXED);
	return FAKE_CLOCK_REALTIME_NS;
}
