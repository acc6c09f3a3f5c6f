/*
 * The icicle (see render-html.h): the sites' stacks merged into a tree by
 * frame, outermost on top (main, then what it calls...), each box as wide
 * as the calls (or injected failures) below it, so that where a program
 * allocates, and where failures were injected, shows at a glance.
 */
#include "config.h"
#include "render-html.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define W 1000.0		/* viewBox width */
#define ROW 20			/* height of a row of boxes */
#define MIN_WIDTH 0.5		/* narrower boxes are not drawn (their parent says the total) */
#define CHAR_WIDTH 6.2		/* of the 11px labels, to cut them to their box */

struct node {
	char *label;			/* the frame as a function name, or object+offset */
	const struct fp_model_frame *frame;	/* the first frame seen with it */
	uint64_t calls, injected;
	struct node *child, *next;
};

/* "parse_config" (no +0xoff), or "app+0x4000" for a frame nothing names. */
static char *frame_label(const struct fp_model_frame *f)
{
	const char *fn = f->func ? f->func : f->symbol;
	char *s;

	if (fn) {
		s = strndup(fn, strcspn(fn, "+"));
	} else if (asprintf(&s, "%s+%s", f->object ? f->object : "?", f->offset ? f->offset : "?") < 0) {
		s = NULL;
	}
	return s;
}

static struct node *child_of(struct node *parent, const struct fp_model_frame *f)
{
	char *label = frame_label(f);
	struct node *c;

	if (!label)
		return NULL;
	for (c = parent->child; c; c = c->next)
		if (!strcmp(c->label, label)) {
			free(label);
			return c;
		}
	c = calloc(1, sizeof(*c));
	if (!c) {
		free(label);
		return NULL;
	}
	c->label = label;
	c->frame = f;
	c->next = parent->child;
	parent->child = c;
	return c;
}

static void add_site(struct node *root, const struct fp_model_site *s)
{
	struct node *n = root;

	root->calls += s->calls;
	root->injected += s->injected;
	for (size_t k = s->frames.n; k-- > 0 && n;) {
		n = child_of(n, &s->frames.v[k]);
		if (n) {
			n->calls += s->calls;
			n->injected += s->injected;
		}
	}
}

static void free_tree(struct node *n)
{
	while (n) {
		struct node *next = n->next;

		free_tree(n->child);
		free(n->label);
		free(n);
		n = next;
	}
}

/*
 * Red where failures were injected, the deeper the larger their share of
 * the calls (a quarter and more: the deepest), else a blue that steps
 * with depth so that neighbours stay apart.
 */
static void fill(FILE *out, const struct node *n, unsigned depth)
{
	if (n->injected) {
		double share = n->calls ? 4 * (double)n->injected / (double)n->calls : 1;
		unsigned light = 88 - (unsigned)(40 * (share > 1 ? 1 : share));

		fprintf(out, "hsl(0,70%%,%u%%)", light);
	} else {
		fprintf(out, "hsl(210,45%%,%u%%)", 82 - (depth % 5) * 5);
	}
}

static size_t draw(FILE *out, const struct node *n, unsigned depth, double x, double w,
		   double total, int by_injected, unsigned *max_depth)
{
	size_t boxes = 1;
	uint64_t weight;
	size_t chars = (size_t)(w / CHAR_WIDTH);
	char file[32];

	if (depth > *max_depth)
		*max_depth = depth;
	file[0] = '\0';
	if (n->frame && n->frame->file)
		snprintf(file, sizeof(file), ":%u", n->frame->line);
	/* A nested <svg> per box: it clips the label to the box. */
	fprintf(out, "<svg x=\"%.2f\" y=\"%u\" width=\"%.2f\" height=\"%d\"><rect width=\"100%%\" "
		"height=\"100%%\" fill=\"", x, depth * ROW, w, ROW - 1);
	fill(out, n, depth);
	fputs("\"/><title>", out);
	fp_html_esc(out, n->label);
	if (n->frame && n->frame->file) {
		fputs(" at ", out);
		fp_html_esc(out, n->frame->file);
		fputs(file, out);
	}
	fprintf(out, "\n%" PRIu64 " calls, %" PRIu64 " injected failures</title>", n->calls,
		n->injected);
	if (chars >= 3) {
		fputs("<text x=\"3\" y=\"14\">", out);
		if (strlen(n->label) <= chars - 1) {
			fp_html_esc(out, n->label);
		} else {
			char cut[256];

			snprintf(cut, sizeof(cut), "%.*s…", (int)(chars - 2 < 200 ? chars - 2 : 200), n->label);
			fp_html_esc(out, cut);
		}
		fputs("</text>", out);
	}
	fputs("</svg>\n", out);
	for (const struct node *c = n->child; c; c = c->next) {
		weight = by_injected ? c->injected : c->calls;
		if (!weight || W * (double)weight / total < MIN_WIDTH)
			continue;
		boxes += draw(out, c, depth + 1, x, W * (double)weight / total, total, by_injected,
			      max_depth);
		x += W * (double)weight / total;
	}
	return boxes;
}

size_t fp_html_icicle(FILE *out, const struct fp_model *m, int by_injected)
{
	struct node root = { .label = "all" };
	unsigned depth = 0;
	size_t boxes = 0;
	char *body = NULL;
	size_t len = 0;
	FILE *svg;

	for (size_t i = 0; i < m->nsites; i++)
		add_site(&root, &m->sites[i]);
	/* Drawn first into memory: the viewBox's height is the deepest stack's. */
	svg = open_memstream(&body, &len);
	if (svg && (by_injected ? root.injected : root.calls)) {
		boxes = draw(svg, &root, 0, 0, W, (double)(by_injected ? root.injected : root.calls),
			     by_injected, &depth);
	}
	if (svg)
		fclose(svg);
	if (boxes)
		fprintf(out, "<svg class=\"icicle\" viewBox=\"0 0 %.0f %u\" role=\"img\" "
			"preserveAspectRatio=\"xMinYMin meet\">\n%s</svg>\n", W, (depth + 1) * ROW, body);
	free(body);
	free_tree(root.child);
	return boxes;
}
