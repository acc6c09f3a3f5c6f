/*
 * Pool arenas' extent hooks and the chunk owner map. A pool's chunks are
 * mapped 2 MiB-aligned and never unmapped (dalloc declines, so jemalloc
 * retains and reuses them; purging gives the pages back), which keeps the
 * map exact for the life of the process.
 */
#include "config.h"
#include "poolmap.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include "jeapi.h"

#include "poolspec.h"
#include "sigctx.h"

#define CHUNK		((uintptr_t)1 << FP_POOLMAP_CHUNK_SHIFT)
#define LEAVES		((size_t)1 << (FP_POOLMAP_ADDR_BITS - FP_POOLMAP_LEAF_SHIFT))
#define LEAF_SIZE	((size_t)1 << (FP_POOLMAP_LEAF_SHIFT - FP_POOLMAP_CHUNK_SHIFT))
#define GROW_MIN	((uintptr_t)4 << 20)	/* map at least this much at once */

uint8_t *const *fp_poolmap;
static uint8_t **leaves;

/* Per pool: the unused tail of its last chunk run, handed out first. */
static struct region {
	atomic_flag lock;
	uintptr_t cur, end;
} regions[FP_POOLS_MAX];

static unsigned arena_pool[4096];	/* arena index -> pool index + 1 */

static void lock(atomic_flag *l)
{
	fp_lock_check();
	while (atomic_flag_test_and_set_explicit(l, memory_order_acquire))
		;
}

static void unlock(atomic_flag *l)
{
	atomic_flag_clear_explicit(l, memory_order_release);
}

static int map_init(void)
{
	void *m;

	if (leaves)
		return 0;
	m = mmap(NULL, LEAVES * sizeof(*leaves), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return -1;
	leaves = m;
	atomic_thread_fence(memory_order_release);
	fp_poolmap = (uint8_t *const *)leaves;
	return 0;
}

/* Record chunks [base, base + len) as pool @owner's (index + 1). */
static int mark(uintptr_t base, uintptr_t len, uint8_t owner)
{
	for (uintptr_t a = base; a < base + len; a += CHUNK) {
		size_t l1 = a >> FP_POOLMAP_LEAF_SHIFT;
		uint8_t *leaf = leaves[l1];

		if (!leaf) {
			void *m = mmap(NULL, LEAF_SIZE, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (m == MAP_FAILED)
				return -1;
			/* Leaves are only added (under a region lock, but pools race). */
			if (!__atomic_compare_exchange_n(&leaves[l1], &leaf, m, false,
							 __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
				munmap(m, LEAF_SIZE);
			leaf = leaves[l1];
		}
		__atomic_store_n(&leaf[(a >> FP_POOLMAP_CHUNK_SHIFT) & (LEAF_SIZE - 1)],
				 owner, __ATOMIC_RELEASE);
	}
	return 0;
}

/* A fresh run of chunks, 2 MiB-aligned, at least @len bytes. */
static uintptr_t map_chunks(uintptr_t len, uint8_t owner)
{
	uintptr_t want = (len + CHUNK - 1) & ~(CHUNK - 1);
	char *m = mmap(NULL, want + CHUNK, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t base, head, tail;

	if (m == MAP_FAILED)
		return 0;
	base = ((uintptr_t)m + CHUNK - 1) & ~(CHUNK - 1);
	head = base - (uintptr_t)m;
	tail = CHUNK - head;
	if (head)
		munmap(m, head);
	if (tail)
		munmap((char *)(base + want), tail);
	if (mark(base, want, owner)) {
		munmap((void *)base, want);
		return 0;
	}
	return base;
}

static void *hook_alloc(extent_hooks_t *h, void *new_addr, size_t size,
			size_t alignment, bool *zero, bool *commit, unsigned arena)
{
	unsigned owner = arena < FP_ARRAY_SIZE(arena_pool) ? arena_pool[arena] : 0;
	struct region *r;
	uintptr_t p;

	(void)h;
	if (new_addr || !owner || !alignment || (alignment & (alignment - 1)))
		return NULL;	/* no growing in place: jemalloc copes */
	r = &regions[owner - 1];
	lock(&r->lock);
	p = (r->cur + alignment - 1) & ~(uintptr_t)(alignment - 1);
	if (!r->cur || p + size > r->end || p + size < p) {
		uintptr_t len = size + (alignment > CHUNK ? alignment : 0);
		uintptr_t run = ((len > GROW_MIN ? len : GROW_MIN) + CHUNK - 1) & ~(CHUNK - 1);
		uintptr_t base = map_chunks(run, (uint8_t)owner);

		if (!base) {
			unlock(&r->lock);
			return NULL;
		}
		r->cur = base;
		r->end = base + run;
		p = (r->cur + alignment - 1) & ~(uintptr_t)(alignment - 1);
	}
	r->cur = p + size;
	unlock(&r->lock);
	*zero = true;		/* fresh anonymous pages */
	*commit = true;
	return (void *)p;
}

/* Declined: the extent stays the arena's (retained), so the map stays true. */
static bool hook_dalloc(extent_hooks_t *h, void *addr, size_t size, bool committed,
			unsigned arena)
{
	(void)h; (void)addr; (void)size; (void)committed; (void)arena;
	return true;
}

static void hook_destroy(extent_hooks_t *h, void *addr, size_t size, bool committed,
			 unsigned arena)
{
	(void)h; (void)committed; (void)arena;
	madvise(addr, size, MADV_DONTNEED);	/* keep the range: it is in the map */
}

static bool hook_commit(extent_hooks_t *h, void *addr, size_t size, size_t offset,
			size_t length, unsigned arena)
{
	(void)h; (void)addr; (void)size; (void)offset; (void)length; (void)arena;
	return false;		/* always committed */
}

static bool hook_purge_forced(extent_hooks_t *h, void *addr, size_t size,
			      size_t offset, size_t length, unsigned arena)
{
	(void)h; (void)size; (void)arena;
	return madvise((char *)addr + offset, length, MADV_DONTNEED) != 0;
}

static bool hook_purge_lazy(extent_hooks_t *h, void *addr, size_t size,
			    size_t offset, size_t length, unsigned arena)
{
	(void)h; (void)size; (void)arena;
	return madvise((char *)addr + offset, length, MADV_FREE) != 0;
}

static bool hook_split(extent_hooks_t *h, void *addr, size_t size, size_t size_a,
		       size_t size_b, bool committed, unsigned arena)
{
	(void)h; (void)addr; (void)size; (void)size_a; (void)size_b; (void)committed; (void)arena;
	return false;
}

static bool hook_merge(extent_hooks_t *h, void *addr_a, size_t size_a, void *addr_b,
		       size_t size_b, bool committed, unsigned arena)
{
	(void)h; (void)addr_a; (void)size_a; (void)addr_b; (void)size_b; (void)committed; (void)arena;
	return false;
}

static extent_hooks_t hooks = {
	.alloc = hook_alloc,
	.dalloc = hook_dalloc,
	.destroy = hook_destroy,
	.commit = hook_commit,
	.decommit = NULL,		/* pages stay committed */
	.purge_lazy = hook_purge_lazy,
	.purge_forced = hook_purge_forced,
	.split = hook_split,
	.merge = hook_merge,
};

int fp_poolmap_arena(unsigned index)
{
	extent_hooks_t *h = &hooks;
	unsigned arena;
	size_t sz = sizeof(arena);

	if (index >= FP_POOLS_MAX || map_init()) {
		errno = ENOMEM;
		return -1;
	}
	/*
	 * The arena's first extent (its own metadata) is allocated inside
	 * arenas.create, before we know its index: let the hook see the pool
	 * through the next index jemalloc will hand out.
	 */
	{
		unsigned narenas;
		size_t nsz = sizeof(narenas);

		if (mallctl("arenas.narenas", &narenas, &nsz, NULL, 0) == 0 &&
		    narenas < FP_ARRAY_SIZE(arena_pool))
			arena_pool[narenas] = index + 1;
	}
	if (mallctl("arenas.create", &arena, &sz, &h, sizeof(h))) {
		errno = ENOMEM;
		return -1;
	}
	if (arena >= FP_ARRAY_SIZE(arena_pool)) {
		errno = ENOMEM;
		return -1;
	}
	arena_pool[arena] = index + 1;
	return (int)arena;
}

void fp_poolmap_fork_prepare(void)
{
	for (unsigned i = 0; i < FP_POOLS_MAX; i++)
		lock(&regions[i].lock);
}

void fp_poolmap_fork_parent(void)
{
	for (unsigned i = 0; i < FP_POOLS_MAX; i++)
		unlock(&regions[i].lock);
}

void fp_poolmap_fork_child(void)
{
	fp_poolmap_fork_parent();
}
