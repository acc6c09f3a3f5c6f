/*
 * Runs cloned by a run server (lib/serveproto.h): the program started
 * once under the shim, stopped where the shim is about to read its
 * configuration; each run is cloned from there as our child instead of
 * exec'd, and skips exec, the loader and what the shim loads at boot.
 */
#ifndef FP_RUNSERVER_H
#define FP_RUNSERVER_H

#include <stdint.h>
#include <sys/types.h>

#include "runner.h"
#include "serveproto.h"

/* Runs asked of one server at a time, at most: a job's run and its next. */
#define FP_RUNSERVER_STASH	4

struct fp_runserver {
	pid_t pid;		/* 0: none */
	int fd;			/* our end of its socket, -1: none */
	int ready;		/* it said HELLO */
	uint32_t last_id;	/* of the last request */
	struct fp_serve_reply stash[FP_RUNSERVER_STASH];	/* answers read before their turn */
	unsigned nstash;
};

/**
 * fp_runserver_spawn() - start @cmd as a run server, with the environment
 * of a run that has no settings of its own (LD_PRELOAD=@preload, the
 * FAILPOOL_* variables of @keep); it gets ready meanwhile.
 * Return: 0, or -1 (nothing left running).
 */
int fp_runserver_spawn(struct fp_runserver *sv, char *const *cmd, const char *preload,
		       const char *const *keep);

/**
 * fp_runserver_ready() - wait up to @timeout_ns (0: no limit) for @sv to
 * say whether it can serve.
 * Return: 0 when it serves; -1 when it cannot (it is stopped).
 */
int fp_runserver_ready(struct fp_runserver *sv, uint64_t timeout_ns);

/**
 * fp_runserver_send() - ask @sv for a run in @r: the environment a spawned
 * run with @vars would have, streams as @io says. fp_runserver_started()
 * then waits for its pid: the run, our child in its own process group, is
 * waited for by fp_run_wait() and fp_run_wait_any() as any run is.
 * Return: 0, -errno when a stream cannot be opened (the run's error), or
 * -ECONNRESET when it cannot serve this run: start it the ordinary way
 * (the server is gone, and stopped; or the environment is too big for a
 * request, or no memory for one, and the server stays).
 */
int fp_runserver_send(struct fp_runserver *sv, struct fp_run *r, const char *preload,
		      char *const *vars, const char *const *keep, const struct fp_run_io *io,
		      int gated);
int fp_runserver_started(struct fp_runserver *sv, struct fp_run *r);

/**
 * fp_runserver_warm() - have @sv warm libunwind's caches with the frames
 * of @body (@len bytes, serveproto.h's FP_SERVE_WARM records) before the
 * runs asked of it next; no answer comes.
 * Return: 0, or -1 when it could not be sent (nothing changes).
 */
int fp_runserver_warm(struct fp_runserver *sv, const void *body, size_t len);

/*
 * A run sent @gated waits, set up, at its gate: fp_runserver_go() lets it
 * boot (its time starts then), fp_runserver_cancel() ends it unrun and
 * reaps it (its pid taken or not).
 */
void fp_runserver_go(struct fp_run *r);
void fp_runserver_cancel(struct fp_run *r);

/* fp_runserver_stop() - end @sv (EOF, then SIGKILL) and reap it. */
void fp_runserver_stop(struct fp_runserver *sv);

#endif
