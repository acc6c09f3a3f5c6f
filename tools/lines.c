/* Report frames named offline: addr2line, else ELF symbols (see lines.h). */
#include "config.h"
#include "lines.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "elfsym.h"

struct obj {
	char *name, *path;		/* basename in the reports, file to read */
	struct fp_elfsym *elf;		/* its symbols, read at most once */
	int elf_tried;
};

struct entry {
	const struct obj *obj;
	uint64_t off;			/* from the load bias, as the report has it */
	int done;
	char *sym;			/* "function+0xoff", "function" or NULL */
	char *func;			/* addr2line: the innermost function there */
	char *outer;			/* ... and the one it is inlined into */
	char *file;
	unsigned line;
};

static struct obj **objs;
static size_t nobjs;
static struct entry **table;		/* open addressing by (obj, off) */
static size_t tcap, tlen;
static struct entry **queue;
static size_t qlen, qcap;
static int no_addr2line;

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (!q) {
		free(p);
		fputs("failpool: out of memory\n", stderr);
		exit(2);
	}
	return q;
}

static char *xstrdup(const char *s)
{
	return strcpy(xrealloc(NULL, strlen(s) + 1), s);
}

void fp_lines_object(const char *name, const char *path)
{
	size_t k = 0;

	while (name && path && k < nobjs && strcmp(objs[k]->name, name))
		k++;
	if (!name || !path || k < nobjs)
		return;
	objs = xrealloc(objs, (nobjs + 1) * sizeof(*objs));
	objs[nobjs] = xrealloc(NULL, sizeof(**objs));
	*objs[nobjs++] = (struct obj){ .name = xstrdup(name), .path = xstrdup(path) };
}

void fp_lines_model_objects(const struct fp_model *m)
{
	for (size_t p = 0; p < m->nparts; p++)
		fp_lines_model_objects(&m->parts[p]);
	for (size_t i = 0; i < m->nobjects; i++)
		fp_lines_object(m->objects[i].name, m->objects[i].path);
}

static size_t slot(const struct obj *o, uint64_t off)
{
	uint64_t h = ((uint64_t)(uintptr_t)o ^ off) * 0x9e3779b97f4a7c15ULL;
	size_t i = (size_t)(h >> 20) & (tcap - 1);

	while (table[i] && (table[i]->obj != o || table[i]->off != off))
		i = (i + 1) & (tcap - 1);
	return i;
}

/* The entry of the frame at @off in object @name; @add: create (and queue) it when missing. */
static struct entry *entry_of(const char *name, const char *off, int add)
{
	const struct obj *o = NULL;
	struct entry *e;
	uint64_t a;
	size_t i;

	for (size_t k = 0; name && k < nobjs && !o; k++)
		if (!strcmp(objs[k]->name, name))
			o = objs[k];
	if (!o || !off || (!add && !tcap))
		return NULL;
	a = strtoull(off, NULL, 16);
	if (!add)
		return table[slot(o, a)];
	if (2 * (tlen + 1) > tcap) {
		struct entry **old = table;
		size_t oldcap = tcap;

		tcap = tcap ? tcap * 2 : 1024;
		table = xrealloc(NULL, tcap * sizeof(*table));
		memset(table, 0, tcap * sizeof(*table));
		for (size_t k = 0; k < oldcap; k++)
			if (old[k])
				table[slot(old[k]->obj, old[k]->off)] = old[k];
		free(old);
	}
	i = slot(o, a);
	if (table[i])
		return table[i];
	e = table[i] = xrealloc(NULL, sizeof(*e));
	*e = (struct entry){ .obj = o, .off = a };
	tlen++;
	if (qlen == qcap)
		queue = xrealloc(queue, (qcap = qcap ? qcap * 2 : 256) * sizeof(*queue));
	queue[qlen++] = e;
	return e;
}

void fp_lines_want_frames(const struct fp_model_frames *f, size_t max, int all)
{
	for (size_t k = 0; k < f->n && k < max; k++)
		if (all || !f->v[k].own_symbol)
			entry_of(f->v[k].object, f->v[k].offset, 1);
}

/* "file:line" from addr2line, or nothing for "??:0", "??:?", "file:?". */
static void location(struct entry *e, char *loc)
{
	char *d = strstr(loc, " (discriminator "), *colon, *end;
	unsigned long n;

	if (d)
		*d = '\0';
	colon = strrchr(loc, ':');
	if (!colon || colon == loc || !strncmp(loc, "??", 2))
		return;
	n = strtoul(colon + 1, &end, 10);
	if (*end || end == colon + 1 || !n)
		return;
	*colon = '\0';
	e->file = xstrdup(loc);
	e->line = (unsigned)n;
}

static int is_address(const char *s)
{
	return s[0] == '0' && s[1] == 'x' && s[2] && !s[2 + strspn(s + 2, "0123456789abcdef")];
}

/*
 * `addr2line -a -f -C -i` prints, for each address in turn, the address,
 * then a function line and a location line per inlining level, innermost
 * first; "??" is an unknown function.
 */
static void parse(char *out, struct entry **e, size_t n)
{
	char *line, *next, *func = NULL;
	size_t i = (size_t)-1;
	unsigned level = 0;

	for (line = out; *line; line = next) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		if (is_address(line)) {
			/* Each answer in the order asked; a stray one ends the parse. */
			if (++i >= n || strtoull(line, NULL, 16) != (e[i]->off ? e[i]->off - 1 : 0))
				return;
			level = 0;
			func = NULL;
		} else if (i >= n) {
			return;
		} else if (!func) {
			func = line;
		} else {
			int known = strcmp(func, "??") != 0;

			if (!level++) {
				location(e[i], line);
				/*
				 * Without DWARF, addr2line names an address after the
				 * nearest symbol below it however far (a stripped
				 * stress-ng's frames all became __stack_chk_fail): the
				 * ELF tables, which know each symbol's size, decide then.
				 */
				if (known && e[i]->file)
					e[i]->func = xstrdup(func);
			} else if (known) {
				free(e[i]->outer);
				e[i]->outer = xstrdup(func);
			}
			func = NULL;
		}
	}
}

/* One addr2line for the @n entries of object @path; addresses on stdin. */
static void addr2line(const char *path, struct entry **e, size_t n)
{
	char *argv[] = { "addr2line", "-a", "-f", "-C", "-i", "-e", (char *)path, NULL };
	FILE *in = tmpfile();
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int pipefd[2], status;
	pid_t pid;

	if (!in)
		return;
	for (size_t i = 0; i < n; i++)
		fprintf(in, "0x%llx\n", (unsigned long long)(e[i]->off ? e[i]->off - 1 : 0));
	if (fflush(in) || fseek(in, 0, SEEK_SET) || pipe(pipefd)) {
		fclose(in);
		return;
	}
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(fileno(in), STDIN_FILENO);
		dup2(pipefd[1], STDOUT_FILENO);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	fclose(in);
	for (ssize_t r = 1; pid > 0 && r > 0; len += (size_t)r) {
		if (len + 4096 > cap)
			buf = xrealloc(buf, cap = cap ? cap * 2 : 65536);
		r = read(pipefd[0], buf + len, cap - len - 1);
		if (r < 0)
			r = 0;
	}
	close(pipefd[0]);
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 127 && !len)
		no_addr2line = 1;	/* not installed: the ELF symbols will do */
	if (buf) {
		buf[len] = '\0';
		parse(buf, e, n);
	}
	free(buf);
}

/*
 * The function's name: the ELF symbol covering the address (with the
 * offset into it), demangled by addr2line's name when mangled; addr2line's
 * name alone when the ELF tables do not cover it but DWARF does (a
 * separate debug file).
 */
static void name(struct entry *e, struct obj *o)
{
	const char *outer = e->outer ? e->outer : e->func, *sym = NULL;
	uint64_t start = 0;

	if (!o->elf_tried) {
		o->elf_tried = 1;
		o->elf = fp_elfsym_open(o->path);
	}
	if (o->elf)
		sym = fp_elfsym_lookup(o->elf, e->off ? e->off - 1 : 0, &start);
	if (sym && outer && !strncmp(sym, "_Z", 2))
		sym = outer;
	if (sym && asprintf(&e->sym, "%s+0x%llx", sym, (unsigned long long)(e->off - start)) < 0)
		e->sym = NULL;
	/*
	 * Without DWARF (no file:line), addr2line names the nearest symbol
	 * before the address even far past its end: only the ELF tables,
	 * which know each symbol's size, may name a frame then.
	 */
	if (!sym && outer && e->file)
		e->sym = xstrdup(outer);
}

static int by_object(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;

	if (x->obj != y->obj)
		return strcmp(x->obj->name, y->obj->name);
	return x->off < y->off ? -1 : x->off > y->off;
}

void fp_lines_run(void)
{
	if (qlen)	/* queue is NULL until a frame is queued: no qsort(NULL, 0) */
		qsort(queue, qlen, sizeof(*queue), by_object);
	for (size_t i = 0, j; i < qlen; i = j) {
		struct obj *o = (struct obj *)queue[i]->obj;

		for (j = i + 1; j < qlen && queue[j]->obj == o;)
			j++;
		if (access(o->path, R_OK))
			continue;
		if (!no_addr2line)
			addr2line(o->path, queue + i, j - i);
		for (size_t k = i; k < j; k++)
			name(queue[k], o);
	}
	for (size_t i = 0; i < qlen; i++)
		queue[i]->done = 1;
	qlen = 0;
}

/* Copy what was found of each frame of @f into it. */
static void fill(struct fp_model_frames *f, void *unused)
{
	(void)unused;
	for (size_t k = 0; k < f->n; k++) {
		struct fp_model_frame *fr = &f->v[k];
		const struct entry *e = entry_of(fr->object, fr->offset, 0);

		if (!e || !e->done || fr->named)
			continue;
		fr->named = 1;
		if (!fr->own_symbol)
			fr->symbol = e->sym;
		fr->file = e->file;
		fr->line = e->line;
		fr->func = e->func;	/* set by parse() only with DWARF's file:line */
		fr->inlined_into = e->func ? e->outer : NULL;
	}
}

void fp_lines_fill(struct fp_model_frames *f)
{
	fill(f, NULL);
}

static void want_all(struct fp_model_frames *f, void *unused)
{
	(void)unused;
	fp_lines_want_frames(f, (size_t)-1, 1);
}

void fp_lines_name(struct fp_model *m, size_t max_sites)
{
	fp_lines_model_objects(m);
	fp_model_frames_each(m, max_sites, want_all, NULL);
	fp_lines_run();
	fp_model_frames_each(m, (size_t)-1, fill, NULL);
}
