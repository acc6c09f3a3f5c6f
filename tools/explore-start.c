/*
 * Starting one run of an exploration: its environment (the site or index
 * it fails, its report directory), its streams, by a run server or exec'd;
 * and how it ended.
 */
#include "config.h"
#include "explore.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "explore-out.h"
#include "options.h"
#include "runner.h"
#include "runserver.h"

/* The environment of run @r, NAME=VALUE strings into @vars. */
static int run_vars(const struct fp_xstate *s, const struct fp_xrun *r, char **vars)
{
	const struct fp_explore *x = s->x;
	unsigned n = 0;
	int rc = 0;

	if (asprintf(&vars[n++], "FAILPOOL_REPORT=%s/%%p.json", r->dir) < 0)
		return -1;
	if (!r->index || !r->dir[0])
		return 0;
	if (x->nth_mode) {
		rc = asprintf(&vars[n++], "FAILPOOL_NTH=%" PRIu64, r->nth);
	} else {
		char rules[FP_X_CHAIN * 24] = "";

		for (unsigned i = 0; i < r->nchain; i++)
			snprintf(rules + strlen(rules), sizeof(rules) - strlen(rules),
				 "%ssite:%016" PRIx64, i ? ";" : "", r->chain[i]);
		/* The first allocation at each site of the chain, in turn. */
		if ((rc = asprintf(&vars[n++], "FAILPOOL_SITES=%s", rules)) >= 0)
			rc = asprintf(&vars[n++], "FAILPOOL_NTH=1");
		if (rc >= 0 && r->nchain > 1 && !x->persistent)
			rc = asprintf(&vars[n++], "FAILPOOL_BURST=%u", r->nchain);
	}
	if (rc >= 0 && x->persistent)
		rc = asprintf(&vars[n++], "FAILPOOL_BURST=inf");
	return rc < 0 ? -1 : 0;
}

int fp_xstart(struct fp_xstate *s, struct fp_xrun *r, struct fp_run *p, int slot, int *pending,
	      int gated)
{
	struct fp_runserver *sv = slot >= 0 ? fp_xserve_slot((unsigned)slot) : NULL;
	char out[PATH_MAX + 16], err[PATH_MAX + 16];
	struct fp_run_io io = { .in = s->x->stdin_path, .out = out, .err = err };
	char *vars[6] = { NULL };
	int rc = -1;

	if (mkdir(r->dir, 0755) && errno != EEXIST)
		return -1;
	snprintf(out, sizeof(out), "%s/stdout", r->dir);
	snprintf(err, sizeof(err), "%s/stderr", r->dir);
	if (!run_vars(s, r, vars)) {
		const char *const *keep = fp_opts_passed(FP_VAR_EXPLORE);

		rc = sv ? fp_runserver_send(sv, p, s->x->preload, vars, keep, &io, gated) : -ECONNRESET;
		if (!rc && pending)
			*pending = 1;	/* its pid later: fp_xstarted() */
		else if (!rc)
			rc = fp_runserver_started(sv, p);
		/* No server, or it is gone: the ordinary way. */
		if (rc == -ECONNRESET)
			rc = fp_run_start_io(p, s->x->cmd, s->x->preload, vars, keep, &io);
	}
	/* At the timeout, SIGABRT first: the shim's crash record says where it was stuck. */
	p->last_words = SIGABRT;
	r->pid = p->pid;
	/* putenv() kept the strings in the child only: ours can go. */
	for (unsigned i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		free(vars[i]);
	return rc;
}

void fp_xended(struct fp_xrun *r, const struct fp_run *p)
{
	if (p->timed_out) {
		r->how = FP_X_TIMEOUT;
	} else if (WIFSIGNALED(p->status)) {
		r->how = FP_X_SIGNAL;
		r->signal = WTERMSIG(p->status);
	} else {
		r->how = FP_X_EXIT;
		r->code = WEXITSTATUS(p->status);
	}
	r->seconds = p->seconds;
	r->served = p->served;
}

int fp_xstarted(struct fp_xstate *s, struct fp_xrun *r, struct fp_run *p, int slot)
{
	struct fp_runserver *sv = fp_xserve_slot((unsigned)slot);

	if (!sv || fp_runserver_started(sv, p))
		return fp_xstart(s, r, p, -1, NULL, 0);	/* its server is gone */
	r->pid = p->pid;
	return 0;
}
