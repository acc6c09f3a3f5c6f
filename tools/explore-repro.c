/*
 * repro-N.sh: one finding's first run again, from any directory and in a
 * clean environment. It restores what the run had (working directory,
 * standard input, the environment but the FAILPOOL_* variables the options
 * stand for, the address layout) and keeps a report next to itself. A
 * silent finding's script also says whether it reproduced: it keeps the
 * output and compares it with the baseline's, kept once beside the scripts.
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
#include <sys/stat.h>
#include <unistd.h>

#include "fp.h"
#include "options.h"
#include "parse.h"
#include "writeall.h"

extern char **environ;

/* @s single-quoted for sh. */
static void quote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	fputc('\'', f);
}

/* `failpool run` with the options that make run @r's failure, and CMD. */
static void run_line(FILE *f, const struct fp_explore *x, const struct fp_xrun *r, unsigned n)
{
	char tool[PATH_MAX], report[PATH_MAX + 32];
	ssize_t len = readlink("/proc/self/exe", tool, sizeof(tool) - 1);

	tool[len > 0 ? len : 0] = '\0';
	quote(f, len > 0 ? tool : "failpool");
	snprintf(report, sizeof(report), "%s/repro-%u.%%p.json", x->out, n);
	fputs(" run --report ", f);
	quote(f, report);
	fprintf(f, " --depth %u", x->depth);
	/* What explore passed on to the run; the depth in force is given above. */
	for (unsigned i = 0; i < fp_nopts; i++) {
		const char *v = getenv(fp_opts[i].var);

		if ((fp_opts[i].use & FP_VAR_EXPLORE) && strcmp(fp_opts[i].var, "FAILPOOL_DEPTH") &&
		    v && *v) {
			fprintf(f, " --%s ", fp_opts[i].flag);
			quote(f, v);
		}
	}
	if (x->nth_mode) {
		fprintf(f, " --nth %" PRIu64, r->nth);
	} else {
		for (unsigned i = 0; i < r->nchain; i++)
			fprintf(f, " --site site:%016" PRIx64, r->chain[i]);
		fputs(" --nth 1", f);
		if (r->nchain > 1 && !x->persistent)
			fprintf(f, " --burst %u", r->nchain);
	}
	if (x->persistent)
		fputs(" --burst inf", f);
	fputs(" --", f);
	for (char **a = x->cmd; *a; a++) {
		fputc(' ', f);
		quote(f, *a);
	}
}

/* The environment the program was given, for `env -i`. */
static void environment(FILE *f)
{
	for (char **e = environ; e && *e; e++) {
		/*
		 * The options stand for the shim's FAILPOOL_* settings; FAILPOOL_LIB
		 * (which shim the tool preloads) stays, and so does LD_PRELOAD:
		 * `failpool run` prepends to it.
		 */
		if (!strncmp(*e, "FAILPOOL_", 9) && strncmp(*e, "FAILPOOL_LIB=", 13))
			continue;
		fputs(" \\\n\t", f);
		quote(f, *e);
	}
}

/* " 'BASE' 'OUT'": the two outputs, as cmp and diff take them. */
static void both(FILE *f, const char *base, const char *out)
{
	fputc(' ', f);
	quote(f, base);
	fputc(' ', f);
	quote(f, out);
}

/*
 * The end of a silent finding's script: the output against the baseline's,
 * cmp for the verdict, a short diff to show it (cmp when diff is absent).
 */
static void compare(FILE *f, const struct fp_xstate *s, const char *out, const char *base)
{
	fprintf(f, "status=$?\nif [ \"$status\" -ne %d ]; then\n"
		"\techo \"not reproduced: exit $status, not the baseline's %d\"\n\texit 2\nfi\n"
		"if cmp -s", s->base_code, s->base_code);
	both(f, base, out);
	fputs("; then\n\techo 'not reproduced: same output as the baseline'\n\texit 0\nfi\n"
	      "echo \"reproduced: standard output differs from the baseline's (see diff)\"\n"
	      "if command -v diff >/dev/null 2>&1; then\n\tdiff", f);
	both(f, base, out);
	fputs(" | head -n 20\nelse\n\tcmp", f);
	both(f, base, out);
	fputs("\nfi\nexit 1\n", f);
}

static void script(FILE *f, const struct fp_xstate *s, unsigned n, const struct fp_xfinding *fd,
		   const char *base)
{
	const struct fp_explore *x = s->x;
	const struct fp_xrun *r = fd->first;
	char out[PATH_MAX + 32];

	snprintf(out, sizeof(out), "%s/repro-%u.stdout", x->out, n);
	fputs("#!/bin/sh\n# failpool explore, finding ", f);
	fprintf(f, "%u (run %u): ", n, r->index);
	fp_xheading(f, x, fd);
	fprintf(f, "\n# It restores the run's working directory, standard input and environment%s;\n"
		"# the report is kept as %s/repro-%u.<pid>.json.\n", x->aslr ? "" :
		", with address-space randomisation off", x->out, n);
	if (base)
		fprintf(f, "# The output is kept as %s and compared with the baseline's, %s:\n"
			"# exit 1 when it differs (reproduced), 0 when it is the same, 2 at another exit status.\n",
			out, base);
	fputs("cd ", f);
	quote(f, x->cwd);
	fputs(" || exit 125\n", f);
	if (base) {
		/* The output is written anew, never through a link planted there (set -C). */
		fputs("rm -f ", f);
		quote(f, out);
		fputs(" && set -C || exit 125\n", f);
	}
	/* Silent: the script goes on after the run, to compare its output. */
	if (!base)
		fputs("exec ", f);
	if (!x->aslr)
		fputs("setarch \"$(uname -m)\" -R ", f);
	if (r->cls == FP_X_HUNG)
		fprintf(f, "timeout -k 5 %.3fs ", (double)x->timeout_ns / 1e9);
	fputs("env -i", f);
	environment(f);
	fputs(" \\\n\t", f);
	run_line(f, x, r, n);
	fputs(" <", f);
	quote(f, x->stdin_path ? x->stdin_path : "/dev/null");
	if (base) {
		fputs(" >", f);
		quote(f, out);
		fputc('\n', f);
		compare(f, s, out, base);
	} else {
		fputc('\n', f);
	}
}

/*
 * The baseline's standard output as repro-baseline.stdout beside the
 * scripts, for the silent findings' scripts to compare with: written once,
 * whatever their number. Return: its path, or NULL when it cannot be written.
 */
static const char *keep_baseline(const struct fp_xstate *s)
{
	static char path[PATH_MAX + 32];
	static const struct fp_xstate *kept_for;
	struct fp_outfile of;
	int fd, ok;

	if (kept_for == s)
		return path;
	snprintf(path, sizeof(path), "%s/repro-baseline.stdout", s->x->out);
	fd = fp_outfile_open(&of, path, 0644);
	if (fd < 0) {
		fprintf(stderr, "failpool: cannot write %s: %s\n", path,
			fd == -ELOOP ? "a symbolic link; not writing through it" : strerror(-fd));
		return NULL;
	}
	ok = !s->base_out_len || fp_write_all(fd, s->base_out, s->base_out_len) == 0;
	if (fp_outfile_close(&of, fd, ok)) {
		fprintf(stderr, "failpool: cannot write %s\n", path);
		return NULL;
	}
	kept_for = s;
	return path;
}

void fp_xrepro(const struct fp_xstate *s, unsigned n, struct fp_xfinding *fd)
{
	const struct fp_explore *x = s->x;
	const char *base = NULL;
	struct fp_outfile of;
	FILE *f;
	int fdes;

	/* Without the baseline's output beside it, a plain script: it runs, it cannot judge. */
	if (fd->first->cls == FP_X_SILENT)
		base = keep_baseline(s);
	snprintf(fd->repro, sizeof(fd->repro), "%s/repro-%u.sh", x->out, n);
	fdes = fp_outfile_open(&of, fd->repro, 0755);
	if (fdes < 0 || !(f = fdopen(fdes, "w"))) {
		fprintf(stderr, "failpool: cannot write %s: %s\n", fd->repro,
			fdes == -ELOOP ? "a symbolic link; not writing through it" :
			strerror(fdes < 0 ? -fdes : errno));
		if (fdes >= 0)
			fp_outfile_close(&of, fdes, 0);
		return;
	}
	script(f, s, n, fd, base);
	FP_IGNORE(fchmod(fileno(f), 0755));	/* executable whatever the umask */
	if (fp_outfile_close(&of, -1, fclose(f) == 0))
		fprintf(stderr, "failpool: cannot write %s\n", fd->repro);
}
