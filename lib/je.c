/* jemalloc glue: with lib/poolmap.c, the only file that includes lib/jeapi.h. */
#include "config.h"
#include "je.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "fp.h"
#include "jeapi.h"

/*
 * The front: glibc's shape on jemalloc (je.h). A request of n bytes with
 * FP_JE_MIN_FAST <= n <= the limit goes straight on with one compare
 * (n - FP_JE_MIN_FAST > span wraps for smaller n); the rest is an edge.
 */
#define FP_JE_MIN_FAST	(FP_JE_MIN_BLOCK / 2 + 1)	/* 9: 9..16 take the 16-byte class */

size_t fp_je_limit = SIZE_MAX;
static size_t span = SIZE_MAX - FP_JE_MIN_FAST;

static inline int is_edge(size_t n)
{
	return n - FP_JE_MIN_FAST > span;
}

static void *refused(void)
{
	errno = ENOMEM;
	return NULL;
}

static FP_NOINLINE void *edge_malloc(size_t n)
{
	return n < FP_JE_MIN_BLOCK ? fp_jemalloc_malloc(FP_JE_MIN_BLOCK) : refused();
}

static void *front_malloc(size_t n)
{
	if (FP_UNLIKELY(is_edge(n)))
		return edge_malloc(n);
	return fp_jemalloc_malloc(n);
}

static FP_NOINLINE void *edge_calloc(size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total))
		return fp_jemalloc_calloc(n, size);	/* ENOMEM, as glibc */
	return total < FP_JE_MIN_BLOCK ? fp_jemalloc_calloc(1, FP_JE_MIN_BLOCK) : refused();
}

static void *front_calloc(size_t n, size_t size)
{
	size_t total;

	if (FP_UNLIKELY(__builtin_mul_overflow(n, size, &total) || is_edge(total)))
		return edge_calloc(n, size);
	return fp_jemalloc_calloc(n, size);
}

/*
 * Growth beyond the limit is refused; glibc grows a large block with
 * mremap, which the kernel charges only for the growth.
 */
static FP_NOINLINE void *edge_realloc(void *ptr, size_t n)
{
	if (n < FP_JE_MIN_BLOCK)
		return fp_jemalloc_realloc(ptr, n ? FP_JE_MIN_BLOCK : 0);
	if (n - fp_jemalloc_malloc_usable_size(ptr) > fp_je_limit)
		return refused();
	return fp_jemalloc_realloc(ptr, n);
}

static void *front_realloc(void *ptr, size_t n)
{
	if (FP_UNLIKELY(is_edge(n)))
		return edge_realloc(ptr, n);
	return fp_jemalloc_realloc(ptr, n);
}

/* glibc's _int_memalign asks _int_malloc for the size, the alignment and MINSIZE. */
static int front_posix_memalign(void **out, size_t align, size_t n)
{
	size_t need;
	void *p;

	if (align <= FP_JE_MIN_BLOCK) {
		p = front_malloc(n);
		if (!p)
			return ENOMEM;
		*out = p;
		return 0;
	}
	need = n < 9 ? 32 : (n + 23) & ~(size_t)15;
	if (n > SIZE_MAX - 64 || __builtin_add_overflow(need, align, &need) ||
	    __builtin_add_overflow(need, 32, &need) || need > fp_je_limit)
		return ENOMEM;
	return fp_jemalloc_posix_memalign(out, align, n);
}

struct fp_je fp_je = {
	.malloc = front_malloc,
	.calloc = front_calloc,
	.realloc = front_realloc,
	.free = fp_jemalloc_free,
	.posix_memalign = front_posix_memalign,
	.usable = fp_jemalloc_malloc_usable_size,
};

size_t fp_je_limit_for(int overcommit, uint64_t ram_swap, uint64_t commit_limit)
{
	uint64_t total;

	switch (overcommit) {
	case 0:
		total = ram_swap;
		break;
	case 2:
		total = commit_limit;
		break;
	default:
		return SIZE_MAX;
	}
	/* glibc maps ALIGN_UP(((n + 23) & ~15) + 8, page) bytes for n. */
	return total < 24 ? 0 : (size_t)(total - 24);
}

/* A small /proc file into @buf, NUL-terminated, with plain system calls. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* The value in kB of meminfo's @key ("CommitLimit:"), in bytes; 0 if absent. */
static uint64_t meminfo_bytes(const char *key)
{
	char buf[4096];
	const char *at;
	uint64_t v = 0;

	if (read_small("/proc/meminfo", buf, sizeof(buf)) < 0 || !(at = strstr(buf, key)))
		return 0;
	for (at += strlen(key); *at == ' '; at++)
		;
	for (; *at >= '0' && *at <= '9'; at++)
		v = v * 10 + (uint64_t)(*at - '0');
	return v * 1024;
}

void fp_je_limit_set(size_t limit)
{
	fp_je_limit = limit;
	span = limit < FP_JE_MIN_FAST ? 0 : limit - FP_JE_MIN_FAST;
}

void fp_je_limit_init(void)
{
	char buf[16];
	struct sysinfo si;
	uint64_t ram_swap = 0;
	int mode;

	if (read_small("/proc/sys/vm/overcommit_memory", buf, sizeof(buf)) <= 0)
		return;		/* no /proc: no limit */
	mode = buf[0] - '0';
	if (mode == 0) {
		if (sysinfo(&si))
			return;
		ram_swap = ((uint64_t)si.totalram + si.totalswap) * (si.mem_unit ? si.mem_unit : 1);
	}
	fp_je_limit = fp_je_limit_for(mode, ram_swap,
				      mode == 2 ? meminfo_bytes("CommitLimit:") : 0);
	if (mode == 2 && fp_je_limit == 0)
		fp_je_limit = SIZE_MAX;	/* unreadable: leave it to the kernel */
	fp_je_limit_set(fp_je_limit);
}

void fp_je_init(void)
{
	/* An allocation initialises jemalloc wholly (nallocx does not). */
	void *p = mallocx(1, MALLOCX_TCACHE_NONE);

	if (p)
		dallocx(p, MALLOCX_TCACHE_NONE);
}

size_t fp_je_nalloc(size_t size, size_t align)
{
	if (align <= FP_JE_MIN_BLOCK)
		return nallocx(size < FP_JE_MIN_BLOCK ? FP_JE_MIN_BLOCK : size, 0);
	return nallocx(size ? size : 1, MALLOCX_ALIGN(align));
}

static unsigned own_flags = MALLOCX_TCACHE_NONE;

int fp_je_arena_init(void)
{
	unsigned arena;
	size_t len = sizeof(arena);

	/* Made once: a served run has it from its server (lib/serve.c). */
	if (own_flags != MALLOCX_TCACHE_NONE)
		return 0;
	if (mallctl("arenas.create", &arena, &len, NULL, 0))
		return -ENOMEM;
	own_flags = MALLOCX_ARENA(arena) | MALLOCX_TCACHE_NONE;
	return 0;
}

/*
 * When memory is really exhausted the shim still has to record a new site
 * (so that its pool can serve it) or a thread's shard: a small static
 * reserve, handed out by a bump pointer and never freed.
 */
#define EMERGENCY_SIZE	(512 * 1024)
static char emergency[EMERGENCY_SIZE] __attribute__((aligned(64)));
static _Atomic size_t emergency_used;

static void *emergency_alloc(size_t size)
{
	size_t n = (size + 63) & ~(size_t)63;
	size_t at = atomic_fetch_add_explicit(&emergency_used, n, memory_order_relaxed);

	if (at + n > EMERGENCY_SIZE || at + n < at)
		return NULL;
	return emergency + at;	/* zero: static storage, never reused */
}

static int emergency_only;

void fp_je_own_emergency(void)
{
	emergency_only = 1;
}

void *fp_je_own_alloc(size_t size)
{
	void *p = emergency_only ? NULL : mallocx(size ? size : 1, own_flags | MALLOCX_ZERO);

	return p ? p : emergency_alloc(size ? size : 1);
}

void *fp_je_own_try_alloc(size_t size)
{
	return emergency_only ? NULL : mallocx(size ? size : 1, own_flags);
}

void fp_je_own_free(void *ptr)
{
	if (ptr && ((char *)ptr < emergency || (char *)ptr >= emergency + EMERGENCY_SIZE))
		dallocx(ptr, MALLOCX_TCACHE_NONE);
}

void *fp_je_arena_alloc(size_t size, unsigned arena, int zero)
{
	if (size > fp_je_limit) {
		errno = ENOMEM;
		return NULL;
	}
	return mallocx(size < FP_JE_MIN_BLOCK ? FP_JE_MIN_BLOCK : size,
		       MALLOCX_ARENA(arena) | MALLOCX_TCACHE_NONE |
			  (zero ? MALLOCX_ZERO : 0));
}

void fp_je_arena_free(void *ptr)
{
	if (ptr)
		dallocx(ptr, MALLOCX_TCACHE_NONE);
}

int fp_je_tcache_create(void)
{
	unsigned tc;
	size_t len = sizeof(tc);

	if (mallctl("tcache.create", &tc, &len, NULL, 0) || tc > INT_MAX)
		return -1;
	return (int)tc;
}

void fp_je_tcache_destroy(int tc)
{
	unsigned id = (unsigned)tc;

	if (tc >= 0)
		(void)mallctl("tcache.destroy", NULL, NULL, &id, sizeof(id));
}

size_t fp_je_tcache_max(void)
{
	size_t max, len = sizeof(max);

	return mallctl("arenas.tcache_max", &max, &len, NULL, 0) ? 0 : max;
}

/* MALLOCX_TCACHE(-1) is MALLOCX_TCACHE_NONE: -1 needs no test. */
void *fp_je_tcache_alloc(size_t size, unsigned arena, int zero, int tc)
{
	if (FP_UNLIKELY(size > fp_je_limit)) {
		errno = ENOMEM;
		return NULL;
	}
	return mallocx(size < FP_JE_MIN_BLOCK ? FP_JE_MIN_BLOCK : size,
		       MALLOCX_ARENA(arena) | MALLOCX_TCACHE(tc) | (zero ? MALLOCX_ZERO : 0));
}

void fp_je_tcache_free(void *ptr, size_t size, int tc)
{
	sdallocx(ptr, size < FP_JE_MIN_BLOCK ? FP_JE_MIN_BLOCK : size, MALLOCX_TCACHE(tc));
}

/*
 * New threads under real exhaustion (jemalloc issue #2289). A thread's
 * first call into jemalloc allocates its thread cache's stacks from arena 0
 * and, unless every automatic arena exists, creates an arena; jemalloc 5.3
 * ignores a failure of either and the thread's next malloc dereferences a
 * NULL cache stack (or a NULL arena). So: every automatic arena is created
 * at the first pthread_create, each new thread sets up its jemalloc state
 * before the program's function runs, and a spare block in arena 0 is given
 * back just before, so that the thread cache's stacks fit in memory already
 * mapped even when none is left (FP_JE_SPARE is well above the 28 KiB that
 * jemalloc 5.3 takes with its default settings, measured on x86-64).
 */
#define FP_JE_SPARE	(128 * 1024)

static void *_Atomic spare;

static void *spare_alloc(void)
{
	return mallocx(FP_JE_SPARE, MALLOCX_ARENA(0) | MALLOCX_TCACHE_NONE);
}

static void create_arenas(void)
{
	unsigned n, cur, i;
	size_t len = sizeof(n);

	if (mallctl("opt.narenas", &n, &len, NULL, 0))
		return;
	len = sizeof(cur);
	if (mallctl("thread.arena", &cur, &len, NULL, 0))
		return;
	/* Binding the caller to an arena creates it; then bind it back. */
	for (i = 0; i < n; i++)
		(void)mallctl("thread.arena", NULL, NULL, &i, sizeof(i));
	(void)mallctl("thread.arena", NULL, NULL, &cur, sizeof(cur));
}

int fp_je_thread_prepare(void)
{
	static _Atomic int arenas_done;
	void *none = NULL, *p;

	if (!atomic_exchange(&arenas_done, 1))
		create_arenas();
	if (atomic_load_explicit(&spare, memory_order_acquire))
		return 0;
	p = spare_alloc();
	if (!p)
		return -EAGAIN;
	if (!atomic_compare_exchange_strong(&spare, &none, p))
		dallocx(p, MALLOCX_TCACHE_NONE);
	return 0;
}

__thread uint64_t *fp_je_freed __attribute__((tls_model("initial-exec")));

void fp_je_freed_init(void)
{
	uint64_t *p = NULL;
	size_t len = sizeof(p);

	if (!fp_je_freed && mallctl("thread.deallocatedp", &p, &len, NULL, 0) == 0)
		fp_je_freed = p;
}

void fp_je_thread_start(void)
{
	void *p = atomic_exchange(&spare, NULL), *none = NULL;
	_Bool on;
	size_t len = sizeof(on);

	/* A free sets up only jemalloc's minimal state: no thread cache yet. */
	if (p)
		dallocx(p, MALLOCX_TCACHE_NONE);
	/* Any mallctl sets up the whole: thread cache and arena. */
	(void)mallctl("thread.tcache.enabled", &on, &len, NULL, 0);
	fp_je_freed_init();
	if (p && (p = spare_alloc()) && !atomic_compare_exchange_strong(&spare, &none, p))
		dallocx(p, MALLOCX_TCACHE_NONE);
}
