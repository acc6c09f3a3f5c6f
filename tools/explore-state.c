/*
 * What an exploration is and whether it can go on: its runs, the classes'
 * names, the baseline that leaves nothing to explore, the summary a
 * --resume continues, the sites left untried.
 */
#include "config.h"
#include "explore.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmds.h"
#include "explore-out.h"
#include "json.h"

static const char *const class_names[FP_X_NCLASS] = {
	"survived", "handled", "silent", "aborted", "crashed", "hung"
};

const char *fp_xclass_name(int cls)
{
	return cls >= 0 && cls < FP_X_NCLASS ? class_names[cls] : "baseline";
}

int fp_xclass_find(const char *name, size_t len)
{
	for (int c = 0; c < FP_X_NCLASS; c++)
		if (strlen(class_names[c]) == len && !strncmp(class_names[c], name, len))
			return c;
	return -1;
}

/* What was left when it stopped: runs that would have been made. */
size_t fp_xuntried(const struct fp_xstate *s)
{
	size_t n = 0;

	if (s->x->nth_mode) {
		for (uint64_t k = s->k; k <= s->base_eligible; k++)
			n += !s->x->nshards || k % s->x->nshards == s->x->shard - 1;
		return n;
	}
	for (size_t i = s->next; i < s->nsites; i++)
		n += s->sites[i].ours;
	return n;
}

/* Why the baseline @b leaves nothing to explore, in @why; 0 when it does not. */
int fp_xunexplorable(const struct fp_xstate *s, const struct fp_xrun *b, char *why, size_t size)
{
	const struct fp_explore *x = s->x;
	struct stat st;

	if (b->how == FP_X_TIMEOUT)
		snprintf(why, size, "the baseline run hung (past the --timeout): nothing to compare with");
	else if (b->how == FP_X_SIGNAL)
		snprintf(why, size, "the baseline run was killed by signal %d: nothing to compare with",
			 b->signal);
	else if (b->code == 127 || b->code == 126)
		/* A shell's "command not found" and "cannot execute": what it ran is not the program. */
		snprintf(why, size, "the baseline run exited %d, as a shell does for a command it %s: "
			 "nothing to explore", b->code, b->code == 127 ? "cannot find" : "cannot execute");
	else if (!b->reports && stat(x->cmd[0], &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID)))
		snprintf(why, size, "the baseline run wrote no report: %s is set-%s-ID, and the loader "
			 "ignores LD_PRELOAD in such a program", x->cmd[0],
			 st.st_mode & S_ISUID ? "user" : "group");
	else if (!b->reports)
		snprintf(why, size, "the baseline run wrote no report: %s is statically linked, set-user-ID, "
			 "or clears LD_PRELOAD, so the shim never ran in it", x->cmd[0]);
	else if (x->nth_mode ? !s->base_eligible : !s->nsites)
		snprintf(why, size, "the baseline run made no allocation failpool can fail: nothing to explore");
	else
		return 0;
	return 1;
}

/*
 * Whether @summary records an exploration of the command, mode and shard
 * of @x: summary.json keeps every byte of the command (lib/jsonw.c).
 */
int fp_xsame_exploration(const struct fp_explore *x, const struct fp_json *summary)
{
	const struct fp_json *cmd = fp_json_get(summary, "command");
	char shard[32];
	size_t n = 0;

	while (x->cmd[n])
		n++;
	if (!cmd || cmd->type != FP_JSON_ARR || cmd->n != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(fp_json_str(cmd->items[i]) ?: "", x->cmd[i]))
			return 0;
	snprintf(shard, sizeof(shard), "%u/%u", x->shard, x->nshards);
	return !strcmp(fp_json_str(fp_json_get(summary, "mode")) ?: "", x->nth_mode ? "nth" : "sites") &&
	       !strcmp(fp_json_str(fp_json_get(summary, "shard")) ?: "0/0", shard);
}

struct fp_xrun *fp_xnew_run(struct fp_xstate *s, const char *dir, unsigned dir_index)
{
	struct fp_xrun *r;

	if (s->nruns == s->runs_cap) {
		s->runs_cap = s->runs_cap ? s->runs_cap * 2 : 256;
		s->runs = realloc(s->runs, s->runs_cap * sizeof(*s->runs));
		if (!s->runs)
			exit(FP_EXIT_USAGE);
	}
	r = &s->runs[s->nruns];
	memset(r, 0, sizeof(*r));
	r->index = (unsigned)s->nruns++;
	if (dir && asprintf(&r->dir, "%s/runs/%04u", dir, dir_index) < 0)
		exit(FP_EXIT_USAGE);
	return r;
}

void fp_xstate_free(struct fp_xstate *s)
{
	for (size_t i = 0; i < s->nsites; i++)
		fp_xframes_free(s->sites[i].frames);
	for (size_t i = 0; i < s->nruns; i++) {
		fp_xframes_free(s->runs[i].crash_frames);
		free(s->runs[i].group);
		free(s->runs[i].dir);
	}
	free(s->sites);
	free(s->seen);
	free(s->seen_at);
	free(s->runs);
	free(s->base_out);
}

/* The next run: a recorded one is read back from --out, a new one made in the scratch directory. */
static struct fp_xrun *next_run(struct fp_xstate *s)
{
	int recorded = s->recorded && s->nruns < s->recorded->n;
	struct fp_xrun *r = fp_xnew_run(s, s->scratch && !recorded ? NULL : s->x->out, (unsigned)s->nruns);

	if (!r->dir && asprintf(&r->dir, "%s/%04u", s->scratch, r->index) < 0)
		exit(FP_EXIT_USAGE);
	return r;
}

size_t fp_xtake(struct fp_xstate *s, size_t want)
{
	const struct fp_explore *x = s->x;
	size_t todo = 0;

	while (todo < want && (!x->max_runs || s->nruns - 1 < x->max_runs)) {
		size_t q_next = s->next;
		uint64_t q_k = s->k;
		struct fp_xrun *r;

		if (x->nth_mode) {
			/* A shard takes every N-th index. */
			while (x->nshards && s->k <= s->base_eligible && s->k % x->nshards != x->shard - 1)
				s->k++;
			if (s->k > s->base_eligible)
				break;
			r = next_run(s);
			r->nth = s->k++;
		} else {
			while (s->next < s->nsites && !s->sites[s->next].ours)
				s->next++;
			if (s->next >= s->nsites)
				break;
			r = next_run(s);
			r->site = s->sites[s->next].id;
			memcpy(r->chain, s->sites[s->next].chain, sizeof(r->chain));
			r->nchain = s->sites[s->next].nchain;
			s->next++;
		}
		r->q_next = q_next;
		r->q_k = q_k;
		todo++;
	}
	return todo;
}
