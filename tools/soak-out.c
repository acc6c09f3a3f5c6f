/*
 * soak's --out directory (see soak.h): it holds the reports, stress-ng's
 * output and stress-ng's temporary files, and FP_SOAK_MARKER, the list of
 * what soak wrote there. A later soak removes what that list names and
 * nothing else: a user's package.json beside the reports stays, and a
 * directory without the list is someone else's.
 */
#include "config.h"
#include "soak.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MARKER_HEADER	"failpool-soak/1\n"

/* "1234.json": the name the shim gives a report (FAILPOOL_REPORT=DIR/%p.json). */
static int is_report_name(const char *name)
{
	size_t digits = strspn(name, "0123456789");

	return digits && !strcmp(name + digits, ".json");
}

/* Whether @name is a line of @list (the marker's text). */
static int listed(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, name, len) && (p[len] == '\n' || !p[len]))
			return 1;
	return 0;
}

/* The marker's text, or NULL when there is none (or it is not soak's). */
static char *read_marker(int dirfd)
{
	int fd = openat(dirfd, FP_SOAK_MARKER, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char *text = NULL;
	size_t len = 0;
	ssize_t got;

	if (fd < 0)
		return NULL;
	do {
		char *t = realloc(text, len + 4097);

		if (!t) {
			free(text);
			close(fd);
			return NULL;
		}
		text = t;
		got = read(fd, text + len, 4096);
		if (got > 0)
			len += (size_t)got;
	} while (got > 0 || (got < 0 && errno == EINTR));
	close(fd);
	text[len] = '\0';
	if (strncmp(text, MARKER_HEADER, strlen(MARKER_HEADER))) {
		free(text);
		return NULL;
	}
	return text;
}

/* Write @lines (NULL-terminated) after the header: what this soak owns. */
static int write_marker(int dirfd, const char *const *lines, char *const *more, size_t nmore)
{
	int fd = openat(dirfd, FP_SOAK_MARKER, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
			0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fputs(MARKER_HEADER, f);
	for (; *lines; lines++)
		fprintf(f, "%s\n", *lines);
	for (size_t i = 0; i < nmore; i++)
		fprintf(f, "%s\n", strrchr(more[i], '/') + 1);
	return fclose(f) ? -1 : 0;
}

static const char *const owned[] = { FP_SOAK_LOG, FP_SOAK_TMP, NULL };

/*
 * Every entry of @dir is either listed (then removed) or left alone; one
 * that is not listed where none may be (no marker at all, or a report's
 * name) is refused before anything is removed.
 */
static int check_entries(DIR *d, const char *dir, const char *list)
{
	struct dirent *e;

	while ((e = readdir(d))) {
		const char *name = e->d_name;

		if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, FP_SOAK_MARKER) ||
		    (list && listed(list, name)))
			continue;
		if (!list) {
			fprintf(stderr, "failpool: --out: %s is not empty and no earlier soak wrote it "
				"(it holds %s); give a new or empty directory\n", dir, name);
			return -1;
		}
		if (is_report_name(name) || listed(MARKER_HEADER FP_SOAK_LOG "\n" FP_SOAK_TMP, name)) {
			fprintf(stderr, "failpool: --out: %s/%s was not written by an earlier soak (%s "
				"does not list it) and this one would replace it; move it or give "
				"another directory\n", dir, name, FP_SOAK_MARKER);
			return -1;
		}
	}
	return 0;
}

/* Remove what the earlier soak's list names: files, and its empty temporary directory. */
static void remove_listed(int dirfd, const char *list)
{
	for (const char *p = list + strlen(MARKER_HEADER); *p;) {
		size_t len = strcspn(p, "\n");
		char name[256];

		if (len && len < sizeof(name)) {
			memcpy(name, p, len);
			name[len] = '\0';
			if (!strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..") &&
			    strcmp(name, FP_SOAK_MARKER))
				unlinkat(dirfd, name, strcmp(name, FP_SOAK_TMP) ? 0 : AT_REMOVEDIR);
		}
		p += len + (p[len] == '\n');
	}
}

int fp_soak_out_claim(const char *dir)
{
	char *list = NULL;
	DIR *d;
	int fd, rc = -1;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "failpool: --out: cannot create %s: %s\n", dir, strerror(errno));
		return -1;
	}
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "failpool: --out: cannot use %s: %s\n", dir, strerror(errno));
		return -1;
	}
	fd = dirfd(d);
	list = read_marker(fd);
	if (check_entries(d, dir, list))
		goto out;
	if (list)
		remove_listed(fd, list);
	if (write_marker(fd, owned, NULL, 0) ||
	    (mkdirat(fd, FP_SOAK_TMP, 0755) && errno != EEXIST)) {
		fprintf(stderr, "failpool: --out: cannot write in %s: %s\n", dir, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(list);
	closedir(d);
	return rc;
}

static int by_pid(const void *a, const void *b)
{
	const char *x = strrchr(*(char *const *)a, '/') + 1, *y = strrchr(*(char *const *)b, '/') + 1;
	unsigned long long px = strtoull(x, NULL, 10), py = strtoull(y, NULL, 10);

	return px < py ? -1 : px > py;
}

void fp_soak_out_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int fp_soak_out_reports(const char *dir, char ***paths, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	*n = 0;
	*paths = NULL;
	while (d && (e = readdir(d))) {
		char **p;

		if (!is_report_name(e->d_name))
			continue;
		p = realloc(*paths, (*n + 1) * sizeof(**paths));
		if (!p || asprintf(&p[*n], "%s/%s", dir, e->d_name) < 0) {
			fp_soak_out_free(p ? p : *paths, *n);
			*paths = NULL;
			*n = 0;
			closedir(d);
			return -1;
		}
		*paths = p;
		++*n;
	}
	if (*n)
		qsort(*paths, *n, sizeof(**paths), by_pid);
	if (d) {
		/* Listed as soon as they are known, so that the next soak removes them. */
		write_marker(dirfd(d), owned, *paths, *n);
		closedir(d);
	}
	return 0;
}
