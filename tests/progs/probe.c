/*
 * probe: a command-line driven target for the integration tests.
 *
 *   probe malloc N SIZE                 N x malloc(SIZE), each freed at once
 *   probe calloc N NMEMB SIZE           N x calloc(NMEMB, SIZE), checks zeroing
 *   probe realloc N SIZE                one block resized N times (SIZE, 2*SIZE,
 *                                       SIZE, ...); on failure checks the old
 *                                       block kept its contents
 *   probe reallocarray N NMEMB SIZE     the same through reallocarray
 *   probe posix_memalign N ALIGN SIZE   checks *memptr is untouched on failure
 *   probe aligned_alloc N ALIGN SIZE
 *   probe memalign N ALIGN SIZE
 *   probe valloc N SIZE
 *   probe pvalloc N SIZE
 *   probe mix N SIZE                    call i uses entry point (i-1) % 9 of
 *                                       malloc calloc realloc reallocarray
 *                                       posix_memalign aligned_alloc memalign
 *                                       valloc pvalloc
 *   probe hold N SIZE                   N x malloc(SIZE), kept until exit
 *   probe noalloc                       prints "main" without allocating
 *   probe usable SIZE                   malloc_usable_size(malloc(SIZE)) >= SIZE
 *   probe chdir DIR COMMAND...          chdir(DIR) first (after the shim has
 *                                       started), then COMMAND
 *   probe stderr FILE COMMAND...        close fd 2 and open FILE (a data
 *                                       file) on it first, then COMMAND
 *
 * The allocation loops print one line per call that failed:
 *   fail I ERRNO [details]
 * (I is the 1-based index of the call within the loop), one line per
 * successful call that broke a property (bad I what), then
 *   done N failed F
 * stdout uses a static buffer, so the probe allocates nothing but what the
 * command asks for: tests can assert exact indices.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Call the allocator through volatile pointers: GCC treats its builtin
 * malloc family as leaving errno alone (posix_memalign's errno would read
 * stale) and may drop a malloc/free pair altogether.
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

static char outbuf[1 << 16];

static const char *errname(int e)
{
	static char buf[32];

	switch (e) {
	case 0: return "0";
	case ENOMEM: return "ENOMEM";
	case EINVAL: return "EINVAL";
	case 12345: return "unchanged";
	default:
		snprintf(buf, sizeof(buf), "errno%d", e);
		return buf;
	}
}

static unsigned long long num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "probe: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: probe malloc|valloc|pvalloc|hold|mix N SIZE\n"
		"       probe calloc|reallocarray N NMEMB SIZE\n"
		"       probe realloc N SIZE\n"
		"       probe posix_memalign|aligned_alloc|memalign N ALIGN SIZE\n"
		"       probe noalloc | usable SIZE\n"
		"       probe chdir DIR COMMAND...\n"
		"       probe stderr FILE COMMAND...\n");
	exit(2);
}

static int aligned(const void *p, size_t a)
{
	return a == 0 || ((uintptr_t)p & (a - 1)) == 0;
}

static int all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

enum kind {
	K_MALLOC, K_CALLOC, K_REALLOC, K_REALLOCARRAY, K_POSIX_MEMALIGN,
	K_ALIGNED_ALLOC, K_MEMALIGN, K_VALLOC, K_PVALLOC, K_NKINDS
};
static const char *const kind_names[K_NKINDS] = {
	"malloc", "calloc", "realloc", "reallocarray", "posix_memalign",
	"aligned_alloc", "memalign", "valloc", "pvalloc",
};

static unsigned long fails;

/* A resizable block for realloc/reallocarray: pattern byte and size. */
static unsigned char *rblock;
static size_t rsize;
static unsigned char rpattern;

/*
 * One call of entry point @k. Prints the failure or broken-property line
 * (with @tag appended, e.g. the entry point's name in mix mode). Frees what
 * it got unless @keep.
 */
static void one(enum kind k, unsigned long i, size_t align, size_t nmemb,
		size_t size, int keep, const char *tag)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t want = size;
	void *p = NULL;
	void *memptr = (void *)&memptr;	/* sentinel: must stay on failure */
	int rc = 0, e;
	char extra[128] = "";

	errno = 12345;
	switch (k) {
	case K_MALLOC:
		p = malloc(size);
		break;
	case K_CALLOC:
		p = calloc(nmemb, size);
		want = nmemb * size;
		break;
	case K_REALLOC:
	case K_REALLOCARRAY: {
		size_t n = (i % 2) ? 2 * size : size;	/* 2*SIZE, SIZE, ... */

		if (k == K_REALLOC)
			p = realloc(rblock, n * nmemb);
		else
			p = reallocarray(rblock, nmemb, n);
		want = n * nmemb;
		break;
	}
	case K_POSIX_MEMALIGN:
		rc = posix_memalign(&memptr, align, size);
		p = rc ? NULL : memptr;
		break;
	case K_ALIGNED_ALLOC:
		p = aligned_alloc(align, size);
		break;
	case K_MEMALIGN:
		p = memalign(align, size);
		break;
	case K_VALLOC:
		p = valloc(size);
		align = page;
		break;
	case K_PVALLOC:
		p = pvalloc(size);
		align = page;
		want = (size + page - 1) / page * page;
		break;
	default:
		abort();
	}
	e = errno;

	if (!p) {
		fails++;
		if (k == K_POSIX_MEMALIGN) {
			snprintf(extra, sizeof(extra), " errno=%s memptr=%s",
				 errname(e), memptr == (void *)&memptr ? "untouched" : "CHANGED");
			e = rc;
		} else if (k == K_REALLOC || k == K_REALLOCARRAY) {
			snprintf(extra, sizeof(extra), " %s",
				 malloc_usable_size(rblock) >= rsize &&
				 all_bytes(rblock, rsize, rpattern) ? "kept" : "LOST");
		}
		printf("fail %lu %s%s%s%s\n", i, errname(e), extra, *tag ? " " : "", tag);
		return;
	}

	if (e != 12345)
		printf("bad %lu errno-changed-to-%s%s%s\n", i, errname(e), *tag ? " " : "", tag);
	if (!aligned(p, align) || ((uintptr_t)p & 15) != 0)
		printf("bad %lu misaligned%s%s\n", i, *tag ? " " : "", tag);
	if (malloc_usable_size(p) < want)
		printf("bad %lu usable-too-small%s%s\n", i, *tag ? " " : "", tag);
	if (k == K_CALLOC && !all_bytes(p, want, 0))
		printf("bad %lu not-zeroed%s%s\n", i, *tag ? " " : "", tag);
	if (k == K_REALLOC || k == K_REALLOCARRAY) {
		size_t keep_n = rsize < want ? rsize : want;

		if (!all_bytes(p, keep_n, rpattern))
			printf("bad %lu contents-lost%s%s\n", i, *tag ? " " : "", tag);
		rblock = p;
		rsize = want;
		rpattern = (unsigned char)(i * 7 + 1);
		memset(rblock, rpattern, rsize);
		return;
	}
	if (want)
		memset(p, 0xa5, want);
	if (!keep)
		free(p);
}

int main(int argc, char **argv)
{
	const char *cmd;
	unsigned long n, i;
	size_t align = 0, nmemb = 1, size;
	enum kind k;
	int keep = 0;

	if (argc >= 4 && strcmp(argv[1], "stderr") == 0) {
		/* A program that reuses fd 2 for its own data (after the shim started). */
		close(2);
		if (open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0644) != 2)
			return 4;
		if (write(2, "data\n", 5) != 5)
			return 4;
		argc -= 2;
		argv += 2;
	}
	if (argc >= 4 && strcmp(argv[1], "chdir") == 0) {
		if (chdir(argv[2]))
			return 4;
		argc -= 2;
		argv += 2;
	}
	if (argc >= 2 && strcmp(argv[1], "noalloc") == 0) {
		/* Not even stdio: this must be provably allocation-free. */
		if (write(1, "main\n", 5) != 5)
			return 1;
		return 0;
	}
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (argc < 2)
		usage();
	cmd = argv[1];

	if (strcmp(cmd, "usable") == 0) {
		void *p;

		if (argc != 3)
			usage();
		size = num(argv[2]);
		p = malloc(size);
		printf("usable %s\n", !p ? "NULL" : malloc_usable_size(p) >= size ? "ok" : "SHORT");
		printf("usable(NULL) %zu\n", malloc_usable_size(NULL));
		free(p);
		return 0;
	}

	if (strcmp(cmd, "mix") == 0) {
		if (argc != 4)
			usage();
		n = num(argv[2]);
		size = num(argv[3]);
		rblock = malloc(size);
		rsize = size;
		rpattern = 0x5a;
		if (!rblock) {
			printf("setup failed\n");
			return 3;
		}
		memset(rblock, rpattern, rsize);
		for (i = 1; i <= n; i++) {
			k = (enum kind)((i - 1) % K_NKINDS);
			one(k, i, k == K_POSIX_MEMALIGN || k == K_ALIGNED_ALLOC ||
				  k == K_MEMALIGN ? 64 : 0, 1, size, 0, kind_names[k]);
		}
		free(rblock);
		printf("done %lu failed %lu\n", n, fails);
		return 0;
	}

	for (k = 0; k < K_NKINDS; k++)
		if (strcmp(cmd, kind_names[k]) == 0)
			break;
	if (strcmp(cmd, "hold") == 0) {
		k = K_MALLOC;
		keep = 1;
	}
	if (k == K_NKINDS)
		usage();

	switch (k) {
	case K_CALLOC:
	case K_REALLOCARRAY:
		if (argc != 5)
			usage();
		n = num(argv[2]);
		nmemb = num(argv[3]);
		size = num(argv[4]);
		break;
	case K_POSIX_MEMALIGN:
	case K_ALIGNED_ALLOC:
	case K_MEMALIGN:
		if (argc != 5)
			usage();
		n = num(argv[2]);
		align = num(argv[3]);
		size = num(argv[4]);
		break;
	default:
		if (argc != 4)
			usage();
		n = num(argv[2]);
		size = num(argv[3]);
		break;
	}

	if (k == K_REALLOC || k == K_REALLOCARRAY) {
		/* The initial block comes from malloc (not counted in N). */
		rblock = malloc(size * nmemb);
		rsize = size * nmemb;
		rpattern = 0x5a;
		if (!rblock) {
			printf("setup failed\n");
			return 3;
		}
		memset(rblock, rpattern, rsize);
	}

	for (i = 1; i <= n; i++)
		one(k, i, align, nmemb, size, keep, "");

	if (rblock)
		free(rblock);
	printf("done %lu failed %lu\n", n, fails);
	return 0;
}
