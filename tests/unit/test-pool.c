/*
 * lib/pool.c against the kernel's mempool guarantees: min elements always
 * obtainable once frees return them, refill only below min, a waiter woken
 * by a free, timeouts, waiting forever; elements never cross pools or reach
 * ordinary malloc; a producer/consumer hammer keeps every element.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jeapi.h"

#include "hooks.h"
#include "pool.h"
#include "poolcache.h"
#include "thread.h"
#include "../tap.h"

/* preload/shim.c owns the hook table; lib/ links against it. */
struct fp_hooks fp_hooks;

static struct fp_pool *A, *B, *W, *T, *F, *H, *C, *L;

/* The process's mapped size (VmSize), from /proc. */
static rlim_t vm_size(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long kb = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %lu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return (rlim_t)kb * 1024;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void test_reserve(void)
{
	void *e[5];

	is_u64(atomic_load(&A->curr), 4, "pool a: 4 elements pre-allocated");
	is_u64(A->low, 4, "... low starts at min");
	for (int i = 0; i < 4; i++)
		e[i] = fp_pool_take(A);
	ok(e[0] && e[1] && e[2] && e[3], "4 takes from a full reserve succeed");
	ok(e[0] != e[1] && e[1] != e[2] && e[2] != e[3] && e[0] != e[3], "... distinct elements");
	is_u64(A->hits, 4, "... 4 hits");
	is_u64(A->low, 0, "... low 0");
	e[4] = fp_pool_take(A);
	ok(e[4] == NULL, "a fifth take with wait=0: NULL at once");
	is_u64(A->exhausted, 1, "... counted exhausted");
	is_u64(A->waits, 0, "... no wait");
	for (int i = 0; i < 4; i++)
		fp_pool_give(A, e[i]);
	is_u64(atomic_load(&A->curr), 4, "4 frees refill the reserve to min");
	is_u64(A->refills, 4, "... 4 refills");
	e[0] = fp_pool_arena_alloc(A, 0);
	ok(e[0] != NULL, "an element from the pool's arena");
	ok(fp_pool_of(e[0]) == A, "... owned by pool a");
	fp_pool_give(A, e[0]);
	is_u64(atomic_load(&A->curr), 4, "a free with the reserve full goes to the arena");
	is_u64(A->refills, 4, "... not a refill");
	int rounds = 0;

	for (; rounds < 100; rounds++) {
		int got = 0;

		for (int i = 0; i < 4; i++)
			got += (e[i] = fp_pool_take(A)) != NULL;
		if (got != 4)
			break;
		for (int i = 0; i < 4; i++)
			fp_pool_give(A, e[i]);
	}
	is_int(rounds, 100, "100 rounds: min elements always obtainable after frees return them");
	is_u64(A->hits, 404, "... 404 hits in all");
	is_u64(A->refills, 404, "... 404 refills");
}

static void test_ownership(void)
{
	void *a = fp_pool_arena_alloc(A, 0), *b = fp_pool_arena_alloc(B, 1);
	void *seen[64];
	int leaked = 0, mine = 0;

	ok(fp_pool_of(a) == A && fp_pool_of(b) == B, "elements know their pool");
	ok(((char *)b)[0] == 0 && ((char *)b)[B->size - 1] == 0, "a zeroed element is zeroed");
	fp_pool_give(B, b);
	fp_pool_give(A, a);
	is_u64(atomic_load(&B->curr), B->min, "pool b's reserve did not take pool a's element");
	/* Freed pool memory is never handed to ordinary malloc callers. */
	for (int i = 0; i < 64; i++) {
		seen[i] = fp_pool_arena_alloc(A, 0);
		mine += fp_pool_of(seen[i]) == A;
	}
	for (int i = 0; i < 64; i++)
		fp_pool_give(A, seen[i]);	/* reserve full: back to the arena */
	for (int i = 0; i < 4096; i++) {
		void *p = malloc(A->size);

		leaked += fp_pool_of(p) != NULL;
		free(p);
	}
	is_int(mine, 64, "64 arena elements, all pool a's");
	is_int(leaked, 0, "4096 ordinary mallocs after freeing them: none is pool memory");
	ok(fp_pool_of(NULL) == NULL && fp_pool_of(&leaked) == NULL, "NULL and the stack are no pool's");
}

struct waiter {
	struct fp_pool *pool;
	void *got;
	uint64_t ms;
};

static void *wait_one(void *arg)
{
	struct waiter *w = arg;
	uint64_t t0 = now_ms();

	w->got = fp_pool_take(w->pool);
	w->ms = now_ms() - t0;
	return NULL;
}

static void test_wait(struct fp_pool *pool, const char *what, unsigned delay_ms)
{
	void *e[2];
	struct waiter w = { .pool = pool };
	pthread_t t;

	e[0] = fp_pool_take(pool);
	e[1] = fp_pool_take(pool);
	ok(e[0] && e[1], "%s: reserve of 2 emptied", what);
	pthread_create(&t, NULL, wait_one, &w);
	for (;;) {	/* until the waiter is waiting */
		uint64_t waits;

		pthread_mutex_lock(&pool->lock);
		waits = pool->waits;
		pthread_mutex_unlock(&pool->lock);
		if (waits)
			break;
		usleep(1000);
	}
	usleep(delay_ms * 1000);
	fp_pool_give(pool, e[0]);
	pthread_join(t, NULL);
	ok(w.got == e[0], "%s: the waiter got the freed element", what);
	ok(w.ms >= delay_ms - 5, "%s: ... after waiting for it (%llu ms)", what,
	   (unsigned long long)w.ms);
	is_u64(pool->waits, 1, "%s: one wait counted", what);
	ok(pool->wait_ns_max >= (uint64_t)(delay_ms - 5) * 1000000 &&
	   pool->wait_ns_total == pool->wait_ns_max, "%s: wait time counted", what);
	is_u64(pool->exhausted, 0, "%s: not exhausted", what);
	fp_pool_give(pool, w.got);
	fp_pool_give(pool, e[1]);
}

static void test_timeout(void)
{
	void *e[2];
	uint64_t t0;
	void *none;

	e[0] = fp_pool_take(T);
	e[1] = fp_pool_take(T);
	t0 = now_ms();
	none = fp_pool_take(T);
	t0 = now_ms() - t0;
	ok(none == NULL, "wait=100ms with nothing freed: NULL");
	ok(t0 >= 95 && t0 < 2000, "... after about 100 ms (%llu)", (unsigned long long)t0);
	is_u64(T->exhausted, 1, "... exhausted 1");
	is_u64(T->waits, 1, "... waits 1");
	ok(T->wait_ns_total >= 95000000, "... wait_ns_total >= 95 ms");
	fp_pool_give(T, e[0]);
	fp_pool_give(T, e[1]);
}

/* Producers take elements and hand them to consumers, who free them. */
#define RING	64
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	void *slot[RING];
	unsigned head, tail, done;
} q = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static _Atomic unsigned long produced, nulls;

static void *producer(void *arg)
{
	for (int i = 0; i < 20000; i++) {
		void *e = fp_pool_take(H);	/* waits forever: never NULL */

		if (!e) {
			nulls++;
			continue;
		}
		memset(e, 0xa5, H->size);
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
		fp_pool_give(H, e);
	}
}

static void test_hammer(void)
{
	pthread_t p[3], c[2];

	for (int i = 0; i < 3; i++)
		pthread_create(&p[i], NULL, producer, NULL);
	for (int i = 0; i < 2; i++)
		pthread_create(&c[i], NULL, consumer, NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(p[i], NULL);
	pthread_mutex_lock(&q.lock);
	q.done = 1;
	pthread_cond_broadcast(&q.cond);
	pthread_mutex_unlock(&q.lock);
	for (int i = 0; i < 2; i++)
		pthread_join(c[i], NULL);
	is_u64(produced, 60000, "hammer: 3 producers x 20000 elements passed to 2 consumers");
	is_u64(nulls, 0, "... no NULL (wait=forever)");
	is_u64(atomic_load(&H->curr), H->min, "... every element back in the reserve");
	is_u64(H->hits, 60000, "... 60000 hits");
	is_u64(H->refills, 60000, "... 60000 refills");
	is_u64(H->exhausted, 0, "... none exhausted");
	ok(H->low == 0, "... the reserve ran dry at some point (low 0)");
}


/* Bytes of @kind ("small", "large") blocks allocated in @pool's arena: held anywhere, cached included. */
static uint64_t allocated(const struct fp_pool *pool, const char *kind)
{
	uint64_t epoch = 1;
	size_t n, len = sizeof(n);
	char name[64];

	mallctl("epoch", NULL, NULL, &epoch, sizeof(epoch));
	snprintf(name, sizeof(name), "stats.arenas.%u.%s.allocated", pool->arena, kind);
	return mallctl(name, &n, &len, NULL, 0) ? UINT64_MAX : n;
}

static uint64_t arena_allocated(const struct fp_pool *pool)
{
	return allocated(pool, "small");
}

#define HANDED	32
static void *handed[HANDED];

/* Allocates HANDED elements of pool c for another thread to free. */
static void *giver(void *arg)
{
	for (int i = 0; i < HANDED; i++)
		handed[i] = fp_pool_arena_alloc(C, 0);
	return arg;
}

static struct {
	int reused, foreign, ordinary_pool, a_got_c;
	int tc_c, tc_l;
	uint64_t l_held, l_after;
} taker_saw;

/* Frees another thread's elements, then allocates through its own cache. */
static void *taker(void *arg)
{
	void *again[HANDED], *p;

	for (int i = 0; i < HANDED; i++)
		fp_pool_give(C, handed[i]);	/* reserve full: into this thread's cache */
	for (int i = 0; i < HANDED; i++) {
		again[i] = fp_pool_arena_alloc(C, 0);
		taker_saw.foreign += fp_pool_of(again[i]) != C;
		for (int j = 0; j < HANDED; j++)
			taker_saw.reused += again[i] == handed[j];
	}
	for (int i = 0; i < HANDED; i++)
		fp_pool_give(C, again[i]);
	for (int i = 0; i < 4096; i++) {
		p = malloc(C->size);
		taker_saw.ordinary_pool += fp_pool_of(p) != NULL;
		free(p);
	}
	for (int i = 0; i < HANDED; i++) {
		again[i] = fp_pool_arena_alloc(A, 0);
		taker_saw.a_got_c += fp_pool_of(again[i]) != A;
	}
	for (int i = 0; i < HANDED; i++)
		fp_pool_give(A, again[i]);
	p = fp_pool_arena_alloc(L, 0);
	taker_saw.l_held = allocated(L, "large");
	fp_pool_give(L, p);
	taker_saw.l_after = allocated(L, "large");
	taker_saw.tc_c = fp_me->pool_tc[C - fp_pools];
	taker_saw.tc_l = fp_me->pool_tc[L - fp_pools];
	return arg;
}

static void test_thread_caches(void)
{
	pthread_t t;
	uint64_t reserve = (uint64_t)C->min * C->size;

	is_u64(arena_allocated(C), reserve, "pool c's arena holds its reserve only: %llu bytes",
	       (unsigned long long)reserve);
	pthread_create(&t, NULL, giver, NULL);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, taker, NULL);
	pthread_join(t, NULL);
	is_int(taker_saw.reused, HANDED, "elements one thread allocated and another freed: "
	       "the freeing thread's next %d allocations reuse them from its cache", HANDED);
	is_int(taker_saw.foreign, 0, "... every one pool c's");
	is_int(taker_saw.ordinary_pool, 0,
	       "4096 ordinary mallocs of the same size on that thread: none is pool memory");
	is_int(taker_saw.a_got_c, 0, "32 allocations from pool a on that thread: all pool a's");
	ok(taker_saw.tc_c >= 2, "the thread had a jemalloc cache for pool c (%d)", taker_saw.tc_c);
	is_int(taker_saw.tc_l, 1, "... none for pool l, whose 64 KiB elements no cache holds");
	is_u64(taker_saw.l_held, (uint64_t)(L->min + 1) * L->size,
	       "... an element of pool l held: its arena holds the reserve and it");
	is_u64(taker_saw.l_after, (uint64_t)L->min * L->size,
	       "... freed, straight back to the arena: the thread keeps nothing of pool l");
	is_u64(arena_allocated(C), reserve,
	       "both threads ended: their caches destroyed, pool c's arena holds its reserve only");
}

/* Fills its cache for pool c, then stays alive until told. */
static struct fp_thread *holder_record;
static int holder_go[2], holder_end[2];

static void *holder(void *arg)
{
	void *e[8];
	char c;

	for (int i = 0; i < 8; i++)
		e[i] = fp_pool_arena_alloc(C, 0);
	for (int i = 0; i < 8; i++)
		fp_pool_give(C, e[i]);
	holder_record = fp_me;
	(void)!write(holder_go[1], "g", 1);
	(void)!read(holder_end[0], &c, 1);
	return arg;
}

/* Pool c's allocated bytes as seen in a fork child. */
static uint64_t allocated_in_child(void)
{
	int fds[2];
	uint64_t n = UINT64_MAX;
	pid_t pid;

	if (pipe(fds))
		return n;
	pid = fork();
	if (pid == 0) {
		n = arena_allocated(C);
		(void)!write(fds[1], &n, sizeof(n));
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &n, sizeof(n)) != sizeof(n))
		n = UINT64_MAX;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	return n;
}

static void fork_child(void)
{
	fp_thread_fork_child();
}

static void test_fork_caches(void)
{
	uint64_t reserve = (uint64_t)C->min * C->size, held;
	pthread_t t;
	char c;

	ok(pipe(holder_go) == 0 && pipe(holder_end) == 0, "pipes");
	pthread_create(&t, NULL, holder, NULL);
	(void)!read(holder_go[0], &c, 1);
	held = arena_allocated(C);
	ok(held > reserve, "a live thread's cache holds pool c elements (%llu bytes allocated)",
	   (unsigned long long)held);
	is_u64(allocated_in_child(), reserve,
	       "a fork child destroys the caches of the threads it did not inherit");
	is_u64(arena_allocated(C), held, "... the parent's are untouched");
	holder_record->pool_in_jemalloc = 1;	/* as if the fork caught it inside jemalloc */
	is_u64(allocated_in_child(), held,
	       "a cache caught inside jemalloc by the fork is left alone in the child");
	holder_record->pool_in_jemalloc = 0;
	(void)!write(holder_end[1], "e", 1);
	pthread_join(t, NULL);
	is_u64(arena_allocated(C), reserve, "the thread ended: pool c's arena holds its reserve only");
}

static struct {
	int tc, reused;
} lone_saw;

/* Uses pool c when jemalloc has no explicit cache left to give. */
static void *lone(void *arg)
{
	void *e[4], *again[4];

	for (int i = 0; i < 4; i++)
		e[i] = fp_pool_arena_alloc(C, 0);
	for (int i = 0; i < 4; i++)
		fp_pool_give(C, e[i]);
	for (int i = 0; i < 4; i++) {
		again[i] = fp_pool_arena_alloc(C, 0);
		for (int j = 0; j < 4; j++)
			lone_saw.reused += again[i] == e[j];
	}
	for (int i = 0; i < 4; i++)
		fp_pool_give(C, again[i]);
	lone_saw.tc = fp_me->pool_tc[C - fp_pools];
	return arg;
}

static void test_no_cache_left(void)
{
	static unsigned ids[8192];
	size_t len = sizeof(unsigned);
	unsigned n = 0;
	pthread_t t;

	while (n < 8192 && mallctl("tcache.create", &ids[n], &len, NULL, 0) == 0)
		n++;
	ok(n > 0 && n < 8192, "jemalloc's explicit caches used up (%u more made)", n);
	pthread_create(&t, NULL, lone, NULL);
	pthread_join(t, NULL);
	is_int(lone_saw.tc, 1, "a thread that gets no jemalloc cache for pool c goes without");
	is_int(lone_saw.reused, 4, "... its stash still serves its 4 freed elements again");
	is_u64(arena_allocated(C), (uint64_t)C->min * C->size,
	       "... and is emptied into the arena when it ends");
	while (n)
		mallctl("tcache.destroy", NULL, NULL, &ids[--n], sizeof(unsigned));
}

int main(void)
{
	char err[256];
	int rc = fp_pool_init_all("a:site=func:a,min=4,size=64;"
				  "b:site=func:b,min=2,size=128;"
				  "w:site=func:w,min=2,size=32,wait=5s;"
				  "t:site=func:t,min=2,size=32,wait=100ms;"
				  "f:site=func:f,min=2,size=32,wait=forever;"
				  "h:site=func:h,min=8,size=256,wait=forever;"
				  "c:site=func:c,min=2,size=64;"
				  "l:site=func:l,min=1,size=64K",
				  err, sizeof(err));

	fp_thread_init(0);	/* records: where threads keep their pool caches */
	pthread_atfork(NULL, NULL, fork_child);
	is_int(rc, 0, "eight pools created");
	if (rc) {
		diag("%s", err);
		return done_testing();
	}
	A = &fp_pools[0];
	B = &fp_pools[1];
	W = &fp_pools[2];
	T = &fp_pools[3];
	F = &fp_pools[4];
	H = &fp_pools[5];
	C = &fp_pools[6];
	L = &fp_pools[7];
	test_reserve();
	test_ownership();
	test_wait(W, "wait=5s", 50);
	test_wait(F, "wait=forever", 200);
	test_timeout();
	test_hammer();
	test_thread_caches();
	test_fork_caches();
	test_no_cache_left();
	/* Last: an address-space ceiling 64 MiB above what is mapped now. */
	{
		struct rlimit rl = { .rlim_cur = vm_size() + (64u << 20), .rlim_max = RLIM_INFINITY };

		ok(setrlimit(RLIMIT_AS, &rl) == 0, "RLIMIT_AS set 64 MiB above the current size");
	}
	rc = fp_pool_init_all("x:site=func:x,min=100,size=1M", err, sizeof(err));
	is_int(rc, -ENOMEM, "a reserve that cannot be made: -ENOMEM");
	ok(strstr(err, "pool 'x': cannot pre-allocate 100 elements of 1048576 bytes") != NULL,
	   "... naming the pool: %s", err);
	return done_testing();
}
