/* The processes in the order of their tree (see proctree.h). */
#include "config.h"
#include "proctree.h"

#include <stdlib.h>
#include <string.h>

#define NONE ((size_t)-1)

/* One pid: the images it went through by exec, and where it hangs. */
struct group {
	uint64_t pid;
	size_t first, n;	/* its images: sorted[first .. first + n) */
	size_t parent;		/* a group, or NONE */
	size_t kids, nkids;	/* its children: kids[kids .. kids + nkids), by pid */
};

struct image {
	uint64_t pid;
	int last;		/* 0: exec replaced it, so it comes first */
	size_t i;		/* in m->procs: the order given, among equals */
};

int fp_proctree_replaced(const struct fp_model_proc *p)
{
	return !p->exit.by_signal && !p->exit.has_code && p->complete;
}

static int by_pid_then_image(const void *a, const void *b)
{
	const struct image *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->last != y->last)
		return x->last - y->last;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* @p's argv joined by spaces (malloc'd), or NULL. */
static char *command_line(const struct fp_model_proc *p)
{
	size_t len = 1;
	char *s;

	for (size_t k = 0; k < p->argc; k++)
		len += strlen(p->argv[k] ? p->argv[k] : "") + 1;
	if (!p->argc || !(s = malloc(len)))
		return NULL;
	s[0] = '\0';
	for (size_t k = 0; k < p->argc; k++) {
		if (k)
			strcat(s, " ");
		strcat(s, p->argv[k] ? p->argv[k] : "");
	}
	return s;
}

/*
 * A report does not say when an image was replaced, so the images exec
 * replaced of one pid are put in the order their command lines tell: one
 * whose command line holds another's ran before it (sh -c '... exec env
 * true', then env true, then true), the more it holds the earlier; as given
 * when nothing tells. The last image (it has an ending) stays last.
 */
static void order_replaced(const struct fp_model *m, struct image *im, size_t n)
{
	char **cmd = calloc(n, sizeof(*cmd));
	unsigned *holds = calloc(n, sizeof(*holds));

	while (n && im[n - 1].last)
		n--;
	for (size_t a = 0; cmd && holds && a < n; a++)
		cmd[a] = command_line(&m->procs[im[a].i]);
	for (size_t a = 0; cmd && holds && a < n; a++)
		for (size_t b = 0; b < n; b++)
			holds[a] += a != b && cmd[a] && cmd[b] && strstr(cmd[a], cmd[b]);
	/* Insertion sort: stable, and a pid has few images. */
	for (size_t a = 1; holds && a < n; a++)
		for (size_t b = a; b > 0 && holds[b - 1] < holds[b]; b--) {
			struct image t = im[b];
			unsigned h = holds[b];

			im[b] = im[b - 1];
			holds[b] = holds[b - 1];
			im[b - 1] = t;
			holds[b - 1] = h;
		}
	for (size_t a = 0; cmd && a < n; a++)
		free(cmd[a]);
	free(cmd);
	free(holds);
}

/* The group of @pid among @g (sorted by pid), or NONE. */
static size_t find(const struct group *g, size_t ng, uint64_t pid)
{
	size_t lo = 0, hi = ng;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ng && g[lo].pid == pid ? lo : NONE;
}

/* Its parent: the first image's that names another pid (a later one may have been reparented). */
static size_t parent_of(const struct fp_model *m, const struct image *im, const struct group *g,
			size_t self, size_t ng)
{
	for (size_t k = 0; k < g[self].n; k++) {
		uint64_t ppid = m->procs[im[g[self].first + k].i].ppid;

		if (ppid != g[self].pid)
			return find(g, ng, ppid);
	}
	return NONE;
}

struct walk {
	const struct image *im;
	struct group *g;
	const size_t *kids;
	size_t *stack;
	unsigned *stack_depth;
	unsigned char *seen;
	size_t *order;
	unsigned *depth;
	size_t out;
};

/* Group @top and everything under it, depth first, children by pid. */
static void walk_from(struct walk *w, size_t top)
{
	size_t sp = 0;

	if (w->seen[top])
		return;
	w->seen[top] = 1;
	w->stack[sp] = top;
	w->stack_depth[sp++] = 0;
	while (sp) {
		size_t gi = w->stack[--sp];
		unsigned d = w->stack_depth[sp];
		const struct group *g = &w->g[gi];

		for (size_t k = 0; k < g->n; k++) {
			if (w->depth)
				w->depth[w->out] = d;
			w->order[w->out++] = w->im[g->first + k].i;
		}
		/* Pushed last first, so that the lowest pid comes out next. */
		for (size_t k = g->nkids; k-- > 0;) {
			size_t c = w->kids[g->kids + k];

			if (w->seen[c])
				continue;
			w->seen[c] = 1;
			w->stack[sp] = c;
			w->stack_depth[sp++] = d + 1;
		}
	}
}

int fp_proctree_order(const struct fp_model *m, uint64_t root, size_t *order, unsigned *depth)
{
	size_t n = m->nprocs, ng = 0;
	struct image *im = calloc(n + 1, sizeof(*im));
	struct group *g = calloc(n + 1, sizeof(*g));
	size_t *kids = calloc(n + 1, sizeof(*kids)), *stack = calloc(n + 1, sizeof(*stack));
	unsigned *stack_depth = calloc(n + 1, sizeof(*stack_depth));
	unsigned char *seen = calloc(n + 1, 1);
	struct walk w = { im, g, kids, stack, stack_depth, seen, order, depth, 0 };
	int rc = -1;

	for (size_t i = 0; i < n; i++) {
		order[i] = i;
		if (depth)
			depth[i] = 0;
	}
	if (!im || !g || !kids || !stack || !stack_depth || !seen)
		goto out;
	for (size_t i = 0; i < n; i++)
		im[i] = (struct image){ m->procs[i].pid, !fp_proctree_replaced(&m->procs[i]), i };
	if (n)
		qsort(im, n, sizeof(*im), by_pid_then_image);
	for (size_t i = 0; i < n; i++) {
		if (!ng || g[ng - 1].pid != im[i].pid)
			g[ng++] = (struct group){ .pid = im[i].pid, .first = i };
		g[ng - 1].n++;
	}
	for (size_t i = 0; i < ng; i++)
		if (g[i].n > 2)		/* two images exec replaced, at least */
			order_replaced(m, &im[g[i].first], g[i].n);
	/* Children lists, each by pid since the groups are: counted, then placed. */
	for (size_t i = 0; i < ng; i++)
		if ((g[i].parent = parent_of(m, im, g, i, ng)) != NONE)
			g[g[i].parent].nkids++;
	for (size_t i = 0, at = 0; i < ng; i++) {
		g[i].kids = at;
		at += g[i].nkids;
		g[i].nkids = 0;
	}
	for (size_t i = 0; i < ng; i++)
		if (g[i].parent != NONE)
			kids[g[g[i].parent].kids + g[g[i].parent].nkids++] = i;

	if (root && find(g, ng, root) != NONE)
		walk_from(&w, find(g, ng, root));
	for (size_t i = 0; i < ng; i++)
		if (g[i].parent == NONE)
			walk_from(&w, i);
	for (size_t i = 0; i < ng; i++)	/* a cycle of reused pids */
		walk_from(&w, i);
	rc = 0;
out:
	free(im);
	free(g);
	free(kids);
	free(stack);
	free(stack_depth);
	free(seen);
	return rc;
}
