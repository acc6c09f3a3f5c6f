/*
 * fp-bench: a malloc-heavy workload for `make bench`. Linked against libc;
 * the allocator under test comes in through LD_PRELOAD. Each thread keeps a
 * ring of live blocks and replaces them with new ones of mixed sizes (mostly
 * small, some page-sized, a few 64 KiB), with calloc and realloc in the mix.
 * NULLs (injected failures) are counted, not fatal.
 *
 * usage: fp-bench THREADS ITERATIONS
 * prints: "<elapsed ns> <nulls>"
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RING 4096

struct worker {
	pthread_t thread;
	unsigned long iterations;
	unsigned long nulls;
	uint64_t rng;
};

/* Calls through volatile pointers: the compiler may not elide the pairs. */
static void *(*volatile do_malloc)(size_t) = malloc;
static void *(*volatile do_calloc)(size_t, size_t) = calloc;
static void *(*volatile do_realloc)(void *, size_t) = realloc;
static void (*volatile do_free)(void *) = free;

static uint64_t next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static size_t pick_size(uint64_t r)
{
	unsigned bucket = (unsigned)(r & 1023);

	if (bucket < 900)
		return 16 + (r >> 10) % 241;		/* 16..256 */
	if (bucket < 1020)
		return 257 + (r >> 10) % 3840;		/* ..4 KiB */
	return 65536;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	void **ring = do_calloc(RING, sizeof(void *));

	if (!ring)
		return NULL;
	for (unsigned long i = 0; i < w->iterations; i++) {
		uint64_t r = next(&w->rng);
		unsigned slot = (unsigned)(r >> 40) % RING;
		size_t size = pick_size(r);
		void *p;

		switch ((r >> 32) & 15) {
		case 0:
			p = do_calloc(1, size);
			break;
		case 1:
			if (ring[slot]) {
				p = do_realloc(ring[slot], size);
				if (p)
					ring[slot] = NULL;	/* moved into p */
				break;
			}
			/* fall through */
		default:
			p = do_malloc(size);
			break;
		}
		if (!p) {
			w->nulls++;
			continue;
		}
		((volatile char *)p)[0] = (char)i;
		do_free(ring[slot]);
		ring[slot] = p;
	}
	for (unsigned i = 0; i < RING; i++)
		do_free(ring[i]);
	do_free(ring);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned threads = argc > 1 ? (unsigned)atoi(argv[1]) : 1;
	unsigned long iterations = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000000;
	struct worker *w;
	struct timespec t0, t1;
	unsigned long nulls = 0;

	if (threads < 1 || threads > 64) {
		fprintf(stderr, "usage: fp-bench THREADS(1..64) ITERATIONS\n");
		return 2;
	}
	w = calloc(threads, sizeof(*w));
	if (!w)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < threads; i++) {
		w[i].iterations = iterations;
		w[i].rng = 0x9e3779b97f4a7c15ULL * (i + 1);
		pthread_create(&w[i].thread, NULL, work, &w[i]);
	}
	for (unsigned i = 0; i < threads; i++) {
		pthread_join(w[i].thread, NULL);
		nulls += w[i].nulls;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%lld %lu\n", (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL +
	       (t1.tv_nsec - t0.tv_nsec), nulls);
	free(w);
	return 0;
}
