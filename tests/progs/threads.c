/*
 * threads: allocations from several threads at once.
 *
 *   threads run NTHREADS M [FUNC [SIZE]]
 *       NTHREADS threads start together (a barrier) and each makes M calls
 *       of FUNC (malloc, calloc, aligned_alloc, posix_memalign, realloc;
 *       default malloc) of SIZE bytes (default 32), freeing each block.
 *       Prints "thread T failed F" per thread, then "total N failed F".
 *   threads indices NTHREADS M together|forward|backward
 *       NTHREADS threads each make M mallocs of 32 bytes (freeing each),
 *       all at once (together), one after another in creation order
 *       (forward) or in the reverse order (backward), and print
 *       "thread T fails I,J,..." per thread: the indices, 1 to M within the
 *       thread, of the calls that returned NULL.
 *   threads nested M forward|backward
 *       two threads each start one worker thread, the first creator
 *       before the second (forward) or after it (backward); each worker
 *       makes M mallocs of 32 bytes; prints "creator C fails I,J,..." for
 *       the worker of each creator.
 *   threads exit-in-thread CODE
 *       a second thread allocates, then calls exit(CODE) while main waits
 *       in pthread_join: the process ends from a non-main thread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Through volatile pointers, so GCC can neither fold nor drop the calls. */
static void *(*volatile v_malloc)(size_t) = malloc;
static void *(*volatile v_calloc)(size_t, size_t) = calloc;
static void *(*volatile v_realloc)(void *, size_t) = realloc;
static void *(*volatile v_aligned_alloc)(size_t, size_t) = aligned_alloc;
static int (*volatile v_posix_memalign)(void **, size_t, size_t) = posix_memalign;
static void (*volatile v_free)(void *) = free;

#define MAX_THREADS 64

enum func { F_MALLOC, F_CALLOC, F_ALIGNED_ALLOC, F_POSIX_MEMALIGN, F_REALLOC };

static pthread_barrier_t start;
static unsigned long per_thread;
static size_t size = 32;
static enum func func = F_MALLOC;
static unsigned long failed[MAX_THREADS];
static unsigned long bad_errno[MAX_THREADS];
static char outbuf[1 << 16];

static void *worker(void *arg)
{
	unsigned t = (unsigned)(unsigned long)arg;
	void *p = NULL;

	pthread_barrier_wait(&start);
	for (unsigned long i = 0; i < per_thread; i++) {
		void *q = NULL;
		int rc = 0;

		errno = 0;
		switch (func) {
		case F_MALLOC: q = v_malloc(size); break;
		case F_CALLOC: q = v_calloc(1, size); break;
		case F_ALIGNED_ALLOC: q = v_aligned_alloc(64, size); break;
		case F_POSIX_MEMALIGN:
			rc = v_posix_memalign(&q, 64, size);
			if (rc) {
				q = NULL;
				errno = rc;
			}
			break;
		case F_REALLOC:
			/* a block that keeps growing and shrinking */
			q = v_realloc(p, size + (i % 2) * size);
			if (q)
				p = q;
			break;
		}
		if (!q) {
			failed[t]++;
			if (errno != ENOMEM)
				bad_errno[t]++;
			continue;
		}
		memset(q, (int)i, size);
		if (func != F_REALLOC)
			v_free(q);
	}
	v_free(p);
	return NULL;
}

/* The indices mode: who may run now, and what failed. */
#define MAX_INDICES 256
enum order { TOGETHER, FORWARD, BACKWARD };
static enum order order;
static unsigned long nthreads;
static atomic_ulong turn;
static unsigned long fails_at[MAX_THREADS][MAX_INDICES];

static void *indexed(void *arg)
{
	unsigned long t = (unsigned long)arg;
	unsigned long mine = order == BACKWARD ? nthreads - 1 - t : t;

	pthread_barrier_wait(&start);
	while (order != TOGETHER && atomic_load(&turn) != mine)
		sched_yield();
	for (unsigned long i = 1; i <= per_thread; i++) {
		void *q = v_malloc(size);

		if (!q && failed[t] < MAX_INDICES)
			fails_at[t][failed[t]++] = i;
		v_free(q);
	}
	atomic_fetch_add(&turn, 1);
	return NULL;
}

/* The nested mode: each creator's worker. */
static void *nested_worker(void *arg)
{
	unsigned long t = (unsigned long)arg;

	for (unsigned long i = 1; i <= per_thread; i++) {
		void *q = v_malloc(size);

		if (!q && failed[t] < MAX_INDICES)
			fails_at[t][failed[t]++] = i;
		v_free(q);
	}
	return NULL;
}

static void *creator(void *arg)
{
	unsigned long t = (unsigned long)arg;
	unsigned long mine = order == BACKWARD ? 1 - t : t;
	pthread_t worker;
	int rc, tries = 0;

	while (atomic_load(&turn) != mine)
		sched_yield();
	while ((rc = pthread_create(&worker, NULL, nested_worker, arg)) == EAGAIN &&
	       ++tries < 100)
		;
	atomic_fetch_add(&turn, 1);
	if (rc) {
		printf("pthread_create failed: %s\n", strerror(rc));
		exit(3);
	}
	pthread_join(worker, NULL);
	return NULL;
}

static void *exiter(void *arg)
{
	int code = (int)(long)arg;
	void *p = v_malloc(100);

	v_free(p);
	p = v_malloc(200);	/* left live on purpose */
	printf("thread exits %d\n", code);
	fflush(stdout);
	exit(code);
}

static unsigned long num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (end == s || *end) {
		fprintf(stderr, "threads: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static void usage(void)
{
	fprintf(stderr, "usage: threads run NTHREADS M [malloc|calloc|aligned_alloc|posix_memalign|realloc [SIZE]]\n"
			"       threads indices NTHREADS M together|forward|backward\n"
			"       threads nested M forward|backward\n"
			"       threads exit-in-thread CODE\n");
	exit(2);
}

/* Start @n threads with @start_fn, the first at once, retrying EAGAIN. */
static void start_threads(pthread_t *tid, unsigned long n, void *(*start_fn)(void *))
{
	pthread_barrier_init(&start, NULL, (unsigned)n);
	for (unsigned long t = 0; t < n; t++) {
		int rc, tries = 0;

		/* Under injection, pthread_create's own calloc may fail: retry. */
		while ((rc = pthread_create(&tid[t], NULL, start_fn, (void *)t)) == EAGAIN &&
		       ++tries < 100)
			;
		if (rc) {
			printf("pthread_create failed: %s\n", strerror(rc));
			exit(3);
		}
	}
}

static int indices(unsigned long n, unsigned long m, const char *how)
{
	pthread_t tid[MAX_THREADS];

	if (n < 1 || n > MAX_THREADS)
		usage();
	if (!strcmp(how, "together")) order = TOGETHER;
	else if (!strcmp(how, "forward")) order = FORWARD;
	else if (!strcmp(how, "backward")) order = BACKWARD;
	else usage();
	nthreads = n;
	per_thread = m;
	start_threads(tid, n, indexed);
	for (unsigned long t = 0; t < n; t++)
		pthread_join(tid[t], NULL);
	for (unsigned long t = 0; t < n; t++) {
		printf("thread %lu fails", t);
		for (unsigned long i = 0; i < failed[t] && i < MAX_INDICES; i++)
			printf("%c%lu", i ? ',' : ' ', fails_at[t][i]);
		printf("\n");
	}
	return 0;
}

static int nested(unsigned long m, const char *how)
{
	pthread_t tid[2];

	if (!strcmp(how, "forward")) order = FORWARD;
	else if (!strcmp(how, "backward")) order = BACKWARD;
	else usage();
	per_thread = m;
	for (unsigned long t = 0; t < 2; t++)
		if (pthread_create(&tid[t], NULL, creator, (void *)t)) {
			printf("pthread_create failed\n");
			return 3;
		}
	for (unsigned long t = 0; t < 2; t++)
		pthread_join(tid[t], NULL);
	for (unsigned long t = 0; t < 2; t++) {
		printf("creator %lu fails", t);
		for (unsigned long i = 0; i < failed[t] && i < MAX_INDICES; i++)
			printf("%c%lu", i ? ',' : ' ', fails_at[t][i]);
		printf("\n");
	}
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t tid[MAX_THREADS];
	unsigned long n, total = 0, bad = 0;

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (argc == 3 && strcmp(argv[1], "exit-in-thread") == 0) {
		pthread_t t;

		if (pthread_create(&t, NULL, exiter, (void *)(long)num(argv[2]))) {
			printf("pthread_create failed\n");
			return 3;
		}
		pthread_join(t, NULL);
		printf("main: not reached\n");
		return 4;
	}
	if (argc == 4 && strcmp(argv[1], "nested") == 0)
		return nested(num(argv[2]), argv[3]);
	if (argc == 5 && strcmp(argv[1], "indices") == 0)
		return indices(num(argv[2]), num(argv[3]), argv[4]);
	if (argc < 4 || argc > 6 || strcmp(argv[1], "run") != 0)
		usage();
	n = num(argv[2]);
	per_thread = num(argv[3]);
	if (n < 1 || n > MAX_THREADS)
		usage();
	if (argc >= 5) {
		if (!strcmp(argv[4], "malloc")) func = F_MALLOC;
		else if (!strcmp(argv[4], "calloc")) func = F_CALLOC;
		else if (!strcmp(argv[4], "aligned_alloc")) func = F_ALIGNED_ALLOC;
		else if (!strcmp(argv[4], "posix_memalign")) func = F_POSIX_MEMALIGN;
		else if (!strcmp(argv[4], "realloc")) func = F_REALLOC;
		else usage();
	}
	if (argc == 6)
		size = num(argv[5]);

	start_threads(tid, n, worker);
	for (unsigned long t = 0; t < n; t++)
		pthread_join(tid[t], NULL);
	for (unsigned long t = 0; t < n; t++) {
		printf("thread %lu failed %lu\n", t, failed[t]);
		total += failed[t];
		bad += bad_errno[t];
	}
	printf("total %lu failed %lu\n", n * per_thread, total);
	if (bad)
		printf("errno not ENOMEM on %lu failures\n", bad);
	return 0;
}
