/* jemalloc glue: the only file that includes <jemalloc/jemalloc.h>. */
#include "config.h"
#include "je.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
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

struct fp_je fp_je = {
	.malloc = boot_malloc,
	.calloc = boot_calloc,
	.realloc = boot_realloc,
	.free = boot_free,
	.posix_memalign = boot_posix_memalign,
	.usable = boot_usable,
};

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
	fp_je = je;
	return 0;
}

size_t fp_je_nalloc(size_t size, size_t align)
{
	return nallocx(size ? size : 1, align ? MALLOCX_ALIGN(align) : 0);
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
	return mallocx(size ? size : 1, MALLOCX_ARENA(arena) | MALLOCX_TCACHE_NONE |
			  (zero ? MALLOCX_ZERO : 0));
}

void fp_je_arena_free(void *ptr)
{
	if (ptr)
		dallocx(ptr, MALLOCX_TCACHE_NONE);
}
