/*
 * dlcxx: a C program (no libstdc++ of its own) that dlopens a C++ library
 * and lets it allocate with operator new.
 *
 *   dlcxx [--keep] [LIBRARY]
 *
 * LIBRARY defaults to .libs/libcxxalloc.so beside this executable (where
 * libtool builds it). The library is dlclosed before exit, unless --keep.
 * Prints one line per call:
 *   new: ok | bad_alloc
 *   new[]: ok | bad_alloc
 *   nothrow new[]: ok | null
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char outbuf[1 << 12];

int main(int argc, char **argv)
{
	char path[PATH_MAX];
	void *h;
	int (*f_new)(size_t), (*f_array)(size_t), (*f_nothrow)(size_t);

	int keep = 0;

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (argc > 1 && strcmp(argv[1], "--keep") == 0) {
		keep = 1;
		argv++;
		argc--;
	}
	if (argc > 2) {
		fprintf(stderr, "usage: dlcxx [--keep] [LIBRARY]\n");
		return 2;
	}
	if (argc == 2) {
		snprintf(path, sizeof(path), "%s", argv[1]);
	} else {
		ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
		char *slash;

		if (n < 0) {
			perror("dlcxx: /proc/self/exe");
			return 3;
		}
		path[n] = '\0';
		slash = strrchr(path, '/');
		if (!slash || (size_t)(slash - path) + sizeof("/.libs/libcxxalloc.so") > sizeof(path)) {
			fprintf(stderr, "dlcxx: odd executable path %s\n", path);
			return 3;
		}
		strcpy(slash, "/.libs/libcxxalloc.so");
	}
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "dlcxx: %s\n", dlerror());
		return 3;
	}
	*(void **)&f_new = dlsym(h, "cxxalloc_new");
	*(void **)&f_array = dlsym(h, "cxxalloc_new_array");
	*(void **)&f_nothrow = dlsym(h, "cxxalloc_new_nothrow");
	if (!f_new || !f_array || !f_nothrow) {
		fprintf(stderr, "dlcxx: missing symbol in %s\n", path);
		return 3;
	}
	printf("new: %s\n", f_new(100) ? "ok" : "bad_alloc");
	printf("new[]: %s\n", f_array(1000) ? "ok" : "bad_alloc");
	printf("nothrow new[]: %s\n", f_nothrow(1000) ? "ok" : "null");
	fflush(stdout);
	if (!keep)
		dlclose(h);
	return 0;
}
