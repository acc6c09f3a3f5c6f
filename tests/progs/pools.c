/*
 * pools: allocations from a "critical" site for the pool tests. Pools are
 * set on func:critical_* by the tests; everything else is ordinary.
 *
 *   pools hold N SIZE     critical_alloc() N blocks of SIZE, held, then freed;
 *                         prints "held H nulls X"
 *   pools inplace         realloc of a critical block within 64 bytes and
 *                         beyond; prints "inplace same|moved grown ok|bad"
 *   pools zero N          N critical blocks dirtied and freed, then N
 *                         critical_calloc(); prints "calloc zeroed|dirty"
 *   pools isolation N     N critical blocks freed, then 20000 ordinary ones
 *                         of the same size; prints "isolated" or "shared K"
 *   pools relay MIN MS    a thread holds MIN critical blocks and frees one
 *                         MS ms after another thread fell asleep in its
 *                         critical_alloc(); prints "relay got it after the
 *                         free" when that call returned the very block
 *                         freed, "relay NULL" when it returned NULL
 *   pools pc P N          P producer threads critical_alloc() N blocks each
 *                         and pass them to 2 consumer threads that free them;
 *                         prints "produced X nulls Y"
 *   pools exhaust K       critical_alloc() once, then hog() takes 1 MiB, then
 *                         64 KiB blocks until malloc fails, then
 *                         critical_alloc() K 64 KiB blocks; prints
 *                         "hog failed critical H/K"
 *   pools cached N        a thread critical_alloc()s N 4 KiB blocks and frees
 *                         them (into its cache for the pool), then a fork
 *                         child and, after the thread's end, the parent read
 *                         the pool arena's allocated bytes (jemalloc's
 *                         stats); prints "child balanced|leaked B exit
 *                         balanced|leaked B"
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

static void *(*volatile do_malloc)(size_t) = malloc;
static void *(*volatile do_calloc)(size_t, size_t) = calloc;
static void *(*volatile do_realloc)(void *, size_t) = realloc;

NOINLINE void *critical_alloc(size_t size)
{
	void *p = do_malloc(size);

	__asm__ volatile("" ::: "memory");
	return p;
}

NOINLINE void *critical_calloc(size_t size)
{
	void *p = do_calloc(1, size);

	__asm__ volatile("" ::: "memory");
	return p;
}

NOINLINE void *critical_realloc(void *p, size_t size)
{
	void *q = do_realloc(p, size);

	__asm__ volatile("" ::: "memory");
	return q;
}

NOINLINE void *ordinary_alloc(size_t size)
{
	void *p = do_malloc(size);

	__asm__ volatile("" ::: "memory");
	return p;
}

NOINLINE void *hog(size_t size)
{
	void *p = do_malloc(size);

	if (p)
		memset(p, 1, size);
	return p;
}

static int hold(int n, size_t size)
{
	void **p = calloc((size_t)n, sizeof(*p));
	int held = 0;

	for (int i = 0; i < n; i++)
		held += (p[i] = critical_alloc(size)) != NULL;
	printf("held %d nulls %d\n", held, n - held);
	for (int i = 0; i < n; i++)
		free(p[i]);
	free(p);
	return 0;
}

static int inplace(void)
{
	char *p = critical_alloc(40), *q, *r;

	if (!p)
		return 1;
	memset(p, 'x', 40);
	q = critical_realloc(p, 60);
	r = q ? critical_realloc(q, 1000) : NULL;
	printf("inplace %s grown %s\n", q == p ? "same" : "moved",
	       r && r != q && r[0] == 'x' && r[39] == 'x' ? "ok" : "bad");
	free(r ? r : q);
	return 0;
}

static int zero(int n)
{
	void **p = calloc((size_t)n, sizeof(*p));
	int dirty = 0;

	for (int i = 0; i < n; i++)
		if ((p[i] = critical_alloc(64)))
			memset(p[i], 0xff, 64);
	for (int i = 0; i < n; i++)
		free(p[i]);
	for (int i = 0; i < n; i++) {
		unsigned char *c = critical_calloc(64);

		for (int j = 0; c && j < 64; j++)
			dirty += c[j] != 0;
		p[i] = c;
	}
	printf("calloc %s\n", dirty ? "dirty" : "zeroed");
	for (int i = 0; i < n; i++)
		free(p[i]);
	free(p);
	return 0;
}

static int isolation(int n)
{
	void **seen = calloc((size_t)n, sizeof(*seen));
	int shared = 0;

	for (int i = 0; i < n; i++)
		seen[i] = critical_alloc(48);
	for (int i = 0; i < n; i++)
		free(seen[i]);
	for (int i = 0; i < 20000; i++) {
		void *p = ordinary_alloc(48);

		for (int j = 0; j < n; j++)
			shared += p == seen[j];
		free(p);
	}
	if (shared)
		printf("shared %d\n", shared);
	else
		printf("isolated\n");
	free(seen);
	return 0;
}

static struct {
	int min, ms;
	void **held;
	pid_t waiter;		/* the thread that calls critical_alloc() */
	_Atomic int calling;	/* it is about to */
	void *_Atomic gone;	/* the block freed, stored before the free */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int ready;
} relay_state = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

/* Is thread @tid asleep (state S in /proc)? Without malloc. */
static int asleep(pid_t tid)
{
	char path[64], buf[256], *paren;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' && paren[2] == 'S';
}

static void *holder(void *arg)
{
	for (int i = 0; i < relay_state.min; i++)
		relay_state.held[i] = critical_alloc(32);
	pthread_mutex_lock(&relay_state.lock);
	relay_state.ready = 1;
	pthread_cond_signal(&relay_state.cond);
	pthread_mutex_unlock(&relay_state.lock);
	/*
	 * The free comes MS ms after the waiter fell asleep in the pool, however
	 * late a loaded machine lets it get there (its wait is then at least MS).
	 */
	while (!atomic_load(&relay_state.calling) || !asleep(relay_state.waiter))
		usleep(1000);
	usleep((useconds_t)relay_state.ms * 1000);
	atomic_store(&relay_state.gone, relay_state.held[0]);
	free(relay_state.held[0]);
	relay_state.held[0] = NULL;
	return arg;
}

static int relay(int min, int ms)
{
	pthread_t t;
	void *p, *gone;

	relay_state.min = min;
	relay_state.ms = ms;
	relay_state.held = calloc((size_t)min, sizeof(void *));
	relay_state.waiter = gettid();
	pthread_create(&t, NULL, holder, NULL);
	pthread_mutex_lock(&relay_state.lock);
	while (!relay_state.ready)
		pthread_cond_wait(&relay_state.cond, &relay_state.lock);
	pthread_mutex_unlock(&relay_state.lock);
	atomic_store(&relay_state.calling, 1);
	p = critical_alloc(32);
	gone = atomic_load(&relay_state.gone);
	pthread_join(t, NULL);
	if (p)
		printf("relay got it %s\n", p == gone ? "after the free" :
		       gone ? "after the free, another block" : "before the free");
	else
		printf("relay NULL\n");
	free(p);
	for (int i = 0; i < min; i++)
		free(relay_state.held[i]);
	free(relay_state.held);
	return 0;
}

#define RING 32
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	void *slot[RING];
	unsigned head, tail, done;
} q = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
static long per_producer;
static _Atomic long produced, nulls;

static void *producer(void *arg)
{
	for (long i = 0; i < per_producer; i++) {
		void *e = critical_alloc(200);

		if (!e) {
			nulls++;
			continue;
		}
		memset(e, 0x5a, 200);
		pthread_mutex_lock(&q.lock);
		while (q.head - q.tail == RING)
			pthread_cond_wait(&q.cond, &q.lock);
		q.slot[q.head++ % RING] = e;
		pthread_cond_broadcast(&q.cond);
		pthread_mutex_unlock(&q.lock);
		produced++;
	}
	return arg;
}

static void *consumer(void *arg)
{
	for (;;) {
		void *e;

		pthread_mutex_lock(&q.lock);
		while (q.head == q.tail && !q.done)
			pthread_cond_wait(&q.cond, &q.lock);
		if (q.head == q.tail) {
			pthread_mutex_unlock(&q.lock);
			return arg;
		}
		e = q.slot[q.tail++ % RING];
		pthread_cond_broadcast(&q.cond);
		pthread_mutex_unlock(&q.lock);
		free(e);
	}
}

static int pc(int producers, long n)
{
	pthread_t p[16], c[2];

	per_producer = n;
	for (int i = 0; i < producers; i++)
		pthread_create(&p[i], NULL, producer, NULL);
	for (int i = 0; i < 2; i++)
		pthread_create(&c[i], NULL, consumer, NULL);
	for (int i = 0; i < producers; i++)
		pthread_join(p[i], NULL);
	pthread_mutex_lock(&q.lock);
	q.done = 1;
	pthread_cond_broadcast(&q.cond);
	pthread_mutex_unlock(&q.lock);
	for (int i = 0; i < 2; i++)
		pthread_join(c[i], NULL);
	printf("produced %ld nulls %ld\n", (long)produced, (long)nulls);
	return 0;
}

static int exhaust(int k)
{
	void **crit = calloc((size_t)k, sizeof(void *));
	void *chain = NULL;
	int got = 0, failed = 0;

	/*
	 * The critical path has run before memory runs out (its site is known;
	 * naming a new site needs libunwind to map the object's symbols).
	 */
	free(critical_alloc(65536));
	/* Linked lists of blocks (no other allocation keeps them): 1 MiB, then 64 KiB. */
	for (size_t size = 1 << 20; size >= 65536; size >>= 4) {
		for (;;) {
			void **b = hog(size);

			if (!b) {
				failed = 1;
				break;
			}
			*b = chain;
			chain = b;
		}
	}
	for (int i = 0; i < k; i++)
		got += (crit[i] = critical_alloc(65536)) != NULL;
	printf("hog %s critical %d/%d\n", failed ? "failed" : "never failed", got, k);
	return 0;
}


static int (*mallctl_)(const char *, void *, size_t *, void *, size_t);

/* Small bytes allocated in @arena: blocks held anywhere, thread caches included. */
static size_t arena_allocated(unsigned arena)
{
	uint64_t epoch = 1;
	size_t n = 0, len = sizeof(n);
	char name[64];

	mallctl_("epoch", NULL, NULL, &epoch, sizeof(epoch));
	snprintf(name, sizeof(name), "stats.arenas.%u.small.allocated", arena);
	mallctl_(name, &n, &len, NULL, 0);
	return n;
}

static struct {
	int n, go[2], end[2];
} cache_state;

static void *cacher(void *arg)
{
	void **e = calloc((size_t)cache_state.n, sizeof(void *));
	char c;

	for (int i = 0; i < cache_state.n; i++)
		e[i] = critical_alloc(4096);
	for (int i = 0; i < cache_state.n; i++)
		free(e[i]);
	free(e);
	(void)!write(cache_state.go[1], "g", 1);
	(void)!read(cache_state.end[0], &c, 1);
	return arg;
}

static void balance(const char *what, size_t before, size_t now)
{
	if (now == before)
		printf("%s balanced", what);
	else
		printf("%s leaked %ld", what, (long)(now - before));
}

static int cached(int n)
{
	void *held = critical_alloc(4096);	/* the pool's arena, and this thread's cache */
	size_t len = sizeof(unsigned), before;
	unsigned arena;
	pthread_t t;
	pid_t pid;
	char c;

	*(void **)&mallctl_ = dlsym(RTLD_DEFAULT, "mallctl");
	if (!mallctl_ || mallctl_("arenas.lookup", &arena, &len, &held, sizeof(held)) ||
	    pipe(cache_state.go) || pipe(cache_state.end))
		return 1;
	cache_state.n = n;
	before = arena_allocated(arena);
	pthread_create(&t, NULL, cacher, NULL);
	(void)!read(cache_state.go[0], &c, 1);
	pid = fork();
	if (pid == 0) {
		balance("child", before, arena_allocated(arena));
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	(void)!write(cache_state.end[1], "e", 1);
	pthread_join(t, NULL);
	balance(" exit", before, arena_allocated(arena));
	printf("\n");
	free(held);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 4 && strcmp(argv[1], "hold") == 0)
		return hold(atoi(argv[2]), (size_t)atol(argv[3]));
	if (argc == 2 && strcmp(argv[1], "inplace") == 0)
		return inplace();
	if (argc == 3 && strcmp(argv[1], "zero") == 0)
		return zero(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "isolation") == 0)
		return isolation(atoi(argv[2]));
	if (argc == 4 && strcmp(argv[1], "relay") == 0)
		return relay(atoi(argv[2]), atoi(argv[3]));
	if (argc == 4 && strcmp(argv[1], "pc") == 0)
		return pc(atoi(argv[2]) > 16 ? 16 : atoi(argv[2]), atol(argv[3]));
	if (argc == 3 && strcmp(argv[1], "exhaust") == 0)
		return exhaust(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "cached") == 0)
		return cached(atoi(argv[2]));
	fprintf(stderr, "usage: pools hold N SIZE | inplace | zero N | isolation N | "
		"relay MIN MS | pc P N | exhaust K | cached N\n");
	return 2;
}
