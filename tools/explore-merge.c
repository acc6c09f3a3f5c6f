/*
 * failpool explore --merge [--out DIR] DIR...: the outputs of the N shards
 * of one exploration read back (their summary.json and each run's reports
 * and output) and reported as one exploration. A site two shards both
 * revealed and ran is kept once, from the lower shard.
 */
#include "config.h"
#include "explore-out.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"

struct shard {
	const char *dir;
	struct fp_json *summary;
	unsigned k, n;
};

static int by_k(const void *a, const void *b)
{
	const struct shard *x = a, *y = b;

	return (int)x->k - (int)y->k;
}

static uint64_t hex(const struct fp_json *j)
{
	return strtoull(fp_json_str(j) ?: "0", NULL, 16);
}

/* The exploration's settings, from shard 1's summary, into @x. */
static int settings(struct fp_explore *x, const struct fp_json *j)
{
	const struct fp_json *cmd = fp_json_get(j, "command"), *fail_on = fp_json_get(j, "fail_on");
	double timeout = 30;

	if (!cmd || cmd->type != FP_JSON_ARR || !cmd->n || !(x->cmd = calloc(cmd->n + 1, sizeof(char *))))
		return -1;
	for (size_t i = 0; i < cmd->n; i++)
		x->cmd[i] = (char *)(fp_json_str(cmd->items[i]) ?: "");
	x->nth_mode = !strcmp(fp_json_str(fp_json_get(j, "mode")) ?: "", "nth");
	x->persistent = fp_json_get(j, "persistent") && fp_json_get(j, "persistent")->boolean;
	x->aslr = fp_json_get(j, "aslr") && fp_json_get(j, "aslr")->boolean;
	snprintf(x->cwd, sizeof(x->cwd), "%s", fp_json_str(fp_json_get(j, "cwd")) ?: "/");
	x->stdin_path = fp_json_str(fp_json_get(j, "stdin"));
	x->depth = (unsigned)fp_json_path_u64(j, "depth", x->depth);
	fp_json_double(fp_json_get(j, "timeout"), &timeout);
	x->timeout_ns = (uint64_t)(timeout * 1e9);
	if (x->fail_on == UINT_MAX)
		x->fail_on = fail_on && fail_on->type == FP_JSON_ARR ? 0 : FP_X_FAIL_ON_DEFAULT;
	if (fail_on && fail_on->type == FP_JSON_ARR && !x->fail_on)
		for (size_t i = 0; i < fail_on->n; i++) {
			const char *c = fp_json_str(fail_on->items[i]) ?: "";
			int cls = fp_xclass_find(c, strlen(c));

			if (cls >= 0)
				x->fail_on |= 1u << cls;
		}
	return 0;
}

/* Every shard of one exploration, each once: the same command, N and mode. */
static int check(const struct shard *sh, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const char *why = NULL;

		if (!sh[i].n)
			why = "not a shard (explored without --shard K/N)";
		else if (sh[i].n != n)
			why = "one of another number of shards than the directories given: one is missing, or one too many";
		else if (sh[i].k != i + 1)
			why = "the same shard as another directory, or one is missing";
		else if (strcmp(fp_json_str(fp_json_get(sh[i].summary, "mode")) ?: "",
				fp_json_str(fp_json_get(sh[0].summary, "mode")) ?: "") ||
			 fp_json_get(sh[i].summary, "command")->n != fp_json_get(sh[0].summary, "command")->n)
			why = "another command or mode than the first shard";
		for (size_t a = 0; !why && a < fp_json_get(sh[0].summary, "command")->n; a++)
			if (strcmp(fp_json_str(fp_json_get(sh[i].summary, "command")->items[a]) ?: "",
				   fp_json_str(fp_json_get(sh[0].summary, "command")->items[a]) ?: ""))
				why = "another command than the first shard";
		if (why) {
			fprintf(stderr, "failpool: --merge: %s: %s\n", sh[i].dir, why);
			return -1;
		}
	}
	return 0;
}

/* Whether @s already has a run of the site (or index) @rec failed. */
static int done_already(const struct fp_xstate *s, const struct fp_json *rec)
{
	uint64_t site = hex(fp_json_get(rec, "site")), nth = fp_json_path_u64(rec, "nth", 0);

	for (size_t i = 1; i < s->nruns; i++)
		if (s->x->nth_mode ? s->runs[i].nth == nth : s->runs[i].chain[s->runs[i].nchain - 1] == site)
			return 1;
	return 0;
}

/* Shard @sh's runs into @s: its baseline only if it is the first. */
static int add_runs(struct fp_xstate *s, const struct shard *sh)
{
	const struct fp_json *runs = fp_json_get(sh->summary, "runs");

	for (size_t i = sh->k == 1 ? 0 : 1; i < runs->n; i++) {
		const struct fp_json *rec = runs->items[i], *chain = fp_json_get(rec, "chain");
		struct fp_xrun *r;

		if (i && done_already(s, rec))
			continue;
		r = fp_xnew_run(s, sh->dir, (unsigned)fp_json_path_u64(rec, "run", i));
		r->site = hex(fp_json_get(rec, "site"));
		r->nth = fp_json_path_u64(rec, "nth", 0);
		for (size_t c = 0; chain && c < chain->n && r->nchain + 1 < FP_X_CHAIN; c++)
			r->chain[r->nchain++] = hex(chain->items[c]);
		r->chain[r->nchain++] = r->site;
		if (fp_xreplay(s, r, rec))
			return -1;
		if (!i) {
			s->base_code = r->code;
			s->base_eligible = r->eligible;
		}
	}
	s->untried += fp_json_path_u64(sh->summary, "untried", 0);
	return 0;
}

int fp_explore_merge(struct fp_explore *x, char **dirs)
{
	struct fp_xstate s = { .x = x, .judge_output = 1 };
	char path[PATH_MAX + 32];
	struct shard *sh;
	unsigned n = 0;
	int rc = FP_EXIT_USAGE;

	while (dirs[n])
		n++;
	x->cmd = NULL;	/* the command is the shards' */
	sh = calloc(n, sizeof(*sh));
	if (!sh)
		return FP_EXIT_USAGE;
	for (unsigned i = 0; i < n; i++) {
		sh[i].dir = dirs[i];
		if (!(sh[i].summary = fp_xload_summary(dirs[i])))
			goto out;
		sscanf(fp_json_str(fp_json_get(sh[i].summary, "shard")) ?: "", "%u/%u", &sh[i].k, &sh[i].n);
	}
	qsort(sh, n, sizeof(*sh), by_k);
	if (check(sh, n) || settings(x, sh[0].summary))
		goto out;
	x->shard = x->nshards = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct fp_json *judged = fp_json_get(sh[i].summary, "output_judged");

		s.judge_output &= judged && judged->boolean;
	}
	snprintf(path, sizeof(path), "%s/runs/0000/stdout", sh[0].dir);
	s.base_out = fp_xslurp(path, &s.base_out_len);
	for (unsigned i = 0; i < n; i++) {
		if (add_runs(&s, &sh[i])) {
			fprintf(stderr, "failpool: --merge: %s: its summary.json does not match its runs\n",
				sh[i].dir);
			goto out;
		}
		/* A shard stopped by a signal is incomplete even with nothing counted untried. */
		if (fp_json_get(sh[i].summary, "stopped_by") &&
		    fp_json_get(sh[i].summary, "stopped_by")->type == FP_JSON_STR)
			s.untried += !fp_json_path_u64(sh[i].summary, "untried", 0);
	}
	rc = fp_xreport(&s);
out:
	fp_xstate_free(&s);
	for (unsigned i = 0; i < n; i++)
		fp_json_free(sh[i].summary);
	free(x->cmd);
	free(sh);
	return rc;
}
