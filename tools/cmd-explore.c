/*
 * failpool explore [options] [--] CMD [ARG...]: a baseline run records the
 * allocation sites; then one run per site fails that site alone (its first
 * allocation, or with --persistent every one from then on), and sites that
 * error paths reveal join the queue; --mode nth fails the 1st, 2nd, ...
 * eligible allocation instead. Each run is classed against the baseline's
 * exit status and output, and findings are grouped by where they end
 * (explore-read.c). Here: the options, and what must hold before anything
 * runs (a command that can run, an --out that holds no older exploration).
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
#include "enterable.h"
#include "explore.h"
#include "options.h"
#include "parse.h"
#include "shimpath.h"

#define USAGE "Usage: failpool explore [options] [--] CMD [ARG...]\n"

static void explore_help(FILE *out)
{
	fputs(USAGE "       failpool explore --merge [--out DIR] [--fail-on CLASSES] [--junit FILE] DIR...\n"
	      "\nRun CMD as a baseline, then once per allocation site (or per allocation\n"
	      "index) with a failure injected there alone; class every run (survived,\n"
	      "handled, silent, aborted, crashed, hung), group the findings by where they\n"
	      "end, and write a command that reproduces each.\n\n"
	      "Options:\n"
	      "  --mode sites|nth       one run per site (default), or per eligible allocation index\n"
	      "  --persistent           fail every allocation there from the first on, not just one\n"
	      "  --max-runs N           stop after N runs besides the baseline (default: no limit)\n"
	      "  --jobs N               runs in parallel (default 1)\n"
	      "  --timeout T            a run past T (500ms, 10s, 2m) is hung (default 30s)\n"
	      "  --out DIR              summary.json, runs/ and repro-N.sh (default failpool-explore);\n"
	      "                         a DIR that is not empty is refused\n"
	      "  --force                empty a used --out DIR of explore's files first\n"
	      "  --resume DIR           go on with the exploration in DIR (its --out)\n"
	      "  --stdin FILE           every run's standard input (default /dev/null)\n"
	      "  --aslr                 keep address-space randomisation (default: off, as gdb does)\n"
	      "  --no-server            exec every run (default: cloned from a run server)\n"
	      "  --fail-on CLASSES      classes that make the exit status 1 (default crashed,hung,silent)\n"
	      "  --junit FILE           JUnit XML: one test case per finding, one for the exploration\n"
	      "  --shard K/N            explore the K-th of N parts; --merge the N outputs after\n"
	      "  -h, --help             this help\n"
	      "and the options of `failpool run` that explore passes on to every run\n"
	      "(--check is frees here unless told otherwise):\n", out);
	fp_opts_help(out, FP_VAR_EXPLORE);
	fputs("Exit status: 0 no run of a --fail-on class, 1 one or more, 2 explore could not\n"
	      "explore (usage, a CMD that cannot run or wrote no report, a used --out).\n", out);
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

/* @path made absolute against @cwd into @out; -1 when too long. */
static int absolute(const char *cwd, const char *path, char *out, size_t size)
{
	int n = path[0] == '/' ? snprintf(out, size, "%s", path) : snprintf(out, size, "%s/%s", cwd, path);

	return n > 0 && (size_t)n < size - 64 ? 0 : -1;
}

/* --fail-on crashed,hung,...: the class bits into @mask. */
static int take_classes(const char *v, unsigned *mask)
{
	*mask = 0;
	if (!strcmp(v, "none"))
		return 0;
	/* An empty list (an unset variable in a CI script) is no "none": that would be a false green. */
	if (!*v)
		return -1;
	for (const char *p = v; *p;) {
		size_t n = strcspn(p, ",");
		int c = fp_xclass_find(p, n);

		if (c < 0)
			return -1;
		*mask |= 1u << c;
		p += n + (p[n] == ',');
	}
	return 0;
}

/* The options only explore has; 1 taken, 0 not one of them, -1 bad. */
static int explore_only(int argc, char **argv, int *i, struct fp_explore *x)
{
	static char stdin_path[PATH_MAX], junit[PATH_MAX];
	const char *a = argv[*i], *val;
	int rc;

	if (!strcmp(a, "--persistent") || !strcmp(a, "--aslr") || !strcmp(a, "--force") ||
	    !strcmp(a, "--no-server")) {
		if (a[2] == 'p')
			x->persistent = 1;
		else if (a[2] == 'a')
			x->aslr = 1;
		else if (a[2] == 'n')
			x->no_server = 1;
		else
			x->force = 1;
		return 1;
	}
	if ((rc = fp_opt_take("out", argc, argv, i, &val)) ||
	    (rc = fp_opt_take("resume", argc, argv, i, &val))) {
		if (rc < 0)
			return -1;
		if (!*val || absolute(x->cwd, val, x->out, sizeof(x->out))) {
			bad_usage("--out: not a usable directory name: '%s'", val);
			return -1;
		}
		x->resume |= !strncmp(a, "--resume", 8);
		return 1;
	}
	if ((rc = fp_opt_take("stdin", argc, argv, i, &val))) {
		if (rc < 0 || absolute(x->cwd, val, stdin_path, sizeof(stdin_path)))
			return -1;
		if (access(stdin_path, R_OK)) {
			fprintf(stderr, "failpool: --stdin: cannot read %s: %s\n", val, strerror(errno));
			return -1;
		}
		x->stdin_path = stdin_path;
		return 1;
	}
	if ((rc = fp_opt_take("junit", argc, argv, i, &val))) {
		if (rc < 0 || !*val || absolute(x->cwd, val, junit, sizeof(junit)))
			return -1;
		x->junit = junit;
		return 1;
	}
	if ((rc = fp_opt_take("fail-on", argc, argv, i, &val))) {
		if (rc < 0)
			return -1;
		if (take_classes(val, &x->fail_on)) {
			bad_usage("--fail-on: not a list of survived, handled, silent, aborted, crashed, "
				  "hung (or none): '%s'", val);
			return -1;
		}
		return 1;
	}
	if ((rc = fp_opt_take("shard", argc, argv, i, &val))) {
		char end;

		if (rc < 0)
			return -1;
		if (sscanf(val, "%u/%u%c", &x->shard, &x->nshards, &end) != 2 || !x->shard ||
		    x->shard > x->nshards || x->nshards > 100000) {
			bad_usage("--shard: not K/N with 1 <= K <= N: '%s'", val);
			return -1;
		}
		return 1;
	}
	return 0;
}

static int parse(int argc, char **argv, struct fp_explore *x, struct fp_optvals *v, int *merge)
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
		if (!strcmp(a, "--merge")) {
			*merge = 1;
			continue;
		}
		if ((rc = explore_only(argc, argv, &i, x))) {
			if (rc < 0)
				return FP_EXIT_USAGE;
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
			if (rc < 0 || take_u("max-runs", val, 1, 100000000, &x->max_runs))
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
		return bad_usage("%s", *merge ? "no shard directory to merge" : "no command to explore");
	x->cmd = argv + i;
	return -1;
}

/*
 * CMD as execvp() will find it, and a program the shim can enter; else the
 * reason now, and exit 2, rather than a baseline of nothing.
 */
static int check_cmd(const char *cmd)
{
	char real[PATH_MAX], why[PATH_MAX + 200];
	struct stat st;

	if (fp_resolve_cmd(cmd, real)) {
		fprintf(stderr, "failpool: %s: %s: nothing to explore\n", cmd,
			strchr(cmd, '/') ? strerror(errno) : "command not found in PATH");
		return -1;
	}
	if (stat(real, &st) || !S_ISREG(st.st_mode) || access(real, X_OK)) {
		fprintf(stderr, "failpool: %s: not an executable file: nothing to explore\n", cmd);
		return -1;
	}
	if (fp_unenterable(real, why, sizeof(why))) {
		fprintf(stderr, "failpool: %s: nothing to explore\n", why);
		return -1;
	}
	return 0;
}

/*
 * Remove what explore writes under @dir, @level deep: in --out (0) its
 * summary.json, repro-* files and runs/; in runs/ (1) each run's directory,
 * and the runs in a scratch directory a SIGKILLed explore left there
 * (scratch.XXXXXX, tools/explore-scratch.c); in a run's directory (2) its
 * files. Nothing else, and no link followed.
 */
static void clear_out(const char *dir, int level)
{
	char path[PATH_MAX * 2];
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode) && (level == 1 || (level == 0 && !strcmp(e->d_name, "runs")))) {
			clear_out(path, level == 1 && !strncmp(e->d_name, "scratch.", 8) ? 1 : level + 1);
			rmdir(path);
		} else if (!S_ISDIR(st.st_mode) && (level == 2 || (level == 0 &&
			   (!strcmp(e->d_name, "summary.json") || !strncmp(e->d_name, "repro-", 6))))) {
			unlink(path);
		}
	}
	if (d)
		closedir(d);
}

/* Whether @dir holds anything. */
static int used(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

/* --out: new or empty, emptied with --force, or kept with --resume; then runs/ in it. */
static int prepare_out(const struct fp_explore *x, int merge)
{
	char runs[PATH_MAX + 16];

	if (x->resume) {
		snprintf(runs, sizeof(runs), "%s/summary.json", x->out);
		if (access(runs, R_OK)) {
			fprintf(stderr, "failpool: --resume %s: no summary.json of an exploration there\n", x->out);
			return -1;
		}
	} else if (used(x->out)) {
		if (!x->force) {
			/* --merge has no --resume: do not suggest it. */
			fprintf(stderr, "failpool: --out %s is not empty (an older exploration?): %s"
				"--force to start over, or name another\n", x->out, merge ? "" : "--resume it, ");
			return -1;
		}
		clear_out(x->out, 0);
	}
	snprintf(runs, sizeof(runs), "%s/runs", x->out);
	if ((mkdir(x->out, 0755) && errno != EEXIST) || (mkdir(runs, 0755) && errno != EEXIST)) {
		fprintf(stderr, "failpool: --out: cannot create %s: %s\n", runs, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * A FAILPOOL_* variable explore does not pass on (FAILPOOL_RATE...), set in
 * its own environment, would be dropped without a word: refused as its flag is.
 */
static int env_refused(void)
{
	for (unsigned k = 0; k < fp_nopts; k++)
		if (!(fp_opts[k].use & FP_VAR_EXPLORE) && getenv(fp_opts[k].var)) {
			fprintf(stderr, "failpool: %s in the environment cannot be used: explore decides"
				" what fails (unset it)\n", fp_opts[k].var);
			return 1;
		}
	return 0;
}

/* --merge: a refused merge leaves no --out behind that it made (an empty runs/ in it). */
static int merge_into_out(struct fp_explore *x)
{
	char runs[PATH_MAX + 16];
	int made = access(x->out, F_OK) != 0, rc;

	if (prepare_out(x, 1))
		return FP_EXIT_USAGE;
	rc = fp_explore_merge(x, x->cmd);
	if (rc == FP_EXIT_USAGE && made) {
		snprintf(runs, sizeof(runs), "%s/runs", x->out);
		/* rmdir: only while nothing was written there. */
		if (!rmdir(runs))
			rmdir(x->out);
	}
	return rc;
}

int fp_cmd_explore(int argc, char **argv)
{
	static struct fp_explore x = {
		.jobs = 1, .timeout_ns = 30000000000ULL, .depth = 8, .fail_on = UINT_MAX,
	};
	struct fp_optvals vals = { { 0 } };
	struct fp_conf conf;
	int rc, merge = 0;

	if (!getcwd(x.cwd, sizeof(x.cwd)) || absolute(x.cwd, "failpool-explore", x.out, sizeof(x.out))) {
		fprintf(stderr, "failpool: cannot tell the working directory: %s\n", strerror(errno));
		return FP_EXIT_USAGE;
	}
	rc = parse(argc, argv, &x, &vals, &merge);
	if (rc < 0)
		rc = fp_opts_setenv(&vals) ? FP_EXIT_USAGE : -1;
	/* Error paths are where double frees live: every run checks frees unless told not to. */
	if (rc < 0 && !getenv("FAILPOOL_CHECK") && setenv("FAILPOOL_CHECK", "frees", 1))
		rc = FP_EXIT_USAGE;
	fp_optvals_free(&vals);
	if (rc >= 0)
		return rc;
	if (env_refused() || fp_opts_validate(&conf))
		return FP_EXIT_USAGE;
	x.depth = conf.depth;
	if (merge) {
		if (x.resume || x.nshards)
			return bad_usage("%s", "--merge takes neither --resume nor --shard");
		return merge_into_out(&x);
	}
	if (x.fail_on == UINT_MAX)
		x.fail_on = FP_X_FAIL_ON_DEFAULT;
	if (check_cmd(x.cmd[0]) || prepare_out(&x, 0))
		return FP_EXIT_USAGE;
	x.preload = fp_preload_value();
	if (!x.preload)
		return FP_EXIT_USAGE;
	rc = fp_explore(&x);
	free(x.preload);
	return rc;
}
