/*
 * failpool explore [options] [--] CMD [ARG...]: a baseline run records the
 * allocation sites; then one run per site fails that site alone (its first
 * allocation, or with --persistent every one from then on), and sites that
 * error paths reveal join the queue; --mode nth fails the 1st, 2nd, ...
 * eligible allocation instead. Each run is classed against the baseline's
 * exit status; crashes are grouped by their crash stack.
 */
#include "config.h"
#include "cmds.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "explore.h"
#include "options.h"
#include "parse.h"
#include "shimpath.h"

#define USAGE "Usage: failpool explore [options] [--] CMD [ARG...]\n"

static void explore_help(FILE *out)
{
	fputs(USAGE "\nRun CMD once as a baseline, then once per allocation site (or per\n"
	      "allocation index) with a failure injected there alone, and report every\n"
	      "run that crashed or hung, with a command that reproduces it.\n\n"
	      "Options:\n"
	      "  --mode sites|nth       one run per site (default), or per eligible allocation index\n"
	      "  --persistent           fail every allocation there from the first on, not just one\n"
	      "  --max-runs N           stop after N runs besides the baseline (default 500)\n"
	      "  --jobs N               runs in parallel (default 1)\n"
	      "  --timeout T            a run past T (500ms, 10s, 2m) is hung (default 30s)\n"
	      "  --out DIR              summary.json, runs/ and repro-N.sh (default failpool-explore)\n"
	      "  -h, --help             this help\n"
	      "and the options of `failpool run` that explore passes on to every run\n"
	      "(--check is frees here unless told otherwise):\n", out);
	fp_opts_help(out, FP_VAR_EXPLORE);
	fputs("Exit status: 0 nothing crashed or hung, 1 something did, 2 usage error.\n", out);
}

static int bad_usage(const char *fmt, const char *arg)
{
	return fp_usage_error("explore", USAGE, fmt, arg);
}

static int take_u(const char *flag, const char *v, unsigned min, unsigned max, unsigned *out)
{
	uint64_t n;

	if (fp_parse_u64(v, &n) || n < min || n > max) {
		fprintf(stderr, "failpool: --%s: not an integer in %u..%u: '%s'\n", flag, min, max, v);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

static int parse(int argc, char **argv, struct fp_explore *x, struct fp_optvals *v)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val;
		int rc;

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			explore_help(stdout);
			return FP_EXIT_OK;
		}
		if (!strcmp(a, "--persistent")) {
			x->persistent = 1;
			continue;
		}
		if ((rc = fp_opt_take("mode", argc, argv, &i, &val))) {
			if (rc < 0)
				return FP_EXIT_USAGE;
			if (!strcmp(val, "sites") || !strcmp(val, "nth"))
				x->nth_mode = !strcmp(val, "nth");
			else
				return bad_usage("--mode: not sites or nth: '%s'", val);
			continue;
		}
		if ((rc = fp_opt_take("max-runs", argc, argv, &i, &val))) {
			if (rc < 0 || take_u("max-runs", val, 0, 1000000, &x->max_runs))
				return FP_EXIT_USAGE;
			continue;
		}
		if ((rc = fp_opt_take("jobs", argc, argv, &i, &val))) {
			if (rc < 0 || take_u("jobs", val, 1, FP_EXPLORE_JOBS_MAX, &x->jobs))
				return FP_EXIT_USAGE;
			continue;
		}
		if ((rc = fp_opt_take("timeout", argc, argv, &i, &val))) {
			if (rc < 0)
				return FP_EXIT_USAGE;
			if (fp_parse_duration(val, &x->timeout_ns) || !x->timeout_ns ||
			    x->timeout_ns == UINT64_MAX)
				return bad_usage("--timeout: not a duration such as 500ms, 10s or 2m: '%s'", val);
			continue;
		}
		if ((rc = fp_opt_take("out", argc, argv, &i, &val))) {
			if (rc < 0)
				return FP_EXIT_USAGE;
			if (!*val || strlen(val) > PATH_MAX - 64)
				return bad_usage("--out: not a usable directory name: '%s'", val);
			x->out = val;
			continue;
		}
		/* Flags of `run` explore does not pass on decide what fails: explore's job. */
		if (fp_opt_refused(a, FP_VAR_EXPLORE))
			return bad_usage("%s cannot be used: explore decides what fails", a);
		rc = fp_opt_parse(v, argc, argv, &i);
		if (rc < 0)
			return FP_EXIT_USAGE;
		if (rc > 0)
			continue;
		if (a[0] == '-' && a[1])
			return bad_usage("unknown option '%s'", a);
		break;
	}
	if (i >= argc)
		return bad_usage("%s", "no command to explore");
	x->cmd = argv + i;
	return -1;
}

int fp_cmd_explore(int argc, char **argv)
{
	struct fp_explore x = {
		.max_runs = 500, .jobs = 1, .timeout_ns = 30000000000ULL,
		.out = "failpool-explore", .depth = 8,
	};
	struct fp_optvals vals = { { 0 } };
	struct fp_conf conf;
	int rc;

	rc = parse(argc, argv, &x, &vals);
	if (rc < 0)
		rc = fp_opts_setenv(&vals) ? FP_EXIT_USAGE : -1;
	/* Error paths are where double frees live: every run checks frees unless told not to. */
	if (rc < 0 && !getenv("FAILPOOL_CHECK") && setenv("FAILPOOL_CHECK", "frees", 1))
		rc = FP_EXIT_USAGE;
	fp_optvals_free(&vals);
	if (rc >= 0)
		return rc;
	if (fp_opts_validate(&conf))
		return FP_EXIT_USAGE;
	x.depth = conf.depth;
	x.preload = fp_preload_value();
	if (!x.preload)
		return FP_EXIT_USAGE;
	rc = fp_explore(&x);
	free(x.preload);
	return rc;
}
