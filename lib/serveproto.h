/*
 * The run server's protocol, between `failpool explore` and the shim
 * (lib/serve.c, tools/explore-serve.c). explore starts the program once
 * with SERVE_VAR=FD in its environment, FD one end of an AF_UNIX
 * SOCK_SEQPACKET pair: the shim's constructor, before it reads any
 * FAILPOOL_* variable, answers HELLO (or NO, then _exit(0): it never runs
 * the program), and then, per request, forks a run that continues into
 * the shim's boot and the program's main as a fresh process would.
 *
 * A request is one message: its id (a uint32_t, explore's), the run's whole
 * environment as NUL-terminated NAME=VALUE strings, then an empty one; its stdin, stdout and stderr as
 * SCM_RIGHTS, and maybe a fourth descriptor, its gate: one end of a
 * socket pair, on which the run, set up, waits for one byte before it boots (so
 * that explore can have the next run of a job made while the job's
 * current run goes on); EOF there ends it unrun. The reply: STARTED with the run's pid, sent by the run
 * itself as its first act, a child of explore's (CLONE_PARENT), which reaps
 * it; or FAILED from the server. EOF on the socket ends the server.
 *
 * A warming request (id FP_SERVE_WARM, no descriptors, no reply) lists
 * frames the runs will unwind through, the baseline's: per frame a length
 * byte, the object's name as a report writes it, and its offset as a
 * native uint64_t. The server warms libunwind's caches with them once,
 * and every run cloned after it starts with them warm.
 */
#ifndef FP_SERVEPROTO_H
#define FP_SERVEPROTO_H

#include <stdint.h>

/* Not FAILPOOL_*: every FAILPOOL_ name is the user's, and checked. */
#define FP_SERVE_VAR		"_FAILPOOL_SERVE_FD"

/* The id of a warming request (explore's run ids count from 0 up). */
#define FP_SERVE_WARM		0xffffffffu

/* The largest request: an environment bigger than this runs the ordinary way. */
#define FP_SERVE_REQ_MAX	(1024 * 1024)

enum fp_serve_kind {
	FP_SERVE_HELLO = 1,	/* ready for requests */
	FP_SERVE_NO,		/* cannot serve (booted already, threads): exec instead */
	FP_SERVE_STARTED,	/* pid: the run, explore's child; status: the request's id */
	FP_SERVE_FAILED,	/* it could not be cloned, status: errno */
};

struct fp_serve_reply {
	int32_t kind;
	int32_t pid;
	int32_t status;
};

#endif
