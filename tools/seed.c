/*
 * Without --seed each image under the shim would draw its own seed, and the
 * one the summary prints would repeat only the first process: the tool
 * draws one for the whole tree instead.
 */
#include "config.h"
#include "seed.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

int fp_seed_export(const struct fp_conf *conf)
{
	char text[24];
	uint64_t seed;

	if (conf->seed_set)
		return 0;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) *
		       0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
	}
	snprintf(text, sizeof(text), "%" PRIu64, seed);
	if (setenv("FAILPOOL_SEED", text, 1)) {
		fputs("failpool: out of memory\n", stderr);
		return -1;
	}
	return 0;
}
