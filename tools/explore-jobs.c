/*
 * The jobs of explore's stream of runs: each job's run under way and the
 * next run its server made ahead, waiting at its gate (tools/runserver.h).
 */
#include "config.h"
#include "explore.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "explore-out.h"
#include "json.h"
#include "runner.h"
#include "runserver.h"

/* Kill and reap the runs of @procs still under way: explore is about to stop. */
void fp_xjobs_end_live(struct fp_run *procs, unsigned jobs)
{
	for (unsigned slot = 0; slot < jobs; slot++)
		if (procs[slot].pid && !procs[slot].done)
			kill(-procs[slot].pid, SIGKILL);
	fp_run_wait(procs, jobs, 0);
	for (unsigned slot = 0; slot < jobs; slot++)
		fp_xactive(slot, 0);
}

/* The pid of run @i asked of @slot's server into @p; 0, or -1 (said) when it could not start. */
static int collect_one(struct fp_xstate *s, unsigned slot, size_t i, struct fp_run *p, int *pending)
{
	if (!*pending)
		return 0;
	*pending = 0;
	if (!fp_xstarted(s, &s->runs[i], p, (int)slot))
		return 0;
	fprintf(stderr, "failpool: cannot start run %zu: %s\n", i, strerror(errno));
	p->pid = 0;
	return -1;
}

/*
 * The pids of the runs under way asked of servers (a run whose server is
 * gone is exec'd instead), and (@nexts) of the next runs: these are only
 * needed once under way, by when they have long been said. Return: 0, or
 * -1 when one could not start.
 */
int fp_xjobs_collect(struct fp_xstate *s, struct fp_xjobs *j, int nexts)
{
	int rc = 0;

	for (unsigned slot = 0; slot < j->n; slot++) {
		if (collect_one(s, slot, j->of[slot], &j->procs[slot], &j->pending[slot])) {
			j->live--;
			rc = -1;
		}
		fp_xactive(slot, j->procs[slot].pid);
		if (nexts && j->has_next[slot] &&
		    collect_one(s, slot, j->next_of[slot], &j->next[slot], &j->next_pending[slot])) {
			j->has_next[slot] = 0;
			rc = -1;
		}
	}
	return rc;
}

/* Every run under way, and every next run, ended and reaped: explore is about to stop. */
void fp_xjobs_end(struct fp_xstate *s, struct fp_xjobs *j)
{
	fp_xjobs_collect(s, j, 1);
	for (unsigned slot = 0; slot < j->n; slot++)
		if (j->has_next[slot]) {
			fp_runserver_cancel(&j->next[slot]);
			j->has_next[slot] = 0;
		}
	fp_xjobs_end_live(j->procs, j->n);
}

/*
 * The next run from the queue into *@i (a recorded run is replayed instead).
 * Return: 1 a run to make, 0 none now, -1 a recorded one differs.
 */
static int next_run(struct fp_xstate *s, size_t *unread, size_t *i)
{
	for (;;) {
		struct fp_xrun *r;

		*i = s->nruns;
		if (fp_xstop_sig() || !fp_xtake(s, 1))
			return 0;
		r = &s->runs[*i];
		if (!s->recorded || *i >= s->recorded->n)
			return 1;
		/* Recorded runs come first, so every run before it is read. */
		if (fp_xreplay(s, r, s->recorded->items[*i])) {
			fprintf(stderr, "failpool: --resume: run %zu of summary.json is not the run "
				"this exploration makes next\n", *i);
			return -1;
		}
		r->finished = 1;
		*unread = *i + 1;
	}
}

int fp_xjobs_ahead(unsigned jobs)
{
	cpu_set_t cpus;

	return !sched_getaffinity(0, sizeof(cpus), &cpus) && (unsigned)CPU_COUNT(&cpus) > jobs;
}

/*
 * Free slots filled: by their next run, let through its gate, or from the
 * queue; then (j->ahead) a next run made for each slot its server serves.
 * Return: 0, or -1 when a run could not start or a recorded one differs.
 */
int fp_xjobs_fill(struct fp_xstate *s, struct fp_xjobs *j, size_t *unread)
{
	for (unsigned slot = 0; slot < j->n; slot++) {
		size_t i;
		int rc;

		if (!j->procs[slot].pid && !j->pending[slot]) {
			if (j->has_next[slot]) {
				j->procs[slot] = j->next[slot];
				j->of[slot] = j->next_of[slot];
				j->pending[slot] = j->next_pending[slot];
				j->has_next[slot] = 0;
				fp_runserver_go(&j->procs[slot]);	/* its pid may come later */
			} else {
				if ((rc = next_run(s, unread, &i)) <= 0) {
					if (rc < 0)
						return -1;
					continue;
				}
				if (fp_xstart(s, &s->runs[i], &j->procs[slot], (int)slot,
					      &j->pending[slot], 0))
					goto fail;
				j->of[slot] = i;
			}
			fp_xactive(slot, j->procs[slot].pid);
			j->live++;
		}
		if (!j->ahead || j->has_next[slot] || !fp_xserve_slot(slot))
			continue;
		if ((rc = next_run(s, unread, &i)) <= 0) {
			if (rc < 0)
				return -1;
			continue;
		}
		if (fp_xstart(s, &s->runs[i], &j->next[slot], (int)slot, &j->next_pending[slot], 1))
			goto fail;
		j->next_of[slot] = i;
		j->has_next[slot] = 1;
	}
	return 0;
fail:
	fprintf(stderr, "failpool: cannot start run %zu: %s\n", s->nruns - 1, strerror(errno));
	fp_xjobs_end(s, j);
	return -1;
}
