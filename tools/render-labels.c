/*
 * The sites' labels in the HTML page and the text report's injected
 * failures, each one telling its site apart: the sites of one wrapper
 * (xmalloc) all read "xmalloc+0xe (bash)" but for their ids, so wherever
 * labels would read alike, the callers that differ are added, one frame at
 * a time.
 */
#include "config.h"
#include "render-util.h"

#include <stdlib.h>
#include <string.h>

#define LABEL_MAX 512
#define ID_SUFFIX (sizeof(" #0123456789abcdef") - 1)	/* what every label ends with */

struct entry {
	const char *label;
	size_t body;		/* its length without the id */
	size_t i;		/* the site */
};

/* By the label without its id, then by site: equal texts are neighbours. */
static int by_text(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	size_t n = x->body < y->body ? x->body : y->body;
	int c = memcmp(x->label, y->label, n);

	if (c)
		return c;
	if (x->body != y->body)
		return x->body < y->body ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int same_text(const struct entry *x, const struct entry *y)
{
	return x->body == y->body && !memcmp(x->label, y->label, x->body);
}

static char *label_of(const struct fp_model_site *s, unsigned callers)
{
	char buf[LABEL_MAX];

	return strdup(fp_render_site_label(s, callers, buf, sizeof(buf)));
}

/*
 * One round: sort, and give each site whose text another has one more
 * caller, where it has one. Return: whether any label changed, or -1.
 */
static int tell_apart(const struct fp_model *m, char **label, unsigned *callers,
		      struct entry *e)
{
	size_t n = m->nsites;
	int changed = 0;

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(label[i]);

		e[i] = (struct entry){ label[i], len > ID_SUFFIX ? len - ID_SUFFIX : 0, i };
	}
	qsort(e, n, sizeof(*e), by_text);
	for (size_t a = 0, b; a < n; a = b) {
		for (b = a + 1; b < n && same_text(&e[a], &e[b]); b++)
			;
		for (size_t k = a; b - a > 1 && k < b; k++) {
			const struct fp_model_site *s = &m->sites[e[k].i];
			char *more;

			if (callers[e[k].i] >= fp_render_site_callers(s))
				continue;
			if (!(more = label_of(s, ++callers[e[k].i])))
				return -1;
			free(label[e[k].i]);	/* e[k].label is not read again this round */
			label[e[k].i] = more;
			changed = 1;
		}
	}
	return changed;
}

char **fp_render_site_labels(const struct fp_model *m)
{
	size_t n = m->nsites;
	char **label = calloc(n + 1, sizeof(*label));
	unsigned *callers = calloc(n + 1, sizeof(*callers));
	struct entry *e = calloc(n + 1, sizeof(*e));
	int rc = label && callers && e ? 1 : -1;

	for (size_t i = 0; rc > 0 && i < n; i++)
		if (!(label[i] = label_of(&m->sites[i], 0)))
			rc = -1;
	/* Each round adds a caller to some site, and a site has at most 64 frames. */
	while (rc > 0)
		rc = tell_apart(m, label, callers, e);
	free(callers);
	free(e);
	if (rc < 0) {
		fp_render_site_labels_free(label, n);
		return NULL;
	}
	return label;
}

void fp_render_site_labels_free(char **labels, size_t n)
{
	for (size_t i = 0; labels && i < n; i++)
		free(labels[i]);
	free(labels);
}
