/*
 * fp-bench: the malloc workload of `make bench`. Linked against libc; the
 * allocator under test comes in through LD_PRELOAD.
 *
 * Throughput mode (the default): each thread keeps SLOTS live blocks and
 * replaces a random one per operation with a new block of a random size
 * in MIN..MAX (uniform), allocated with calloc once in CALLOC_EVERY
 * operations and with malloc otherwise; the new block is written to and
 * the one it replaces freed. Sizes, slots and the calloc draws come from a
 * per-thread xorshift stream seeded from the thread's index, so every run
 * makes the same requests. NULLs (injected failures) are counted, not
 * fatal. The slot arrays are the harness's own and come from mmap, so
 * every request the allocator sees is one operation: with two threads
 * the order in which they start cannot change which requests fail.
 *
 *   fp-bench [OPTIONS] THREADS OPERATIONS
 *   prints "<elapsed ns> <nulls>"
 *
 * Resident-memory mode (--live N): one thread allocates N blocks of the
 * same size distribution, writes every byte of each, then frees them.
 * The caller measures the process's maximum resident set (fp-spawn).
 *
 *   fp-bench --live N [OPTIONS]
 *   prints "<elapsed ns> <nulls>"
 *
 * Options: --slots N (1024), --min-size B (16), --max-size B (4096),
 * --calloc-every K (16; 0: never).
 */
#include <limits.h>
#include <pthread.h>
#include <sys/mman.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct workload {
	unsigned long slots;
	unsigned long min_size;
	unsigned long max_size;
	unsigned long calloc_every;
};

struct worker {
	pthread_t thread;
	const struct workload *load;
	unsigned long operations;
	unsigned long nulls;
	uint64_t rng;
	void **ring;
};

/*
 * Calls through volatile pointers: the compiler may neither elide the
 * pairs nor move them out of work(), whose name the bench's func: rules
 * and pools match.
 */
static void *(*volatile do_malloc)(size_t) = malloc;
static void *(*volatile do_calloc)(size_t, size_t) = calloc;
static void (*volatile do_free)(void *) = free;

/* Zeroed harness memory that no allocator under test sees; exits if none. */
static void *harness_array(unsigned long n, size_t size)
{
	void *p = MAP_FAILED;

	if (n <= SIZE_MAX / size)
		p = mmap(NULL, n * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "fp-bench: cannot map %lu entries of %zu bytes\n", n, size);
		exit(1);
	}
	return p;
}

static uint64_t next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static size_t pick_size(const struct workload *load, uint64_t r)
{
	return load->min_size + (size_t)(r % (load->max_size - load->min_size + 1));
}

static int pick_calloc(const struct workload *load, uint64_t r)
{
	return load->calloc_every && (r >> 48) % load->calloc_every == 0;
}

/* One thread of the throughput mode (the name `work` is matched by the bench). */
__attribute__((noinline)) static void *work(void *arg)
{
	struct worker *w = arg;
	const struct workload *load = w->load;
	void **ring = w->ring;

	for (unsigned long i = 0; i < w->operations; i++) {
		uint64_t r = next(&w->rng);
		size_t slot = (size_t)((r >> 24) % load->slots);
		size_t size = pick_size(load, next(&w->rng));
		char *p = pick_calloc(load, r) ? do_calloc(1, size) : do_malloc(size);

		if (!p) {
			w->nulls++;
			continue;
		}
		p[0] = (char)i;
		p[size - 1] = (char)i;
		do_free(ring[slot]);
		ring[slot] = p;
	}
	for (unsigned long i = 0; i < load->slots; i++)
		do_free(ring[i]);
	return NULL;
}

/* The resident-memory mode: LIVE blocks held at once, every byte written. */
__attribute__((noinline)) static unsigned long hold_live(const struct workload *load, unsigned long live)
{
	void **blocks = harness_array(live, sizeof(void *));
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	unsigned long nulls = 0;

	for (unsigned long i = 0; i < live; i++) {
		uint64_t r = next(&rng);
		size_t size = pick_size(load, next(&rng));

		blocks[i] = pick_calloc(load, r) ? do_calloc(1, size) : do_malloc(size);
		if (blocks[i])
			memset(blocks[i], (int)(i & 0xff) | 1, size);
		else
			nulls++;
	}
	for (unsigned long i = 0; i < live; i++)
		do_free(blocks[i]);
	munmap(blocks, live * sizeof(void *));
	return nulls;
}

static int usage(void)
{
	fprintf(stderr, "usage: fp-bench [--slots N] [--min-size B] [--max-size B] "
		"[--calloc-every K] THREADS(1..64) OPERATIONS\n"
		"       fp-bench --live N [--min-size B] [--max-size B] [--calloc-every K]\n");
	return 2;
}

static int number(const char *s, unsigned long *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	*out = strtoul(s, &end, 10);
	return *end || *out == ULONG_MAX ? -1 : 0;
}

static long long elapsed_ns(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long long)(t1.tv_sec - t0->tv_sec) * 1000000000LL + (t1.tv_nsec - t0->tv_nsec);
}

int main(int argc, char **argv)
{
	struct workload load = { .slots = 1024, .min_size = 16, .max_size = 4096, .calloc_every = 16 };
	unsigned long threads, operations, live = 0, nulls = 0;
	struct timespec t0;
	struct worker *w;
	int i = 1;

	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		static const char *const names[] = { "--slots", "--min-size", "--max-size",
						     "--calloc-every", "--live" };
		unsigned long *fields[] = { &load.slots, &load.min_size, &load.max_size,
					    &load.calloc_every, &live };
		size_t k = 0;

		while (k < 5 && strcmp(argv[i], names[k]) != 0)
			k++;
		if (k == 5 || number(argv[i + 1], fields[k]) < 0)
			return usage();
	}
	if (load.slots < 1 || load.min_size < 1 || load.max_size < load.min_size)
		return usage();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (live) {
		if (i != argc)
			return usage();
		nulls = hold_live(&load, live);
		printf("%lld %lu\n", elapsed_ns(&t0), nulls);
		return 0;
	}
	if (argc - i != 2 || number(argv[i], &threads) < 0 || threads < 1 || threads > 64 ||
	    number(argv[i + 1], &operations) < 0)
		return usage();
	w = harness_array(threads, sizeof(*w));
	for (unsigned long t = 0; t < threads; t++) {
		w[t].load = &load;
		w[t].operations = operations;
		w[t].rng = 0x9e3779b97f4a7c15ULL * (t + 1);
		w[t].ring = harness_array(load.slots, sizeof(void *));
		if (pthread_create(&w[t].thread, NULL, work, &w[t]) != 0) {
			fprintf(stderr, "fp-bench: cannot create thread %lu\n", t + 1);
			return 1;
		}
	}
	for (unsigned long t = 0; t < threads; t++) {
		pthread_join(w[t].thread, NULL);
		nulls += w[t].nulls;
	}
	printf("%lld %lu\n", elapsed_ns(&t0), nulls);
	return 0;
}
