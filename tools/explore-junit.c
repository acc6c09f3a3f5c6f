/*
 * --junit FILE: JUnit XML as GitLab, Jenkins and GitHub's test reporters
 * read it: one test case per finding, failing when its class is one of
 * --fail-on, and one for the exploration as a whole, failing when the
 * exit status is 1.
 */
#include "config.h"
#include "explore-out.h"
#include "outfile.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t fp_xutf8_len(const unsigned char *s)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	/* No overlong forms, no surrogates, nothing past U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * @s as XML character data or attribute value; control characters dropped,
 * a byte that is not UTF-8 (an argument in Latin-1) written as U+FFFD: an
 * XML parser refuses the whole file for one such byte.
 */
static void xml(FILE *f, const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s >= 0x80) {
			size_t n = fp_xutf8_len((const unsigned char *)s);

			if (n) {
				fwrite(s, 1, n, f);
				s += n - 1;
			} else {
				fputs("\xef\xbf\xbd", f);
			}
		} else switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, f);
		}
}

static char *heading(const struct fp_explore *x, const struct fp_xfinding *fd)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	fp_xheading(m, x, fd);
	fclose(m);
	return buf;
}

static void finding(FILE *f, const struct fp_explore *x, const struct fp_xfinding *fd)
{
	const char *cls = fp_xclass_name((int)fd->first->cls);
	char *head = heading(x, fd);

	fputs("  <testcase classname=\"failpool.explore.", f);
	fputs(cls, f);
	fputs("\" name=\"", f);
	xml(f, head);
	fputs("\">\n", f);
	if (fd->fails) {
		fputs("    <failure message=\"", f);
		xml(f, head);
		fprintf(f, "\" type=\"%s\">", cls);
	} else {
		fputs("    <system-out>", f);
	}
	fprintf(f, "%u %s reach it:\n", fd->nruns, x->nth_mode ? "allocation(s)" : "site(s)");
	for (unsigned i = 0; i < fd->nruns; i++) {
		char *stack = fp_xstack(fd->runs[i]->site_frames, 4, 1);

		if (x->nth_mode)
			fprintf(f, "failing allocation #%" PRIu64 ": ", fd->runs[i]->nth);
		else
			fprintf(f, "failing site %016" PRIx64 ": ", fd->runs[i]->site);
		xml(f, stack ? stack : "?");
		fputc('\n', f);
		free(stack);
	}
	fputs("repro: ", f);
	xml(f, fd->repro);
	fprintf(f, "\n</%s>\n  </testcase>\n", fd->fails ? "failure" : "system-out");
	free(head);
}

int fp_xjunit(const struct fp_xstate *s, const struct fp_xfinding *f, unsigned nf)
{
	const struct fp_explore *x = s->x;
	unsigned failing = 0;
	struct fp_outfile of;
	double seconds = 0;
	FILE *out;
	int fd;

	for (unsigned i = 0; i < nf; i++)
		failing += f[i].fails;
	for (size_t i = 0; i < s->nruns; i++)
		seconds += s->runs[i].seconds;
	fd = fp_outfile_open(&of, x->junit, 0644);
	if (fd < 0 || !(out = fdopen(fd, "w"))) {
		fprintf(stderr, "failpool: --junit: cannot write %s: %s\n", x->junit,
			fd == -ELOOP ? "a symbolic link; not writing through it" :
			strerror(fd < 0 ? -fd : errno));
		if (fd >= 0)
			fp_outfile_close(&of, fd, 0);
		return -1;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"failpool explore", out);
	for (char **a = x->cmd; *a; a++) {
		fputc(' ', out);
		xml(out, *a);
	}
	fprintf(out, "\" tests=\"%u\" failures=\"%u\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n",
		nf + 1, failing + !!failing, seconds);
	fprintf(out, "  <testcase classname=\"failpool.explore\" name=\"exploration: %zu runs, %zu sites, %s\" time=\"%.3f\">\n",
		s->nruns ? s->nruns - 1 : 0, s->nsites, !s->untried && !s->stopped_by ? "complete" :
		"incomplete", seconds);
	if (failing)
		fprintf(out, "    <failure message=\"%u of %u findings of a --fail-on class\" type=\"findings\"/>\n",
			failing, nf);
	if (s->untried)
		fprintf(out, "    <system-out>%zu left untried</system-out>\n", s->untried);
	fputs("  </testcase>\n", out);
	for (unsigned i = 0; i < nf; i++)
		finding(out, x, &f[i]);
	fputs("</testsuite>\n</testsuites>\n", out);
	if (fp_outfile_close(&of, -1, fclose(out) == 0)) {
		fprintf(stderr, "failpool: --junit: cannot write %s\n", x->junit);
		return -1;
	}
	return 0;
}
