/*
 * explore's run servers (tools/runserver.h): one per job, started after
 * the baseline and trusted only when a served baseline agrees with the
 * exec'd one. A served run that ends by a signal is made again the
 * ordinary way, and that run is the one read: a crash can depend on the
 * address layout, and every crash found, like its reproducer, is an exec'd
 * run's. A hang is not made again: it would cost the timeout twice.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "explore-out.h"
#include "model.h"
#include "options.h"
#include "runserver.h"

static struct fp_runserver servers[FP_EXPLORE_JOBS_MAX];
static unsigned nservers;

void fp_xserve_spawn(const struct fp_explore *x)
{
	unsigned n = 0;

	while (n < x->jobs && !fp_runserver_spawn(&servers[n], x->cmd, x->preload,
						  fp_opts_passed(FP_VAR_EXPLORE)))
		n++;
	nservers = n;
	if (n < x->jobs)
		fp_xserve_close();	/* all or none: every job alike */
}

unsigned fp_xserve_ready(const struct fp_explore *x)
{
	for (unsigned i = 0; i < nservers; i++)
		if (fp_runserver_ready(&servers[i], x->timeout_ns)) {
			fp_xserve_close();
			fputs("failpool: every run is exec'd: the program cannot be served (before the "
			      "shim's constructor, something allocated, opened a file, changed the "
			      "environment or started a thread)\n", stderr);
			break;
		}
	return nservers;
}

struct fp_runserver *fp_xserve_slot(unsigned slot)
{
	return slot < nservers && servers[slot].ready ? &servers[slot] : NULL;
}

void fp_xserve_close(void)
{
	for (unsigned i = 0; i < nservers; i++)
		fp_runserver_stop(&servers[i]);
	nservers = 0;
}

/* Eligible allocations of process @pid's report in @dir; -1: no report. */
static int64_t eligible_of(const char *dir, pid_t pid)
{
	char path[PATH_MAX + 32], err[256];
	struct fp_model m;
	int64_t n = -1;

	snprintf(path, sizeof(path), "%s/%d.json", dir, (int)pid);
	if (!fp_model_load(path, &m, err, sizeof(err)) && m.kind == FP_MODEL_REPORT)
		n = (int64_t)m.totals.eligible;
	fp_model_free(&m);
	return n;
}

unsigned fp_xserve_differs(const struct fp_xstate *s, const char *dir, const struct fp_run *p)
{
	unsigned d = 0;

	if (p->timed_out || !WIFEXITED(p->status) || WEXITSTATUS(p->status) != s->base_code)
		d |= FP_XDIFF_STATUS;
	if (eligible_of(dir, p->pid) != (int64_t)s->base_eligible)
		d |= FP_XDIFF_ELIGIBLE;
	if (!fp_xsame_output(s, dir))
		d |= FP_XDIFF_OUTPUT;
	return d;
}

int fp_xserve_suspect(const struct fp_run *p)
{
	return p->served && !p->timed_out && !WIFEXITED(p->status);
}
