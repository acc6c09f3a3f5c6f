/*
 * A report the shim cannot write is said by the shim only at the end, after
 * the whole run; a command that is a directory would only get exec's
 * "Permission denied". Both are said before anything starts.
 */
#include "config.h"
#include "runpaths.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "options.h"

/*
 * @len bytes of template @t with "%%" made '%' into @out (PATH_MAX).
 * Return: 0, or -1 when it has another escape (%p, %e: known only later).
 */
static int literal(const char *t, size_t len, char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n < PATH_MAX - 1; i++) {
		if (t[i] == '%') {
			if (i + 1 >= len || t[i + 1] != '%')
				return -1;
			i++;
		}
		out[n++] = t[i];
	}
	out[n] = '\0';
	return 0;
}

int fp_run_check_report(void)
{
	const char *t = getenv("FAILPOOL_REPORT"), *slash;
	char path[PATH_MAX], name[32];
	struct stat st;

	if (!t || !*t)
		return 0;
	fp_opt_source("FAILPOOL_REPORT", name, sizeof(name));	/* or --report, as typed */
	slash = strrchr(t, '/');
	if (slash && slash != t && !literal(t, (size_t)(slash - t), path)) {
		if (stat(path, &st)) {
			fprintf(stderr, "failpool: %s: directory %s: %s: '%s'\n", name,
				path, strerror(errno), t);
			return -1;
		}
		if (!S_ISDIR(st.st_mode)) {
			fprintf(stderr, "failpool: %s: %s is not a directory: '%s'\n", name, path, t);
			return -1;
		}
	}
	if (!literal(t, strlen(t), path) && !stat(path, &st) && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "failpool: %s: %s is a directory, not a file: '%s'\n", name,
			path, t);
		return -1;
	}
	return 0;
}

int fp_run_is_directory(const char *cmd, const char *real)
{
	struct stat st;

	if (stat(real, &st) || !S_ISDIR(st.st_mode))
		return 0;
	fprintf(stderr, "failpool: %s: is a directory\n", cmd);
	return 1;
}
