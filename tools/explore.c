/*
 * The explore engine. Order is deterministic whatever --jobs says: a run
 * takes the next site of the queue when a job is free, runs end in any
 * order but their results are read in run order, and the sites a run
 * reveals join the queue sorted by id. A run is taken only from sites
 * already queued, so which site run N fails never depends on timing. A
 * resumed exploration replays the runs summary.json recorded through the
 * same queue and goes on where it stopped.
 */
#include "config.h"
#include "explore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmds.h"
#include "explore-out.h"
#include "json.h"
#include "options.h"
#include "runner.h"
#include "runserver.h"

/* The runs under way, for a SIGINT or SIGTERM to end. */
static volatile pid_t active[FP_EXPLORE_JOBS_MAX];
static volatile sig_atomic_t stop_sig;

void fp_xactive(unsigned slot, pid_t pid)
{
	active[slot] = pid;
}

int fp_xstop_sig(void)
{
	return stop_sig;
}

/* Context: signal handler. */
static void on_stop(int sig)
{
	stop_sig = sig;
	for (unsigned i = 0; i < FP_EXPLORE_JOBS_MAX; i++)
		if (active[i] > 0)
			kill(-active[i], SIGKILL);
}

/*
 * Run s->runs[@first...] (@count of them) and read them, @meanwhile (if
 * any) called once they are under way; -1 when stopped or failed.
 */
static int batch(struct fp_xstate *s, size_t first, size_t count,
		 void (*meanwhile)(const struct fp_explore *))
{
	struct fp_run procs[FP_EXPLORE_JOBS_MAX];
	size_t live = 0;

	for (size_t i = 0; i < count; i++) {
		struct fp_xrun *r = &s->runs[first + i];

		if (s->recorded && first + i < s->recorded->n) {
			if (fp_xreplay(s, r, s->recorded->items[first + i])) {
				fprintf(stderr, "failpool: --resume: run %zu of summary.json is not the run "
					"this exploration makes next\n", first + i);
				return -1;
			}
			continue;
		}
		if (fp_xstart(s, r, &procs[live], -1, NULL, 0)) {
			fprintf(stderr, "failpool: cannot start run %zu: %s\n", first + i, strerror(errno));
			return -1;
		}
		active[live] = procs[live].pid;
		live++;
	}
	if (meanwhile)
		meanwhile(s->x);
	fp_run_wait(procs, (unsigned)live, s->x->timeout_ns);
	for (size_t i = 0; i < live; i++)
		active[i] = 0;
	if (stop_sig)
		return -1;
	for (size_t i = 0, j = 0; i < count; i++) {
		struct fp_xrun *r = &s->runs[first + i];

		if (s->recorded && first + i < s->recorded->n)
			continue;
		fp_xended(r, &procs[j++]);
		fp_xread_run(s, r);
		fp_xclassify(s, r);
	}
	return 0;
}

/*
 * A recorded run whose directory is not there: a survived or handled run
 * that revealed nothing is not kept, and its record says what its reports
 * would have.
 */
static int unkept(const struct fp_xrun *r)
{
	struct stat st;

	return r->index && lstat(r->dir, &st) && errno == ENOENT;
}

/* Whether run @r, and the queue, agree with the record @rec; then take its ending. */
int fp_xreplay(struct fp_xstate *s, struct fp_xrun *r, const struct fp_json *rec)
{
	const char *how = fp_json_str(fp_json_path(rec, "exit.how")) ?: "";
	const char *cls = fp_json_str(fp_json_get(rec, "class")) ?: "";
	uint64_t site = strtoull(fp_json_str(fp_json_get(rec, "site")) ?: "0", NULL, 16);
	const struct fp_json *served, *same;
	int gone = unkept(r), c = fp_xclass_find(cls, strlen(cls));

	if (r->index && ((s->x->nth_mode ? fp_json_path_u64(rec, "nth", 0) != r->nth : site != r->site) ||
			 (gone && c < 0)))
		return -1;
	r->how = !strcmp(how, "timeout") ? FP_X_TIMEOUT : !strcmp(how, "signal") ? FP_X_SIGNAL : FP_X_EXIT;
	r->code = (int)fp_json_path_u64(rec, "exit.code", 0);
	r->signal = (int)fp_json_path_u64(rec, "exit.signal", 0);
	fp_json_double(fp_json_get(rec, "seconds"), &r->seconds);
	served = fp_json_get(rec, "served");
	r->served = served && served->type == FP_JSON_BOOL && served->boolean;
	if (gone && !r->site)
		r->site = site;	/* nth mode: its report said which */
	fp_xread_run(s, r);
	/* The record's count: no pid was kept to tell its own report from its children's. */
	r->eligible = fp_json_path_u64(rec, "eligible", 0);
	if (gone) {
		same = fp_json_get(rec, "same_output");
		r->injected = fp_json_path_u64(rec, "injected", 0);
		r->same_output = same && same->type == FP_JSON_BOOL && same->boolean;
		r->cls = (enum fp_xclass)c;
		fp_xgroup(r);
	} else if (r->index) {
		fp_xclassify(s, r);
	}
	return 0;
}

/*
 * The files of a run that a stop leaves unread: a run that ended before
 * the stop has written its report there, and --resume makes the run
 * again in the same directory, where a second report would join it.
 */
static void forget_run(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	rmdir(dir);
}

/* A second baseline run into @dir, by @slot's server or exec'd (-1); -1 when it could not start or a stop came. */
static int second(struct fp_xstate *s, const char *dir, int slot, struct fp_run *p)
{
	struct fp_xrun again = { .dir = (char *)dir };

	if (fp_xstart(s, &again, p, slot, NULL, 0)) {
		fprintf(stderr, "failpool: cannot start the second baseline run: %s\n", strerror(errno));
		return -1;
	}
	active[0] = p->pid;
	fp_run_wait(p, 1, s->x->timeout_ns);
	active[0] = 0;
	return stop_sig ? -1 : 0;
}

/*
 * The baseline twice: its status, sites and output, and whether its output
 * can be judged (the same twice: a pid or a time in it is no finding). Run
 * servers (tools/runserver.h) start with it unless --aslr (each run its own
 * layout) and make the second run: if it ends, allocates and prints as the
 * first, they make every later run; otherwise an exec'd run is made too,
 * and they do only if they differed in nothing where two exec'd runs agree.
 */
static int baseline(struct fp_xstate *s)
{
	struct fp_xrun *b = fp_xnew_run(s, s->x->out, 0);
	char why[PATH_MAX + 200], path[PATH_MAX + 16], *dir = NULL;
	unsigned served = 0, execd;
	struct fp_run p;

	fp_xprogress(s, "the baseline");
	/* Servers start once the baseline is under way, and get ready while it runs. */
	if (batch(s, 0, 1, !s->x->aslr && !s->x->no_server ? fp_xserve_spawn : NULL))
		return -1;
	s->base_code = b->code;
	s->base_eligible = b->eligible;
	if (fp_xunexplorable(s, b, why, sizeof(why))) {
		fprintf(stderr, "failpool: %s (see %s/stderr)\n", why, b->dir);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/stdout", b->dir);
	s->base_out = fp_xslurp(path, &s->base_out_len);
	if (asprintf(&dir, "%s/runs/again", s->x->out) < 0)
		return -1;
	if (fp_xserve_ready(s->x)) {
		fp_xserve_warm(s);
		if (second(s, dir, 0, &p))
			goto fail;
		if (!(served = fp_xserve_differs(s, dir, &p))) {
			s->judge_output = 1;
			goto done;
		}
		forget_run(dir);
	}
	if (second(s, dir, -1, &p))
		goto fail;
	execd = fp_xserve_differs(s, dir, &p);
	s->judge_output = !(execd & FP_XDIFF_OUTPUT);
	/* The served run differed where two exec'd runs agree: serving shows. */
	if (served & ~execd) {
		fp_xserve_close();
		fprintf(stderr, "failpool: every run is exec'd: a served run %s than exec'd ones\n",
			(served & ~execd & FP_XDIFF_STATUS) ? "ended with another status" :
			(served & ~execd & FP_XDIFF_ELIGIBLE) ? "made another number of allocations" :
			(served & ~execd & FP_XDIFF_SITES) ? "showed other allocation sites" :
			"printed another output");
	}
done:
	free(dir);
	return 0;
fail:
	free(dir);
	return -1;
}

static void catch_stops(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Discard runs from @first on: a stop ended them early. */
static void drop_runs(struct fp_xstate *s, size_t first)
{
	while (s->nruns > first) {
		struct fp_xrun *r = &s->runs[--s->nruns];

		fp_xframes_free(r->crash_frames);
		free(r->group);
		free(r->dir);
	}
}

/*
 * A served run @p of @r that may be a finding, made again exec'd in its
 * slot: a finding and its reproducer are an exec'd run's.
 * Return: 0, or -1 when it could not start or a stop came.
 */
static int again_exec(struct fp_xstate *s, struct fp_xrun *r, struct fp_run *p, unsigned slot)
{
	forget_run(r->dir);
	if (fp_xstart(s, r, p, -1, NULL, 0)) {
		fprintf(stderr, "failpool: cannot start run %u: %s\n", r->index, strerror(errno));
		return -1;
	}
	active[slot] = p->pid;
	fp_run_wait(p, 1, s->x->timeout_ns);
	active[slot] = 0;
	return stop_sig ? -1 : 0;
}

/*
 * Every run after the baseline, --jobs at a time: a job that ends frees its
 * slot for the next queued site at once, while the runs before it may still
 * be under way; results are read in run order as soon as they can be, each
 * while the runs started meanwhile go on.
 * Return: 0, or -1 when a run could not start or a signal stopped it (the
 * runs not read are dropped and the queue put back where they began).
 */
static int stream(struct fp_xstate *s)
{
	unsigned jobs = s->x->jobs;
	struct fp_xjobs j = { .n = jobs, .ahead = fp_xjobs_ahead(jobs) };
	struct fp_run *procs = j.procs;
	size_t *of = j.of;
	size_t unread = s->nruns;

	for (;;) {
		if (fp_xjobs_fill(s, &j, &unread))
			return -1;
		while (unread < s->nruns && s->runs[unread].finished) {
			struct fp_xrun *r = &s->runs[unread++];

			fp_xread_run(s, r);
			fp_xclassify(s, r);
			fp_xscratch_settle(s, r);
			fp_xprogress(s, NULL);
			/* The slots freed: their next runs start while this one is read. */
			if (fp_xjobs_fill(s, &j, &unread))
				return -1;
		}
		if (fp_xjobs_collect(s, &j, 0)) {
			fp_xjobs_end(s, &j);
			return -1;
		}
		if (!j.live) {
			if (unread == s->nruns)
				return 0;
			continue;	/* ended runs left to read, then maybe more to take */
		}
		fp_run_wait_any(procs, jobs, s->x->timeout_ns);
		for (unsigned slot = 0; slot < jobs; slot++) {
			if (!procs[slot].pid || !procs[slot].done)
				continue;
			if (!stop_sig && fp_xserve_suspect(&procs[slot]) &&
			    again_exec(s, &s->runs[of[slot]], &procs[slot], slot) && !stop_sig) {
				procs[slot].pid = 0;
				fp_xjobs_end(s, &j);
				return -1;
			}
			fp_xended(&s->runs[of[slot]], &procs[slot]);
			s->runs[of[slot]].finished = 1;
			procs[slot].pid = 0;
			active[slot] = 0;
			j.live--;
		}
		if (stop_sig) {
			/* Every run still under way is ended, and reaped, before its files go. */
			fp_xjobs_end(s, &j);
			if (unread < s->nruns) {
				s->next = s->runs[unread].q_next;
				s->k = s->runs[unread].q_k;
				for (size_t i = unread; i < s->nruns; i++)
					forget_run(s->runs[i].dir);
				drop_runs(s, unread);
			}
			return -1;
		}
	}
}

int fp_explore(struct fp_explore *x)
{
	struct fp_xstate s = { .x = x, .k = 1 };
	struct fp_json *summary = NULL;
	int rc;

	/*
	 * Each run's report is read into memory and freed: with glibc's
	 * defaults every run's would grow the heap (or map a large one) and
	 * give it back, a system call and a page fault a page, run after run.
	 */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	if (x->resume) {
		if (!(summary = fp_xload_summary(x->out)))
			return FP_EXIT_USAGE;
		if (!fp_xsame_exploration(x, summary)) {
			fprintf(stderr, "failpool: --resume %s: that exploration is of another command, mode "
				"or shard\n", x->out);
			fp_json_free(summary);
			return FP_EXIT_USAGE;
		}
		s.recorded = fp_json_get(summary, "runs");
		/* Runs beyond the bound would be dropped from summary.json: never lose what was run. */
		if (s.recorded && x->max_runs && s.recorded->n > (size_t)x->max_runs + 1) {
			fprintf(stderr, "failpool: --resume %s: it records %zu runs after the baseline, more "
				"than --max-runs %u; give --max-runs %zu or more (or none)\n", x->out,
				s.recorded->n - 1, x->max_runs, s.recorded->n - 1);
			fp_json_free(summary);
			return FP_EXIT_USAGE;
		}
	}
	/* As gdb does: the same addresses run after run, so a finding reproduces. */
	if (!x->aslr && personality(personality(0xffffffff) | ADDR_NO_RANDOMIZE) < 0)
		fprintf(stderr, "failpool: cannot turn address-space randomisation off (%s): runs keep it\n",
			strerror(errno));
	catch_stops();
	fp_xprogress_start(x);
	if (baseline(&s) || fp_xscratch_make(&s)) {
		fp_xserve_close();
		fp_xprogress_end();
		fp_xstate_free(&s);
		fp_json_free(summary);
		return stop_sig ? 128 + stop_sig : FP_EXIT_USAGE;
	}
	rc = stream(&s);
	fp_xserve_close();
	fp_xscratch_remove(&s);	/* every run kept is in --out by now, every other one is dropped */
	if (rc && !stop_sig) {
		fp_xprogress_end();
		fp_xstate_free(&s);
		fp_json_free(summary);
		return FP_EXIT_USAGE;
	}
	fp_xprogress_end();
	s.untried = fp_xuntried(&s);
	s.stopped_by = stop_sig;
	rc = fp_xreport(&s);
	fp_xstate_free(&s);
	fp_json_free(summary);
	if (stop_sig) {
		signal(stop_sig, SIG_DFL);
		raise(stop_sig);
	}
	return rc;
}
