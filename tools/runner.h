/*
 * Running CMD under the shim for explore: each run in its own process
 * group (a hung run is killed whole), stdout and stderr to a file, stdin
 * from /dev/null, the FAILPOOL_* environment replaced by the run's own.
 */
#ifndef FP_RUNNER_H
#define FP_RUNNER_H

#include <stdint.h>
#include <sys/types.h>

struct fp_run {
	pid_t pid;			/* 0: not started (could not fork) */
	uint64_t start_ns;
	int status;			/* wait status, when !timed_out */
	int timed_out;			/* killed after the timeout */
	int done;
	double seconds;
	/*
	 * Set by the caller after starting: a signal sent to the run's first
	 * process at the timeout, so that it can say where it was stuck; the
	 * group is killed once it ends or 2 s later (0: killed at once).
	 */
	int last_words;
	uint64_t killed_ns;
	int served;			/* cloned by a run server (runserver.h) */
	int gated;			/* served, waiting at its gate (runserver.h) */
	int gate;			/* gated: the gate's write end */
	uint32_t serve_id;		/* served: its request's id */
};

/* Where a run's standard streams go: NULL in: /dev/null; NULL err: with out. */
struct fp_run_io {
	const char *in, *out, *err;
};

/**
 * fp_run_start() - start @cmd with LD_PRELOAD=@preload and the NAME=VALUE
 * settings @vars (every other FAILPOOL_* variable but those in @keep is
 * removed), output to @out.
 * Return: 0, or -errno (fork failed).
 */
int fp_run_start(struct fp_run *r, char *const *cmd, const char *preload,
		 char *const *vars, const char *const *keep, const char *out);

/* fp_run_start() with each standard stream from or to its own file. */
int fp_run_start_io(struct fp_run *r, char *const *cmd, const char *preload,
		    char *const *vars, const char *const *keep, const struct fp_run_io *io);

/**
 * fp_run_wait() - wait for every started run of @runs, killing the
 * process group of any that runs past @timeout_ns.
 */
void fp_run_wait(struct fp_run *runs, unsigned n, uint64_t timeout_ns);

/**
 * fp_run_wait_any() - fp_run_wait() until at least one started run of
 * @runs that had not ended has ended (at once when none is left). Slots
 * with pid 0 or done are skipped.
 */
void fp_run_wait_any(struct fp_run *runs, unsigned n, uint64_t timeout_ns);

/*
 * fp_run_env() - the environment of a run: environ without LD_PRELOAD and
 * the FAILPOOL_* variables not in @keep, then @vars, then
 * LD_PRELOAD=@preload. Free with fp_run_env_free().
 * Return: the array, or NULL (out of memory).
 */
char **fp_run_env(const char *preload, char *const *vars, const char *const *keep);
void fp_run_env_free(char **env);

/*
 * fp_run_open_streams() - open a run's stdin, stdout and stderr into
 * @fds, close-on-exec (stderr may be stdout's descriptor).
 * Return: 0, or -errno when one cannot be opened (none left open).
 */
int fp_run_open_streams(const struct fp_run_io *io, int fds[3]);
void fp_run_close_streams(const int fds[3]);

/* Monotonic nanoseconds. */
uint64_t fp_now_ns(void);

#endif
