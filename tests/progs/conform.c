/*
 * conform: edge cases of the malloc family, one deterministic line per case.
 *
 *   conform          the battery; run bare (glibc 2.36) and under the shim,
 *                    the two outputs must be identical line by line
 *   conform --owner  under the shim only: every entry point's block comes
 *                    from jemalloc and every free goes back to it (jemalloc's
 *                    per-thread "thread.allocated"/"thread.deallocated"
 *                    counters, read through mallctl found with dlsym)
 *
 * Lines show properties only, never pointers or usable sizes (they differ
 * between allocators): ret=NULL|ptr, errno=unchanged|ENOMEM|EINVAL (errno is
 * set to a sentinel before each call), rc= for posix_memalign, memptr=
 * untouched|set, align=ok|BAD, usable=ok|SHORT (usable >= requested),
 * zero=ok|BAD, kept=ok|LOST (old block intact after a failed realloc),
 * freed=yes|NO.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

/*
 * Call the allocator through volatile pointers: GCC treats its builtin
 * malloc family as leaving errno alone and may fold or drop calls whose
 * result it thinks it knows (malloc(SIZE_MAX), malloc/free pairs).
 */
static void *(*volatile v_malloc)(size_t) = malloc;
static void *(*volatile v_calloc)(size_t, size_t) = calloc;
static void *(*volatile v_realloc)(void *, size_t) = realloc;
static void *(*volatile v_reallocarray)(void *, size_t, size_t) = reallocarray;
static int (*volatile v_posix_memalign)(void **, size_t, size_t) = posix_memalign;
static void *(*volatile v_aligned_alloc)(size_t, size_t) = aligned_alloc;
static void *(*volatile v_memalign)(size_t, size_t) = memalign;
static void *(*volatile v_valloc)(size_t) = valloc;
static void *(*volatile v_pvalloc)(size_t) = pvalloc;
static void (*volatile v_free)(void *) = free;
static size_t (*volatile v_malloc_usable_size)(void *) = malloc_usable_size;
#define malloc(n)		v_malloc(n)
#define calloc(n, s)		v_calloc(n, s)
#define realloc(p, n)		v_realloc(p, n)
#define reallocarray(p, n, s)	v_reallocarray(p, n, s)
#define posix_memalign(m, a, s)	v_posix_memalign(m, a, s)
#define aligned_alloc(a, s)	v_aligned_alloc(a, s)
#define memalign(a, s)		v_memalign(a, s)
#define valloc(n)		v_valloc(n)
#define pvalloc(n)		v_pvalloc(n)
#define free(p)			v_free(p)
#define malloc_usable_size(p)	v_malloc_usable_size(p)

#define SENTINEL 12345
#define PTRDIFF_MAX_PLUS_1 ((size_t)PTRDIFF_MAX + 1)
#define HALF_PLUS_2 (SIZE_MAX / 2 + 2)	/* alignment glibc rejects with EINVAL */

static char outbuf[1 << 16];
static size_t page;

static const char *errname(int e)
{
	static char buf[4][32];
	static unsigned n;
	char *b;

	switch (e) {
	case SENTINEL: return "unchanged";
	case 0: return "0";
	case ENOMEM: return "ENOMEM";
	case EINVAL: return "EINVAL";
	default:
		b = buf[n++ % 4];
		snprintf(b, sizeof(buf[0]), "errno%d", e);
		return b;
	}
}

static int aligned_to(const void *p, size_t a)
{
	return ((uintptr_t)p & (a - 1)) == 0;
}

static int all_bytes(const void *p, size_t n, unsigned char v)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i] != v)
			return 0;
	return 1;
}

/* One line: "NAME: ret=.. errno=.." followed by extra properties. */
static void line(const char *name, const void *ret, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void line(const char *name, const void *ret, int err, const char *fmt, ...)
{
	va_list ap;
	char more[256] = "";

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(more, sizeof(more), fmt, ap);
		va_end(ap);
	}
	printf("%s: ret=%s errno=%s%s%s\n", name, ret ? "ptr" : "NULL", errname(err),
	       *more ? " " : "", more);
}

/*
 * Properties of a successful block: alignment to @a, usable >= @want; then
 * the block is written in full (a short block would show under ASan or
 * corrupt the heap). Call it after any check of the contents.
 */
static const char *props(void *p, size_t a, size_t want)
{
	static char buf[64];

	if (!p)
		return "";
	snprintf(buf, sizeof(buf), "align=%s usable=%s",
		 aligned_to(p, a) ? "ok" : "BAD",
		 malloc_usable_size(p) >= want ? "ok" : "SHORT");
	if (want && malloc_usable_size(p) >= want)
		memset(p, 0xa5, want);
	return buf;
}

static void c_malloc(const char *name, size_t n)
{
	void *p;
	int e;

	errno = SENTINEL;
	p = malloc(n);
	e = errno;
	line(name, p, e, "%s", props(p, 16, n));
	free(p);
}

static void c_calloc(const char *name, size_t n, size_t s)
{
	void *p;
	int e;

	errno = SENTINEL;
	p = calloc(n, s);
	e = errno;
	if (p) {
		const char *z = all_bytes(p, n * s, 0) ? "ok" : "BAD";

		line(name, p, e, "zero=%s %s", z, props(p, 16, n * s));
	}
	else
		line(name, p, e, NULL);
	free(p);
}

/* calloc of memory that was just dirtied and freed. */
static void c_calloc_dirty(const char *name, size_t n)
{
	void *d = malloc(n), *p;
	int e;

	if (d)
		memset(d, 0xaa, n);
	free(d);
	errno = SENTINEL;
	p = calloc(1, n);
	e = errno;
	line(name, p, e, "zero=%s", p && all_bytes(p, n, 0) ? "ok" : "BAD");
	free(p);
}

/* A block of @n bytes filled with a pattern, for realloc cases. */
static void *block(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		printf("setup: malloc(%zu) failed\n", n);
		exit(3);
	}
	memset(p, 0x5a, n);
	return p;
}

/* realloc(p of @old bytes, @n): contents kept whether it fails or not. */
static void c_realloc(const char *name, size_t old, size_t n)
{
	void *p = old ? block(old) : NULL;
	void *r;
	int e;
	size_t keep = old < n ? old : n;

	errno = SENTINEL;
	r = realloc(p, n);
	e = errno;
	if (!r && p)
		line(name, r, e, "kept=%s", all_bytes(p, old, 0x5a) ? "ok" : "LOST");
	else if (r) {
		const char *k = all_bytes(r, keep, 0x5a) ? "ok" : "LOST";

		line(name, r, e, "kept=%s %s", k, props(r, 16, n));
	}
	else
		line(name, r, e, NULL);
	free(r ? r : p);
}

static void c_realloc_zero(const char *name)
{
	void *p = block(100), *r;
	int e;

	errno = SENTINEL;
	r = realloc(p, 0);
	e = errno;
	line(name, r, e, NULL);
	if (r)
		free(r);	/* should not happen with glibc 2.36 */
}

static void c_reallocarray(const char *name, size_t old, size_t n, size_t s)
{
	void *p = old ? block(old) : NULL;
	void *r;
	int e;

	errno = SENTINEL;
	r = reallocarray(p, n, s);
	e = errno;
	if (!r && p && n * s != 0)
		line(name, r, e, "kept=%s", all_bytes(p, old, 0x5a) ? "ok" : "LOST");
	else if (r)
		line(name, r, e, "%s", props(r, 16, n * s));
	else
		line(name, r, e, NULL);
	if (r)
		free(r);
	else if (p && n * s != 0)
		free(p);
}

/*
 * @either: the allocator may succeed or fail with ENOMEM (a 1 TiB
 * alignment: glibc's result depends on overcommit, jemalloc's on its
 * reservation strategy); print "0|ENOMEM" then, but never accept EINVAL.
 */
static void c_posix_memalign(const char *name, size_t a, size_t n, int either)
{
	void *m = (void *)&m;
	int rc, e;

	errno = SENTINEL;
	rc = posix_memalign(&m, a, n);
	e = errno;
	if (either && (rc == 0 || rc == ENOMEM)) {
		/* Same line either way; only a broken property shows. */
		printf("%s: rc=0|ENOMEM%s\n", name,
		       rc ? (m == (void *)&m ? "" : " memptr=SET")
			  : aligned_to(m, a) ? "" : " align=BAD");
		if (!rc)
			free(m);
		return;
	}
	if (rc) {
		printf("%s: rc=%s errno=%s memptr=%s\n", name, errname(rc), errname(e),
		       m == (void *)&m ? "untouched" : "SET");
		return;
	}
	printf("%s: rc=0 errno=%s memptr=set %s\n", name, errname(e),
	       props(m, a ? a : 1, n));
	free(m);
}

/* aligned_alloc and memalign: glibc 2.36 rounds a bad alignment up. */
static void c_memalign(const char *name, int aligned, size_t a, size_t n,
		       size_t check, int either)
{
	void *p;
	int e;

	errno = SENTINEL;
	p = aligned ? aligned_alloc(a, n) : memalign(a, n);
	e = errno;
	if (either && (p || e == ENOMEM)) {
		printf("%s: ret=ptr|NULL-ENOMEM%s\n", name,
		       p && !aligned_to(p, check) ? " align=BAD" : "");
		free(p);
		return;
	}
	line(name, p, e, "%s", props(p, check, n));
	free(p);
}

static void c_valloc(const char *name, int pv, size_t n)
{
	void *p;
	int e;
	size_t want = n;

	if (pv)
		want = (n + page - 1) / page * page;
	errno = SENTINEL;
	p = pv ? pvalloc(n) : valloc(n);
	e = errno;
	line(name, p, e, "%s", props(p, page, want));
	free(p);
}

/* Resident set size in bytes, from /proc/self/statm. */
static size_t rss(void)
{
	char buf[128];
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size = 0, res = 0;

	if (f) {
		if (fgets(buf, sizeof(buf), f))
			sscanf(buf, "%lu %lu", &size, &res);
		fclose(f);
	}
	return res * page;
}

/*
 * realloc(p, 0) and reallocarray(p, 0, n) free the block: 256 rounds of a
 * 1 MiB block written in full would leave 256 MiB resident if they did not.
 */
static void c_freed(const char *name, int array)
{
	size_t before = rss(), after;
	void *r = NULL;
	int e = SENTINEL, i;

	for (i = 0; i < 256; i++) {
		void *p = block(1 << 20);

		errno = SENTINEL;
		r = array ? reallocarray(p, 0, 8) : realloc(p, 0);
		if (errno != SENTINEL)
			e = errno;
		if (r) {
			free(r);
			break;
		}
	}
	after = rss();
	printf("%s: ret=%s errno=%s freed=%s\n", name, r ? "ptr" : "NULL", errname(e),
	       after < before + (64u << 20) ? "yes" : "NO");
}

/*
 * Small blocks: glibc's are 16-byte aligned on x86-64 whatever the size;
 * jemalloc's 8-byte class is not. 64 blocks per case, all kept until the
 * end so that neighbours in one slab are seen too.
 */
#define SMALL_N 64

static void c_small(const char *name, int kind, size_t n)
{
	void *p[SMALL_N];
	int bad = 0, null = 0;

	for (int i = 0; i < SMALL_N; i++) {
		void *q = NULL;

		switch (kind) {
		case 0: p[i] = malloc(n); break;
		case 1: p[i] = calloc(1, n); break;
		case 2: p[i] = realloc(NULL, n); break;
		case 3:	/* shrinking to n */
			q = malloc(100);
			p[i] = q ? realloc(q, n) : NULL;
			if (!p[i])
				free(q);
			break;
		case 4:	/* growing from 1 to n */
			q = malloc(1);
			p[i] = q ? realloc(q, n) : NULL;
			if (!p[i])
				free(q);
			break;
		case 5: p[i] = memalign(8, n); break;
		case 6: p[i] = aligned_alloc(8, n); break;
		case 7: if (posix_memalign(&p[i], 8, n)) p[i] = NULL; break;
		case 8: p[i] = memalign(1, n); break;
		case 9: p[i] = reallocarray(NULL, 1, n); break;
		case 10: p[i] = aligned_alloc(4, n); break;
		}
		if (!p[i])
			null++;
		else if (!aligned_to(p[i], 16))
			bad++;
	}
	printf("%s x%d: null=%d align16=%s\n", name, SMALL_N, null, bad ? "BAD" : "ok");
	for (int i = 0; i < SMALL_N; i++)
		free(p[i]);
}

static void smalls(void)
{
	static const char *const kinds[] = {
		"malloc(%zu)", "calloc(1,%zu)", "realloc(NULL,%zu)", "realloc(p100,%zu)",
		"realloc(p1,%zu)", "memalign(8,%zu)", "aligned_alloc(8,%zu)",
		"posix_memalign(8,%zu)", "memalign(1,%zu)", "reallocarray(NULL,1,%zu)",
		"aligned_alloc(4,%zu)",
	};
	char name[64];

	for (int k = 0; k < (int)(sizeof(kinds) / sizeof(kinds[0])); k++)
		for (size_t n = 0; n <= 16; n++) {
			if ((k == 3 || k == 4) && n == 0)
				continue;	/* realloc(p, 0) frees */
			snprintf(name, sizeof(name), kinds[k], n);
			c_small(name, k, n);
		}
	{
		void *p[SMALL_N];
		int bad = 0;

		for (int i = 0; i < SMALL_N; i++) {
			p[i] = calloc(1, 1);
			bad += p[i] && !aligned_to(p[i], 16);
		}
		printf("calloc(1,1) x%d: align16=%s\n", SMALL_N, bad ? "BAD" : "ok");
		for (int i = 0; i < SMALL_N; i++)
			free(p[i]);
	}
}

/*
 * Requests glibc refuses on this machine: larger than the kernel's
 * overcommit heuristic allows (RAM plus swap in mode 0, /proc/sys/vm/
 * overcommit_memory) or any mode's answer. Only ret and errno: a block
 * this large is never touched (it would exhaust memory).
 */
static void c_huge(const char *name, void *p, int e)
{
	printf("%s: ret=%s errno=%s\n", name, p ? "ptr" : "NULL", errname(e));
	free(p);
}

#define HUGE(name, expr) \
	do { errno = SENTINEL; void *p_ = (expr); c_huge(name, p_, errno); } while (0)

static void huges(void)
{
	const size_t tib = (size_t)1 << 40;
	struct sysinfo si;
	size_t total = 0;
	void *m;
	int rc;

	HUGE("malloc(1TiB)", malloc(tib));
	HUGE("calloc(1,1TiB)", calloc(1, tib));
	HUGE("calloc(1MiB,1MiB)", calloc(1 << 20, 1 << 20));
	HUGE("realloc(NULL,1TiB)", realloc(NULL, tib));
	{
		void *p = block(100);

		errno = SENTINEL;
		void *r = realloc(p, tib);
		int e = errno;

		printf("realloc(p100,1TiB): ret=%s errno=%s kept=%s\n", r ? "ptr" : "NULL",
		       errname(e), r || all_bytes(p, 100, 0x5a) ? "ok" : "LOST");
		free(r ? r : p);
	}
	{
		void *p = block(1 << 20);

		errno = SENTINEL;
		void *r = realloc(p, tib);
		int e = errno;

		printf("realloc(p1MiB,1TiB): ret=%s errno=%s\n", r ? "ptr" : "NULL", errname(e));
		free(r ? r : p);
	}
	HUGE("reallocarray(NULL,1MiB,1MiB)", reallocarray(NULL, 1 << 20, 1 << 20));
	HUGE("memalign(64,1TiB)", memalign(64, tib));
	HUGE("memalign(1TiB,1)", memalign(tib, 1));
	HUGE("aligned_alloc(1TiB,1)", aligned_alloc(tib, 1));
	HUGE("aligned_alloc(4096,1TiB)", aligned_alloc(4096, tib));
	HUGE("valloc(1TiB)", valloc(tib));
	HUGE("pvalloc(1TiB)", pvalloc(tib));
	m = NULL;
	errno = SENTINEL;
	rc = posix_memalign(&m, tib, 1);
	printf("posix_memalign(1TiB,1): rc=%s errno=%s\n", errname(rc), errname(errno));
	free(rc ? NULL : m);
	m = NULL;
	errno = SENTINEL;
	rc = posix_memalign(&m, 64, tib);
	printf("posix_memalign(64,1TiB): rc=%s errno=%s\n", errname(rc), errname(errno));
	free(rc ? NULL : m);

	/*
	 * Either side of the heuristic's edge (mode 0: RAM plus swap, less
	 * glibc's 24 bytes of rounding and header). Not at the byte: a glibc
	 * whose mmap fails grows its heap with brk, which the kernel charges
	 * only for what the heap's top does not already hold.
	 */
	if (sysinfo(&si) == 0)
		total = ((size_t)si.totalram + si.totalswap) * si.mem_unit;
	if (total > 64) {
		size_t margin = total / 4 < (1u << 30) ? total / 4 : (1u << 30);

		HUGE("malloc(RAM+swap-1GiB)", malloc(total - margin));
		HUGE("calloc(1,RAM+swap-1GiB)", calloc(1, total - margin));
		HUGE("malloc(RAM+swap+1GiB)", malloc(total + margin));
		HUGE("calloc(1,RAM+swap+1GiB)", calloc(1, total + margin));
		HUGE("realloc(NULL,RAM+swap+1GiB)", realloc(NULL, total + margin));
	}
}

static void battery(void)
{
	int e;
	size_t u;

	c_malloc("malloc(0)", 0);
	c_malloc("malloc(1)", 1);
	c_malloc("malloc(1000)", 1000);
	c_malloc("malloc(1<<20)", 1 << 20);
	c_malloc("malloc(SIZE_MAX)", SIZE_MAX);
	c_malloc("malloc(PTRDIFF_MAX+1)", PTRDIFF_MAX_PLUS_1);
	c_malloc("malloc(PTRDIFF_MAX)", PTRDIFF_MAX);
	c_malloc("malloc(SIZE_MAX-4096)", SIZE_MAX - 4096);

	c_calloc("calloc(0,0)", 0, 0);
	c_calloc("calloc(0,SIZE_MAX)", 0, SIZE_MAX);
	c_calloc("calloc(10,10)", 10, 10);
	c_calloc("calloc(SIZE_MAX/2,3)", SIZE_MAX / 2, 3);
	c_calloc("calloc(1<<32,1<<32)", (size_t)1 << 32, (size_t)1 << 32);
	c_calloc("calloc(1,SIZE_MAX)", 1, SIZE_MAX);
	c_calloc("calloc(1,PTRDIFF_MAX+1)", 1, PTRDIFF_MAX_PLUS_1);
	c_calloc_dirty("calloc(1,1<<20) after dirty free", 1 << 20);
	c_calloc_dirty("calloc(1,4000) after dirty free", 4000);

	c_realloc("realloc(NULL,100)", 0, 100);
	c_realloc("realloc(NULL,0)", 0, 0);
	c_realloc("realloc(NULL,SIZE_MAX)", 0, SIZE_MAX);
	c_realloc_zero("realloc(p,0)");
	c_freed("realloc(p,0) x256 of 1MiB", 0);
	c_realloc("realloc(p,SIZE_MAX)", 100, SIZE_MAX);
	c_realloc("realloc(p,PTRDIFF_MAX+1)", 100, PTRDIFF_MAX_PLUS_1);
	c_realloc("realloc(p100,100000)", 100, 100000);
	c_realloc("realloc(p100000,10)", 100000, 10);
	c_realloc("realloc(p100,100)", 100, 100);

	c_reallocarray("reallocarray(NULL,10,10)", 0, 10, 10);
	c_reallocarray("reallocarray(NULL,SIZE_MAX/2,3)", 0, SIZE_MAX / 2, 3);
	c_reallocarray("reallocarray(p,SIZE_MAX,2)", 100, SIZE_MAX, 2);
	c_reallocarray("reallocarray(p,1<<32,1<<32)", 100, (size_t)1 << 32, (size_t)1 << 32);
	c_reallocarray("reallocarray(p,0,8)", 100, 0, 8);
	c_freed("reallocarray(p,0,8) x256 of 1MiB", 1);
	c_reallocarray("reallocarray(p,100,100)", 100, 100, 100);

	c_posix_memalign("posix_memalign(0,1)", 0, 1, 0);
	c_posix_memalign("posix_memalign(3,1)", 3, 1, 0);
	c_posix_memalign("posix_memalign(4,1)", 4, 1, 0);
	c_posix_memalign("posix_memalign(8,1)", 8, 1, 0);
	c_posix_memalign("posix_memalign(8,0)", 8, 0, 0);
	c_posix_memalign("posix_memalign(16,100)", 16, 100, 0);
	c_posix_memalign("posix_memalign(24,1)", 24, 1, 0);
	c_posix_memalign("posix_memalign(48,1)", 48, 1, 0);
	c_posix_memalign("posix_memalign(64,100)", 64, 100, 0);
	c_posix_memalign("posix_memalign(4096,1)", 4096, 1, 0);
	c_posix_memalign("posix_memalign(1<<20,1)", 1 << 20, 1, 0);
	c_posix_memalign("posix_memalign(1<<40,1)", (size_t)1 << 40, 1, 0);
	c_posix_memalign("posix_memalign(SIZE_MAX/2+1,1)", SIZE_MAX / 2 + 1, 1, 0);
	c_posix_memalign("posix_memalign(SIZE_MAX/2+2,1)", HALF_PLUS_2, 1, 0);
	c_posix_memalign("posix_memalign(64,SIZE_MAX)", 64, SIZE_MAX, 0);
	c_posix_memalign("posix_memalign(64,SIZE_MAX-100)", 64, SIZE_MAX - 100, 0);
	c_posix_memalign("posix_memalign(64,PTRDIFF_MAX+1)", 64, PTRDIFF_MAX_PLUS_1, 0);
	c_posix_memalign("posix_memalign(4096,PTRDIFF_MAX)", 4096, PTRDIFF_MAX, 0);

	for (int al = 0; al < 2; al++) {
		const char *f = al ? "aligned_alloc" : "memalign";
		char name[80];

#define M(args, a, n, check, either) \
		(snprintf(name, sizeof(name), "%s" args, f), \
		 c_memalign(name, al, a, n, check, either))
		M("(0,16)", 0, 16, 16, 0);
		M("(1,16)", 1, 16, 16, 0);
		M("(3,16)", 3, 16, 4, 0);
		M("(4,16)", 4, 16, 4, 0);
		M("(24,10)", 24, 10, 32, 0);
		M("(64,100)", 64, 100, 64, 0);
		M("(64,0)", 64, 0, 64, 0);
		M("(4096,100)", 4096, 100, 4096, 0);
		M("(4096,0)", 4096, 0, 4096, 0);
		M("(1<<20,10)", 1 << 20, 10, 1 << 20, 0);
		M("(1<<40,1)", (size_t)1 << 40, 1, (size_t)1 << 40, 0);
		M("(SIZE_MAX/2+1,1)", SIZE_MAX / 2 + 1, 1, 1, 0);
		M("(SIZE_MAX/2+2,1)", HALF_PLUS_2, 1, 1, 0);
		M("(SIZE_MAX,1)", SIZE_MAX, 1, 1, 0);
		M("(64,SIZE_MAX)", 64, SIZE_MAX, 64, 0);
		M("(64,SIZE_MAX-100)", 64, SIZE_MAX - 100, 64, 0);
		M("(64,PTRDIFF_MAX+1)", 64, PTRDIFF_MAX_PLUS_1, 64, 0);
#undef M
	}

	c_valloc("valloc(0)", 0, 0);
	c_valloc("valloc(1)", 0, 1);
	c_valloc("valloc(5000)", 0, 5000);
	c_valloc("valloc(SIZE_MAX)", 0, SIZE_MAX);
	c_valloc("valloc(PTRDIFF_MAX+1)", 0, PTRDIFF_MAX_PLUS_1);
	c_valloc("pvalloc(1)", 1, 1);
	c_valloc("pvalloc(4097)", 1, 4097);
	c_valloc("pvalloc(SIZE_MAX)", 1, SIZE_MAX);
	c_valloc("pvalloc(SIZE_MAX-4096)", 1, SIZE_MAX - 4096);
	c_valloc("pvalloc(PTRDIFF_MAX+1)", 1, PTRDIFF_MAX_PLUS_1);

	errno = SENTINEL;
	u = malloc_usable_size(NULL);
	e = errno;
	printf("malloc_usable_size(NULL): %zu errno=%s\n", u, errname(e));

	errno = SENTINEL;
	free(NULL);
	e = errno;
	printf("free(NULL): errno=%s\n", errname(e));

	{
		void *big = block(64 << 20), *small = block(10);

		errno = SENTINEL;
		free(small);
		e = errno;
		printf("free(small): errno=%s\n", errname(e));
		errno = SENTINEL;
		free(big);
		e = errno;
		printf("free(64MiB): errno=%s\n", errname(e));
	}
	smalls();
	huges();
}

/* --owner: jemalloc's per-thread counters must move with every call. */
typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);
static mallctl_fn mallctl_;

static uint64_t jstat(const char *name)
{
	uint64_t v = 0;
	size_t len = sizeof(v);

	if (mallctl_(name, &v, &len, NULL, 0) != 0) {
		printf("owner: mallctl(\"%s\") failed\n", name);
		exit(4);
	}
	return v;
}

static int owner_fails;

static void owned(const char *name, void *p, uint64_t a0, size_t want)
{
	uint64_t a1 = jstat("thread.allocated"), d0, d1;
	int ok_a = p && a1 - a0 >= (want ? want : 1);

	d0 = jstat("thread.deallocated");
	free(p);
	d1 = jstat("thread.deallocated");
	printf("owner %s: alloc=%s free=%s\n", name, ok_a ? "jemalloc" : "NOT-JEMALLOC",
	       p && d1 - d0 >= (want ? want : 1) ? "jemalloc" : "NOT-JEMALLOC");
	if (!ok_a || !(d1 - d0 >= (want ? want : 1)))
		owner_fails++;
}

static int owner(void)
{
	uint64_t a0, d0, d1;
	void *p, *r;

	mallctl_ = (mallctl_fn)dlsym(RTLD_DEFAULT, "mallctl");
	if (!mallctl_) {
		printf("owner: no mallctl in the process (is the shim preloaded?)\n");
		return 4;
	}

#define OWNED(name, expr, want) \
	do { a0 = jstat("thread.allocated"); p = (expr); owned(name, p, a0, want); } while (0)
	OWNED("malloc(100)", malloc(100), 100);
	OWNED("malloc(0)", malloc(0), 0);
	OWNED("malloc(1<<20)", malloc(1 << 20), 1 << 20);
	OWNED("calloc(10,10)", calloc(10, 10), 100);
	OWNED("realloc(NULL,100)", realloc(NULL, 100), 100);
	OWNED("reallocarray(NULL,10,10)", reallocarray(NULL, 10, 10), 100);
	OWNED("aligned_alloc(64,100)", aligned_alloc(64, 100), 100);
	OWNED("aligned_alloc(3,16)", aligned_alloc(3, 16), 16);
	OWNED("memalign(4096,100)", memalign(4096, 100), 100);
	OWNED("memalign(24,10)", memalign(24, 10), 10);
	OWNED("valloc(100)", valloc(100), 100);
	OWNED("pvalloc(1)", pvalloc(1), page);
	OWNED("pvalloc(0)", pvalloc(0), 0);
	a0 = jstat("thread.allocated");
	p = NULL;
	if (posix_memalign(&p, 64, 100))
		p = NULL;
	owned("posix_memalign(64,100)", p, a0, 100);

	/* realloc growing moves the block within jemalloc. */
	p = malloc(100);
	a0 = jstat("thread.allocated");
	r = realloc(p, 1 << 20);
	owned("realloc(p,1<<20)", r, a0, 1 << 20);

	/* realloc(p, 0) and reallocarray(p, 0, 8) free into jemalloc. */
	p = malloc(1000);
	d0 = jstat("thread.deallocated");
	r = realloc(p, 0);
	d1 = jstat("thread.deallocated");
	printf("owner realloc(p,0): free=%s\n", !r && d1 - d0 >= 1000 ? "jemalloc" : "NOT-JEMALLOC");
	owner_fails += !(!r && d1 - d0 >= 1000);
	p = malloc(1000);
	d0 = jstat("thread.deallocated");
	r = reallocarray(p, 0, 8);
	d1 = jstat("thread.deallocated");
	printf("owner reallocarray(p,0,8): free=%s\n", !r && d1 - d0 >= 1000 ? "jemalloc" : "NOT-JEMALLOC");
	owner_fails += !(!r && d1 - d0 >= 1000);
#undef OWNED
	printf("owner: %d not from jemalloc\n", owner_fails);
	return owner_fails ? 1 : 0;
}

int main(int argc, char **argv)
{
	int rc = 0;

	/* Line-buffered: a crash still leaves the cases before it. */
	setvbuf(stdout, outbuf, _IOLBF, sizeof(outbuf));
	page = (size_t)sysconf(_SC_PAGESIZE);
	if (argc == 2 && strcmp(argv[1], "--owner") == 0)
		rc = owner();
	else if (argc == 1)
		battery();
	else {
		fprintf(stderr, "usage: conform [--owner]\n");
		rc = 2;
	}
	fflush(stdout);
	return rc;
}
