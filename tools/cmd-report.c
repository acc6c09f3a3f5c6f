/*
 * failpool report [--format text|json|html] [-o FILE] REPORT.json...:
 * one report, or several merged (a process and its children), rendered.
 */
#include "config.h"
#include "cmds.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lines.h"
#include "merge.h"
#include "options.h"
#include "outfile.h"
#include "render.h"

#define USAGE "Usage: failpool report [--format text|json|html] [-o FILE] REPORT.json...\n"

static int bad_usage(const char *fmt, const char *arg)
{
	return fp_usage_error("report", USAGE, fmt, arg);
}

/* @m as @format into @path (standard output when NULL); 0 or FP_EXIT_USAGE. */
static int render_to(const struct fp_model *m, const char *format, const char *path)
{
	struct fp_outfile of;
	FILE *out = stdout;
	int fd = STDOUT_FILENO, rc = 0;

	if (path) {
		/* Never through a planted symbolic link, never half-written. */
		fd = fp_outfile_open(&of, path, 0644);
		if (fd == -ELOOP) {
			fprintf(stderr, "failpool: -o: %s is a symbolic link; not writing through it\n",
				path);
			return FP_EXIT_USAGE;
		}
		if (fd < 0 || !(out = fdopen(fd, "w"))) {
			fprintf(stderr, "failpool: -o: cannot write %s: %s\n", path,
				strerror(fd < 0 ? -fd : errno));
			if (fd >= 0)
				fp_outfile_close(&of, fd, 0);
			return FP_EXIT_USAGE;
		}
	}
	if (!strcmp(format, "json")) {
		fflush(out);
		rc = fp_render_model_json(fd, m);
	} else if (!strcmp(format, "html")) {
		fp_render_html(out, m);
	} else {
		fp_render_text(out, m);
	}
	if (fflush(out) || rc)
		rc = FP_EXIT_USAGE;
	if (path) {
		int closed = fclose(out);

		if (fp_outfile_close(&of, -1, !rc && !closed) || closed)
			rc = FP_EXIT_USAGE;
	}
	if (rc)
		fprintf(stderr, "failpool: cannot write %s\n", path ? path : "the output");
	return rc;
}

int fp_cmd_report(int argc, char **argv)
{
	const char *format = "text", *outpath = NULL, *val;
	struct fp_model m;
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(USAGE "\nRender failpool reports; several (a process tree) are merged:\n"
			      "totals summed, sites by id, pools by name.\n\n"
			      "  --format text|json|html  aligned tables (default), the merged report as JSON,\n"
			      "                           or one self-contained HTML page with SVG charts\n"
			      "  -o FILE                  write there instead of standard output\n"
			      "Exit status: 0, or 2 for a usage error or a file that is not a whole report.\n",
			      stdout);
			return FP_EXIT_OK;
		}
		if (!strcmp(a, "-o")) {
			if (i + 1 >= argc)
				return bad_usage("%s needs a file name", a);
			outpath = argv[++i];
			continue;
		}
		if ((rc = fp_opt_take("format", argc, argv, &i, &val))) {
			if (rc < 0)
				return FP_EXIT_USAGE;
			if (strcmp(val, "text") && strcmp(val, "json") && strcmp(val, "html"))
				return bad_usage("--format: not text, json or html: '%s'", val);
			format = val;
			continue;
		}
		if (a[0] == '-' && a[1])
			return bad_usage("unknown option '%s'", a);
		break;
	}
	if (i >= argc)
		return bad_usage("%s", "no report to read");
	if (fp_merge_files(argv + i, (size_t)(argc - i), &m)) {
		fp_model_free(&m);
		return FP_EXIT_USAGE;
	}
	/* Every site: the text tables by injected failures and by calls pick from all. */
	fp_lines_name(&m, (size_t)-1);
	rc = render_to(&m, format, outpath);
	fp_model_free(&m);
	return rc;
}
