/*
 * lib/je.h on the test process's own heap (fake-je.h): every entry of
 * struct fp_je and every fp_je_* function, so that the linker never needs
 * lib/je.c (it would then stop on the duplicate definitions).
 */
#include "config.h"
#include "fake-je.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "je.h"

#define HEADER		32
#define MAGIC		0x66616b656a650000ULL
#define OWN		(~0u)

struct header {
	uint64_t magic;
	void *raw;
	size_t usable;
	unsigned arena;		/* OWN: the shim's own memory */
};

struct fake_je fake_je;
size_t fp_je_limit = SIZE_MAX;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

size_t fake_je_class(size_t size)
{
	return size <= 16 ? 16 : (size + 15) & ~(size_t)15;
}

static struct header *header_of(void *p)
{
	struct header *h = (struct header *)((char *)p - HEADER);

	if (h->magic != MAGIC)
		abort();	/* not a block of the fake: a test's bug */
	return h;
}

/* One request, counted in @counter; refused while fail_next lasts. */
static void *take(size_t size, size_t align, unsigned arena, int zero, unsigned *counter)
{
	size_t a = align > HEADER ? align : HEADER, usable = fake_je_class(size);
	struct header *h;
	void *raw;
	char *p;

	pthread_mutex_lock(&lock);
	(*counter)++;
	if (arena != OWN && fake_je.fail_next) {
		fake_je.fail_next--;
		pthread_mutex_unlock(&lock);
		errno = ENOMEM;
		return NULL;
	}
	if (arena != OWN)
		fake_je.live += usable;
	pthread_mutex_unlock(&lock);
	if (posix_memalign(&raw, a, a + usable))
		abort();
	p = (char *)raw + a;
	if (zero)
		memset(p, 0, usable);
	h = (struct header *)(p - HEADER);
	*h = (struct header){ .magic = MAGIC, .raw = raw, .usable = usable, .arena = arena };
	return p;
}

static void give_back(void *p)
{
	struct header *h;

	if (!p)
		return;
	h = header_of(p);
	pthread_mutex_lock(&lock);
	fake_je.frees++;
	if (h->arena != OWN)
		fake_je.live -= h->usable;
	pthread_mutex_unlock(&lock);
	h->magic = 0;
	free(h->raw);
}

static void *fake_malloc(size_t size)
{
	return take(size, 0, 0, 0, &fake_je.mallocs);
}

static void *fake_calloc(size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return take(total, 0, 0, 1, &fake_je.callocs);
}

static void *fake_realloc(void *ptr, size_t size)
{
	void *q;

	if (!ptr)
		return fake_malloc(size);
	q = take(size, 0, header_of(ptr)->arena, 0, &fake_je.reallocs);
	if (!q)
		return NULL;	/* the old block stays as it was */
	memcpy(q, ptr, header_of(ptr)->usable < size ? header_of(ptr)->usable : size);
	give_back(ptr);
	return q;
}

static int fake_posix_memalign(void **out, size_t align, size_t size)
{
	void *p = take(size, align, 0, 0, &fake_je.memaligns);

	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

static size_t fake_usable(void *ptr)
{
	return ptr ? header_of(ptr)->usable : 0;
}

struct fp_je fp_je = {
	.malloc = fake_malloc,
	.calloc = fake_calloc,
	.realloc = fake_realloc,
	.free = give_back,
	.posix_memalign = fake_posix_memalign,
	.usable = fake_usable,
};

__thread uint64_t *fp_je_freed __attribute__((tls_model("initial-exec")));

void fp_je_freed_init(void)
{
}

size_t fp_je_limit_for(int overcommit, uint64_t ram_swap, uint64_t commit_limit)
{
	return SIZE_MAX;
}

void fp_je_limit_set(size_t limit)
{
	fp_je_limit = limit;
}

void fp_je_limit_init(void)
{
}

void fp_je_init(void)
{
}

size_t fp_je_nalloc(size_t size, size_t align)
{
	return fake_je_class(size);
}

int fp_je_arena_init(void)
{
	return 0;
}

void *fp_je_own_alloc(size_t size)
{
	return take(size, 0, OWN, 1, &fake_je.own_allocs);
}

void *fp_je_own_try_alloc(size_t size)
{
	return take(size, 0, OWN, 0, &fake_je.own_allocs);
}

void fp_je_own_emergency(void)
{
}

void fp_je_own_free(void *ptr)
{
	give_back(ptr);
}

void *fp_je_arena_alloc(size_t size, unsigned arena, int zero)
{
	return take(size, 0, arena, zero, &fake_je.arena_allocs);
}

void fp_je_arena_free(void *ptr)
{
	give_back(ptr);
}

int fp_je_thread_prepare(void)
{
	return 0;
}

void fp_je_thread_start(void)
{
}

/* No thread caches in the fake: a pool's requests go to its arena. */
int fp_je_tcache_create(void)
{
	return -1;
}

void fp_je_tcache_destroy(int tc)
{
	(void)tc;
}

size_t fp_je_tcache_max(void)
{
	return 0;
}

void *fp_je_tcache_alloc(size_t size, unsigned arena, int zero, int tc)
{
	(void)tc;
	return fp_je_arena_alloc(size, arena, zero);
}

void fp_je_tcache_free(void *ptr, size_t size, int tc)
{
	(void)size;
	(void)tc;
	give_back(ptr);
}
