/*
 * What explore learns, shared by its files: explore.c (the engine),
 * explore-read.c (a run's reports and output), explore-out.c (progress,
 * findings, the table, summary.json), explore-repro.c (the reproducers),
 * explore-junit.c and explore-merge.c (--junit, --resume, --merge).
 */
#ifndef FP_EXPLORE_OUT_H
#define FP_EXPLORE_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "explore.h"
#include "json.h"
#include "model.h"
#include "runner.h"

#define FP_X_CHAIN	8	/* sites failed together to reach an error path */

struct fp_xsite {
	uint64_t id;
	struct fp_model_frames *frames;	/* kept from the report that showed it first */
	int ours;			/* this shard runs it */
	/* the sites that run failed (its error path), then this one */
	uint64_t chain[FP_X_CHAIN];
	unsigned nchain;
};

enum fp_xhow { FP_X_EXIT, FP_X_SIGNAL, FP_X_TIMEOUT };

struct fp_xrun {
	unsigned index;			/* 0: the baseline */
	char *dir;			/* its reports, stdout and stderr */
	pid_t pid;
	uint64_t site;			/* failed site (0: none known) */
	uint64_t chain[FP_X_CHAIN];	/* sites mode: the sites failed, site last */
	unsigned nchain;
	uint64_t nth;			/* nth mode: the failed index */
	enum fp_xclass cls;
	enum fp_xhow how;
	int code, signal;		/* exit status or killing signal */
	uint64_t injected, eligible;
	size_t revealed;		/* new sites its reports showed */
	unsigned reports;		/* reports read */
	int same_output;		/* stdout as the baseline's */
	const struct fp_model_frames *site_frames;	/* the failed site's, in the site table */
	struct fp_model_frames *crash_frames;	/* from a crash record, if any */
	char crash_kind[16];		/* "signal", "double-free", "invalid-free" */
	char *group;			/* where it ends: runs alike are one finding */
	double seconds;
	int served;			/* cloned by a run server, not exec'd */
	int finished;			/* ended (or replayed), maybe not yet read */
	size_t q_next;			/* the queue before it was taken: a stop */
	uint64_t q_k;			/* puts the queue back there */
};

struct fp_xstate {
	struct fp_explore *x;
	struct fp_xsite *sites;		/* in discovery order (the queue) */
	size_t nsites, cap;
	uint64_t *seen;			/* open addressing over ids, 0 = empty */
	size_t *seen_at;		/* the site's index in sites */
	size_t seen_cap;
	struct fp_xrun *runs;
	size_t nruns, runs_cap;
	int base_code;
	uint64_t base_eligible;
	int judge_output;		/* two baselines printed the same */
	char *base_out;			/* the baseline's standard output */
	size_t base_out_len;
	const struct fp_json *recorded;	/* --resume: the runs read back, not made */
	size_t next;			/* the next queued site (sites mode) */
	uint64_t k;			/* the next index (nth mode) */
	size_t untried;			/* left when the exploration stopped */
	int stopped_by;			/* SIGTERM or SIGINT that stopped it, or 0 */
	const char *scratch;		/* where new runs are made (explore-scratch.c), or NULL */
	int scratch_here;		/* on --out's file system: a kept run is renamed */
};


/* Sites (or indices) not run when the exploration ended (explore-state.c). */
size_t fp_xuntried(const struct fp_xstate *s);

/* Why the baseline @b leaves nothing to explore, in @why; 0 when it does not. */
int fp_xunexplorable(const struct fp_xstate *s, const struct fp_xrun *b, char *why, size_t size);

/* Whether @summary records an exploration of @x's command, mode and shard. */
int fp_xsame_exploration(const struct fp_explore *x, const struct fp_json *summary);

/* Read every report of run @r; new sites join the queue (explore-read.c). */
void fp_xread_run(struct fp_xstate *s, struct fp_xrun *r);

/* Class and group of @r, from how it ended, its reports and its output. */
void fp_xclassify(struct fp_xstate *s, struct fp_xrun *r);

/* The group of @r, of class r->cls: where it ends (NULL: survived or handled). */
void fp_xgroup(struct fp_xrun *r);

/*
 * The scratch directory (explore-scratch.c). fp_xscratch_make() makes it,
 * in /dev/shm or inside x->out, into s->scratch: 0, or -1 (said).
 * fp_xscratch_settle() moves run @r, read and classed, to x->out/runs/NNNN
 * (r->dir then names it) when it is kept, else removes its files; a run
 * not made in the scratch directory stays. fp_xscratch_remove() removes
 * the scratch directory and the runs left in it (an exit() does too).
 */
int fp_xscratch_make(struct fp_xstate *s);
void fp_xscratch_settle(struct fp_xstate *s, struct fp_xrun *r);
void fp_xscratch_remove(struct fp_xstate *s);

/*
 * fp_xstart() - start run @r in @p: its site or index, its report
 * directory, its streams; by slot @slot's run server if there is one (-1:
 * exec'd). With @pending, a served run's pid is left to come: *@pending is
 * set, and fp_xstarted() takes it (while it comes, explore reads results).
 * A served run started @gated waits at its gate (tools/runserver.h).
 * Return: 0, or -errno. fp_xended(): how @p ended, into @r.
 */
struct fp_run;
int fp_xstart(struct fp_xstate *s, struct fp_xrun *r, struct fp_run *p, int slot, int *pending,
	      int gated);
int fp_xstarted(struct fp_xstate *s, struct fp_xrun *r, struct fp_run *p, int slot);
void fp_xended(struct fp_xrun *r, const struct fp_run *p);

/* Slot @slot's run under way is @pid (0: none): a stop kills its group. */
void fp_xactive(unsigned slot, pid_t pid);

/* The signal that stops explore, or 0. */
int fp_xstop_sig(void);

/* The next runs from the queue into s->runs, up to @want; how many. */
size_t fp_xtake(struct fp_xstate *s, size_t want);

/*
 * The runs of one stream(): a slot per job, its run under way and, when
 * its server can make it, its next run, made and waiting at its gate, so
 * that the job goes on as soon as its run ends.
 */
struct fp_xjobs {
	struct fp_run procs[FP_EXPLORE_JOBS_MAX];
	size_t of[FP_EXPLORE_JOBS_MAX];	/* the run in each slot */
	int pending[FP_EXPLORE_JOBS_MAX];	/* asked of its server, pid not taken yet */
	struct fp_run next[FP_EXPLORE_JOBS_MAX];
	size_t next_of[FP_EXPLORE_JOBS_MAX];
	int has_next[FP_EXPLORE_JOBS_MAX], next_pending[FP_EXPLORE_JOBS_MAX];
	unsigned live, n;
	int ahead;			/* next runs are made ahead (a CPU is left for them) */
};

/*
 * fp_xjobs_fill() - free slots filled: by their next run, let through its
 * gate, or from the queue; then a next run made for each slot its server
 * serves. fp_xjobs_collect() takes the pids of the runs under way asked of
 * servers (and, with @nexts, of the next runs); fp_xjobs_end() ends and
 * reaps every run and next run, fp_xjobs_end_live() the runs of @procs.
 * Return: 0, or -1 (said) when a run could not start.
 */
int fp_xjobs_fill(struct fp_xstate *s, struct fp_xjobs *j, size_t *unread);

/*
 * fp_xjobs_ahead() - whether each job's next run is made ahead, and waits
 * at its gate: only while a CPU is left over for it (fewer @jobs than
 * CPUs this process may run on). Where every CPU runs a job, a run let
 * through its gate is woken on a CPU another run holds, and the scheduler
 * may leave it waiting there for milliseconds while its own job's CPU
 * idles; a run cloned when its job is free starts where the kernel finds
 * room.
 */
int fp_xjobs_ahead(unsigned jobs);
int fp_xjobs_collect(struct fp_xstate *s, struct fp_xjobs *j, int nexts);
void fp_xjobs_end(struct fp_xstate *s, struct fp_xjobs *j);
void fp_xjobs_end_live(struct fp_run *procs, unsigned jobs);

/* Whether the run whose files are in @dir printed what the baseline printed. */
int fp_xsame_output(const struct fp_xstate *s, const char *dir);

/*
 * explore's run servers (explore-serve.c): fp_xserve_spawn() starts one per
 * job, fp_xserve_ready() waits until they say they serve (all or none: how
 * many), fp_xserve_slot() is slot @slot's or NULL.
 */
struct fp_run;
void fp_xserve_spawn(const struct fp_explore *x);
unsigned fp_xserve_ready(const struct fp_explore *x);
struct fp_runserver *fp_xserve_slot(unsigned slot);
void fp_xserve_close(void);

/* Send the sites known (the baseline's) to the servers, whose runs then start with their frames warm. */
void fp_xserve_warm(const struct fp_xstate *s);

/* How a second baseline run @p, its files in @dir, differs from the first: FP_XDIFF_* bits. */
#define FP_XDIFF_STATUS		1u
#define FP_XDIFF_ELIGIBLE	2u	/* eligible allocations */
#define FP_XDIFF_OUTPUT		4u
#define FP_XDIFF_SITES		8u	/* the set of sites its reports show */
unsigned fp_xserve_differs(const struct fp_xstate *s, const char *dir, const struct fp_run *p);

/* Whether run @p was served and ended by a signal (not the timeout's): it is made again, exec'd. */
int fp_xserve_suspect(const struct fp_run *p);

/* Load @path whole; NULL when it cannot be read. */
char *fp_xslurp(const char *path, size_t *len);

/* The site of id @id in the table, or NULL. */
struct fp_xsite *fp_xsite_find(const struct fp_xstate *s, uint64_t id);

/* Add @id to the table of sites seen: 1 new (at index @at), 0 known, -1 no memory. */
int fp_xseen_add(struct fp_xstate *s, uint64_t id, size_t at);

/* "sym (obj) < ..." of up to @max frames; file:line too if @lines. */
char *fp_xstack(const struct fp_model_frames *frames, unsigned max, int lines);

/* Free frames kept from a report. */
void fp_xframes_free(struct fp_model_frames *f);

/*
 * The index of the innermost of @frames outside the C and C++ runtime, the
 * loader, the allocator and failpool (0 when all are): where a stack ends
 * in the program's own code.
 */
size_t fp_xown_frame(const struct fp_model_frames *frames);

/* The length of the well-formed UTF-8 sequence at @s (2 to 4 bytes), or 0 (explore-junit.c; the HTML page too). */
size_t fp_xutf8_len(const unsigned char *s);

/* "a run"/"2 runs": @n and the noun in the right number. */
const char *fp_xplural(unsigned long n, const char *one, const char *many, char *buf, size_t size);

/* The progress line, on a terminal only. */
void fp_xprogress_start(const struct fp_explore *x);
void fp_xprogress(const struct fp_xstate *s, const char *what);
void fp_xprogress_end(void);

/* A finding: the runs that end in the same place. */
struct fp_xfinding {
	const struct fp_xrun *first;
	const struct fp_xrun **runs;
	unsigned nruns;
	int fails;			/* of a --fail-on class */
	char repro[PATH_MAX + 32];
};

/**
 * fp_xreport() - the table on stdout, summary.json, repro-N.sh and the
 * JUnit file in x->out.
 * Return: 0 when no run is of a --fail-on class, 1 otherwise.
 */
int fp_xreport(struct fp_xstate *s);

/* The JSON of the summary, whole, into @fd (explore-out.c). */
int fp_xsummary(struct fp_xstate *s, const struct fp_xfinding *f, unsigned nf, int fd);

/* repro-@n.sh for finding @f: path into f->repro (explore-repro.c). */
void fp_xrepro(const struct fp_xstate *s, unsigned n, struct fp_xfinding *f);

/* The JUnit XML file (explore-junit.c). */
int fp_xjunit(const struct fp_xstate *s, const struct fp_xfinding *f, unsigned nf);

/* A finding's one-line heading, "CRASHED  SIGSEGV in ..." (no newline). */
void fp_xheading(FILE *out, const struct fp_explore *x, const struct fp_xfinding *f);

/* A new run at the end of @s->runs, its directory @dir/runs/NNNN (NULL: not yet). */
struct fp_xrun *fp_xnew_run(struct fp_xstate *s, const char *dir, unsigned dir_index);

/*
 * fp_xreplay() - run @r as recorded in summary.json's @rec: how it ended,
 * then its reports read and classed.
 * Return: 0, or -1 when @rec is not a run of this exploration.
 */
int fp_xreplay(struct fp_xstate *s, struct fp_xrun *r, const struct fp_json *rec);

/* The summary.json in @dir, checked; NULL after saying why on stderr. */
struct fp_json *fp_xload_summary(const char *dir);

/* Free @s's tables. */
void fp_xstate_free(struct fp_xstate *s);

#endif
