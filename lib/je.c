/* jemalloc glue: the only file that includes <jemalloc/jemalloc.h>. */
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
#include <jemalloc/jemalloc.h>

#include "fp.h"

/*
 * Bootstrap: used before the constructor has resolved jemalloc's malloc.
 * mallocx(0) is undefined in jemalloc, hence the size 1.
 */
static void *boot_malloc(size_t size)
{
	void *p = mallocx(size ? size : 1, 0);

	if (!p)
		errno = ENOMEM;
	return p;
}

static void *boot_calloc(size_t n, size_t size)
{
	size_t total;
	void *p;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	p = mallocx(total ? total : 1, MALLOCX_ZERO);
	if (!p)
		errno = ENOMEM;
	return p;
}

static void boot_free(void *ptr)
{
	if (ptr)
		dallocx(ptr, 0);
}

static void *boot_realloc(void *ptr, size_t size)
{
	void *p;

	if (!ptr)
		return boot_malloc(size);
	if (!size) {
		dallocx(ptr, 0);
		return NULL;
	}
	p = rallocx(ptr, size, 0);
	if (!p)
		errno = ENOMEM;
	return p;
}

static int boot_posix_memalign(void **out, size_t align, size_t size)
{
	void *p = mallocx(size ? size : 1, MALLOCX_ALIGN(align));

	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

static size_t boot_usable(void *ptr)
{
	return ptr ? sallocx(ptr, 0) : 0;
}

/* jemalloc's own entry points, or the x-API bootstraps until resolved. */
static struct fp_je raw = {
	.malloc = boot_malloc,
	.calloc = boot_calloc,
	.realloc = boot_realloc,
	.free = boot_free,
	.posix_memalign = boot_posix_memalign,
	.usable = boot_usable,
};

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
	return n < FP_JE_MIN_BLOCK ? raw.malloc(FP_JE_MIN_BLOCK) : refused();
}

static void *front_malloc(size_t n)
{
	if (FP_UNLIKELY(is_edge(n)))
		return edge_malloc(n);
	return raw.malloc(n);
}

static FP_NOINLINE void *edge_calloc(size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total))
		return raw.calloc(n, size);	/* ENOMEM, as glibc */
	return total < FP_JE_MIN_BLOCK ? raw.calloc(1, FP_JE_MIN_BLOCK) : refused();
}

static void *front_calloc(size_t n, size_t size)
{
	size_t total;

	if (FP_UNLIKELY(__builtin_mul_overflow(n, size, &total) || is_edge(total)))
		return edge_calloc(n, size);
	return raw.calloc(n, size);
}

/*
 * Growth beyond the limit is refused; glibc grows a large block with
 * mremap, which the kernel charges only for the growth.
 */
static FP_NOINLINE void *edge_realloc(void *ptr, size_t n)
{
	if (n < FP_JE_MIN_BLOCK)
		return raw.realloc(ptr, n ? FP_JE_MIN_BLOCK : 0);
	if (n - raw.usable(ptr) > fp_je_limit)
		return refused();
	return raw.realloc(ptr, n);
}

static void *front_realloc(void *ptr, size_t n)
{
	if (FP_UNLIKELY(is_edge(n)))
		return edge_realloc(ptr, n);
	return raw.realloc(ptr, n);
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
	return raw.posix_memalign(out, align, n);
}

struct fp_je fp_je = {
	.malloc = front_malloc,
	.calloc = front_calloc,
	.realloc = front_realloc,
	.free = boot_free,
	.posix_memalign = front_posix_memalign,
	.usable = boot_usable,
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

/* jemalloc's handle: by soname, else by the file that defines mallocx. */
static void *jemalloc_handle(void)
{
	Dl_info info;
	void *h = dlopen("libjemalloc.so.2", RTLD_LAZY | RTLD_NOLOAD);

	if (h)
		return h;
	if (dladdr((void *)mallocx, &info) && info.dli_fname)
		h = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
	return h;
}

int fp_je_resolve(void)
{
	struct fp_je je;
	void *h = jemalloc_handle();

	if (!h)
		return -ENOENT;
	*(void **)&je.malloc = dlsym(h, "malloc");
	*(void **)&je.calloc = dlsym(h, "calloc");
	*(void **)&je.realloc = dlsym(h, "realloc");
	*(void **)&je.free = dlsym(h, "free");
	*(void **)&je.posix_memalign = dlsym(h, "posix_memalign");
	*(void **)&je.usable = dlsym(h, "malloc_usable_size");
	/* The handle keeps jemalloc's reference count; it must stay loaded. */
	if (!je.malloc || !je.calloc || !je.realloc || !je.free ||
	    !je.posix_memalign || !je.usable)
		return -ENOENT;
	/* A symbol that resolved back into the shim would recurse forever. */
	{
		Dl_info a, b;

		if (dladdr((void *)je.malloc, &a) && dladdr((void *)fp_je_resolve, &b) &&
		    a.dli_fbase == b.dli_fbase)
			return -ENOENT;
	}
	raw = je;
	fp_je.free = je.free;
	fp_je.usable = je.usable;
	return 0;
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
	if (p && (p = spare_alloc()) && !atomic_compare_exchange_strong(&spare, &none, p))
		dallocx(p, MALLOCX_TCACHE_NONE);
}
