/*
 * Temporary files nobody can plant in advance: the name has 64 random bits,
 * the open is exclusive and refuses a symbolic link.
 */
#include "config.h"
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"
#include "prng.h"

#define ATTEMPTS	8

/* 64 unpredictable bits; without getrandom (no entropy yet), as good as we can. */
static uint64_t random_bits(void)
{
	static _Atomic uint64_t counter;
	uint64_t v;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
		return v;
	return fp_mix64(fp_clock_monotonic_ns()) ^
	       fp_mix64(((uint64_t)getpid() << 32) ^ atomic_fetch_add(&counter, 1)) ^
	       (uint64_t)(uintptr_t)&v;
}

int fp_safefile_create(const char *path, char *tmp, size_t size, unsigned mode)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(path);

	if (n + FP_SAFEFILE_SUFFIX_MAX > size)
		return -ENAMETOOLONG;
	memcpy(tmp, path, n);
	memcpy(tmp + n, ".tmp.", 5);
	n += 5;
	for (unsigned attempt = 0; attempt < ATTEMPTS; attempt++) {
		uint64_t v = random_bits();
		int fd;

		for (unsigned i = 0; i < 16; i++)
			tmp[n + i] = hex[(v >> (60 - 4 * i)) & 0xf];
		tmp[n + 16] = '\0';
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}
