/* addr2line, once per object, for the frames a report shows (see lines.h). */
#include "config.h"
#include "lines.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct want {
	const struct fp_json *frame;
	char **out;
};

static char **crash_lines[64];

/* The object's path from the reports' "objects". */
static const char *path_of(const struct fp_merged *m, const char *name)
{
	for (size_t d = 0; d < m->ndocs && d < 64; d++) {
		const struct fp_json *objs = m->objects[d];

		for (size_t i = 0; objs && objs->type == FP_JSON_ARR && i < objs->n; i++) {
			const char *n = fp_json_str(fp_json_get(objs->items[i], "name"));

			if (n && !strcmp(n, name))
				return fp_json_str(fp_json_get(objs->items[i], "path"));
		}
	}
	return NULL;
}

/* Run addr2line on @path for @n frames; their outs get "file:line". */
static void resolve(const char *path, struct want *w, size_t n)
{
	char **argv = calloc(n + 6, sizeof(*argv));
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int pipefd[2];
	pid_t pid;

	if (!argv || pipe(pipefd))
		goto out;
	argv[0] = "addr2line";
	argv[1] = "-e";
	argv[2] = (char *)path;
	for (size_t i = 0; i < n; i++) {
		const char *off = fp_json_str(fp_json_get(w[i].frame, "offset"));
		unsigned long long a = off ? strtoull(off, NULL, 16) : 0;

		/* A return address: the call is the byte before. */
		if (asprintf(&argv[3 + i], "0x%llx", a ? a - 1 : 0) < 0)
			goto out;
	}
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(pipefd[1], STDOUT_FILENO);
		if (null >= 0) {
			dup2(null, STDERR_FILENO);
			dup2(null, STDIN_FILENO);
		}
		close(pipefd[0]);
		close(pipefd[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		ssize_t r;

		if (len + 4096 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				break;
		}
		r = read(pipefd[0], buf + len, cap - len - 1);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(pipefd[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	if (buf) {
		char *line = buf, *next;
		size_t i = 0;

		buf[len] = '\0';
		/* One line per address: "file:line", "??:0" or "??:?" when unknown. */
		for (; i < n && line && *line; line = next, i++) {
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			line[strcspn(line, " ")] = '\0';	/* " (discriminator N)" */
			if (strncmp(line, "??", 2) && !strstr(line, ":?") &&
			    strcmp(line + strlen(line) - (strlen(line) > 1 ? 2 : 0), ":0"))
				*w[i].out = strdup(line);
		}
	}
out:
	for (size_t i = 0; argv && i < n; i++)
		free(argv[3 + i]);
	free(argv);
	free(buf);
}

static void add(struct want **w, size_t *n, size_t *cap, const struct fp_json *frame, char **out)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*w = realloc(*w, *cap * sizeof(**w));
		if (!*w)
			exit(2);
	}
	(*w)[*n].frame = frame;
	(*w)[(*n)++].out = out;
}

static int by_object(const void *a, const void *b)
{
	const char *x = fp_json_str(fp_json_get(((const struct want *)a)->frame, "object"));
	const char *y = fp_json_str(fp_json_get(((const struct want *)b)->frame, "object"));

	return strcmp(x ? x : "", y ? y : "");
}

void fp_lines_resolve(struct fp_merged *m, size_t max)
{
	struct want *w = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < m->nsites && i < max; i++) {
		const struct fp_json *f = m->sites[i].frames;

		if (!f || f->type != FP_JSON_ARR || !f->n)
			continue;
		m->sites[i].lines = calloc(f->n, sizeof(char *));
		for (size_t k = 0; m->sites[i].lines && k < f->n; k++)
			add(&w, &n, &cap, f->items[k], &m->sites[i].lines[k]);
	}
	for (size_t p = 0; p < m->ndocs && p < 64; p++) {
		const struct fp_json *f = m->procs[p].crash ? fp_json_get(m->procs[p].crash, "frames") : NULL;

		if (!f || f->type != FP_JSON_ARR || !f->n)
			continue;
		crash_lines[p] = calloc(f->n, sizeof(char *));
		for (size_t k = 0; crash_lines[p] && k < f->n; k++)
			add(&w, &n, &cap, f->items[k], &crash_lines[p][k]);
	}
	qsort(w, n, sizeof(*w), by_object);
	for (size_t i = 0; i < n;) {
		const char *obj = fp_json_str(fp_json_get(w[i].frame, "object"));
		const char *path = obj ? path_of(m, obj) : NULL;
		size_t j = i + 1;

		while (j < n && !by_object(&w[i], &w[j]))
			j++;
		if (path && access(path, R_OK) == 0)
			resolve(path, w + i, j - i);
		i = j;
	}
	free(w);
}

const char *fp_lines_crash(const struct fp_merged *m, size_t p, size_t k)
{
	(void)m;
	return p < 64 && crash_lines[p] ? crash_lines[p][k] : NULL;
}
