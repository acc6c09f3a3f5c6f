/* Finding the preload shim (see shimpath.h). */
#include "config.h"
#include "shimpath.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FP_PKGLIBDIR
#define FP_PKGLIBDIR "/usr/local/lib/failpool"
#endif

#define SHIM_NAME	"libfailpool.so"

static char *copy(char *buf, size_t size, const char *s)
{
	if (strlen(s) >= size)
		return NULL;
	strcpy(buf, s);
	return buf;
}

/* The build-tree shim beside this executable, resolved; 0 when absent. */
static int build_tree_shim(char *buf, size_t size)
{
	char exe[PATH_MAX], cand[PATH_MAX + 64], real[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return 0;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	snprintf(cand, sizeof(cand), "%s/../preload/.libs/" SHIM_NAME, exe);
	if (access(cand, F_OK) != 0)
		return 0;
	/* A path without "..": tidier in LD_PRELOAD and in messages. */
	if (!realpath(cand, real))
		return copy(buf, size, cand) != NULL;
	return copy(buf, size, real) != NULL;
}

char *fp_shim_path(char *buf, size_t size)
{
	const char *env = getenv("FAILPOOL_LIB");

	if (env && *env)
		return copy(buf, size, env);
	if (build_tree_shim(buf, size))
		return buf;
	return copy(buf, size, FP_PKGLIBDIR "/" SHIM_NAME);
}

char *fp_preload_value(void)
{
	char shim[PATH_MAX];
	const char *old = getenv("LD_PRELOAD");
	char *value;

	shim[0] = '\0';
	if (!fp_shim_path(shim, sizeof(shim)))
		errno = ENAMETOOLONG;
	if (!shim[0] || access(shim, R_OK) != 0) {
		fprintf(stderr, "failpool: cannot find the shim %s: %s (set FAILPOOL_LIB)\n",
			shim, strerror(errno));
		return NULL;
	}
	if (strpbrk(shim, ": ")) {
		fprintf(stderr, "failpool: the shim path %s has ':' or ' ', which LD_PRELOAD cannot hold\n",
			shim);
		return NULL;
	}
	if (asprintf(&value, "%s%s%s", shim, old && *old ? ":" : "", old && *old ? old : "") < 0) {
		fprintf(stderr, "failpool: out of memory\n");
		return NULL;
	}
	return value;
}
