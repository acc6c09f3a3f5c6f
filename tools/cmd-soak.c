/*
 * failpool soak [options]: stress-ng stressors under the shim for a while,
 * with the given failure settings and pools; did stress-ng and every
 * worker survive? Then the merged report's tables.
 */
#include "config.h"
#include "cmds.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

#define USAGE "Usage: failpool soak [options]\n"
#define DEFAULT_STRESSORS "malloc:2,tsearch:1,lsearch:1,bsearch:1"

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
	      "  --out DIR              the reports (default failpool-soak)\n"
	      "  --stress-ng PATH       which stress-ng (default: the one in PATH)\n"
	      "  -h, --help             this help\n"
	      "and the options of `failpool run` that soak passes on to stress-ng (every\n"
	      "allocation of stress-ng is eligible unless --site says otherwise):\n", out);
	fp_opts_help(out, FP_VAR_SOAK);
	fputs("Exit status: 0 when everything survived, 1 otherwise, 2 usage error.\n", out);
}

/* "malloc:2" -> "--malloc" "2" appended to @argv at *@n. */
static int add_stressor(const char *spec, char **argv, size_t *n)
{
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
	uint64_t workers = 1;

	if (!len || len > 32 || strspn(spec, "abcdefghijklmnopqrstuvwxyz0123456789-") < len)
		return -1;
	if (colon && (fp_parse_u64(colon + 1, &workers) || workers < 1 || workers > 1024))
		return -1;
	if (asprintf(&argv[(*n)++], "--%.*s", (int)len, spec) < 0 ||
	    asprintf(&argv[(*n)++], "%" PRIu64, workers) < 0)
		return -1;
	return 0;
}

static int report_files(const char *dir, char ***paths, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	*n = 0;
	*paths = NULL;
	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		*paths = realloc(*paths, (*n + 1) * sizeof(**paths));
		if (!*paths || asprintf(&(*paths)[(*n)++], "%s/%s", dir, e->d_name) < 0)
			return -1;
	}
	if (d)
		closedir(d);
	return 0;
}

static int verdict(const struct fp_merged *m, const struct fp_run *r, uint64_t duration_ns)
{
	unsigned crashed = 0, failed = 0;
	char e[64];

	for (size_t i = 0; i < m->ndocs; i++) {
		const struct fp_mproc *p = &m->procs[i];

		if (p->signal || !p->complete)
			crashed++;
		else if (p->has_code && p->code)
			failed++;
	}
	if (!r->timed_out && WIFEXITED(r->status) && !WEXITSTATUS(r->status) && !crashed && !failed &&
	    m->ndocs) {
		printf("failpool soak: survived: stress-ng and %zu worker%s ran %.0f s, %" PRIu64
		       " failures injected, none fatal\n\n", m->ndocs - 1, m->ndocs == 2 ? "" : "s",
		       (double)duration_ns / 1e9, m->injected);
		return FP_EXIT_OK;
	}
	printf("failpool soak: NOT survived: ");
	if (r->timed_out)
		printf("stress-ng hung past its duration; ");
	else if (WIFSIGNALED(r->status))
		printf("stress-ng killed by signal %d; ", WTERMSIG(r->status));
	else if (WEXITSTATUS(r->status))
		printf("stress-ng exited with status %d; ", WEXITSTATUS(r->status));
	printf("%u process%s crashed, %u exited with an error\n", crashed, crashed == 1 ? "" : "es",
	       failed);
	for (size_t i = 0; i < m->ndocs; i++)
		if (m->procs[i].signal || !m->procs[i].complete || (m->procs[i].has_code && m->procs[i].code))
			printf("  pid %" PRIu64 " %s\n", m->procs[i].pid,
			       fp_render_ending(&m->procs[i], e, sizeof(e)));
	putchar('\n');
	return FP_EXIT_FINDING;
}

int fp_cmd_soak(int argc, char **argv)
{
	const char *out = "failpool-soak", *stress = "stress-ng", *val;
	char *stressors = NULL, dir[PATH_MAX + 32], *preload, **paths;
	char *cmd[2 * 64 + 8] = { NULL }, *vars[2] = { NULL };
	uint64_t duration = 30000000000ULL;
	struct fp_optvals vals = { { 0 } };
	struct fp_merged m;
	struct fp_conf conf;
	struct fp_run run;
	size_t n = 0, npaths;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			soak_help(stdout);
			return FP_EXIT_OK;
		}
		if ((rc = fp_opt_take("stressor", argc, argv, &i, &val))) {
			char *s;

			if (rc < 0 || asprintf(&s, "%s%s%s", stressors ? stressors : "",
					       stressors ? "," : "", val) < 0)
				return FP_EXIT_USAGE;
			free(stressors);
			stressors = s;
			continue;
		}
		if ((rc = fp_opt_take("duration", argc, argv, &i, &val))) {
			if (rc < 0)
				return FP_EXIT_USAGE;
			if (fp_parse_duration(val, &duration) || !duration || duration == UINT64_MAX)
				return bad_usage("--duration: not a duration such as 30, 30s or 2m: '%s'", val);
			continue;
		}
		if ((rc = fp_opt_take("out", argc, argv, &i, &val))) {
			if (rc < 0)
				return FP_EXIT_USAGE;
			out = val;
			continue;
		}
		if ((rc = fp_opt_take("stress-ng", argc, argv, &i, &val))) {
			if (rc < 0)
				return FP_EXIT_USAGE;
			stress = val;
			continue;
		}
		if (fp_opt_refused(a, FP_VAR_SOAK))
			return bad_usage("%s cannot be used: soak keeps the reports in --out", a);
		rc = fp_opt_parse(&vals, argc, argv, &i);
		if (rc < 0)
			return FP_EXIT_USAGE;
		if (rc == 0)
			return bad_usage(a[0] == '-' ? "unknown option '%s'" : "unexpected argument '%s'", a);
	}
	rc = fp_opts_setenv(&vals);
	fp_optvals_free(&vals);
	if (rc || fp_opts_validate(&conf) || fp_seed_export(&conf))
		return FP_EXIT_USAGE;

	cmd[n++] = (char *)stress;
	{
		char *list = strdup(stressors ? stressors : DEFAULT_STRESSORS), *save = NULL;

		for (char *s = strtok_r(list, ",", &save); s; s = strtok_r(NULL, ",", &save))
			if (n > 2 * 64 || add_stressor(s, cmd, &n)) {
				fprintf(stderr, "failpool: --stressor: not NAME or NAME:N (N in 1..1024): '%s'\n", s);
				return FP_EXIT_USAGE;
			}
		free(list);
	}
	if (asprintf(&cmd[n++], "--timeout") < 0 ||
	    asprintf(&cmd[n++], "%" PRIu64 "s", (duration + 999999999) / 1000000000) < 0)
		return FP_EXIT_USAGE;
	cmd[n++] = "--temp-path";
	cmd[n++] = (char *)out;

	if ((mkdir(out, 0755) && errno != EEXIST)) {
		fprintf(stderr, "failpool: --out: cannot create %s: %s\n", out, strerror(errno));
		return FP_EXIT_USAGE;
	}
	/* Reports of an earlier soak in the same directory would be merged in. */
	if (!report_files(out, &paths, &npaths))
		for (size_t i = 0; i < npaths; i++)
			unlink(paths[i]);
	preload = fp_preload_value();
	if (!preload || asprintf(&vars[0], "FAILPOOL_REPORT=%s/%%p.json", out) < 0)
		return FP_EXIT_USAGE;
	snprintf(dir, sizeof(dir), "%s/stress-ng.log", out);
	/* Every setting but the report, which soak keeps in --out. */
	if (fp_run_start(&run, cmd, preload, vars, fp_opts_passed(FP_VAR_SOAK), dir)) {
		fprintf(stderr, "failpool: cannot start %s: %s\n", stress, strerror(errno));
		return FP_EXIT_USAGE;
	}
	fp_run_wait(&run, 1, duration + 60000000000ULL);
	if (WIFEXITED(run.status) && WEXITSTATUS(run.status) == 127 && !run.timed_out) {
		fprintf(stderr, "failpool: cannot run %s (not found; see --stress-ng)\n", stress);
		return FP_EXIT_USAGE;
	}
	if (report_files(out, &paths, &npaths) || fp_merge_load(paths, npaths, &m))
		return FP_EXIT_USAGE;
	rc = verdict(&m, &run, duration);
	fp_lines_resolve(&m, 2 * FP_RENDER_TOP + 20);
	fp_render_text(stdout, &m);
	printf("\nreports and stress-ng's output: %s\n", out);
	fp_merge_free(&m);
	return rc;
}
