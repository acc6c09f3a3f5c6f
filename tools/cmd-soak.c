/*
 * failpool soak [options]: stress-ng stressors under the shim for a while,
 * with the given failure settings and pools; did stress-ng and every
 * worker survive, did a pool run out, was anything tested at all? The
 * verdict, the merged report's tables, and the verdict again.
 */
#include "config.h"
#include "cmds.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "fp.h"
#include "merge.h"
#include "lines.h"
#include "options.h"
#include "parse.h"
#include "render.h"
#include "runner.h"
#include "seed.h"
#include "shimpath.h"
#include "soak.h"

#define USAGE "Usage: failpool soak [options]\n"
#define DEFAULT_STRESSORS "malloc:2,tsearch:1,lsearch:1,bsearch:1"
#define MAX_STRESSORS 64
#define GRACE_NS 60000000000ULL	/* past --duration before stress-ng counts as hung */

struct soak {
	const char *out, *stress;
	char *out_abs;			/* --out from /: stress-ng and its workers may chdir */
	char *stressors;		/* "a:1,b" as given, NULL: the default */
	uint64_t duration_ns;
	int injects;			/* a failure criterion is configured */
	char *cmd[2 * MAX_STRESSORS + 8];	/* stress-ng's argv */
	size_t ncmd, nowned;		/* cmd[1 .. nowned) are malloc'd */
};

static volatile sig_atomic_t interrupted;

static int bad_usage(const char *fmt, const char *arg)
{
	return fp_usage_error("soak", USAGE, fmt, arg);
}

static void soak_help(FILE *out)
{
	fputs(USAGE "\nRun stress-ng stressors under the shim for --duration with the given\n"
	      "failure settings and pools; say whether stress-ng and every worker\n"
	      "survived, and print the merged report.\n\n"
	      "  --stressor NAME[:N]    a stress-ng stressor and its worker count, repeatable\n"
	      "                         (default " DEFAULT_STRESSORS ")\n"
	      "  --duration T           how long (30, 30s, 2m; default 30s)\n"
	      "  --out DIR              the reports (default failpool-soak): new, empty, or an\n"
	      "                         earlier soak's, of which only what it wrote is removed\n"
	      "  --stress-ng PATH       which stress-ng (default: the one in PATH)\n"
	      "  -h, --help             this help\n"
	      "and the options of `failpool run` that soak passes on to stress-ng (every\n"
	      "allocation of stress-ng is eligible unless --site says otherwise):\n", out);
	fp_opts_help(out, FP_VAR_SOAK);
	fputs("Exit status: 0 everything survived, 1 a finding (a process that did not end\n"
	      "well, a pool that ran out), 2 a usage error or a soak that tested nothing.\n", out);
}

/* --stressor's values, joined with ','. */
static int add_stressors(struct soak *s, const char *val)
{
	char *joined;

	if (asprintf(&joined, "%s%s%s", s->stressors ? s->stressors : "", s->stressors ? "," : "",
		     val) < 0)
		return -1;
	free(s->stressors);
	s->stressors = joined;
	return 0;
}

static int parse_duration(struct soak *s, const char *val)
{
	if (fp_parse_duration(val, &s->duration_ns) || !s->duration_ns ||
	    s->duration_ns == UINT64_MAX) {
		bad_usage("--duration: not a duration such as 30, 30s or 2m: '%s'", val);
		return -1;
	}
	return 0;
}

/* @path from /, through the working directory when it is relative. */
static char *absolute(const char *path)
{
	char *cwd, *abs = NULL;

	if (path[0] == '/')
		return strdup(path);
	cwd = getcwd(NULL, 0);
	if (!cwd || asprintf(&abs, "%s/%s", cwd, path) < 0)
		abs = NULL;
	free(cwd);
	return abs;
}

/* soak's own options, and run's failure options set in the environment. */
static int parse_args(struct soak *s, int argc, char **argv)
{
	struct fp_optvals vals = { { 0 } };
	struct fp_conf conf;
	const char *val;
	int rc = 0;

	for (int i = 1; i < argc && !rc; i++) {
		const char *a = argv[i];
		int took;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			soak_help(stdout);
			rc = 1;
		} else if ((took = fp_opt_take("stressor", argc, argv, &i, &val))) {
			rc = took < 0 || add_stressors(s, val) ? -1 : 0;
		} else if ((took = fp_opt_take("duration", argc, argv, &i, &val))) {
			rc = took < 0 ? -1 : parse_duration(s, val);
		} else if ((took = fp_opt_take("out", argc, argv, &i, &val))) {
			s->out = val;
			rc = took < 0 ? -1 : 0;
		} else if ((took = fp_opt_take("stress-ng", argc, argv, &i, &val))) {
			s->stress = val;
			rc = took < 0 ? -1 : 0;
		} else if (fp_opt_refused(a, FP_VAR_SOAK)) {
			rc = bad_usage("%s cannot be used: soak keeps the reports in --out", a) ? -1 : 0;
		} else if ((took = fp_opt_parse(&vals, argc, argv, &i)) <= 0) {
			if (!took)
				bad_usage(a[0] == '-' ? "unknown option '%s'" : "unexpected argument '%s'", a);
			rc = -1;
		}
	}
	if (!rc && (fp_opts_setenv(&vals) || fp_opts_validate(&conf) || fp_seed_export(&conf)))
		rc = -1;
	fp_optvals_free(&vals);
	if (!rc)
		s->injects = fp_conf_injects(&conf) && conf.times;
	if (!rc && !(s->out_abs = absolute(s->out)))
		rc = -1;
	return rc;
}

/* One more argument of stress-ng's, formatted; freed by soak_free(). */
static __attribute__((format(printf, 2, 3))) int add_arg(struct soak *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->ncmd + 1 >= FP_ARRAY_SIZE(s->cmd))
		return -1;
	va_start(ap, fmt);
	n = vasprintf(&s->cmd[s->ncmd], fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	s->nowned = ++s->ncmd;
	return 0;
}

/* "malloc:2" -> "--malloc" "2" appended to stress-ng's argv. */
static int add_stressor(struct soak *s, const char *spec)
{
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
	uint64_t workers = 1;

	if (!len || len > 32 || strspn(spec, "abcdefghijklmnopqrstuvwxyz0123456789-") < len ||
	    s->ncmd > 2 * MAX_STRESSORS)
		return -1;
	if (colon && (fp_parse_u64(colon + 1, &workers) || workers < 1 || workers > 1024))
		return -1;
	return add_arg(s, "--%.*s", (int)len, spec) || add_arg(s, "%" PRIu64, workers);
}

/* stress-ng STRESSORS --timeout Ns --temp-path OUT/stress-ng-tmp */
static int build_command(struct soak *s)
{
	char *list = strdup(s->stressors ? s->stressors : DEFAULT_STRESSORS), *save = NULL;
	int rc = list ? 0 : -1;

	s->cmd[s->ncmd++] = (char *)s->stress;
	s->nowned = s->ncmd;
	for (char *one = list ? strtok_r(list, ",", &save) : NULL; one && !rc;
	     one = strtok_r(NULL, ",", &save))
		if (add_stressor(s, one)) {
			fprintf(stderr, "failpool: --stressor: not NAME or NAME:N (N in 1..1024): '%s'\n",
				one);
			rc = -1;
		}
	free(list);
	if (rc || add_arg(s, "--timeout") ||
	    add_arg(s, "%" PRIu64 "s", (s->duration_ns + 999999999) / 1000000000) ||
	    add_arg(s, "--temp-path") || add_arg(s, "%s/%s", s->out_abs, FP_SOAK_TMP))
		return -1;
	return fp_soak_stressors_check(s->stress, s->cmd, s->ncmd - 4);
}

static void soak_free(struct soak *s)
{
	for (size_t i = 1; i < s->nowned; i++)
		free(s->cmd[i]);
	free(s->stressors);
	free(s->out_abs);
}

/**
 * on_interrupt() - note SIGINT or SIGTERM for wait_soak(), which passes it
 * on to stress-ng's process group (it is not in the terminal's); once the
 * verdict is out, soak ends by that signal, so an interrupted soak never
 * reads as a pass (a cancelled CI job).
 * Context: signal handler: sets a flag, nothing else.
 */
static void on_interrupt(int sig)
{
	interrupted = sig;
}

/* "failpool soak: 27 s left" over itself, on a terminal only. */
static void countdown(uint64_t left_ns, int clear)
{
	if (clear)
		fputs("\r\033[K", stderr);
	else
		fprintf(stderr, "\rfailpool soak: %" PRIu64 " s left\033[K", (left_ns + 999999999) / 1000000000);
	fflush(stderr);
}

/*
 * Wait for stress-ng (which runs in a process group of its own), showing
 * the time left on a terminal. An interrupt of the tool is passed on as
 * SIGINT, on which stress-ng stops its workers and each writes its report;
 * past the grace period the whole group is killed.
 */
static void wait_soak(struct fp_run *r, uint64_t duration_ns)
{
	int tty = isatty(STDERR_FILENO), sent = 0;
	uint64_t shown = UINT64_MAX;

	while (!r->done) {
		uint64_t elapsed = fp_now_ns() - r->start_ns;
		int st;
		pid_t p = waitpid(r->pid, &st, WNOHANG);

		if (p == r->pid || (p < 0 && errno != EINTR)) {
			r->status = p == r->pid ? st : 0;
			r->done = 1;
			r->seconds = (double)elapsed / 1e9;
			kill(-r->pid, SIGKILL);	/* a worker left behind */
			break;
		}
		if (interrupted && !sent++)
			kill(-r->pid, SIGINT);
		if (elapsed > duration_ns + GRACE_NS && !r->timed_out) {
			r->timed_out = 1;
			kill(-r->pid, SIGKILL);
		}
		if (tty && !interrupted && elapsed / 1000000000 != shown && elapsed < duration_ns) {
			shown = elapsed / 1000000000;
			countdown(duration_ns - elapsed, 0);
		}
		usleep(50000);
	}
	if (tty && shown != UINT64_MAX)
		countdown(0, 1);
}

/* Start stress-ng under the shim, reports in --out, and wait for it. */
static int run_soak(struct soak *s, struct fp_run *run)
{
	struct sigaction sa = { .sa_handler = on_interrupt }, old_int, old_term;
	char *preload = fp_preload_value(), *vars[2] = { NULL }, log[4096];
	int rc = -1;

	if (!preload || asprintf(&vars[0], "FAILPOOL_REPORT=%s/%%p.json", s->out_abs) < 0)
		goto out;
	snprintf(log, sizeof(log), "%s/%s", s->out_abs, FP_SOAK_LOG);
	/* Every setting but the report, which soak keeps in --out. */
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if (fp_run_start(run, s->cmd, preload, vars, fp_opts_passed(FP_VAR_SOAK), log)) {
		fprintf(stderr, "failpool: cannot start %s: %s\n", s->stress, strerror(errno));
	} else {
		wait_soak(run, s->duration_ns);
		rc = 0;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
out:
	free(vars[0]);
	free(preload);
	return rc;
}

/* The verdict, the tables, where things are, and the verdict again. */
static int conclude(const struct soak *s, const struct fp_run *run)
{
	struct fp_soak_result r = { .run = run, .duration_ns = s->duration_ns,
				    .injects = s->injects, .interrupted = interrupted,
				    .out = s->out };
	struct fp_model m;
	char **paths;
	size_t npaths;
	int rc;

	if (fp_soak_out_reports(s->out, &paths, &npaths))
		return FP_EXIT_USAGE;
	if (fp_merge_files(paths, npaths, &m)) {
		fp_soak_out_free(paths, npaths);
		fp_model_free(&m);
		return FP_EXIT_USAGE;
	}
	fp_soak_name_processes(&m);
	r.m = &m;
	rc = fp_soak_verdict(stdout, &r);
	if (m.nprocs) {
		fp_soak_stressor_table(stdout, &m);
		fp_lines_name(&m, 2 * FP_RENDER_TOP + 20);
		putchar('\n');
		fp_render_text(stdout, &m);
		printf("\nreports and stress-ng's output: %s\n\n", s->out);
		fp_soak_verdict(stdout, &r);
	}
	fp_model_free(&m);
	fp_soak_out_free(paths, npaths);
	return rc;
}

int fp_cmd_soak(int argc, char **argv)
{
	struct soak s = { .out = "failpool-soak", .stress = "stress-ng",
			  .duration_ns = 30000000000ULL };
	struct fp_run run;
	int rc = parse_args(&s, argc, argv);

	if (rc > 0)
		rc = FP_EXIT_OK;
	else if (rc < 0 || build_command(&s) || fp_soak_out_claim(s.out) || run_soak(&s, &run))
		rc = FP_EXIT_USAGE;
	else
		rc = conclude(&s, &run);
	soak_free(&s);
	if (interrupted) {
		fflush(NULL);
		signal(interrupted, SIG_DFL);
		raise(interrupted);
	}
	return rc;
}
